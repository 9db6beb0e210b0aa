"""Spike alerts on shadow-AI traffic (docs/shadow-ai.md "More signals", METRICS.md "Alerts").

Two daily series from the egress-log usage (``detection.AIUsageDaily``): each department's total
AI requests (unattributed traffic is a series of its own), and each AI service's requests across
the organization. A day spikes when its count has a robust z-score (median/MAD, ``stats.robust_z_score``)
above 4 against the previous 28 days — the same ``rules.usage_spike`` as the assistants' usage
spike — with two guards METRICS.md leaves open:

- the 28 days must all be covered by imported logs (on or after the first day any log covered):
  before that, a day without rows is unknown, not zero;
- the day needs at least ``SPIKE_MIN_REQUESTS`` (30) requests: 9 requests after a month of 1 a day
  is a large z but nothing to alert anyone about.

Each firing is an organization-wide ``Alert`` (kind ``ai_traffic_spike``, no assistant) with the
series, median, MAD and z as evidence, de-duplicated by (kind, dims) like every alert, and delivered
to admin and compliance.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from apps.analytics.decision_services import alert_upsert
from apps.analytics.models import AlertKind
from apps.analytics.rules import SPIKE_HISTORY_DAYS, Decision, usage_spike
from apps.core.tenancy import current_schema
from apps.detection.shadow.catalog import Catalog
from apps.detection.shadow.services import tenant_catalog
from apps.detection.shadow.signal_selectors import department_names, usage_daily_totals, usage_first_day

logger = logging.getLogger(__name__)

SPIKE_MIN_REQUESTS = 30
# After an import, at most this many of its most recent days are evaluated (a year-long file
# should not raise a year of historical alerts).
MAX_DAYS_PER_RUN = 62
DEPARTMENT_METRIC = "department_ai_requests"
SERVICE_METRIC = "service_ai_requests"
UNATTRIBUTED = "unattributed"


@dataclass
class TrafficSpikeReport:
    days: list[date] = field(default_factory=list)
    fired: int = 0
    created: int = 0
    refreshed: int = 0
    suppressed: int = 0
    new_alert_ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "days": [d.isoformat() for d in self.days],
            "fired": self.fired,
            "created": self.created,
            "refreshed": self.refreshed,
            "suppressed": self.suppressed,
            "new_alert_ids": self.new_alert_ids,
        }


def traffic_spike(
    *, metric: str, day: date, series: dict[date, int], first_day: date | None, dims: dict[str, str]
) -> Decision:
    """The rule for one series on one day (pure: the series is ``{day: requests}``, zeros absent)."""
    history = [series.get(day - timedelta(days=i), 0) for i in range(SPIKE_HISTORY_DAYS, 0, -1)]
    count = series.get(day, 0)
    covered = first_day is not None and first_day <= day - timedelta(days=SPIKE_HISTORY_DAYS)
    decision = usage_spike(metric=metric, day=day, count=count, history=history, dims=dims)
    evidence = {
        **decision.evidence,
        "covered_by_logs": covered,
        "first_log_day": first_day.isoformat() if first_day else None,
        "min_requests": SPIKE_MIN_REQUESTS,
    }
    return replace(decision, fired=decision.fired and covered and count >= SPIKE_MIN_REQUESTS, evidence=evidence)


def _series(
    rows: Sequence[tuple[date, str, int | None, int]],
) -> tuple[dict[int | None, dict[date, int]], dict[str, dict[date, int]]]:
    departments: dict[int | None, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    services: dict[str, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    for day, key, department_id, n in rows:
        departments[department_id][day] += n
        services[key][day] += n
    return departments, services


def traffic_spikes_evaluate(*, days: Sequence[date], catalog: Catalog | None = None) -> TrafficSpikeReport:
    """Evaluate both series on each of ``days`` (the latest ``MAX_DAYS_PER_RUN``) and store what fired.
    Idempotent: an open alert of the same series and day is refreshed, not duplicated."""
    report = TrafficSpikeReport(days=sorted(set(days))[-MAX_DAYS_PER_RUN:])
    if not report.days:
        return report
    first_day = usage_first_day()
    if first_day is None:
        return report
    rows = usage_daily_totals(date_from=report.days[0] - timedelta(days=SPIKE_HISTORY_DAYS), date_to=report.days[-1])
    departments, services = _series(rows)
    names = department_names({d for d in departments if d is not None})
    catalog = catalog or tenant_catalog()
    for day in report.days:
        candidates: list[tuple[Decision, str]] = []
        for department_id, series in departments.items():
            label = names.get(department_id, UNATTRIBUTED) if department_id is not None else UNATTRIBUTED
            dims = {"department": str(department_id) if department_id is not None else UNATTRIBUTED}
            decision = traffic_spike(metric=DEPARTMENT_METRIC, day=day, series=series, first_day=first_day, dims=dims)
            candidates.append((decision, f"AI traffic of {label}"))
        for key, series in services.items():
            service = catalog.services.get(key)
            decision = traffic_spike(
                metric=SERVICE_METRIC, day=day, series=series, first_day=first_day, dims={"service": key}
            )
            candidates.append((decision, f"Use of {service.product if service else key}"))
        for decision, subject in candidates:
            if not decision.fired:
                continue
            report.fired += 1
            ev = decision.evidence
            summary = (
                f"{subject} spiked to {ev['count']} requests on {day.isoformat()} (median {ev['median']:g} over "
                f"the previous {SPIKE_HISTORY_DAYS} days, MAD {ev['mad']:g}, robust z = {ev['robust_z']:.1f})"
            )
            result = alert_upsert(
                assistant=None,
                kind=AlertKind.AI_TRAFFIC_SPIKE,
                dims=decision.dims,
                evidence={**ev, "subject": subject},
                summary=summary,
            )
            if result.suppressed:
                report.suppressed += 1
            elif result.created:
                report.created += 1
                report.new_alert_ids.append(result.record.pk)
            else:
                report.refreshed += 1
    logger.info("traffic spikes evaluated", extra={"schema": current_schema(), "traffic_spikes": report.as_dict()})
    return report
