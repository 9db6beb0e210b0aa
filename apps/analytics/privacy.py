"""Employee-privacy mode (issue 11, item 5; docs/analytics.md "Privacy mode").

When the organization's ``AnalyticsSettings.privacy_mode`` is on (the default), every cut of a
metric with fewer than ``min_people`` (default 5) distinct users is suppressed for every role but
compliance: its numbers become None and the row says why ("fewer than 5 people"). The API, pages
and exports read metrics for a person through ``metric_query_for``, so the rule is applied once,
here, whatever the interface.

*People in a cut* are the distinct users with a user message in the same assistants, period and
dimension values (``ActiveUser``, the rollup behind ``active_users``). Exceptions: return rates and
retention cohorts count users themselves (their denominator is the cut's people); day-1 adoption's
cut is its day-1 users (the numerator); cuts by intent, which ``ActiveUser`` does not carry, count
the distinct users of the conversations with that intent started in the period.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models, transaction
from django.db.models import Count, Value
from django.db.models.functions import Coalesce, TruncDate, TruncMonth, TruncWeek

from apps.accounts.permissions import can_edit_analytics_settings, can_see_small_cuts
from apps.analytics.engine import MetricRow, metric_query, people_bounds
from apps.analytics.models import AnalyticsSettings
from apps.analytics.services import day_start, tenant_tz
from apps.audit.services import settings_update_audited
from apps.conversations.models import Conversation
from apps.core.exceptions import NotPermittedError
from apps.core.services import singleton_get

if TYPE_CHECKING:
    from apps.accounts.models import User

SETTINGS_FIELDS = ("privacy_mode", "min_people")
# Metrics whose rows already count the people of their cut (as value, numerator or denominator):
# no second query. ``active_users`` is itself the people count of the same cut.
PEOPLE_FROM_ROW: dict[str, str] = {
    "active_users": "value",
    "return_rate_7d": "denominator",
    "return_rate_30d": "denominator",
    "retention_cohorts": "denominator",
    "day1_adoption": "numerator",
}
# How a conversation carries each rollup dimension (services.py writes '' / 0 for "none").
_CONVERSATION_DIMS: dict[str, Any] = {
    "assistant": models.F("assistant_id"),
    "variant": Coalesce("variant", Value(""), output_field=models.CharField()),
    "feature": Coalesce("feature", Value(""), output_field=models.CharField()),
    "language": Coalesce("language", Value(""), output_field=models.CharField()),
    "department": Coalesce("user_department", Value(""), output_field=models.CharField()),
    "intent": Coalesce("intent_id", Value(0), output_field=models.BigIntegerField()),
    # Custom metadata dimensions are not stored yet: always '' in the rollups too.
    "dim1": Value("", output_field=models.CharField()),
    "dim2": Value("", output_field=models.CharField()),
    "dim3": Value("", output_field=models.CharField()),
}

CutKey = tuple[date | None, tuple[Any, ...]]
T = TypeVar("T")

# One page reads the same cut many times: a KPI's total beside the chart of the same metric, and
# the people behind every metric of one cut (privacy counts them per metric). Inside
# ``reads_cached()`` each distinct read runs once; outside it (the API, tasks) nothing is kept, so
# a number is never older than the request that shows it.
_READS: ContextVar[dict[Hashable, Any] | None] = ContextVar("analytics_reads", default=None)


@contextmanager
def reads_cached() -> Iterator[None]:
    """Within the block, identical metric reads (and privacy's people counts) run once."""
    token = _READS.set({})
    try:
        yield
    finally:
        _READS.reset(token)


def _cached(key: Hashable, compute: Callable[[], T]) -> T:
    cache = _READS.get()
    if cache is None:
        return compute()
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def _frozen(filters: Mapping[str, Any] | None) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted((k, tuple(v) if isinstance(v, list | tuple) else v) for k, v in (filters or {}).items()))


def suppression_reason(min_people: int) -> str:
    return f"fewer than {min_people} people"


