"""The weekly digest (issue 12 item 9): what changed, the top recommendations and alerts with one
example conversation each — in-app (``/dashboards/digest/``) and by e-mail, per user and role.

The digest is a read of the same engine the pages use (``widgets.kpi`` with privacy mode): last
7 days against the 7 before. A change is called out as a finding only when it is significant
(two-proportion z-test, p < 0.05, both weeks above the minimum sample) for rates, or a change of
at least 20% for volumes; everything else is listed without comment. Example conversations are
links with their assistant, intent and outcome — never message content (masking is the page's).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from apps.accounts.models import Role, User
from apps.analytics.definitions import min_sample
from apps.analytics.metric_selectors import LOWER_IS_BETTER, SUMMARY_METRICS
from apps.analytics.services import day_start
from apps.analytics.stats import compare_proportions
from apps.conversations.models import Conversation
from apps.dashboards.findings import decision_href, decisions_in_scope
from apps.dashboards.scope import Scope, conversation_url
from apps.dashboards.widgets import Kpi, is_rate, kpi, total
from apps.registry.selectors import assistants_visible_to

# What each role watches, in order; a user with several roles gets the union (first six).
ROLE_METRICS: dict[str, tuple[str, ...]] = {
    Role.ADMIN: ("active_users", "success_rate", "cost_usd", "value_usd"),
    Role.OWNER: ("active_users", "success_rate", "acceptance_rate", "frustration_rate"),
    Role.PRODUCT: ("active_users", "acceptance_rate", "regeneration_rate", "rephrase_rate"),
    Role.CX: ("frustration_rate", "abandonment_rate", "escalation_rate", "success_rate"),
    Role.COMPLIANCE: ("conversations", "active_users"),
    Role.VIEWER: SUMMARY_METRICS,
}
LABELS = {
    "active_users": "Active users",
    "conversations": "Conversations",
    "success_rate": "Success rate",
    "acceptance_rate": "Acceptance",
    "frustration_rate": "Frustration",
    "regeneration_rate": "Regenerations per task",
    "rephrase_rate": "Rephrase rate",
    "abandonment_rate": "Abandonment",
    "escalation_rate": "Escalation",
    "cost_usd": "Cost",
    "value_usd": "Value",
    "thumbs_up_rate": "Thumbs up",
}
VOLUME_CHANGE = 0.20


@dataclass(frozen=True)
class Change:
    kpi: Kpi
    notable: bool  # significant (rates) or >= 20% (volumes)
    evidence: str = ""


@dataclass(frozen=True)
class Example:
    title: str  # "HR assistant: es users rephrase 29% vs 11% …"
    href: str
    kind: str  # alert | recommendation
    conversation_href: str | None


@dataclass
class Digest:
    user: User
    week_from: date
    week_to: date
    changes: list[Change] = field(default_factory=list)
    examples: list[Example] = field(default_factory=list)

    @property
    def notable(self) -> list[Change]:
        return [c for c in self.changes if c.notable]

    @property
    def empty(self) -> bool:
        return not self.changes and not self.examples


def metrics_for(user: User) -> list[str]:
    seen: list[str] = []
    for role in user.roles:
        for slug in ROLE_METRICS.get(role, ()):
            if slug not in seen:
                seen.append(slug)
    return seen[:6]


def _notable(scope: Scope, slug: str) -> tuple[bool, str]:
    now, before = total(scope, slug), total(scope.previous(), slug)
    if now is None or before is None or now.suppressed or before.suppressed:
        return False, ""
    if is_rate(slug):
        if now.numerator is None or now.denominator is None or before.numerator is None or before.denominator is None:
            return False, ""
        cmp = compare_proportions(
            now.numerator,
            now.denominator,
            before.numerator,
            before.denominator,
            min_sample=min_sample(),
            higher_is_better=slug not in LOWER_IS_BETTER,
        )
        if cmp.winner is None or cmp.p_value is None:
            return False, ""
        p = "p < 0.001" if cmp.p_value < 0.001 else f"p = {cmp.p_value:.3f}"
        return True, f"{p}, n = {now.denominator:,} / {before.denominator:,}"
    if now.value is None or not before.value:
        return False, ""
    return abs(now.value - before.value) / abs(before.value) >= VOLUME_CHANGE, ""


def _had_traffic(scope: Scope, *, since: date) -> bool:
    """Any conversation of the scope's assistants in the two weeks compared."""
    return Conversation.objects.filter(
        assistant_id__in=scope.assistant_ids,
        started_at__gte=day_start(since),
        started_at__lt=day_start(scope.date_to + timedelta(days=1)),
    ).exists()


def digest_build(*, user: User, today: date, examples: int = 3) -> Digest:
    """The digest of ``user`` for the 7 days ending yesterday (a complete week of data)."""
    end = today - timedelta(days=1)
    start = end - timedelta(days=6)
    scope = Scope(
        user=user,
        date_from=start,
        date_to=end,
        interval="day",
        assistants=tuple(assistants_visible_to(user=user).order_by("name")),
        filters={},
        params=(("from", start.isoformat()), ("to", end.isoformat())),
    )
    digest = Digest(user=user, week_from=start, week_to=end)
    if not scope.assistants or not _had_traffic(scope, since=scope.previous().date_from):
        return digest  # nothing to report (and no e-mail of dashes)
    for slug in metrics_for(user):
        notable, evidence = _notable(scope, slug)
        figure = kpi(scope, slug, LABELS.get(slug, slug), href=scope.explorer_url())
        digest.changes.append(Change(kpi=figure, notable=notable, evidence=evidence))
    if user.roles != [Role.VIEWER]:  # a viewer reads summary metrics only
        alerts, recs = decisions_in_scope(scope, limit=examples)
        for kind, decisions in (("alert", alerts), ("recommendation", recs)):
            for d in decisions:
                ids = (d.evidence or {}).get("conversation_ids") or []
                digest.examples.append(
                    Example(
                        title=f"{d.assistant.name}: {d.summary}",
                        href=decision_href(scope, d),
                        kind=kind,
                        conversation_href=conversation_url(int(ids[0])) if ids else None,
                    )
                )
        digest.examples = digest.examples[:examples]
    return digest


def digest_email(*, digest: Digest, base_url: str) -> EmailMultiAlternatives:
    context: dict[str, Any] = {"digest": digest, "base_url": base_url.rstrip("/")}
    subject = f"Tessera weekly digest, {digest.week_from:%d %b} – {digest.week_to:%d %b %Y}"
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("dashboards/email/digest.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[digest.user.email],
    )
    message.attach_alternative(render_to_string("dashboards/email/digest.html", context), "text/html")
    return message
