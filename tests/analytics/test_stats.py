"""apps/analytics/stats.py against published values and formulas worked by hand (no database).

Published values: Newcombe RG, "Two-sided confidence intervals for the single proportion" and
"Interval estimation for the difference between independent proportions", Stat Med 1998;17
(method 3 = Wilson score, method 10 = hybrid score), 4 decimals.
"""

from __future__ import annotations

import math

import pytest

from apps.analytics.definitions import Rate
from apps.analytics.stats import (
    compare_proportions,
    compare_rates,
    newcombe_interval,
    robust_z_score,
    two_proportion_p_value,
    wilson_interval,
)

Z95 = 1.959963984540054  # Φ⁻¹(0.975)


def hand_wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


def hand_pooled_p(k1: int, n1: int, k2: int, n2: int) -> float:
    pooled = (k1 + k2) / (n1 + n2)
    z = (k1 / n1 - k2 / n2) / math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return math.erfc(abs(z) / math.sqrt(2))  # two-sided normal tail


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [(81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 20, 0.0, 0.1611), (1, 29, 0.0061, 0.1718)],
)
def test_wilson_matches_newcombe_1998_single_proportion(k: int, n: int, low: float, high: float) -> None:
    interval = wilson_interval(k, n)
    assert interval is not None
    assert interval == pytest.approx((low, high), abs=5e-5)
    assert interval == pytest.approx(hand_wilson(k, n), abs=1e-12)


def test_wilson_edges() -> None:
    assert wilson_interval(0, 0) is None
    low, high = wilson_interval(29, 29)  # type: ignore[misc]
    assert high == 1.0
    assert low == pytest.approx(hand_wilson(29, 29)[0], abs=1e-12)  # 0.8830
    with pytest.raises(ValueError, match="invalid counts"):
        wilson_interval(5, 4)


@pytest.mark.parametrize(
    ("counts", "low", "high"),
    [
        ((56, 70, 48, 80), 0.0524, 0.3339),
        ((9, 10, 3, 10), 0.1705, 0.8090),
        ((5, 56, 0, 29), -0.0381, 0.1926),
        ((0, 10, 0, 20), -0.1611, 0.2775),
        ((0, 10, 0, 10), -0.2775, 0.2775),
        ((10, 10, 0, 20), 0.6791, 1.0),
        ((10, 10, 0, 10), 0.6075, 1.0),
    ],
)
def test_newcombe_matches_newcombe_1998_method_10(counts: tuple[int, int, int, int], low: float, high: float) -> None:
    assert newcombe_interval(*counts) == pytest.approx((low, high), abs=5e-5)


def test_newcombe_is_built_from_the_two_wilson_intervals() -> None:
    # Newcombe's method 10 by hand: d ∓ √((p1 − l1)² + (u2 − p2)²), d ± √((u1 − p1)² + (p2 − l2)²).
    p1, p2 = 56 / 70, 48 / 80
    l1, u1 = hand_wilson(56, 70)
    l2, u2 = hand_wilson(48, 80)
    expected = (
        p1 - p2 - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2),
        p1 - p2 + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2),
    )
    assert newcombe_interval(56, 70, 48, 80) == pytest.approx(expected, abs=1e-9)


def test_z_test_p_value_by_hand() -> None:
    # pooled 104/150; z = 0.2 / √(0.69333 · 0.30667 · (1/70 + 1/80)) = 2.6502 → p = 0.00805
    assert two_proportion_p_value(56, 70, 48, 80) == pytest.approx(hand_pooled_p(56, 70, 48, 80), rel=1e-9)
    assert two_proportion_p_value(56, 70, 48, 80) == pytest.approx(0.00805, abs=5e-6)


def test_z_test_degenerate_arms() -> None:
    assert two_proportion_p_value(0, 10, 0, 20) == 1.0  # both all-failures: no evidence of a difference
    assert two_proportion_p_value(10, 10, 20, 20) == 1.0
    assert two_proportion_p_value(0, 0, 5, 10) is None
    assert two_proportion_p_value(10, 10, 0, 10) == pytest.approx(hand_pooled_p(10, 10, 0, 10), rel=1e-9)


