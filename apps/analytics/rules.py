"""The decision rules of METRICS.md ("Comparisons and decisions"), as pure functions.

Each rule takes plain inputs (rates as :class:`~apps.analytics.definitions.Rate`, counts, series)
and returns a :class:`Decision` — fired or not — whose ``evidence`` holds every number the rule
used, so a page can show *why* and a test can check the arithmetic. Reading those inputs from
the rollups and storing fired decisions (``decision_services``) are separate steps.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from apps.analytics.definitions import Rate
from apps.analytics.stats import EPSILON, Comparison, at_least, compare_rates, robust_z_score

# Thresholds of METRICS.md; keyword arguments of each rule so a tenant setting can override them later.
LANGUAGE_GAP_ALPHA = 0.01
LANGUAGE_GAP_MIN_POINTS = 0.10
FIX_PROMPT_MEDIAN_REGENERATIONS = 3
FIX_PROMPT_MAX_ACCEPTANCE = 0.25
SUNSET_MIN_DAY1_ADOPTION = 0.20
SUNSET_MAX_RETURN_30D = 0.10
EXPAND_MIN_ACCEPTANCE = 0.70
DEGRADATION_ALPHA = 0.01
DEGRADATION_MIN_POINTS = 0.05
SPIKE_MIN_ROBUST_Z = 4.0
SPIKE_HISTORY_DAYS = 28

# Languages that are not a group of people: never the majority, never flagged.
UNDETECTED_LANGUAGES = frozenset({"", "unknown", "und"})


@dataclass(frozen=True)
class Decision:
    """One rule applied to one cut. ``fired`` says whether it recommends or alerts."""

    kind: str
    fired: bool
    dims: dict[str, str]
    evidence: dict[str, Any]
    summary: str = ""


def _rate(rate: Rate) -> dict[str, Any]:
    return {
        "numerator": rate.numerator,
        "denominator": rate.denominator,
        "value": rate.value,
        "min_sample": rate.min_sample,
    }


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.0%}"


def _p(p: float | None) -> str:
    if p is None:
        return "p n/a"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


# --- A/B and release impact --------------------------------------------------------------------


@dataclass(frozen=True)
class VariantComparison:
    """One pair of variants (``a`` < ``b`` by key); ``winner`` is a variant key or ``None``."""

    a: str
    b: str
    comparison: Comparison

    @property
    def winner(self) -> str | None:
        return {"a": self.a, "b": self.b, None: None}[self.comparison.winner]

    def as_dict(self) -> dict[str, Any]:
        return {"variant_a": self.a, "variant_b": self.b, **self.comparison.as_dict(), "winner": self.winner}


def compare_variants(
    rates: Mapping[str, Rate], *, alpha: float = 0.05, higher_is_better: bool = True
) -> list[VariantComparison]:
    """METRICS.md "A/B (variants)": every pair of variants of one assistant for one rate, with the
    Newcombe interval of the difference, the z-test, and a winner only at ``p < alpha`` with both
    arms at the minimum sample. Release impact is ``compare_rates(after, before)``."""
    keys = sorted(rates)
    return [
        VariantComparison(a, b, compare_rates(rates[a], rates[b], alpha=alpha, higher_is_better=higher_is_better))
        for i, a in enumerate(keys)
        for b in keys[i + 1 :]
    ]


# --- language gap ------------------------------------------------------------------------------


class LanguageCut(Protocol):
    """What the rule needs per detected language (``selectors.LanguageRow`` has this shape)."""

    @property
    def language(self) -> str: ...

    @property
    def conversations(self) -> int: ...

    @property
    def success(self) -> Rate: ...

    @property
    def rephrase(self) -> Rate: ...


# (metric slug, attribute, higher is better, wording for the summary)
_LANGUAGE_METRICS = (
    ("success_rate", "success", True, "resolve"),
    ("rephrase_rate", "rephrase", False, "rephrase"),
)


def language_gaps(
    cuts: Sequence[LanguageCut],
    *,
    alpha: float = LANGUAGE_GAP_ALPHA,
    min_points: float = LANGUAGE_GAP_MIN_POINTS,
) -> list[Decision]:
    """Each language's success and rephrase rates against the majority language (the one with
    the most conversations). A gap fires when the language does *worse*, by at least
    ``min_points``, at ``p < alpha``, with both arms at their minimum sample."""
    people = [c for c in cuts if c.language not in UNDETECTED_LANGUAGES]
    if len(people) < 2:
        return []
    majority = min(people, key=lambda c: (-c.conversations, c.language))
    decisions = []
    for cut in people:
        if cut is majority:
            continue
        for metric, attr, higher_is_better, verb in _LANGUAGE_METRICS:
            ours, theirs = getattr(cut, attr), getattr(majority, attr)
            cmp = compare_rates(ours, theirs, alpha=alpha, higher_is_better=higher_is_better)
            gap = None if cmp.difference is None else (-cmp.difference if higher_is_better else cmp.difference)
            fired = cmp.significant and gap is not None and at_least(gap, min_points)
            decisions.append(
                Decision(
                    kind="language_gap",
                    fired=fired,
                    dims={"language": cut.language, "metric": metric},
                    evidence={
                        "metric": metric,
                        "language": cut.language,
                        "majority_language": majority.language,
                        "language_rate": _rate(ours),
                        "majority_rate": _rate(theirs),
                        "gap_points": gap,
                        "min_points": min_points,
                        **_comparison_numbers(cmp),
                    },
                    summary=(
                        f"{cut.language} users {verb} {_pct(cmp.a.value)} vs {_pct(cmp.b.value)} for "
                        f"{majority.language} users ({_p(cmp.p_value)}, n = {ours.denominator} / {theirs.denominator})"
                    ),
                )
            )
    return decisions


def _comparison_numbers(cmp: Comparison) -> dict[str, Any]:
    return {
        "difference": cmp.difference,
        "ci_low": cmp.ci_low,
        "ci_high": cmp.ci_high,
        "p_value": cmp.p_value,
        "alpha": cmp.alpha,
        "enough_data": cmp.enough_data,
    }


# --- recommendations ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FeatureCut:
    """One feature of one assistant: regenerations per task as a histogram (number of
    regenerations → number of tasks, unclamped) and its acceptance rate."""

    feature: str
    regenerations: Mapping[int, int]
    acceptance: Rate


def _histogram_median(histogram: Mapping[int, int]) -> tuple[int, float | None]:
    tasks = sum(histogram.values())
    if tasks == 0:
        return 0, None
    ordered = sorted(histogram.items())

    def nth(i: int) -> int:  # the i-th (0-based) task in ascending order of regenerations
        seen = 0
        for value, count in ordered:
            seen += count
            if i < seen:
                return value
        raise IndexError(i)

    mid = tasks // 2
    median = float(nth(mid)) if tasks % 2 else (nth(mid - 1) + nth(mid)) / 2
    return tasks, median


def fix_the_prompt_first(
    cut: FeatureCut,
    *,
    min_median_regenerations: float = FIX_PROMPT_MEDIAN_REGENERATIONS,
    max_acceptance: float = FIX_PROMPT_MAX_ACCEPTANCE,
) -> Decision:
    """Median regenerations ≥ 3 per task, or acceptance < 25%, on a feature. The median needs as
    many tasks as the acceptance rate's minimum sample, the acceptance its own minimum sample."""
    tasks, median = _histogram_median(cut.regenerations)
    enough_tasks = tasks > 0 and tasks >= cut.acceptance.min_sample
    reasons = []
    if enough_tasks and median is not None and at_least(median, min_median_regenerations):
        reasons.append("regenerations")
    acceptance = cut.acceptance.value
    if acceptance is not None and acceptance < max_acceptance - EPSILON:
        reasons.append("acceptance")
    return Decision(
        kind="fix_prompt",
        fired=bool(reasons),
        dims={"feature": cut.feature},
        evidence={
            "feature": cut.feature,
            "tasks": tasks,
            "median_regenerations": median,
            "min_median_regenerations": min_median_regenerations,
            "acceptance": _rate(cut.acceptance),
            "max_acceptance": max_acceptance,
            "reasons": reasons,
        },
        summary=(
            f"Fix the prompt of {cut.feature or 'this assistant'} first: median {median} regenerations per task "
            f"(n = {tasks}), acceptance {_pct(acceptance)} (n = {cut.acceptance.denominator})"
        ),
    )


