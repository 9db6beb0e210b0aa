"""Reads behind the metrics API (and any page that asks the same questions): which metrics and
assistants a caller may read, and the A/B and release comparisons of METRICS.md.

Numbers come from ``engine.metric_query``, statistics from ``stats``/``rules``: nothing here
computes a metric or a test, it only chooses the windows and arms and checks who may ask.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from apps.accounts.models import User
from apps.accounts.permissions import reads_summary_metrics_only
from apps.analytics.definitions import Rate, min_sample
from apps.analytics.engine import METRICS, MetricRow, MetricSpec
from apps.analytics.privacy import metric_query_for
from apps.analytics.rules import compare_variants
from apps.analytics.stats import Comparison, compare_rates
from apps.core.exceptions import ApplicationError, NotFoundError, NotPermittedError
from apps.registry.models import ReleaseAnnotation
from apps.registry.selectors import assistants_visible_to

# What a viewer may read (DESIGN.md: "summary dashboards"): usage and satisfaction headlines.
SUMMARY_METRICS: tuple[str, ...] = ("active_users", "conversations", "success_rate", "thumbs_up_rate")

# Rates where less is better: in a comparison the lower arm wins.
LOWER_IS_BETTER = frozenset(
    {"rephrase_rate", "abandonment_rate", "escalation_rate", "frustration_rate", "edit_rate", "regeneration_rate"}
)
# Regeneration is a mean (regenerations per task); its proportion for a test is the share of
# tasks with >= 3 regenerations (METRICS.md), from the engine's ``tasks_regen3``.
_PROPORTION_OF_MEAN = {"regeneration_rate": "tasks_regen3"}
RELEASE_WINDOW_DAYS = 14


def metrics_readable_by(*, user: User) -> list[MetricSpec]:
    summary_only = reads_summary_metrics_only(user)
    return [spec for spec in METRICS.values() if not summary_only or spec.slug in SUMMARY_METRICS]


def metric_spec_for(*, user: User, slug: str) -> MetricSpec:
    """The metric ``slug`` if it exists (404) and ``user`` may read it (403)."""
    spec = METRICS.get(slug)
    if spec is None:
        raise NotFoundError(f"no metric {slug!r}; GET /api/v1/metrics/ lists them")
    if reads_summary_metrics_only(user) and slug not in SUMMARY_METRICS:
        raise NotPermittedError(f"a viewer reads only the summary metrics: {', '.join(SUMMARY_METRICS)}")
    return spec


def assistant_ids_for(*, user: User, requested: Sequence[int] | None) -> list[int]:
    """The requested assistants, each visible to ``user`` (404 naming the first that is not, so
    another department's or organization's ids are not an oracle); none requested: all visible."""
    visible = set(assistants_visible_to(user=user).values_list("pk", flat=True))
    if not requested:
        return sorted(visible)
    for assistant_id in requested:
        if assistant_id not in visible:
            raise NotFoundError(f"no assistant {assistant_id} visible to you")
    return sorted(set(requested))


def comparable_metric(spec: MetricSpec) -> None:
    """Only proportions can be compared with a two-proportion test (400 for anything else)."""
    if spec.kind != "rate" and spec.slug not in _PROPORTION_OF_MEAN:
        allowed = sorted(
            s.slug
            for s in METRICS.values()
            if (s.kind == "rate" and "variant" in s.dimensions) or s.slug in _PROPORTION_OF_MEAN
        )
        raise ApplicationError(f"{spec.slug} is not a rate; comparable metrics: {', '.join(allowed)}")
    if "variant" not in spec.dimensions:
        raise ApplicationError(f"{spec.slug} is computed per assistant and cannot be compared by variant or release")


def _rate(row: MetricRow | None, slug: str) -> Rate:
    if row is None:
        return Rate(0, 0, min_sample())
    if slug in _PROPORTION_OF_MEAN:
        return Rate(int(row.extra.get(_PROPORTION_OF_MEAN[slug], 0)), int(row.denominator or 0), min_sample())
    return Rate(int(row.numerator or 0), int(row.denominator or 0), min_sample())


def comparison_row(comparison: Comparison, a_key: str, b_key: str) -> dict[str, Any]:
    """One pair in the API's shape: arm ``a`` against arm ``b`` (difference = a - b), winner a key."""
    data = comparison.as_dict()
    winner = {"a": a_key, "b": b_key, None: None}[comparison.winner]
    return {
        "a": {"key": a_key, **data["a"]},
        "b": {"key": b_key, **data["b"]},
        "difference": data["difference"],
        "ci_low": data["ci_low"],
        "ci_high": data["ci_high"],
        "p_value": data["p_value"],
        "alpha": data["alpha"],
        "min_sample": data["min_sample"],
        "higher_is_better": comparison.higher_is_better,
        "enough_data": data["enough_data"],
        "winner": winner,
    }


