"""The decision rules of METRICS.md ("Comparisons and decisions") on small numbers worked by hand."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import pytest

from apps.analytics.definitions import Rate
from apps.analytics.rules import (
    AdoptionCut,
    FeatureCut,
    RateWindows,
    SegmentCut,
    compare_variants,
    degradation,
    expand,
    fix_the_prompt_first,
    language_gaps,
    sunset_or_redesign,
    usage_spike,
)


def hand_pooled_p(k1: int, n1: int, k2: int, n2: int) -> float:
    pooled = (k1 + k2) / (n1 + n2)
    z = (k1 / n1 - k2 / n2) / math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return math.erfc(abs(z) / math.sqrt(2))


@dataclass(frozen=True)
class Lang:  # the shape of selectors.LanguageRow
    language: str
    conversations: int
    success: Rate
    rephrase: Rate


def _fired(decisions, **dims):
    matches = [d for d in decisions if all(d.dims.get(k) == v for k, v in dims.items())]
    assert len(matches) == 1, matches
    return matches[0]


# --- language gap ------------------------------------------------------------------------------

LANGUAGES = [
    Lang("en", 1000, Rate(800, 1000, 30), Rate(100, 1000, 30)),  # majority: 80% success, 10% rephrase
    Lang("unknown", 5000, Rate(10, 5000, 30), Rate(0, 5000, 30)),  # not a group of people
    Lang("es", 100, Rate(60, 100, 30), Rate(30, 100, 30)),  # 60% (−20 pts), 30% rephrase (+20 pts)
    Lang("pt", 100, Rate(72, 100, 30), Rate(12, 100, 30)),  # −8 pts, +2 pts: under 10 points
    Lang("fr", 50, Rate(35, 50, 30), Rate(5, 50, 30)),  # −10 pts but p = 0.087 > 0.01
    Lang("de", 20, Rate(5, 20, 30), Rate(10, 20, 30)),  # large gap, n = 20 < 30
    Lang("ja", 100, Rate(95, 100, 30), Rate(2, 100, 30)),  # better than the majority
]


def test_language_gap_fires_for_a_significant_gap_of_ten_points() -> None:
    decisions = language_gaps(LANGUAGES)
    es = _fired(decisions, language="es", metric="success_rate")
    assert es.fired is True
    # pooled 860/1100; z = −0.2 / √(0.7818 · 0.2182 · (1/100 + 1/1000)) = −4.617 → p ≈ 3.9e-6
    assert es.evidence["p_value"] == pytest.approx(hand_pooled_p(60, 100, 800, 1000), rel=1e-9)
    assert es.evidence["p_value"] < 1e-5
    assert es.evidence["gap_points"] == pytest.approx(0.20)
    assert es.evidence["majority_language"] == "en"
    assert es.evidence["language_rate"] == {"numerator": 60, "denominator": 100, "value": 0.6, "min_sample": 30}
    assert es.evidence["majority_rate"]["value"] == 0.8
    assert es.evidence["ci_low"] < -0.10 < es.evidence["ci_high"] < 0
    assert es.summary.startswith("es users resolve 60% vs 80% for en users (p < 0.001, n = 100 / 1000)")
    # Rephrasing more is worse: 30% vs 10%.
    es_rephrase = _fired(decisions, language="es", metric="rephrase_rate")
    assert es_rephrase.fired is True
    assert es_rephrase.evidence["gap_points"] == pytest.approx(0.20)


@pytest.mark.parametrize(
    ("language", "metric", "why"),
    [
        ("pt", "success_rate", "8 points"),
        ("pt", "rephrase_rate", "2 points"),
        ("fr", "success_rate", "p = 0.087"),
        ("de", "success_rate", "n = 20"),
        ("ja", "success_rate", "better"),
        ("ja", "rephrase_rate", "better"),
    ],
)
def test_language_gap_does_not_fire(language: str, metric: str, why: str) -> None:
    decision = _fired(language_gaps(LANGUAGES), language=language, metric=metric)
    assert decision.fired is False, why


def test_language_gap_evidence_of_a_near_miss() -> None:
    fr = _fired(language_gaps(LANGUAGES), language="fr", metric="success_rate")
    # pooled 835/1050; z = −0.1 / √(0.7952 · 0.2048 · (1/50 + 1/1000)) = −1.710 → p = 0.0873
    assert fr.evidence["p_value"] == pytest.approx(hand_pooled_p(35, 50, 800, 1000), rel=1e-9)
    assert fr.evidence["p_value"] == pytest.approx(0.0873, abs=1e-4)
    assert fr.evidence["gap_points"] == pytest.approx(0.10)
    de = _fired(language_gaps(LANGUAGES), language="de", metric="success_rate")
    assert de.evidence["enough_data"] is False
    assert de.evidence["language_rate"]["value"] is None


def test_language_gap_needs_two_languages() -> None:
    assert language_gaps(LANGUAGES[:2]) == []
    assert language_gaps([]) == []
    assert {d.dims["language"] for d in language_gaps(LANGUAGES)} == {"es", "pt", "fr", "de", "ja"}


# --- fix the prompt first ----------------------------------------------------------------------


def test_fix_prompt_on_median_regenerations() -> None:
    # 35 tasks: 5 with 0, 20 with 3, 10 with 5 regenerations; the 18th task has 3 → median 3.
    d = fix_the_prompt_first(FeatureCut("summarize", {0: 5, 3: 20, 5: 10}, Rate(20, 40, 30)))
    assert d.fired is True
    assert d.evidence["tasks"] == 35
    assert d.evidence["median_regenerations"] == 3.0
    assert d.evidence["reasons"] == ["regenerations"]
    assert d.dims == {"feature": "summarize"}


def test_fix_prompt_on_low_acceptance() -> None:
    d = fix_the_prompt_first(FeatureCut("draft", {0: 40}, Rate(9, 40, 30)))  # 22.5%
    assert d.fired is True
    assert d.evidence["reasons"] == ["acceptance"]
    assert d.evidence["acceptance"]["value"] == pytest.approx(0.225)


def test_fix_prompt_not_at_the_thresholds() -> None:
    # 40 tasks: 0 ×10, 2 ×10, 3 ×10, 4 ×10 → median (2 + 3) / 2 = 2.5; acceptance exactly 25%.
    d = fix_the_prompt_first(FeatureCut("draft", {0: 10, 2: 10, 3: 10, 4: 10}, Rate(10, 40, 30)))
    assert d.fired is False
    assert d.evidence["median_regenerations"] == 2.5
    assert d.evidence["reasons"] == []


def test_fix_prompt_not_enough_data() -> None:
    # 10 tasks with 5 regenerations each and 1/10 accepted: both under the minimum sample of 30.
    d = fix_the_prompt_first(FeatureCut("draft", {5: 10}, Rate(1, 10, 30)))
    assert d.fired is False
    assert d.evidence["median_regenerations"] == 5.0
    assert d.evidence["acceptance"]["value"] is None
    empty = fix_the_prompt_first(FeatureCut("draft", {}, Rate(0, 0, 30)))
    assert empty.fired is False
    assert empty.evidence["median_regenerations"] is None


# --- sunset or redesign ------------------------------------------------------------------------


def test_sunset_fires_on_high_day1_adoption_and_low_return() -> None:
    d = sunset_or_redesign(AdoptionCut(day1_users=50, audience_size=200, return_30d=Rate(4, 50, 30), feature="novelty"))
    assert d.fired is True  # 25% > 20% on day one, 8% < 10% back within 30 days
    assert d.evidence["day1_adoption"] == {"numerator": 50, "denominator": 200, "value": 0.25, "min_sample": 30}
    assert d.evidence["return_30d"]["value"] == pytest.approx(0.08)
    assert d.dims == {"feature": "novelty"}


@pytest.mark.parametrize(
    ("day1", "audience", "returning", "why"),
    [
        (50, 200, Rate(5, 50, 30), "return exactly 10%"),
        (40, 200, Rate(3, 40, 30), "adoption exactly 20%"),
        (10, 20, Rate(0, 10, 30), "audience under the minimum sample"),
        (50, 200, Rate(1, 20, 30), "returning users under the minimum sample"),
        (50, 0, Rate(4, 50, 30), "no audience size set"),
    ],
)
def test_sunset_does_not_fire(day1: int, audience: int, returning: Rate, why: str) -> None:
    assert sunset_or_redesign(AdoptionCut(day1, audience, returning)).fired is False, why


# --- expand ------------------------------------------------------------------------------------

SEGMENTS = [
    SegmentCut("department", "Sales", Rate(75, 100, 30), 8),
    SegmentCut("department", "Legal", Rate(80, 100, 30), 2),
    SegmentCut("department", "Ops", Rate(50, 100, 30), 7),
    SegmentCut("department", "HR", Rate(70, 100, 30), 7.5),
    SegmentCut("department", "IT", Rate(29, 29, 30), 9),
    SegmentCut("department", "Finance", Rate(90, 100, 30), 3),
    SegmentCut("region", "EMEA", Rate(90, 100, 30), 10),
]


def test_expand_fires_for_high_acceptance_and_above_median_frequency() -> None:
    decisions = expand(SEGMENTS)
    # department frequencies 2, 3, 7, 7.5, 8, 9 → median (7 + 7.5) / 2 = 7.25
    fired = {d.dims["value"] for d in decisions if d.fired}
    assert fired == {"Sales", "HR"}  # HR at exactly 70%
    sales = _fired(decisions, value="Sales")
    assert sales.evidence["median_frequency"] == 7.25
    assert sales.evidence["acceptance"]["value"] == 0.75
    assert sales.evidence["segments"] == 6
    assert sales.dims == {"dimension": "department", "value": "Sales"}


@pytest.mark.parametrize(
    ("value", "why"),
    [("Legal", "below median frequency"), ("Ops", "50% acceptance"), ("IT", "n = 29"), ("EMEA", "alone")],
)
def test_expand_does_not_fire(value: str, why: str) -> None:
    assert _fired(expand(SEGMENTS), value=value).fired is False, why


# --- degradation -------------------------------------------------------------------------------


def test_degradation_fires_when_significantly_worse_by_five_points() -> None:
    # 120/200 = 60% vs 560/800 = 70%: pooled 0.68, z = −0.1 / √(0.68 · 0.32 · (1/200 + 1/800)) = −2.712
    d = degradation(RateWindows("success_rate", Rate(120, 200, 30), Rate(560, 800, 30), dims={"variant": "B"}))
    assert d.fired is True
    assert d.evidence["p_value"] == pytest.approx(hand_pooled_p(120, 200, 560, 800), rel=1e-9)
    assert d.evidence["p_value"] == pytest.approx(0.0067, abs=1e-4)
    assert d.evidence["worse_by_points"] == pytest.approx(0.10)
    assert d.dims == {"metric": "success_rate", "variant": "B"}


def test_degradation_of_a_rate_where_lower_is_better() -> None:
    # rephrase 40/200 = 20% vs 80/800 = 10%: z = 0.1 / √(0.12 · 0.88 · 0.00625) = 3.892, p ≈ 1e-4
    d = degradation(RateWindows("rephrase_rate", Rate(40, 200, 30), Rate(80, 800, 30), higher_is_better=False))
    assert d.fired is True
    assert d.evidence["worse_by_points"] == pytest.approx(0.10)
    assert d.evidence["p_value"] == pytest.approx(hand_pooled_p(40, 200, 80, 800), rel=1e-9)


@pytest.mark.parametrize(
    ("recent", "baseline", "why"),
    [
        (Rate(130, 200, 30), Rate(560, 800, 30), "−5 points but p = 0.17"),
        (Rate(6700, 10000, 30), Rate(28000, 40000, 30), "p tiny but only −3 points"),
        (Rate(160, 200, 30), Rate(560, 800, 30), "better, not worse"),
        (Rate(10, 20, 30), Rate(560, 800, 30), "n = 20 in the last 7 days"),
        (Rate(0, 0, 30), Rate(0, 0, 30), "no data"),
    ],
)
def test_degradation_does_not_fire(recent: Rate, baseline: Rate, why: str) -> None:
    assert degradation(RateWindows("success_rate", recent, baseline)).fired is False, why


def test_degradation_near_miss_evidence() -> None:
    d = degradation(RateWindows("success_rate", Rate(130, 200, 30), Rate(560, 800, 30)))
    # pooled 0.69; z = −0.05 / √(0.69 · 0.31 · 0.00625) = −1.3675 → p = 0.1715
    assert d.evidence["p_value"] == pytest.approx(0.1715, abs=1e-4)
    assert d.evidence["worse_by_points"] == pytest.approx(0.05)


# --- usage spike -------------------------------------------------------------------------------

# 28 days: 98, 99, 101, 102, 103 four times each and 100 eight times → median 100, MAD 1.
HISTORY = [100, 102, 98, 101, 99, 100, 103] * 4


def test_usage_spike_fires_above_robust_z_four() -> None:
    d = usage_spike(metric="conversations", day=date(2025, 3, 1), count=106, history=HISTORY)
    assert d.fired is True
    assert d.evidence["median"] == 100.0
    assert d.evidence["mad"] == 1.0
    assert d.evidence["robust_z"] == pytest.approx(6 / 1.4826)  # 4.047
    assert d.dims == {"metric": "conversations", "day": "2025-03-01"}


def test_usage_spike_does_not_fire() -> None:
    assert usage_spike(metric="conversations", day=date(2025, 3, 1), count=105, history=HISTORY).fired is False
    assert usage_spike(metric="conversations", day=date(2025, 3, 1), count=50, history=HISTORY).fired is False
    short = usage_spike(metric="conversations", day=date(2025, 3, 1), count=500, history=HISTORY[:27])
    assert short.fired is False
    assert short.evidence["enough_data"] is False
    flat = usage_spike(metric="conversations", day=date(2025, 3, 1), count=500, history=[0] * 28)
    assert flat.fired is False
    assert flat.evidence["robust_z"] is None


def test_usage_spike_uses_only_the_previous_28_days() -> None:
    # 12 older days of huge counts are ignored.
    d = usage_spike(metric="users", day=date(2025, 3, 1), count=106, history=[10_000] * 12 + HISTORY)
    assert d.fired is True
    assert d.evidence["history"] == HISTORY


# --- A/B -----------------------------------------------------------------------------------------


def test_compare_variants_pairs_and_winner_by_key() -> None:
    # The demo's email prompts: a 558/820 = 68% vs b 102/330 = 31% accepted.
    rates = {"email_prompt_b": Rate(102, 330, 30), "email_prompt_a": Rate(558, 820, 30), "c": Rate(5, 10, 30)}
    pairs = compare_variants(rates)
    assert [(p.a, p.b) for p in pairs] == [
        ("c", "email_prompt_a"),
        ("c", "email_prompt_b"),
        ("email_prompt_a", "email_prompt_b"),
    ]
    ab = pairs[2]
    assert ab.comparison.difference == pytest.approx(558 / 820 - 102 / 330)
    assert ab.comparison.p_value == pytest.approx(hand_pooled_p(558, 820, 102, 330), rel=1e-6)
    assert ab.winner == "email_prompt_a"
    assert ab.as_dict()["winner"] == "email_prompt_a"
    assert ab.as_dict()["a"]["numerator"] == 558
    assert pairs[0].winner is None  # c has n = 10
    # Regenerations: fewer is better, so b wins the same counts.
    assert compare_variants(rates, higher_is_better=False)[2].winner == "email_prompt_b"
