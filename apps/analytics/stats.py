"""The statistics behind comparisons, recommendations and alerts (METRICS.md, "Comparisons and decisions").

Pure functions over counts: no database, no Django settings. The formulas come from statsmodels
(a maintained, tested implementation) rather than hand-written code:

- one proportion: Wilson score interval (Newcombe 1998a, method 3);
- difference of two proportions: Newcombe's hybrid score interval (Newcombe 1998b, method 10),
  built from the two Wilson intervals;
- two-sided two-proportion z-test with the pooled variance under H0 (the textbook test);
- robust z-score of one value against a history: (x - median) / (1.4826 * MAD).

Every function accepts zero denominators and returns ``None`` for what is undefined instead of
raising or producing NaN, so a caller never has to guard a new assistant's empty week.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from scipy.stats import median_abs_deviation
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint, proportions_ztest

from apps.analytics.definitions import Rate

DEFAULT_MIN_SAMPLE = 30
DEFAULT_ALPHA = 0.05
# Makes the MAD a consistent estimator of the standard deviation for normal data (1 / Φ⁻¹(3/4)).
MAD_CONSISTENCY = 1.4826
# Fallback when more than half of the history is identical (MAD = 0): the mean absolute deviation
# around the median, scaled by √(π/2) to estimate σ (Iglewicz & Hoaglin's modified z-score).
MEANAD_CONSISTENCY = 1.2533
# Thresholds are compared with a little tolerance so that 0.8 - 0.7 counts as "10 points".
EPSILON = 1e-9

Winner = Literal["a", "b"]


def wilson_interval(successes: int, total: int, *, alpha: float = DEFAULT_ALPHA) -> tuple[float, float] | None:
    """Wilson score interval for ``successes / total``; ``None`` when ``total`` is 0."""
    _check_counts(successes, total)
    if total == 0:
        return None
    low, high = proportion_confint(successes, total, alpha=alpha, method="wilson")
    return _clip(float(low)), _clip(float(high))


def newcombe_interval(
    a_successes: int, a_total: int, b_successes: int, b_total: int, *, alpha: float = DEFAULT_ALPHA
) -> tuple[float, float] | None:
    """Newcombe hybrid score interval for ``a_successes/a_total - b_successes/b_total``.

    ``None`` when either arm is empty (the difference is undefined).
    """
    _check_counts(a_successes, a_total)
    _check_counts(b_successes, b_total)
    if a_total == 0 or b_total == 0:
        return None
    low, high = confint_proportions_2indep(
        a_successes, a_total, b_successes, b_total, method="newcomb", compare="diff", alpha=alpha
    )
    return max(-1.0, float(low)), min(1.0, float(high))


def two_proportion_p_value(a_successes: int, a_total: int, b_successes: int, b_total: int) -> float | None:
    """Two-sided p-value of the pooled two-proportion z-test; ``None`` when either arm is empty.

    When both arms are all-failures or all-successes the pooled variance is 0 and the arms are
    identical: there is no evidence of a difference, so the p-value is 1.
    """
    _check_counts(a_successes, a_total)
    _check_counts(b_successes, b_total)
    if a_total == 0 or b_total == 0:
        return None
    pooled = (a_successes + b_successes) / (a_total + b_total)
    variance = pooled * (1 - pooled) * (1 / a_total + 1 / b_total)
    if variance == 0:
        return 1.0
    _z, p_value = proportions_ztest([a_successes, b_successes], [a_total, b_total])
    return float(p_value)


@dataclass(frozen=True)
class Arm:
    """One side of a comparison: its counts, its rate and Wilson interval (``None`` when empty)."""

    numerator: int
    denominator: int
    value: float | None
    ci_low: float | None
    ci_high: float | None
    enough_data: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "numerator": self.numerator,
            "denominator": self.denominator,
            "value": self.value,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "enough_data": self.enough_data,
        }


def arm(numerator: int, denominator: int, *, min_sample: int = DEFAULT_MIN_SAMPLE, alpha: float = DEFAULT_ALPHA) -> Arm:
    interval = wilson_interval(numerator, denominator, alpha=alpha)
    return Arm(
        numerator=numerator,
        denominator=denominator,
        value=numerator / denominator if denominator else None,
        ci_low=interval[0] if interval else None,
        ci_high=interval[1] if interval else None,
        enough_data=denominator > 0 and denominator >= min_sample,
    )


@dataclass(frozen=True)
class Comparison:
    """Arm ``a`` against arm ``b``: ``difference`` = rate(a) - rate(b), its interval and test.

    The statistics are computed whenever both arms have a denominator; ``enough_data`` says
    whether both reach the minimum sample, and only then can there be a ``winner``. Pages show
    "not enough data" instead of the numbers when ``enough_data`` is false.
    """

    a: Arm
    b: Arm
    difference: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    alpha: float
    min_sample: int
    higher_is_better: bool
    winner: Winner | None
    enough_data: bool

    @property
    def significant(self) -> bool:
        return self.enough_data and self.p_value is not None and self.p_value < self.alpha

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready numbers, for evidence and API rows."""
        return {
            "a": self.a.as_dict(),
            "b": self.b.as_dict(),
            "difference": self.difference,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "p_value": self.p_value,
            "alpha": self.alpha,
            "min_sample": self.min_sample,
            "winner": self.winner,
            "enough_data": self.enough_data,
        }


