"""Headline findings (DESIGN.md "Pages"): sentences from the metric engine's open alerts and
recommendations, each with its numbers and a link to the conversations behind it. No finding is
made up here: only rules of METRICS.md that fired (apps/analytics/rules.py) become headlines."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from apps.analytics.decision_selectors import alerts_open_for, recommendations_open_for
from apps.analytics.models import Alert, Recommendation
from apps.dashboards.pages import Headline
from apps.dashboards.scope import Scope

# Decision dims that are also explorer filters (the rest stay in the evidence).
_EXPLORER_DIMS = ("language", "feature", "variant", "intent")


def decision_href(scope: Scope, decision: Alert | Recommendation) -> str:
    extra: dict[str, Any] = {"assistant": decision.assistant_id}
    extra.update({k: v for k, v in (decision.dims or {}).items() if k in _EXPLORER_DIMS and v not in (None, "")})
    return scope.explorer_url(**extra)


def decisions_in_scope(
    scope: Scope, *, kinds: Sequence[str] | None = None, limit: int = 20
) -> tuple[list[Alert], list[Recommendation]]:
    ids = scope.assistant_ids
    alerts = alerts_open_for(user=scope.user).filter(assistant_id__in=ids).select_related("assistant")
    recs = recommendations_open_for(user=scope.user).filter(assistant_id__in=ids).select_related("assistant")
    if kinds is not None:
        alerts, recs = alerts.filter(kind__in=kinds), recs.filter(kind__in=kinds)
    return list(alerts.order_by("-last_seen_at")[:limit]), list(recs.order_by("-last_seen_at")[:limit])


def decision_subject(decision: Alert | Recommendation) -> str:
    """What a decision is about: its assistant, or the organization for organization-wide alerts
    (AI traffic spikes from egress logs belong to no assistant)."""
    return decision.assistant.name if decision.assistant is not None else "Organization"


def decision_headlines(scope: Scope, *, kinds: Sequence[str] | None = None, limit: int = 3) -> list[Headline]:
    alerts, recs = decisions_in_scope(scope, kinds=kinds, limit=limit)
    out = [
        Headline(text=f"{decision_subject(a)}: {a.summary}", href=decision_href(scope, a), tone="bad") for a in alerts
    ]
    out += [Headline(text=f"{decision_subject(r)}: {r.summary}", href=decision_href(scope, r)) for r in recs]
    return out[:limit]
