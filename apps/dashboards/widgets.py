"""Building blocks every dashboard page is made of: metric reads, KPIs, charts and tables.

Numbers come only from ``apps.analytics.privacy.metric_query_for`` (the engine as the user may
see it: privacy mode applied), so a page, its CSV export and the API always agree. Each chart
carries the table it is drawn from (screen readers, "table view", CSV export); each table cell
can link to the conversations behind it. Charts are Apache ECharts options rendered by
``static/js/charts.js`` (docs/dashboards.md says why ECharts).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.core.cache import cache

from apps.analytics.definitions import min_sample
from apps.analytics.engine import METRICS, MetricRow
from apps.analytics.privacy import metric_query_for, small_cut_threshold_for
from apps.analytics.services import rollups_version
from apps.conversations.models import Conversation
from apps.core.tables import Cell, Chart, Table
from apps.dashboards.scope import Scope

# +1: higher is better, -1: lower is better, 0: neither (volumes). Colours follow it everywhere.
POLARITY: dict[str, int] = {
    "acceptance_rate": 1,
    "signal_coverage": 1,
    "thumbs_up_rate": 1,
    "success_rate": 1,
    "self_service_resolution_rate": 1,
    "return_rate_7d": 1,
    "return_rate_30d": 1,
    "day1_adoption": 1,
    "value_usd": 1,
    "roi": 1,
    "active_users": 1,
    "new_users": 1,
    "edit_rate": -1,
    "regeneration_rate": -1,
    "rephrase_rate": -1,
    "escalation_rate": -1,
    "abandonment_rate": -1,
    "frustration_rate": -1,
    "latency_ms": -1,
    "time_to_first_action": -1,
    "cost_usd": -1,
}

GOOD, BAD, NEUTRAL = "#067647", "#b42318", "#3557d4"
PALETTE = ["#3557d4", "#f79009", "#067647", "#9e77ed", "#b42318", "#0e9384", "#dd2590", "#5b6475"]


@dataclass(frozen=True)
class MetricResult:
    rows: list[MetricRow]
    # Filters of the bar that this metric cannot be cut by (e.g. ROI is per assistant only):
    # the page says so instead of silently showing an unfiltered number.
    ignored_filters: tuple[str, ...] = ()


def metric(
    scope: Scope,
    slug: str,
    *,
    group_by: Sequence[str] = (),
    interval: str = "all",
    filters: dict[str, Any] | None = None,
) -> MetricResult:
    spec = METRICS[slug]
    wanted = {**scope.filters, **(filters or {})}
    usable = {k: v for k, v in wanted.items() if k in spec.dimensions}
    if not scope.assistants:
        return MetricResult(rows=[])
    query: dict[str, Any] = {
        "metric": slug,
        "assistant_ids": sorted(scope.assistant_ids),
        "date_from": scope.date_from,
        "date_to": scope.date_to,
        "group_by": [g for g in group_by if g in spec.dimensions],
        "interval": interval,
        "filters": dict(sorted(usable.items())),
    }
    rows = _cached(scope, query, lambda: metric_query_for(user=scope.user, **query))
    return MetricResult(rows=rows, ignored_filters=tuple(sorted(set(wanted) - set(usable))))


def _cached(scope: Scope, query: dict[str, Any], compute: Callable[[], list[MetricRow]]) -> list[MetricRow]:
    """Metric rows cached per organization until its rollups change (``rollups_version``).

    Pages repeat the same reads (a KPI's sparkline is the chart above it; every visitor of the
    Portfolio asks the same thing), and rollups change only when a batch is enriched. The key
    holds everything the answer depends on: the query, the privacy threshold of this user's
    roles, the minimum sample, and the assistants' last edit (ROI reads their business inputs).
    """
    seconds = settings.DASHBOARD_CACHE_SECONDS
    if not seconds:
        return compute()
    edited = max((a.updated_at for a in scope.assistants), default=None)
    basis = repr((rollups_version(), small_cut_threshold_for(scope.user), min_sample(), edited, query))
    key = "dashboards:metric:" + hashlib.sha256(basis.encode()).hexdigest()
    rows = cache.get(key)
    if rows is None:
        rows = compute()
        cache.set(key, rows, seconds)
    return rows


def total(scope: Scope, slug: str, **kwargs: Any) -> MetricRow | None:
    """The metric over the whole scope (one row), or None when there is nothing at all."""
    rows = metric(scope, slug, **kwargs).rows
    return rows[0] if rows else None


def has_conversations(scope: Scope) -> bool:
    """Whether any conversation of the scope's assistants ever arrived: if not, a page shows how to
    send the first event instead of empty charts (a quiet period shows its honest zeros)."""
    return Conversation.objects.filter(assistant_id__in=scope.assistant_ids).exists()


# --- formatting -------------------------------------------------------------------------------


def fmt_value(slug: str, value: float | None) -> str:
    if value is None:
        return "—"
    unit = METRICS[slug].unit
    if unit == "ratio" and slug != "roi":
        return f"{value * 100:.1f}%"
    if slug == "roi":
        return f"{value * 100:+,.0f}%"
    if unit == "usd":
        return f"${value:,.0f}" if abs(value) >= 100 else f"${value:,.2f}"
    if unit == "ms":
        return f"{value:,.0f} ms"
    if unit == "seconds":
        return f"{value:,.1f} s"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}"
    return f"{value:,.0f}"


def row_state(row: MetricRow | None) -> str:
    """ok | empty | not_enough | suppressed — the honest states of DESIGN.md."""
    if row is None:
        return "empty"
    if row.suppressed:
        return "suppressed"
    if not row.enough_data or row.value is None:
        return "not_enough"
    return "ok"


def row_display(slug: str, row: MetricRow | None) -> str:
    state = row_state(row)
    if state == "empty":
        return "no data"
    if state == "suppressed":
        assert row is not None
        return row.suppressed_reason or "fewer than 5 people"
    if state == "not_enough":
        n = row.denominator if row is not None and row.denominator is not None else None
        if n == 0:
            return "no data"
        return f"not enough data (n = {n})" if n is not None else "not enough data"
    assert row is not None
    return fmt_value(slug, row.value)


def is_rate(slug: str) -> bool:
    return METRICS[slug].kind == "rate"


# --- tables -----------------------------------------------------------------------------------


def rate_cell(slug: str, row: MetricRow | None, href: str | None = None, tone: str = "") -> Cell:
    title = ""
    if row is not None and row.numerator is not None and row.denominator is not None and not row.suppressed:
        title = f"{row.numerator:,} of {row.denominator:,}"
        if row.ci_low is not None and row.ci_high is not None:
            title += f" (95% CI {row.ci_low * 100:.1f}–{row.ci_high * 100:.1f}%)"
    state = row_state(row)
    return Cell(
        text=row_display(slug, row),
        href=href if state == "ok" else None,
        sort=row.value if state == "ok" and row is not None else None,
        tone=tone,
        title=title,
    )


# --- charts -----------------------------------------------------------------------------------


def _axis_label(period: date | None) -> str:
    return period.isoformat() if period else "all"


def time_series(
    scope: Scope,
    chart_id: str,
    title: str,
    slugs: Sequence[str],
    *,
    labels: Sequence[str] | None = None,
    markers: Sequence[tuple[date, str]] = (),
    href: Callable[[date], str] | None = None,
) -> Chart:
    """One line per metric over the scope's interval; release annotations as vertical markers."""
    labels = list(labels or [METRICS[s].slug.replace("_", " ") for s in slugs])
    by_metric = {s: {r.period: r for r in metric(scope, s, interval=scope.interval).rows} for s in slugs}
    periods = sorted({p for rows in by_metric.values() for p in rows if p is not None})
    percent = all(METRICS[s].unit == "ratio" and s != "roi" for s in slugs)
    series = []
    for i, slug in enumerate(slugs):
        data = []
        for p in periods:
            row = by_metric[slug].get(p)
            ok = row_state(row) == "ok"
            value = None if not ok or row is None or row.value is None else row.value
            if value is not None and percent:
                value = round(value * 100, 2)
            point: dict[str, Any] = {"value": [p.isoformat(), value]}
            if href is not None:
                point["href"] = href(p)
            data.append(point)
        line: dict[str, Any] = {
            "name": labels[i],
            "type": "line",
            "showSymbol": len(periods) < 40,
            "connectNulls": False,
            "data": data,
            "color": PALETTE[i % len(PALETTE)],
        }
        if i == 0 and markers:
            line["markLine"] = {
                "symbol": "none",
                "label": {"formatter": "{b}", "position": "insideEndTop"},
                "lineStyle": {"type": "dashed", "color": "#5b6475"},
                "data": [{"name": name, "xAxis": day.isoformat()} for day, name in markers],
            }
        series.append(line)
    option = {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0} if len(slugs) > 1 else {"show": False},
        "grid": {"left": 48, "right": 16, "top": 32 if len(slugs) > 1 else 12, "bottom": 28},
        "xAxis": {"type": "time"},
        "yAxis": {"type": "value", "axisLabel": {"formatter": "{value}%" if percent else "{value}"}},
        "series": series,
    }
    table = Table(
        id=f"{chart_id}-table", title=title, columns=["period", *labels], numeric=set(range(1, len(slugs) + 1))
    )
    for p in periods:
        cells = [Cell(text=p.isoformat(), href=href(p) if href else None)]
        cells += [rate_cell(s, by_metric[s].get(p)) if is_rate(s) else _plain(s, by_metric[s].get(p)) for s in slugs]
        table.rows.append(cells)
    return Chart(id=chart_id, title=title, option=option, table=table)


