"""Reads of the extra shadow-AI signals (docs/shadow-ai.md "More signals").

Like the other shadow-AI reads, only admin and compliance get anything: the central AI team and
compliance are who act on unregistered models, external-AI mentions and launch impact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from apps.accounts.models import User
from apps.audit.models import AuditEntry
from apps.detection.models import AIUsageDaily, ExternalAIMention, UnregisteredModelFinding
from apps.detection.shadow.catalog import CATEGORIES, Catalog
from apps.detection.shadow.selectors import (
    SanctionInputs,
    can_read_shadow_ai,
    sanction_inputs,
    sanctions_from,
)
from apps.detection.shadow.services import tenant_catalog
from apps.registry.models import Assistant, AssistantStatus, Department

LAUNCH_WINDOW_DAYS = 28


def unregistered_models_list(*, user: User, assistant_id: int | None = None) -> QuerySet[UnregisteredModelFinding]:
    """Unregistered-model findings, most recently seen first."""
    if not can_read_shadow_ai(user):
        return UnregisteredModelFinding.objects.none()
    qs = UnregisteredModelFinding.objects.select_related("assistant", "assistant__department")
    return qs.filter(assistant_id=assistant_id) if assistant_id is not None else qs


def external_mentions_list(
    *, user: User, service_key: str = "", assistant_id: int | None = None
) -> QuerySet[ExternalAIMention]:
    """External-AI mentions in user messages, newest first (offsets into the stored content)."""
    if not can_read_shadow_ai(user):
        return ExternalAIMention.objects.none()
    qs = ExternalAIMention.objects.select_related("conversation", "conversation__assistant")
    if service_key:
        qs = qs.filter(service_key=service_key)
    if assistant_id is not None:
        qs = qs.filter(conversation__assistant_id=assistant_id)
    return qs


@dataclass(frozen=True)
class MentionCount:
    service_key: str
    product: str
    mentions: int
    conversations: int
    users: int


def external_mentions_by_service(*, user: User, date_from: date | None = None) -> list[MentionCount]:
    """Per external service: mentions, conversations and distinct end users, most mentions first."""
    qs = external_mentions_list(user=user)
    if date_from is not None:
        qs = qs.filter(created_at__date__gte=date_from)
    catalog = tenant_catalog()
    rows = (
        qs.order_by()
        .values("service_key")
        .annotate(
            n=Count("id"),
            conversations=Count("conversation_id", distinct=True),
            users=Count("conversation__user_id", distinct=True),
        )
    )
    out = [
        MentionCount(
            service_key=row["service_key"],
            product=catalog.services[row["service_key"]].product
            if row["service_key"] in catalog.services
            else row["service_key"],
            mentions=row["n"],
            conversations=row["conversations"],
            users=row["users"],
        )
        for row in rows
    ]
    return sorted(out, key=lambda m: (-m.mentions, m.service_key))


# --- before/after a sanctioned launch -----------------------------------------------------------

# The registry records no category; the assistant's name and purpose say what kind of tool it is.
_CATEGORY_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("coding_assistant", re.compile(r"\b(?:cod(?:e|ing)|developer|programming|devs?)\b", re.IGNORECASE)),
    ("image_generation", re.compile(r"\b(?:image|images|design|illustration)\b", re.IGNORECASE)),
    ("meeting_ai", re.compile(r"\b(?:meeting|meetings|transcri\w*|notetaker)\b", re.IGNORECASE)),
    ("ai_search", re.compile(r"\b(?:search|knowledge base|enterprise search)\b", re.IGNORECASE)),
    ("voice_audio", re.compile(r"\b(?:voice|speech|audio)\b", re.IGNORECASE)),
)


def assistant_category(assistant: Assistant) -> str:
    """The catalog category an assistant competes with: from words in its name and purpose
    (a "Code assistant" is a coding assistant), else ``chat_assistant``."""
    text = f"{assistant.name} {assistant.purpose}"
    return next((category for category, rx in _CATEGORY_WORDS if rx.search(text)), "chat_assistant")


def approval_dates(assistants: list[Assistant]) -> dict[int, date | None]:
    """The day each assistant became *approved* (one audit query for all of them).

    Approved by an update (``assistant.update`` with status approved): that day. Registered
    already approved (``assistant.register``): its ``launched_on`` when that is earlier, since
    registering a running assistant records a launch that happened before (the demo registers
    assistants launched months ago on the seeding day); else the registration day. No audit entry:
    ``launched_on``. None when nothing says."""
    first: dict[int, tuple[str, date]] = {}
    for target_id, action, created_at in (
        AuditEntry.objects.filter(
            target_type=Assistant._meta.label_lower,
            target_id__in=[str(a.pk) for a in assistants],
            action__in=("assistant.register", "assistant.update"),
            after__status=AssistantStatus.APPROVED,
        )
        .order_by("created_at", "id")
        .values_list("target_id", "action", "created_at")
    ):
        first.setdefault(int(target_id), (action, timezone.localdate(created_at)))
    out: dict[int, date | None] = {}
    for assistant in assistants:
        entry = first.get(assistant.pk)
        if entry is None:
            out[assistant.pk] = assistant.launched_on
            continue
        action, day = entry
        launched = assistant.launched_on
        out[assistant.pk] = launched if action == "assistant.register" and launched and launched < day else day
    return out


def approval_date(assistant: Assistant) -> date | None:
    """``approval_dates`` of one assistant."""
    return approval_dates([assistant])[assistant.pk]


@dataclass(frozen=True)
class WindowUse:
    date_from: date
    date_to: date
    days: int  # days of the window that have elapsed (the after window may still be running)
    requests: int
    requests_per_day: float | None
    users_per_day: float | None  # mean of the daily distinct users
    distinct_users: int  # over the whole window
    daily: list[tuple[date, int, int]]  # (day, requests, users), every elapsed day, zeros included


@dataclass(frozen=True)
class LaunchImpact:
    assistant_id: int
    assistant: str
    department_id: int
    department: str
    category: str
    approved_on: date
    window_days: int
    services: tuple[str, ...]  # the shadow services of the category counted in both windows
    before: WindowUse
    after: WindowUse
    complete: bool  # the after window has fully elapsed
    requests_change: float | None  # relative: (after - before) / before, per day
    users_change: float | None
    requests_p_value: float | None  # Mann-Whitney U over the daily counts, two-sided
    users_p_value: float | None
    summary: str


def _windows(
    *, department_id: int, keys: set[str], approved_on: date, days: int, today: date, logs_from: date | None
) -> tuple[WindowUse, WindowUse]:
    """The before and after windows, read together: one query per day's (requests, users), one for
    the distinct users of each window. Days before the first egress log are unknown, not zero: the
    before window starts no earlier than ``logs_from`` (and is empty when no log covers it)."""
    before_from, before_to = approved_on - timedelta(days=days), approved_on - timedelta(days=1)
    if logs_from is None:
        before_from = approved_on  # no log at all: nothing before is known
    elif logs_from > before_from:
        before_from = min(logs_from, approved_on)
    after_from, after_to = approved_on + timedelta(days=1), approved_on + timedelta(days=days)
    per_day: dict[date, tuple[int, int]] = {}
    distinct = {"before": 0, "after": 0}
    last = min(after_to, today)
    # No query when no log covers either window (an assistant launched long before the first log).
    if keys and before_from <= last and logs_from is not None and logs_from <= last:
        usage = AIUsageDaily.objects.filter(
            department_id=department_id, service_key__in=keys, date__gte=before_from, date__lte=last
        ).exclude(date=approved_on)
        per_day = {
            row["date"]: (row["n"], row["users"])
            for row in usage.values("date").annotate(n=Sum("requests"), users=Count("user_ref", distinct=True))
        }
        distinct = usage.aggregate(
            before=Count("user_ref", distinct=True, filter=Q(date__lt=approved_on)),
            after=Count("user_ref", distinct=True, filter=Q(date__gt=approved_on)),
        )

    def window(date_from: date, date_to: date, users: int) -> WindowUse:
        elapsed = max(0, (min(date_to, today) - date_from).days + 1)
        daily = [(day, *per_day.get(day, (0, 0))) for day in (date_from + timedelta(days=i) for i in range(elapsed))]
        requests = sum(n for _, n, _ in daily)
        return WindowUse(
            date_from=date_from,
            date_to=date_to,
            days=elapsed,
            requests=requests,
            requests_per_day=requests / elapsed if elapsed else None,
            users_per_day=sum(u for _, _, u in daily) / elapsed if elapsed else None,
            distinct_users=users,
            daily=daily,
        )

    return window(before_from, before_to, distinct["before"]), window(after_from, after_to, distinct["after"])


def _change(before: float | None, after: float | None) -> float | None:
    if before is None or after is None or before == 0:
        return None
    return (after - before) / before


def _mann_whitney(a: list[int], b: list[int]) -> float | None:
    if len(a) < 2 or len(b) < 2 or len(set(a) | set(b)) < 2:
        return None  # too few days, or every day the same: nothing to test
    from scipy.stats import mannwhitneyu  # heavy: loaded only when a launch is compared

    return float(mannwhitneyu(a, b, alternative="two-sided").pvalue)


def _summary(
    *,
    assistant: str,
    department: str,
    category_label: str,
    approved_on: date,
    before: WindowUse,
    after: WindowUse,
    change: float | None,
    p_value: float | None,
) -> str:
    lead = f"After {assistant} was approved on {approved_on.isoformat()}, shadow {category_label} use in {department}"
    if before.days == 0:
        return f"{lead}: no egress log covers the days before it, nothing to compare with."
    if change is None or before.requests_per_day is None or after.requests_per_day is None:
        return f"{lead}: no shadow use in the {before.days} days before to compare with."
    direction = "fell" if change < 0 else "rose"
    test = f"Mann-Whitney p = {p_value:.3g}" if p_value is not None else "no test"
    return (
        f"{lead} {direction} {abs(change):.0%} (requests per day {before.requests_per_day:.1f} → "
        f"{after.requests_per_day:.1f} over {before.days} / {after.days} days; {test})."
    )


def launch_impact(
    *,
    user: User,
    assistant_id: int,
    category: str | None = None,
    days: int = LAUNCH_WINDOW_DAYS,
    approved_on: date | None = None,
    today: date | None = None,
    catalog: Catalog | None = None,
    inputs: SanctionInputs | None = None,
    assistant: Assistant | None = None,
    logs_from: date | None = None,
) -> LaunchImpact | None:
    """The assistant's department's shadow use of the assistant's category in the ``days`` before
    vs after its approval (the approval day in neither window). Shadow = services of the category
    whose vendor nothing *but this assistant* sanctions for the department, so the same services
    count on both sides. None when the user may not read shadow AI, the assistant is not approved,
    or no approval date is known."""
    if not can_read_shadow_ai(user) or days < 1:
        return None
    if assistant is None or assistant.pk != assistant_id:
        assistant = Assistant.objects.select_related("department").filter(pk=assistant_id).first()
    if assistant is None or assistant.status != AssistantStatus.APPROVED:
        return None
    approved_on = approved_on or approval_date(assistant)
    if approved_on is None:
        return None
    category = category or assistant_category(assistant)
    if category not in CATEGORIES:
        raise ValueError(f"unknown category: {category}")
    today = today or timezone.localdate()
    catalog = catalog or tenant_catalog()
    rules = sanctions_from(inputs or sanction_inputs(), exclude_assistant_id=assistant.pk)
    keys = {
        s.key
        for s in catalog
        if s.category == category
        and not rules.sanctioned(vendor=s.vendor, department_id=assistant.department_id, service_key=s.key)
    }

    before, after = _windows(
        department_id=assistant.department_id,
        keys=keys,
        approved_on=approved_on,
        days=days,
        today=today,
        logs_from=logs_from if logs_from is not None else usage_first_day(),
    )
    requests_change = _change(before.requests_per_day, after.requests_per_day)
    requests_p = _mann_whitney([n for _, n, _ in before.daily], [n for _, n, _ in after.daily])
    return LaunchImpact(
        assistant_id=assistant.pk,
        assistant=assistant.name,
        department_id=assistant.department_id,
        department=assistant.department.name,
        category=category,
        approved_on=approved_on,
        window_days=days,
        services=tuple(sorted(keys)),
        before=before,
        after=after,
        complete=after.days == days,
        requests_change=requests_change,
        users_change=_change(before.users_per_day, after.users_per_day),
        requests_p_value=requests_p,
        users_p_value=_mann_whitney([u for _, _, u in before.daily], [u for _, _, u in after.daily]),
        summary=_summary(
            assistant=assistant.name,
            department=assistant.department.name,
            category_label=category.replace("_", " "),
            approved_on=approved_on,
            before=before,
            after=after,
            change=requests_change,
            p_value=requests_p,
        ),
    )


def launch_impacts(*, user: User, days: int = LAUNCH_WINDOW_DAYS, today: date | None = None) -> list[LaunchImpact]:
    """``launch_impact`` of every approved assistant with a known approval date, newest launch first."""
    if not can_read_shadow_ai(user):
        return []
    catalog = tenant_catalog()
    inputs = sanction_inputs()
    assistants = list(Assistant.objects.filter(status=AssistantStatus.APPROVED).select_related("department"))
    dates = approval_dates(assistants)
    logs_from = usage_first_day()
    out = []
    for assistant in assistants:
        if dates[assistant.pk] is None:
            continue
        impact = launch_impact(
            user=user,
            assistant_id=assistant.pk,
            days=days,
            today=today,
            catalog=catalog,
            inputs=inputs,
            assistant=assistant,
            approved_on=dates[assistant.pk],
            logs_from=logs_from,
        )
        if impact is not None:
            out.append(impact)
    return sorted(out, key=lambda i: (i.approved_on, i.assistant_id), reverse=True)


# --- daily usage series (analytics' traffic-spike rule reads them) ----------------------------


def usage_daily_totals(*, date_from: date, date_to: date) -> list[tuple[date, str, int | None, int]]:
    """``(day, service key, department id or None, requests)`` summed over users, for every day of
    the span that has traffic. A read for rules, not a page: no user, no role check."""
    return list(
        AIUsageDaily.objects.filter(date__gte=date_from, date__lte=date_to)
        .values("date", "service_key", "department_id")
        .annotate(n=Sum("requests"))
        .order_by("date", "service_key", "department_id")
        .values_list("date", "service_key", "department_id", "n")
    )


def usage_first_day() -> date | None:
    """The first day any egress log covered: days before it are unknown, not zero."""
    return AIUsageDaily.objects.order_by("date").values_list("date", flat=True).first()


def department_names(ids: set[int]) -> dict[int, str]:
    return dict(Department.objects.filter(pk__in=ids).values_list("pk", "name"))