# --- The organization's settings -----------------------------------------------------------------


def analytics_settings_get() -> AnalyticsSettings:
    """The organization's settings row, created with the defaults on first use."""
    return singleton_get(AnalyticsSettings)


@transaction.atomic
def analytics_settings_update(*, actor: User, changes: Mapping[str, Any]) -> AnalyticsSettings:
    """Change privacy mode or its k (admin only, audited as ``analytics_settings.update``)."""
    if not can_edit_analytics_settings(actor):
        raise NotPermittedError("only admins may change the analytics settings")
    current = AnalyticsSettings.objects.select_for_update().get(pk=analytics_settings_get().pk)
    settings_update_audited(
        instance=current,
        actor=actor,
        fields=SETTINGS_FIELDS,
        changes=changes,
        action="analytics_settings.update",
        what="analytics settings",
    )
    return current


def small_cut_threshold_for(user: User | None) -> int | None:
    """The k below which this person may not see a cut, or None when they see every cut."""
    current = _cached("settings", analytics_settings_get)
    if not current.privacy_mode or can_see_small_cuts(user):
        return None
    return int(current.min_people)


# --- Counting the people of each cut -------------------------------------------------------------


def _key(period: date | None, dims: Mapping[str, Any], group_by: Sequence[str]) -> CutKey:
    return period, tuple(dims.get(d) for d in group_by)


def _people_by_intent(
    *,
    assistant_ids: Sequence[int],
    date_from: date,
    date_to: date,
    group_by: Sequence[str],
    interval: str,
    filters: Mapping[str, Any],
) -> dict[CutKey, int]:
    """Distinct users of the conversations started in each period and cut (the rollups' day)."""
    tz = tenant_tz()
    qs = Conversation.objects.filter(
        assistant_id__in=assistant_ids,
        started_at__gte=day_start(date_from),
        started_at__lt=day_start(date_to + timedelta(days=1)),
    ).order_by()
    used = {*group_by, *filters}
    qs = qs.annotate(**{f"p_{d}": _CONVERSATION_DIMS[d] for d in used})
    for dim, value in filters.items():
        qs = qs.filter(**{f"p_{dim}__in": list(value)} if isinstance(value, list | tuple) else {f"p_{dim}": value})
    period: Any = {
        "day": TruncDate("started_at", tzinfo=tz),
        "week": TruncWeek("started_at", tzinfo=tz, output_field=models.DateField()),
        "month": TruncMonth("started_at", tzinfo=tz, output_field=models.DateField()),
    }.get(interval)
    keys = [f"p_{d}" for d in group_by]
    if period is not None:
        qs = qs.annotate(p_period=period)
        keys.insert(0, "p_period")
    if not keys:
        return {(None, ()): qs.aggregate(n=Count("user_id", distinct=True))["n"] or 0}
    out: dict[CutKey, int] = {}
    for r in qs.values(*keys).annotate(n=Count("user_id", distinct=True)):
        out[(r.get("p_period"), tuple(r[f"p_{d}"] for d in group_by))] = r["n"]
    return out