def _plain(slug: str, row: MetricRow | None) -> Cell:
    state = row_state(row)
    return Cell(text=row_display(slug, row), sort=row.value if state == "ok" and row is not None else None)


def bar_chart(chart_id: str, title: str, table: Table, *, value_column: int = 1, horizontal: bool = True) -> Chart:
    """A bar per table row from one numeric column (its ``sort`` values); clicking a bar follows the
    first cell's link."""
    names = [r[0].text for r in table.rows]
    data = []
    for r in table.rows:
        cell = r[value_column]
        value = cell.sort if isinstance(cell.sort, int | float) else None
        point: dict[str, Any] = {"value": value, "href": r[0].href or cell.href}
        if cell.tone:
            point["itemStyle"] = {"color": GOOD if cell.tone == "good" else BAD}
        data.append(point)
    category = {"type": "category", "data": names, "inverse": horizontal}
    values = {"type": "value"}
    option = {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "grid": {"left": 8, "right": 24, "top": 8, "bottom": 8, "containLabel": True},
        "xAxis": values if horizontal else category,
        "yAxis": category if horizontal else values,
        "series": [{"type": "bar", "data": data, "color": NEUTRAL, "name": table.columns[value_column]}],
    }
    height = max(160, 28 * len(names) + 40) if horizontal else 280
    return Chart(id=chart_id, title=title, option=option, table=table, height=height)