@dataclass(frozen=True)
class AdoptionCut:
    """An assistant or feature: people active on its first day, its audience, its 30-day return."""

    day1_users: int
    audience_size: int
    return_30d: Rate
    feature: str = ""


def sunset_or_redesign(
    cut: AdoptionCut,
    *,
    min_day1_adoption: float = SUNSET_MIN_DAY1_ADOPTION,
    max_return_30d: float = SUNSET_MAX_RETURN_30D,
) -> Decision:
    """Day-1 adoption > 20% and 30-day return rate < 10%: people tried it once and left."""
    day1 = Rate(min(cut.day1_users, cut.audience_size), cut.audience_size, cut.return_30d.min_sample)
    adoption, returning = day1.value, cut.return_30d.value
    fired = (
        adoption is not None
        and returning is not None
        and adoption > min_day1_adoption + EPSILON
        and returning < max_return_30d - EPSILON
    )
    return Decision(
        kind="sunset_or_redesign",
        fired=fired,
        dims={"feature": cut.feature} if cut.feature else {},
        evidence={
            "feature": cut.feature,
            "day1_users": cut.day1_users,
            "day1_adoption": _rate(day1),
            "min_day1_adoption": min_day1_adoption,
            "return_30d": _rate(cut.return_30d),
            "max_return_30d": max_return_30d,
        },
        summary=(
            f"Sunset or redesign {cut.feature or 'this assistant'}: {_pct(adoption)} of its audience tried it "
            f"on day one, {_pct(returning)} came back within 30 days"
        ),
    )