def test_compare_declares_a_winner_when_significant_with_enough_data() -> None:
    c = compare_proportions(56, 70, 48, 80)
    assert c.a.value == pytest.approx(0.8)
    assert c.b.value == pytest.approx(0.6)
    assert c.a.ci_low == pytest.approx(hand_wilson(56, 70)[0])
    assert c.difference == pytest.approx(0.2)
    assert (c.ci_low, c.ci_high) == pytest.approx((0.0524, 0.3339), abs=5e-5)
    assert c.p_value == pytest.approx(0.00805, abs=5e-6)
    assert c.enough_data is True
    assert c.winner == "a"
    assert compare_proportions(48, 80, 56, 70).winner == "b"
    # For a rate where lower is better (regenerations), the lower arm wins.
    assert compare_proportions(56, 70, 48, 80, higher_is_better=False).winner == "b"
    assert c.as_dict()["a"] == {
        "numerator": 56,
        "denominator": 70,
        "value": pytest.approx(0.8),
        "ci_low": pytest.approx(hand_wilson(56, 70)[0]),
        "ci_high": pytest.approx(hand_wilson(56, 70)[1]),
        "enough_data": True,
    }


def test_compare_no_winner_when_not_significant() -> None:
    # 30/60 vs 27/60: pooled 57/120, z = 0.05 / √(0.475 · 0.525 · 2/60) = 0.548 → p = 0.58
    c = compare_proportions(30, 60, 27, 60)
    assert c.p_value == pytest.approx(hand_pooled_p(30, 60, 27, 60))
    assert c.p_value > 0.5
    assert c.enough_data is True
    assert c.winner is None


def test_compare_no_winner_below_the_minimum_sample() -> None:
    # 10/10 vs 0/10 is highly significant (p ≈ 8e-6) but both arms are under 30.
    c = compare_proportions(10, 10, 0, 10)
    assert c.p_value is not None
    assert c.p_value < 0.001
    assert c.enough_data is False
    assert c.winner is None
    assert compare_proportions(10, 10, 0, 10, min_sample=10).winner == "a"


def test_compare_zero_denominators_do_not_crash() -> None:
    c = compare_proportions(0, 0, 0, 0)
    assert (c.difference, c.ci_low, c.ci_high, c.p_value, c.winner, c.enough_data) == (
        None,
        None,
        None,
        None,
        None,
        False,
    )
    assert c.a.value is None
    one_sided = compare_proportions(0, 0, 40, 50)
    assert one_sided.b.value == pytest.approx(0.8)
    assert one_sided.difference is None
    assert one_sided.winner is None


def test_compare_all_and_none_succeeding() -> None:
    identical = compare_proportions(40, 40, 50, 50)
    assert identical.difference == 0.0
    assert identical.p_value == 1.0
    assert identical.winner is None
    opposite = compare_proportions(40, 40, 0, 50)
    assert opposite.difference == 1.0
    assert opposite.ci_high == 1.0
    assert opposite.winner == "a"


def test_compare_rates_uses_the_stricter_minimum_sample() -> None:
    c = compare_rates(Rate(40, 40, 30), Rate(0, 40, 50))
    assert c.min_sample == 50
    assert c.enough_data is False
    assert c.winner is None


def test_robust_z_by_hand() -> None:
    history = [8, 10, 10, 12, 9, 11, 10]  # median 10; |deviations| 2,0,0,2,1,1,0 → MAD 1
    score = robust_z_score(16, history)
    assert (score.median, score.mad) == (10.0, 1.0)
    assert score.scale == pytest.approx(1.4826)
    assert score.z == pytest.approx(6 / 1.4826)  # 4.047
    assert robust_z_score(7, history).z == pytest.approx(-3 / 1.4826)


def test_robust_z_when_most_of_the_history_is_identical() -> None:
    # MAD = 0; mean |deviation| around the median 5 is 4/5, scale 1.2533 · 0.8.
    score = robust_z_score(9, [5, 5, 5, 5, 9])
    assert score.mad == 0.0
    assert score.scale == pytest.approx(1.2533 * 0.8)
    assert score.z == pytest.approx(4 / (1.2533 * 0.8))


def test_robust_z_undefined_without_spread_or_history() -> None:
    assert robust_z_score(50, [5, 5, 5]).z is None
    assert robust_z_score(50, []).z is None
    assert robust_z_score(50, []).median is None