def variant_comparisons(
    *,
    user: User,
    spec: MetricSpec,
    assistant_id: int,
    date_from: date,
    date_to: date,
    filters: Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Every pair of variants of one assistant (METRICS.md "A/B"); conversations and outputs
    without a variant (``''``) are no arm. ``filters`` narrows both arms alike (e.g. one feature:
    a page filtered to a feature compares its variants there, not over the whole assistant)."""
    comparable_metric(spec)
    if filters and "variant" in filters:
        raise ApplicationError("a variant comparison cannot be filtered by variant")
    # Through privacy mode: an arm of fewer than k people has no numbers, so it compares as
    # "not enough data" instead of revealing them.
    rows = metric_query_for(
        user=user,
        metric=spec.slug,
        assistant_ids=[assistant_id],
        date_from=date_from,
        date_to=date_to,
        group_by=["variant"],
        filters=filters,
    )
    rates = {row.dims["variant"]: _rate(row, spec.slug) for row in rows if row.dims.get("variant")}
    pairs = compare_variants(rates, higher_is_better=spec.slug not in LOWER_IS_BETTER)
    return [comparison_row(pair.comparison, pair.a, pair.b) for pair in pairs]


@dataclass(frozen=True)
class ReleaseWindows:
    before: tuple[date, date]
    after: tuple[date, date]


def release_windows(annotation_date: date) -> ReleaseWindows:
    """14 days before and 14 days after the release day; the release day itself is in neither
    (an annotation has no time of day, so that day mixes both versions)."""
    return ReleaseWindows(
        before=(annotation_date - timedelta(days=RELEASE_WINDOW_DAYS), annotation_date - timedelta(days=1)),
        after=(annotation_date + timedelta(days=1), annotation_date + timedelta(days=RELEASE_WINDOW_DAYS)),
    )


def release_annotation_for(*, user: User, annotation_id: int) -> ReleaseAnnotation:
    annotation = (
        ReleaseAnnotation.objects.filter(pk=annotation_id, assistant__in=assistants_visible_to(user=user))
        .select_related("assistant")
        .first()
    )
    if annotation is None:
        raise NotFoundError(f"no release annotation {annotation_id} visible to you")
    return annotation


def release_comparison(*, user: User, spec: MetricSpec, annotation: ReleaseAnnotation) -> dict[str, Any]:
    """After vs before a release annotation (METRICS.md "Release impact"), with the same test."""
    comparable_metric(spec)
    windows = release_windows(annotation.date)

    def window_rate(span: tuple[date, date]) -> Rate:
        rows = metric_query_for(
            user=user, metric=spec.slug, assistant_ids=[annotation.assistant_id], date_from=span[0], date_to=span[1]
        )
        return _rate(rows[0] if rows else None, spec.slug)

    after, before = window_rate(windows.after), window_rate(windows.before)
    comparison = compare_rates(after, before, higher_is_better=spec.slug not in LOWER_IS_BETTER)
    return comparison_row(comparison, "after", "before")