@dataclass(frozen=True)
class SegmentCut:
    """A segment of users (``dimension`` is department, region or locale): its acceptance rate and
    its usage frequency (e.g. conversations per active user in the period)."""

    dimension: str
    value: str
    acceptance: Rate
    frequency: float


def expand(segments: Sequence[SegmentCut], *, min_acceptance: float = EXPAND_MIN_ACCEPTANCE) -> list[Decision]:
    """A segment with acceptance ≥ 70% and a frequency above the median frequency of the
    segments of the same dimension: give it more (seats, features, rollout)."""
    by_dimension: dict[str, list[SegmentCut]] = defaultdict(list)
    for segment in segments:
        by_dimension[segment.dimension].append(segment)
    decisions = []
    for dimension, group in by_dimension.items():
        median_frequency = statistics.median(s.frequency for s in group)
        for segment in group:
            acceptance = segment.acceptance.value
            fired = (
                acceptance is not None
                and at_least(acceptance, min_acceptance)
                and segment.frequency > median_frequency + EPSILON
            )
            decisions.append(
                Decision(
                    kind="expand",
                    fired=fired,
                    dims={"dimension": dimension, "value": segment.value},
                    evidence={
                        "dimension": dimension,
                        "value": segment.value,
                        "acceptance": _rate(segment.acceptance),
                        "min_acceptance": min_acceptance,
                        "frequency": segment.frequency,
                        "median_frequency": median_frequency,
                        "segments": len(group),
                    },
                    summary=(
                        f"Expand to {dimension} {segment.value}: acceptance {_pct(acceptance)} "
                        f"(n = {segment.acceptance.denominator}), {segment.frequency:.1f} uses per person "
                        f"vs a median of {median_frequency:.1f}"
                    ),
                )
            )
    return decisions


# --- alerts ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RateWindows:
    """One rate over the last 7 days (``recent``) and the 28 days before (``baseline``)."""

    metric: str
    recent: Rate
    baseline: Rate
    higher_is_better: bool = True
    dims: Mapping[str, str] = field(default_factory=dict)


def degradation(
    windows: RateWindows,
    *,
    alpha: float = DEGRADATION_ALPHA,
    min_points: float = DEGRADATION_MIN_POINTS,
) -> Decision:
    """The last 7 days worse than the previous 28 by at least 5 points at ``p < 0.01``."""
    cmp = compare_rates(windows.recent, windows.baseline, alpha=alpha, higher_is_better=windows.higher_is_better)
    worse_by = None
    if cmp.difference is not None:
        worse_by = -cmp.difference if windows.higher_is_better else cmp.difference
    fired = cmp.significant and worse_by is not None and at_least(worse_by, min_points)
    return Decision(
        kind="degradation",
        fired=fired,
        dims={"metric": windows.metric, **windows.dims},
        evidence={
            "metric": windows.metric,
            "recent": _rate(windows.recent),
            "baseline": _rate(windows.baseline),
            "higher_is_better": windows.higher_is_better,
            "worse_by_points": worse_by,
            "min_points": min_points,
            **_comparison_numbers(cmp),
        },
        summary=(
            f"{windows.metric} fell to {_pct(cmp.a.value)} over the last 7 days from {_pct(cmp.b.value)} "
            f"over the 28 before ({_p(cmp.p_value)}, n = {windows.recent.denominator} / {windows.baseline.denominator})"
            if windows.higher_is_better
            else f"{windows.metric} rose to {_pct(cmp.a.value)} over the last 7 days from {_pct(cmp.b.value)} "
            f"over the 28 before ({_p(cmp.p_value)}, n = {windows.recent.denominator} / {windows.baseline.denominator})"
        ),
    )


def usage_spike(
    *,
    metric: str,
    day: date,
    count: int,
    history: Sequence[int],
    min_z: float = SPIKE_MIN_ROBUST_Z,
    history_days: int = SPIKE_HISTORY_DAYS,
    dims: Mapping[str, str] | None = None,
) -> Decision:
    """A day's count with a robust z-score above 4 against the previous 28 days.

    ``history`` holds one count per day, oldest first, days without events as 0; only its last
    ``history_days`` are used, and a shorter history (a new assistant) never fires. Only rises
    are spikes; a drop shows up in the degradation alerts.
    """
    window = list(history[-history_days:])
    score = robust_z_score(count, window)
    enough = len(window) >= history_days
    fired = enough and score.z is not None and score.z > min_z
    return Decision(
        kind="usage_spike",
        fired=fired,
        dims={"metric": metric, "day": day.isoformat(), **(dims or {})},
        evidence={
            "metric": metric,
            "day": day.isoformat(),
            "count": count,
            "history": window,
            "history_days": history_days,
            "enough_data": enough,
            "min_z": min_z,
            **score.as_dict(),
        },
        summary=(
            f"{metric} spiked to {count} on {day.isoformat()} (median {score.median:g} over the previous "
            f"{len(window)} days, robust z = {score.z:.1f})"
            if score.z is not None and score.median is not None
            else f"{metric}: {count} on {day.isoformat()}"
        ),
    )