def _enough_people(
    *,
    metric: str,
    rows: Sequence[MetricRow],
    min_people: int,
    assistant_ids: Sequence[int],
    date_from: date,
    date_to: date,
    group_by: Sequence[str],
    interval: str,
    filters: Mapping[str, Any],
) -> list[bool]:
    """Whether each row's cut has at least ``min_people`` distinct people, in the order of ``rows``.

    Most cuts are decided by the bounds of ``engine.people_bounds`` (a small per-day table): at
    least the largest (day, key) count, at most their sum. Only when a cut falls between the two
    are its users counted (one ``active_users`` query), so the answer is always the exact rule's.
    """
    source = PEOPLE_FROM_ROW.get(metric)
    # A sketched user count is an estimate: decide those cuts by the exact rule below instead.
    if source is not None and not any(row.extra.get("approximate") for row in rows):
        return [int(getattr(row, source) or 0) >= min_people for row in rows]
    window: dict[str, Any] = {
        "assistant_ids": assistant_ids,
        "date_from": date_from,
        "date_to": date_to,
        "interval": interval,
    }
    cut = (tuple(assistant_ids), date_from, date_to, tuple(group_by), interval, _frozen(filters))
    keys = [_key(row.period, row.dims, group_by) for row in rows]
    if "intent" in group_by or "intent" in filters:
        people = _cached(("people", *cut), lambda: _people_by_intent(group_by=group_by, filters=filters, **window))
        return [people.get(key, 0) >= min_people for key in keys]
    bounds = _cached(("bounds", *cut), lambda: people_bounds(group_by=group_by, filters=filters, **window))
    decided: list[bool | None] = []
    for key in keys:
        lo, hi = bounds.get(key, (0, 0))
        decided.append(True if lo >= min_people else False if hi < min_people else None)
    if None in decided:
        users = _cached(
            ("people", *cut),
            lambda: metric_query(
                metric="active_users", group_by=group_by, filters=dict(filters), sample=1, exact=True, **window
            ),
        )
        counted = {_key(r.period, r.dims, group_by): int(r.value or 0) for r in users}
        decided = [
            counted.get(key, 0) >= min_people if known is None else known
            for key, known in zip(keys, decided, strict=True)
        ]
    return [bool(known) for known in decided]


def suppress_small_cuts(
    *,
    rows: Sequence[MetricRow],
    min_people: int,
    metric: str,
    assistant_ids: Sequence[int],
    date_from: date,
    date_to: date,
    group_by: Sequence[str] = (),
    interval: str = "all",
    filters: Mapping[str, Any] | None = None,
) -> list[MetricRow]:
    """``rows`` of one ``metric_query`` with every cut of fewer than ``min_people`` people
    suppressed: value, numerator, denominator, interval and extra emptied, ``suppressed`` set."""
    if not rows:
        return []
    enough = _enough_people(
        metric=metric,
        rows=rows,
        min_people=min_people,
        assistant_ids=assistant_ids,
        date_from=date_from,
        date_to=date_to,
        group_by=tuple(group_by),
        interval=interval,
        filters=dict(filters or {}),
    )
    reason = suppression_reason(min_people)
    return [
        row
        if shown
        else dataclasses.replace(
            row,
            value=None,
            numerator=None,
            denominator=None,
            ci_low=None,
            ci_high=None,
            enough_data=False,
            extra={},
            suppressed=True,
            suppressed_reason=reason,
        )
        for row, shown in zip(rows, enough, strict=True)
    ]


def metric_query_for(
    *,
    user: User | None,
    metric: str,
    assistant_ids: Sequence[int],
    date_from: date,
    date_to: date,
    group_by: Sequence[str] = (),
    interval: str = "all",
    filters: Mapping[str, Any] | None = None,
    sample: int | None = None,
) -> list[MetricRow]:
    """``engine.metric_query`` as ``user`` may see it: what the API, pages and exports call.

    Scoping the assistants to what the user may see is the caller's job (as for any selector);
    this applies the organization's privacy mode on top.
    """
    query: dict[str, Any] = {
        "metric": metric,
        "assistant_ids": assistant_ids,
        "date_from": date_from,
        "date_to": date_to,
        "group_by": group_by,
        "interval": interval,
        "filters": filters,
    }
    key = (
        "metric", user.pk if user is not None else None, metric, tuple(assistant_ids), date_from, date_to,
        tuple(group_by), interval, _frozen(filters), sample,
    )  # fmt: skip
    return list(_cached(key, lambda: _metric_query_for(user=user, sample=sample, query=query)))


def _metric_query_for(*, user: User | None, sample: int | None, query: dict[str, Any]) -> list[MetricRow]:
    rows = metric_query(sample=sample, **query)
    k = small_cut_threshold_for(user)
    if k is None:
        return rows
    return suppress_small_cuts(rows=rows, min_people=k, **query)