def compare_proportions(
    a_num: int,
    a_den: int,
    b_num: int,
    b_den: int,
    *,
    min_sample: int = DEFAULT_MIN_SAMPLE,
    alpha: float = DEFAULT_ALPHA,
    higher_is_better: bool = True,
) -> Comparison:
    """Compare two proportions (METRICS.md "A/B"): Newcombe interval, z-test, and a winner only
    at ``p < alpha`` with both arms at or above ``min_sample``.

    ``higher_is_better=False`` is for rates where less is better (regeneration, abandonment): the
    winner is then the arm with the lower rate.
    """
    arm_a = arm(a_num, a_den, min_sample=min_sample, alpha=alpha)
    arm_b = arm(b_num, b_den, min_sample=min_sample, alpha=alpha)
    difference = arm_a.value - arm_b.value if arm_a.value is not None and arm_b.value is not None else None
    interval = newcombe_interval(a_num, a_den, b_num, b_den, alpha=alpha)
    p_value = two_proportion_p_value(a_num, a_den, b_num, b_den)
    enough = arm_a.enough_data and arm_b.enough_data
    winner: Winner | None = None
    if enough and p_value is not None and p_value < alpha and difference:
        a_is_higher = difference > 0
        winner = "a" if a_is_higher == higher_is_better else "b"
    return Comparison(
        a=arm_a,
        b=arm_b,
        difference=difference,
        ci_low=interval[0] if interval else None,
        ci_high=interval[1] if interval else None,
        p_value=p_value,
        alpha=alpha,
        min_sample=min_sample,
        higher_is_better=higher_is_better,
        winner=winner,
        enough_data=enough,
    )


def compare_rates(a: Rate, b: Rate, *, alpha: float = DEFAULT_ALPHA, higher_is_better: bool = True) -> Comparison:
    """``compare_proportions`` for two :class:`~apps.analytics.definitions.Rate` values; the
    stricter of their minimum samples applies to both arms."""
    return compare_proportions(
        a.numerator,
        a.denominator,
        b.numerator,
        b.denominator,
        min_sample=max(a.min_sample, b.min_sample),
        alpha=alpha,
        higher_is_better=higher_is_better,
    )


@dataclass(frozen=True)
class RobustZ:
    """A value against its history: ``z`` is ``None`` when the history is empty or has no spread."""

    value: float
    median: float | None
    mad: float | None
    scale: float | None  # the robust σ estimate the z-score divides by
    z: float | None

    def as_dict(self) -> dict[str, Any]:
        return {"value": self.value, "median": self.median, "mad": self.mad, "scale": self.scale, "robust_z": self.z}


def robust_z_score(value: float, history: Sequence[float]) -> RobustZ:
    """(value - median) / (1.4826 * MAD) of ``history``.

    When more than half of the history is the same number the MAD is 0; the scale then falls
    back to 1.2533 * mean absolute deviation around the median. A perfectly flat history has no
    spread at all: ``z`` is ``None`` (undefined) rather than infinite.
    """
    if not history:
        return RobustZ(value=float(value), median=None, mad=None, scale=None, z=None)
    data = np.asarray(history, dtype=float)
    median = float(statistics.median(data.tolist()))
    mad = float(median_abs_deviation(data, scale=1.0))
    scale = MAD_CONSISTENCY * mad
    if scale == 0:
        scale = MEANAD_CONSISTENCY * float(np.mean(np.abs(data - median)))
    z = (float(value) - median) / scale if scale > 0 else None
    return RobustZ(value=float(value), median=median, mad=mad, scale=scale if scale > 0 else None, z=z)


def at_least(value: float, threshold: float) -> bool:
    """``value ≥ threshold`` tolerant to float rounding (0.3 - 0.2 is "10 points")."""
    return value >= threshold - EPSILON


def _check_counts(successes: int, total: int) -> None:
    if total < 0 or successes < 0 or successes > total:
        raise ValueError(f"invalid counts: {successes} of {total}")


def _clip(x: float) -> float:
    return min(1.0, max(0.0, x))