def sparkline(values: Sequence[float | None], *, color: str = NEUTRAL) -> dict[str, Any]:
    return {
        "animation": False,
        "grid": {"left": 0, "right": 0, "top": 2, "bottom": 2},
        "xAxis": {"type": "category", "show": False, "data": list(range(len(values)))},
        "yAxis": {"type": "value", "show": False, "scale": True},
        "series": [
            {"type": "line", "data": list(values), "showSymbol": False, "color": color, "lineStyle": {"width": 1.5}}
        ],
        "tooltip": {"show": False},
    }


# --- KPI strip --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kpi:
    label: str
    slug: str
    display: str
    state: str
    href: str | None
    change: str  # "+4.1 pts vs previous 30 days"
    tone: str  # good | bad | ""
    spark: dict[str, Any] | None
    title: str = ""

    @property
    def spark_json(self) -> str:
        return json.dumps(self.spark) if self.spark else ""


def kpi(scope: Scope, slug: str, label: str, *, href: str | None = None, filters: dict[str, Any] | None = None) -> Kpi:
    now = total(scope, slug, filters=filters)
    before = total(scope.previous(), slug, filters=filters)
    state = row_state(now)
    change, tone = "", ""
    if (
        now is not None
        and before is not None
        and now.value is not None
        and before.value is not None
        and state == "ok"
        and row_state(before) == "ok"
    ):
        delta = now.value - before.value
        if is_rate(slug):
            change = f"{delta * 100:+.1f} pts"
        elif before.value:
            change = f"{delta / abs(before.value) * 100:+.0f}%"
        polarity = POLARITY.get(slug, 0)
        if polarity and abs(delta) > 1e-9:
            tone = "good" if (delta > 0) == (polarity > 0) else "bad"
        change += f" vs previous {scope.days} days"
    spark_rows = metric(scope, slug, interval=scope.interval, filters=filters).rows
    values = [r.value if row_state(r) == "ok" else None for r in spark_rows]
    spark = sparkline(values) if sum(v is not None for v in values) >= 2 else None
    title = ""
    if now is not None and now.numerator is not None and now.denominator is not None and not now.suppressed:
        title = f"{now.numerator:,} of {now.denominator:,}"
    return Kpi(
        label=label,
        slug=slug,
        display=row_display(slug, now),
        state=state,
        href=href if state == "ok" else None,
        change=change,
        tone=tone,
        spark=spark,
        title=title,
    )
