"""The decision runner: reads each rule's inputs through the metric engine, runs the rules of
``rules.py`` and stores what fired (``decision_services``), with a sample of the conversations
behind each finding.

Inputs come only from ``engine.metric_query`` (the rollups, never the events); the conversation
sample is the one read of the enriched record, through ``selectors.conversation_ids_sample``,
filtered like the metric cut. Windows are days in the tenant's time zone ending on ``today``
(inclusive: a partial day only adds evidence, and the hourly run sees it grow):

| rule | window |
|---|---|
| language gap, fix the prompt first, expand | the last 28 days |
| sunset or redesign | 30-day return of the users active in [today-59, today-30] (the following 30 days have elapsed); day-1 adoption from the launch day |
| degradation | the last 7 days vs the 28 before them |
| usage spike | conversations yesterday and today, each against the 28 days before it |
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from apps.analytics.decision_services import MAX_CONVERSATION_IDS, decision_record
from apps.analytics.definitions import Rate, min_sample
from apps.analytics.engine import MetricRow, metric_query
from apps.analytics.models import Alert
from apps.analytics.rules import (
    AdoptionCut,
    Decision,
    FeatureCut,
    RateWindows,
    SegmentCut,
    degradation,
    expand,
    fix_the_prompt_first,
    language_gaps,
    sunset_or_redesign,
    usage_spike,
)
from apps.analytics.selectors import LanguageRow, conversation_ids_sample
from apps.analytics.services import tenant_today
from apps.analytics.shadow_rules import traffic_spikes_evaluate
from apps.core.tenancy import current_schema
from apps.registry.models import Assistant, AssistantStatus

logger = logging.getLogger(__name__)

WINDOW_DAYS = 28
RECENT_DAYS = 7
BASELINE_DAYS = 28
RETURN_PERIOD_DAYS = 30
# METRICS.md "Alerts": acceptance, resolution, thumbs-up (higher is better) and escalation.
DEGRADATION_METRICS: tuple[tuple[str, bool], ...] = (
    ("acceptance_rate", True),
    ("success_rate", True),
    ("thumbs_up_rate", True),
    ("escalation_rate", False),
)
SPIKE_METRIC = "conversations"
# The rollups keep tasks and tasks with >= 3 regenerations, not the full histogram (see _fix_prompt).
REGENERATION_CENSOR = 3


@dataclass(frozen=True)
class Finding:
    """A fired rule with where to look for the conversations behind it."""

    decision: Decision
    date_from: date
    date_to: date
    filters: dict[str, str] = field(default_factory=dict)
    problem: str | None = None


@dataclass
class DecisionRunReport:
    today: date
    assistants: int = 0
    fired: int = 0
    created: int = 0
    refreshed: int = 0
    suppressed: int = 0
    new_alert_ids: list[int] = field(default_factory=list)
    new_recommendation_ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "today": self.today.isoformat()}


def _query(assistant: Assistant, metric: str, date_from: date, date_to: date, **kw: Any) -> list[MetricRow]:
    return metric_query(metric=metric, assistant_ids=[assistant.pk], date_from=date_from, date_to=date_to, **kw)


def _rate(row: MetricRow | None) -> Rate:
    if row is None:
        return Rate(0, 0, min_sample())
    return Rate(int(row.numerator or 0), int(row.denominator or 0), min_sample())


def _by(rows: Sequence[MetricRow], dim: str) -> dict[str, MetricRow]:
    return {str(r.dims[dim]): r for r in rows}


def _with_window(decision: Decision, date_from: date, date_to: date, **extra: Any) -> Decision:
    window = {"from": date_from.isoformat(), "to": date_to.isoformat()}
    return dataclasses.replace(decision, evidence={**decision.evidence, **extra, "window": window})


# --- the rules, each fed from the engine ---------------------------------------------------------


def _language_gaps(assistant: Assistant, today: date) -> Iterator[Finding]:
    lo = today - timedelta(days=WINDOW_DAYS - 1)
    volume = _by(_query(assistant, "conversations", lo, today, group_by=["language"]), "language")
    success = _by(_query(assistant, "success_rate", lo, today, group_by=["language"]), "language")
    rephrase = _by(_query(assistant, "rephrase_rate", lo, today, group_by=["language"]), "language")
    cuts = [
        LanguageRow(
            language=language,
            conversations=int(volume[language].value or 0),
            success=_rate(success.get(language)),
            rephrase=_rate(rephrase.get(language)),
        )
        for language in sorted(volume)
    ]
    for decision in language_gaps(cuts):
        if decision.fired:
            yield Finding(
                _with_window(decision, lo, today),
                lo,
                today,
                filters={"language": decision.dims["language"]},
                problem=decision.dims["metric"],
            )


def _fix_prompt(assistant: Assistant, today: date) -> Iterator[Finding]:
    """Per feature (``''``: outputs without one). The rollups keep, per cut, the tasks and the tasks
    with ≥ 3 regenerations, so the rule gets the histogram censored at 3 — {0: fewer, 3: at least
    3} — which decides "median ≥ 3" exactly except when exactly half the tasks are at ≥ 3 (then the
    censored median is 1.5 and the rule does not fire; the true one might reach 3)."""
    lo = today - timedelta(days=WINDOW_DAYS - 1)
    acceptance = _by(_query(assistant, "acceptance_rate", lo, today, group_by=["feature"]), "feature")
    regeneration = _by(_query(assistant, "regeneration_rate", lo, today, group_by=["feature"]), "feature")
    for feature in sorted(set(acceptance) | set(regeneration)):
        regen = regeneration.get(feature)
        tasks = int(regen.denominator or 0) if regen else 0
        at_least_3 = int(regen.extra.get("tasks_regen3", 0)) if regen else 0
        histogram = {0: tasks - at_least_3, REGENERATION_CENSOR: at_least_3}
        decision = fix_the_prompt_first(FeatureCut(feature, histogram, _rate(acceptance.get(feature))))
        if decision.fired:
            problem = "regeneration_rate" if "regenerations" in decision.evidence["reasons"] else "acceptance_rate"
            yield Finding(
                _with_window(
                    decision,
                    lo,
                    today,
                    tasks_regen3=at_least_3,
                    regenerations=int(regen.numerator or 0) if regen else 0,
                    regenerations_censored_at=REGENERATION_CENSOR,
                ),
                lo,
                today,
                filters={"feature": feature} if feature else {},
                problem=problem,
            )


def _sunset(assistant: Assistant, today: date) -> Iterator[Finding]:
    lo = today - timedelta(days=2 * RETURN_PERIOD_DAYS - 1)
    hi = lo + timedelta(days=RETURN_PERIOD_DAYS - 1)
    cuts: list[tuple[str, MetricRow, MetricRow | None]] = []
    whole = _query(assistant, "day1_adoption", lo, hi)
    if whole:
        returns = _query(assistant, "return_rate_30d", lo, hi)
        cuts.append(("", whole[0], returns[0] if returns else None))
    returns_by_feature = _by(_query(assistant, "return_rate_30d", lo, hi, group_by=["feature"]), "feature")
    for row in _query(assistant, "day1_adoption", lo, hi, group_by=["feature"]):
        feature = str(row.dims.get("feature") or "")
        if feature:  # the assistant as a whole is the cut above
            cuts.append((feature, row, returns_by_feature.get(feature)))
    for feature, adoption, returning in cuts:
        decision = sunset_or_redesign(
            AdoptionCut(
                day1_users=int(adoption.numerator or 0),
                audience_size=int(adoption.denominator or 0),
                return_30d=_rate(returning),
                feature=feature,
            )
        )
        if decision.fired:
            first_day = adoption.extra.get("first_day")
            yield Finding(
                _with_window(decision, lo, hi, first_day=first_day.isoformat() if first_day else None),
                lo,
                hi,
                filters={"feature": feature} if feature else {},
            )


def _expand(assistant: Assistant, today: date) -> Iterator[Finding]:
    """Segments are the rollups' ``department`` (the user's department); region and locale are not
    rollup dimensions, so they are not segments here. Frequency = conversations per active user."""
    lo = today - timedelta(days=WINDOW_DAYS - 1)
    acceptance = _by(_query(assistant, "acceptance_rate", lo, today, group_by=["department"]), "department")
    volume = _by(_query(assistant, "conversations", lo, today, group_by=["department"]), "department")
    people = _by(_query(assistant, "active_users", lo, today, group_by=["department"]), "department")
    segments = []
    for department in sorted(set(volume) - {""}):
        users = float(people[department].value or 0) if department in people else 0.0
        frequency = float(volume[department].value or 0) / users if users else 0.0
        segments.append(SegmentCut("department", department, _rate(acceptance.get(department)), frequency))
    for decision in expand(segments):
        if decision.fired:
            yield Finding(_with_window(decision, lo, today), lo, today, filters={"department": decision.dims["value"]})


def _degradations(assistant: Assistant, today: date) -> Iterator[Finding]:
    recent_lo = today - timedelta(days=RECENT_DAYS - 1)
    base_hi = recent_lo - timedelta(days=1)
    base_lo = base_hi - timedelta(days=BASELINE_DAYS - 1)
    for metric, higher_is_better in DEGRADATION_METRICS:
        recent = _query(assistant, metric, recent_lo, today)
        baseline = _query(assistant, metric, base_lo, base_hi)
        decision = degradation(
            RateWindows(
                metric=metric,
                recent=_rate(recent[0] if recent else None),
                baseline=_rate(baseline[0] if baseline else None),
                higher_is_better=higher_is_better,
            )
        )
        if decision.fired:
            windows = {
                "recent": {"from": recent_lo.isoformat(), "to": today.isoformat()},
                "baseline": {"from": base_lo.isoformat(), "to": base_hi.isoformat()},
            }
            decision = dataclasses.replace(decision, evidence={**decision.evidence, "windows": windows})
            yield Finding(decision, recent_lo, today, problem=metric)


def _usage_spikes(assistant: Assistant, today: date) -> Iterator[Finding]:
    days = (today - timedelta(days=1), today)
    lo = days[0] - timedelta(days=BASELINE_DAYS)
    counts = {
        r.period: int(r.value or 0) for r in _query(assistant, SPIKE_METRIC, lo, today, interval="day") if r.period
    }
    for day in days:
        history = [counts.get(day - timedelta(days=i), 0) for i in range(BASELINE_DAYS, 0, -1)]
        decision = usage_spike(metric=SPIKE_METRIC, day=day, count=counts.get(day, 0), history=history)
        if decision.fired:
            yield Finding(decision, day, day)


RULES = (_language_gaps, _fix_prompt, _sunset, _expand, _degradations, _usage_spikes)


def _findings(assistant: Assistant, today: date) -> Iterator[Finding]:
    for rule in RULES:
        yield from rule(assistant, today)


def _sample(assistant: Assistant, finding: Finding) -> list[int]:
    return conversation_ids_sample(
        assistant_id=assistant.pk,
        date_from=finding.date_from,
        date_to=finding.date_to,
        filters=finding.filters,
        problem=finding.problem,
        limit=MAX_CONVERSATION_IDS,
    )


def decisions_evaluate(*, today: date | None = None, assistant_ids: Sequence[int] | None = None) -> DecisionRunReport:
    """Run every rule for every assistant that is not retired (of ``assistant_ids`` when given)
    and store what fired. Idempotent: an open finding is refreshed, not duplicated; a resolved one
    opens a new row only when its rule fires again; a dismissed one stays quiet (decision_services).
    ``new_alert_ids`` and ``new_recommendation_ids`` list the findings this run opened — the ones
    to deliver."""
    today = today or tenant_today()
    report = DecisionRunReport(today=today)
    assistants = Assistant.objects.exclude(status=AssistantStatus.RETIRED).order_by("pk")
    if assistant_ids is not None:
        assistants = assistants.filter(pk__in=assistant_ids)
    for assistant in assistants:
        report.assistants += 1
        for finding in _findings(assistant, today):
            report.fired += 1
            result = decision_record(
                assistant=assistant, decision=finding.decision, conversation_ids=_sample(assistant, finding)
            )
            if result is None:  # pragma: no cover - only fired decisions are findings
                continue
            if result.suppressed:
                report.suppressed += 1
            elif result.created:
                report.created += 1
                if isinstance(result.record, Alert):
                    report.new_alert_ids.append(result.record.pk)
                else:
                    report.new_recommendation_ids.append(result.record.pk)
            else:
                report.refreshed += 1
    if assistant_ids is None:
        # The organization's shadow-AI traffic (no assistant): the same two days as the usage spike.
        spikes = traffic_spikes_evaluate(days=[today - timedelta(days=1), today])
        report.fired += spikes.fired
        report.created += spikes.created
        report.refreshed += spikes.refreshed
        report.suppressed += spikes.suppressed
        report.new_alert_ids.extend(spikes.new_alert_ids)
    logger.info(
        "decisions evaluated",
        extra={
            "schema": current_schema(),
            "decision_run": {
                k: v for k, v in report.as_dict().items() if k not in ("new_alert_ids", "new_recommendation_ids")
            },
        },
    )
    return report
