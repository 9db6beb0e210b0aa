"""The Portfolio page (admin: every assistant side by side, the ROI ranking, departments, the
organization's open findings) and the Department page (an owner's departments: assistants, API
keys, release annotations and the same numbers), issue 12 pages 1 and 5.

Value and ROI are the engine's, per assistant (``value_usd`` and ``roi`` cannot be cut by a user
segment). For a set of assistants — a department, the whole scope — the engine's ungrouped query
gives (sum of value - sum of cost) / sum of cost over the set, never an average of ROIs; the page
says so in a note. The engine's ``department`` dimension is the *user's* department, so a registry
department here is always its set of assistants.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from itertools import groupby
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http.response import HttpResponseBase
from django.views.decorators.http import require_GET

from apps.accounts.models import Role
from apps.accounts.permissions import sees_all_assistants
from apps.accounts.request import AuthedRequest
from apps.analytics.engine import METRICS, MetricRow
from apps.analytics.metric_selectors import release_comparison, release_windows
from apps.analytics.models import Alert, Recommendation
from apps.analytics.privacy import small_cut_threshold_for
from apps.core.tables import Cell, Chart, Table
from apps.dashboards.findings import decision_headlines, decision_href, decisions_in_scope
from apps.dashboards.pages import Headline, dashboard, render_dashboard
from apps.dashboards.scope import Scope
from apps.dashboards.widgets import (
    BAD,
    GOOD,
    Kpi,
    bar_chart,
    fmt_value,
    has_conversations,
    kpi,
    metric,
    rate_cell,
    row_display,
    row_state,
    sparkline,
    time_series,
)
from apps.registry.models import Assistant, Department
from apps.registry.selectors import api_keys_of, assistants_visible_to, departments_visible_to, releases_of

PORTFOLIO_ROLES = (Role.ADMIN,)
DEPARTMENT_ROLES = (Role.ADMIN, Role.OWNER)
DEPARTMENT_URL = "/dashboards/department/"
REGISTRY_URL = "/registry/"

KPIS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("active_users", "Active users", {}),
    ("acceptance_rate", "Acceptance", {}),
    ("success_rate", "Success rate", {"outcome": "resolved"}),
    ("frustration_rate", "Frustrated conversations", {"frustrated": 1}),
    ("roi", "ROI", {}),
)
# Per-assistant rates of the side-by-side table: (slug, column, explorer filters behind the number).
RATE_COLUMNS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("acceptance_rate", "Acceptance", {}),
    ("success_rate", "Success rate", {"outcome": "resolved"}),
    ("self_service_resolution_rate", "Self-service", {"outcome": "resolved"}),
    ("frustration_rate", "Frustrated", {"frustrated": 1}),
)
ROI_NOTE = (
    "Value = resolved tasks × minutes saved / 60 × hourly cost + self-served conversations × cost per human "
    "contact × deflection share; cost = model cost + the fixed monthly cost prorated over the period; "
    "ROI = (value − cost) / cost (METRICS.md). ROI is computed per assistant: a department's or the "
    "portfolio's ROI is (sum of its assistants' value − sum of their cost) / sum of their cost, not an "
    "average of ROIs."
)


# --- the portfolio's own filters ------------------------------------------------------------------


class PortfolioFilters(forms.Form):
    """Vendor and model, validated against the values of the registry the user may see (a value
    no assistant has is a 400 naming it, like any filter of the bar)."""

    vendor = forms.ChoiceField(required=False, label="Vendor")
    model = forms.ChoiceField(required=False, label="Model")

    def __init__(self, data: Mapping[str, Any], *, assistants: QuerySet[Assistant]) -> None:
        super().__init__(data)
        pairs = set(assistants.order_by().values_list("vendor", "model"))
        for name, values, empty in (
            ("vendor", {v for v, _ in pairs}, "All vendors"),
            ("model", {m for _, m in pairs}, "All models"),
        ):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [("", empty), *((v, v) for v in sorted(values))]


def department_url(scope: Scope, department_id: int) -> str:
    """The department page with this page's dates (its own filters and assistants left behind)."""
    return f"{DEPARTMENT_URL}?{scope.query(drop=('assistant', 'department', *scope.page_filters), department=department_id)}"


def narrowed(scope: Scope, assistants: Sequence[Assistant]) -> Scope:
    """``scope`` restricted to ``assistants`` by a page's own filter: the links of its numbers then
    name those assistants, since the explorer does not know the page's filter."""
    params = tuple((k, v) for k, v in scope.params if k != "assistant")
    params += tuple(("assistant", str(a.pk)) for a in assistants)
    return replace(scope, assistants=tuple(assistants), params=params)


# --- numbers per assistant and per set of assistants ---------------------------------------------


@dataclass(frozen=True)
class Numbers:
    """The engine's rows of a scope, per metric and assistant, plus filters the ROI ignored."""

    rows: dict[str, dict[int, MetricRow]]
    previous_users: dict[int, MetricRow]
    trend: dict[int, list[float | None]]
    ignored_filters: tuple[str, ...]

    def row(self, slug: str, assistant: Assistant) -> MetricRow | None:
        return self.rows[slug].get(assistant.pk)


def _by_assistant(rows: Sequence[MetricRow]) -> dict[int, MetricRow]:
    return {r.dims["assistant"]: r for r in rows}


def numbers_by_assistant(scope: Scope) -> Numbers:
    """One grouped read per metric (not one per assistant), and the active-user trend per period."""
    rows: dict[str, dict[int, MetricRow]] = {}
    ignored: set[str] = set()
    for slug in ("active_users", *(s for s, _, _ in RATE_COLUMNS), "roi"):
        result = metric(scope, slug, group_by=["assistant"])
        rows[slug] = _by_assistant(result.rows)
        ignored |= set(result.ignored_filters)
    previous = _by_assistant(metric(scope.previous(), "active_users", group_by=["assistant"]).rows)
    by_period = metric(scope, "active_users", group_by=["assistant"], interval=scope.interval).rows
    periods = sorted({r.period for r in by_period if r.period is not None})
    cells = {(r.period, r.dims["assistant"]): r for r in by_period}
    # No row is no user in that period: a 0, unless privacy mode hides small cuts (then a cut of
    # 0 people is as hidden as one of 3, and both are gaps in the line).
    absent = 0.0 if small_cut_threshold_for(scope.user) is None else None
    trend: dict[int, list[float | None]] = {}
    for a in scope.assistants:
        values: list[float | None] = []
        for p in periods:
            r = cells.get((p, a.pk))
            values.append(absent if r is None else (r.value if row_state(r) == "ok" else None))
        trend[a.pk] = values
    return Numbers(rows=rows, previous_users=previous, trend=trend, ignored_filters=tuple(sorted(ignored)))


def usd(value: float | None) -> str:
    return fmt_value("value_usd", value)


def roi_text(value: float | None) -> str:
    return fmt_value("roi", value)


@dataclass(frozen=True)
class Business:
    """Value, cost and ROI of an assistant or a set of them, with the engine's inputs (``extra``)."""

    state: str  # ok | no_cost | suppressed | empty
    display: str
    roi: float | None = None
    value: float | None = None
    cost: float | None = None
    extra: Mapping[str, Any] | None = None

    def cells(self, href: str | None) -> list[Cell]:
        """Cost, value and ROI cells (ROI sorts and charts as a percentage)."""
        if self.state in ("suppressed", "empty"):
            return [Cell(text=self.display)] * 3
        extra = self.extra or {}
        cost_title = f"model {usd(extra.get('model_cost_usd'))} + fixed {usd(extra.get('fixed_cost_usd'))}"
        value_title = f"{extra.get('resolved', 0):,} resolved, {extra.get('deflected', 0):,} self-served"
        roi_cell = Cell(text=self.display, sort=None, title="no cost recorded for the period")
        if self.roi is not None:
            roi_cell = Cell(
                text=self.display,
                href=href,
                sort=round(self.roi * 100, 1),
                tone="good" if self.roi > 0 else "bad" if self.roi < 0 else "",
                title=f"({usd(self.value)} − {usd(self.cost)}) / {usd(self.cost)}",
            )
        return [
            Cell(text=usd(self.cost), sort=self.cost, title=cost_title),
            Cell(text=usd(self.value), href=href, sort=self.value, title=value_title),
            roi_cell,
        ]


def _business(value: float, cost: float, extra: Mapping[str, Any]) -> Business:
    if not cost:  # ROI is undefined without any cost
        return Business(state="no_cost", display="no cost recorded", value=value, cost=cost, extra=extra)
    roi = (value - cost) / cost
    return Business(state="ok", display=roi_text(roi), roi=roi, value=value, cost=cost, extra=extra)


def business(row: MetricRow | None) -> Business:
    """One row of the engine's ``roi``: its value is the ROI, its extra the inputs."""
    state = row_state(row)
    if row is None or state in ("empty", "suppressed"):
        return Business(state=state, display=row_display("roi", row))
    if row.value is None:
        return _business(row.extra.get("value_usd", 0.0), 0.0, row.extra)
    return Business(
        state="ok",
        display=roi_text(row.value),
        roi=row.value,
        value=row.extra.get("value_usd"),
        cost=row.extra.get("cost_usd"),
        extra=row.extra,
    )


POOLED = ("value_usd", "cost_usd", "model_cost_usd", "fixed_cost_usd", "resolved", "deflected")


def pooled(rows: Sequence[MetricRow]) -> Business:
    """Several assistants' ``roi`` rows as one: value and cost added up, then ROI from the sums
    (never a mean of ROIs). Rows hidden by privacy mode cannot be added: the caller asks the engine."""
    extra = {k: sum(r.extra.get(k) or 0 for r in rows) for k in POOLED}
    if not rows:
        return Business(state="empty", display="no data")
    return _business(float(extra["value_usd"]), float(extra["cost_usd"]), extra)


def kpi_strip(scope: Scope) -> list[Kpi]:
    return [kpi(scope, slug, label, href=scope.explorer_url(**extra)) for slug, label, extra in KPIS]


def trend_cell(values: Sequence[float | None], now: MetricRow | None, before: MetricRow | None, scope: Scope) -> Cell:
    """Active users against the previous period of the same length (the text, for CSV and screen
    readers) and their sparkline over the period."""
    spark = sparkline(values) if sum(v is not None for v in values) >= 2 else None
    if row_state(now) != "ok" or now is None or now.value is None:
        return Cell(text="—", spark=spark)
    if before is None or (row_state(before) == "ok" and not before.value):
        return Cell(text="new", title=f"no active users in the previous {scope.days} days", spark=spark)
    if row_state(before) != "ok" or before.value is None:
        return Cell(text="—", title=f"previous {scope.days} days: {row_display('active_users', before)}", spark=spark)
    change = (now.value - before.value) / before.value
    return Cell(
        text=f"{round(change * 100):+d}%",  # rounded first: never "-0%"
        sort=change,
        tone="good" if change > 0 else "bad" if change < 0 else "",
        title=f"{now.value:,.0f} active users vs {before.value:,.0f} in the previous {scope.days} days",
        spark=spark,
    )


def assistants_table(scope: Scope, numbers: Numbers, *, table_id: str = "assistants") -> Table:
    """Every assistant of the scope side by side (sortable; each number links to its conversations)."""
    rate_labels = [label for _, label, _ in RATE_COLUMNS]
    columns = ["Assistant", "Department", "Vendor / model", "Active users", "Trend", *rate_labels]
    columns += ["Cost", "Value", "ROI", "Value per user"]
    table = Table(
        id=table_id,
        title="Assistants side by side",
        columns=columns,
        numeric=set(range(3, len(columns))),
        note=ROI_NOTE + f" Trend: active users against the previous {scope.days} days.",
        empty="No assistant matches these filters.",
    )
    for a in scope.assistants:
        href = scope.explorer_url(assistant=a.pk)
        users = numbers.row("active_users", a)
        name = a.name if a.status == "approved" else f"{a.name} ({a.get_status_display().lower()})"
        cells = [
            Cell(text=name, href=href),
            Cell(text=a.department.name, href=department_url(scope, a.department_id)),
            Cell(text=f"{a.vendor} / {a.model}"),
            Cell(text=row_display("active_users", users), href=href, sort=users.value if users else None),
            trend_cell(numbers.trend.get(a.pk, []), users, numbers.previous_users.get(a.pk), scope),
        ]
        cells += [
            rate_cell(slug, numbers.row(slug, a), href=scope.explorer_url(assistant=a.pk, **extra))
            for slug, _, extra in RATE_COLUMNS
        ]
        money = business(numbers.row("roi", a))
        resolved = scope.explorer_url(assistant=a.pk, outcome="resolved")
        cells += money.cells(resolved)
        per_user = (money.extra or {}).get("value_per_active_user") if money.state in ("ok", "no_cost") else None
        cells.append(Cell(text=usd(per_user), sort=per_user) if per_user is not None else Cell(text=money.display))
        table.rows.append(cells)
    if numbers.ignored_filters:
        table.note += f" Value and ROI ignore the filters {', '.join(numbers.ignored_filters)} (per assistant only)."
    return table


# --- the ROI ranking --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ranked:
    assistant: Assistant
    money: Business


def roi_ranking(scope: Scope, numbers: Numbers) -> list[Ranked]:
    """Assistants with an ROI, highest first (ties by name, for a stable order)."""
    ranked = [Ranked(a, business(numbers.row("roi", a))) for a in scope.assistants]
    with_roi = [r for r in ranked if r.money.roi is not None]
    return sorted(with_roi, key=lambda r: (-(r.money.roi or 0.0), r.assistant.name))


def _inputs(a: Assistant, extra: Mapping[str, Any]) -> str:
    parts = [
        f"{extra.get('resolved', 0):,} resolved × {a.minutes_saved_per_task.normalize():f} min × "
        f"{usd(float(a.hourly_cost))}/h"
    ]
    if a.cost_per_human_contact and a.deflection_share:
        parts.append(
            f"{extra.get('deflected', 0):,} self-served × {usd(float(a.cost_per_human_contact))} × "
            f"{a.deflection_share.normalize():f}"
        )
    cost = f"model {usd(extra.get('model_cost_usd'))} + fixed {usd(extra.get('fixed_cost_usd'))}"
    return f"value = {' + '.join(parts)}; cost = {cost}"


def roi_headlines(scope: Scope, ranking: Sequence[Ranked]) -> list[Headline]:
    """The ranking said plainly (METRICS.md ranks by ROI): who returns the most, who brings the most
    value when that is another assistant (a tiny cost makes a huge ROI), and who returns the least."""
    if not ranking:
        return [
            Headline(
                text="No assistant has an ROI for this period: set each assistant's value settings "
                "(minutes saved per task, hourly cost, fixed monthly cost) in the registry.",
            )
        ]
    most_value = max(ranking, key=lambda r: (r.money.value or 0.0, r.assistant.name))
    picks = [(ranking[0], "returns the most")]
    if most_value is not ranking[0]:
        picks.append((most_value, "brings the most value"))
    if ranking[-1] not in (p for p, _ in picks):
        picks.append((ranking[-1], "returns the least"))
    out = []
    for ranked, verb in picks:
        m = ranked.money
        text = f"{ranked.assistant.name} {verb}: ROI {roi_text(m.roi)} ({usd(m.value)} value for {usd(m.cost)} cost)"
        if verb == "brings the most value":
            text = f"{ranked.assistant.name} {verb}: {usd(m.value)} for {usd(m.cost)} cost (ROI {roi_text(m.roi)})"
        out.append(
            Headline(
                text=text,
                evidence=_inputs(ranked.assistant, m.extra or {}),
                href=scope.explorer_url(assistant=ranked.assistant.pk, outcome="resolved"),
                tone="good" if (m.roi or 0) > 0 else "bad",
            )
        )
    return out


# A bar this many times the median |ROI| is cut at the axis edge (its label keeps the full value):
# one assistant with almost no cost would otherwise flatten every other bar to nothing.
ROI_AXIS_MEDIANS = 3


def roi_chart(scope: Scope, ranking: Sequence[Ranked]) -> Chart:
    table = Table(
        id="roi-ranking",
        title="ROI by assistant",
        columns=["Assistant", "ROI (%)", "Value", "Cost"],
        numeric={1, 2, 3},
        note=ROI_NOTE,
        empty="No assistant has an ROI for this period (no value settings or no cost recorded).",
    )
    for r in ranking:
        href = scope.explorer_url(assistant=r.assistant.pk, outcome="resolved")
        cost, value, roi = r.money.cells(href)
        table.rows.append([Cell(text=r.assistant.name, href=href), roi, value, cost])
    chart = bar_chart("roi-chart", "ROI by assistant, highest first", table)
    chart.description = "Return on cost over the period, as a percentage; click a bar for its conversations."
    percents = sorted(abs(float(row[1].sort)) for row in table.rows if isinstance(row[1].sort, int | float))
    cap = ROI_AXIS_MEDIANS * percents[len(percents) // 2] if len(percents) >= 3 else None
    cut = cap is not None and percents[-1] > cap
    for row, point in zip(table.rows, chart.option["series"][0]["data"], strict=True):
        clipped = cut and isinstance(point["value"], int | float) and point["value"] > (cap or 0)
        point["label"] = {
            "show": True,
            "formatter": row[1].text,
            "position": "insideRight" if clipped else "right",
            **({"color": "#fff", "fontWeight": "bold"} if clipped else {}),
        }
    chart.option["xAxis"]["axisLabel"] = {"formatter": "{value}%"}
    chart.option["grid"]["right"] = 72
    if cut:
        chart.option["xAxis"]["max"] = round(cap or 0)
        chart.description += " Bars beyond the axis are cut at its edge; their labels give the full value."
    return chart


# --- departments --------------------------------------------------------------------------------------


def by_department(assistants: Sequence[Assistant]) -> list[tuple[Department, tuple[Assistant, ...]]]:
    ordered = sorted(assistants, key=lambda a: (a.department.name, a.department_id, a.name))
    return [
        (group[0].department, tuple(group))
        for _, items in groupby(ordered, key=lambda a: a.department_id)
        for group in [list(items)]
    ]


def department_business(part: Scope, numbers: Numbers) -> Business:
    """A department's value, cost and ROI from its assistants' rows; when privacy mode hides one of
    them its numbers cannot be added, so the engine answers for the department as a whole (the same
    sums over its assistants, its people counted together)."""
    rows = [numbers.row("roi", a) for a in part.assistants]
    if any(r is not None and r.suppressed for r in rows):
        return business(_total(part, "roi"))
    return pooled([r for r in rows if r is not None])


def departments_table(scope: Scope, numbers: Numbers) -> Table:
    """Per registry department: active users and success rate from the engine over its assistants
    (distinct people and pooled conversations, not sums of per-assistant figures)."""
    table = Table(
        id="departments",
        title="Departments",
        columns=["Department", "Assistants", "Active users", "Success rate", "Cost", "Value", "ROI"],
        numeric={1, 2, 3, 4, 5, 6},
        note="A department's ROI = (sum of its assistants' value − sum of their cost) / sum of their cost.",
    )
    for department, assistants in by_department(scope.assistants):
        part = narrowed(scope, assistants)
        if len(assistants) == 1:  # the same cut as its one assistant's row: no second query
            users, success = (numbers.row(slug, assistants[0]) for slug in ("active_users", "success_rate"))
        else:
            users, success = _total(part, "active_users"), _total(part, "success_rate")
        resolved = part.explorer_url(outcome="resolved")
        table.rows.append(
            [
                Cell(text=department.name, href=department_url(scope, department.pk)),
                Cell(text=str(len(assistants)), sort=len(assistants)),
                Cell(
                    text=row_display("active_users", users),
                    href=part.explorer_url(),
                    sort=users.value if users else None,
                ),
                rate_cell("success_rate", success, href=resolved),
                *department_business(part, numbers).cells(resolved),
            ]
        )
    return table


def _total(scope: Scope, slug: str) -> MetricRow | None:
    rows = metric(scope, slug).rows
    return rows[0] if rows else None


def value_cost_chart(table: Table) -> Chart:
    """Value and cost side by side per department (the table's Cost and Value columns)."""
    names = [r[0].text for r in table.rows]

    def series(name: str, column: int, color: str) -> dict[str, Any]:
        data = [
            {"value": r[column].sort if isinstance(r[column].sort, int | float) else None, "href": r[0].href}
            for r in table.rows
        ]
        return {"type": "bar", "name": name, "data": data, "color": color}

    option = {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"top": 0},
        "grid": {"left": 8, "right": 24, "top": 28, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "value", "axisLabel": {"formatter": "${value}"}},
        "yAxis": {"type": "category", "data": names, "inverse": True},
        "series": [series("Value", 5, GOOD), series("Cost", 4, BAD)],
    }
    height = max(180, 48 * len(names) + 60)
    return Chart(
        id="departments-chart", title="Value and cost by department", option=option, table=table, height=height
    )


# --- open findings across the organization -------------------------------------------------------------


def _p(value: Any) -> str:
    if not isinstance(value, int | float):
        return ""
    return "p < 0.001" if value < 0.001 else f"p = {value:.3f}"


def evidence_summary(decision: Alert | Recommendation) -> str:
    """The test and window behind a finding, from its stored evidence (the numbers are in its summary)."""
    evidence = decision.evidence or {}
    parts = []
    if (p := _p(evidence.get("p_value"))) != "":
        parts.append(p)
    windows = evidence.get("windows")
    if isinstance(windows, Mapping) and {"recent", "baseline"} <= set(windows):
        recent, baseline = windows["recent"], windows["baseline"]
        parts.append(f"{recent['from']} – {recent['to']} vs {baseline['from']} – {baseline['to']}")
    elif isinstance(window := evidence.get("window"), Mapping) and window.get("from"):
        parts.append(f"{window['from']} – {window['to']}")
    if (reasons := evidence.get("reasons")) and isinstance(reasons, list):
        parts.append("because of " + " and ".join(str(r) for r in reasons))
    return "; ".join(parts) or "rule of METRICS.md"


def findings_table(scope: Scope, *, limit: int = 10) -> Table:
    alerts, recs = decisions_in_scope(scope, limit=limit)
    table = Table(
        id="findings",
        title="Open alerts and recommendations",
        columns=["Type", "Assistant", "Finding", "Evidence", "Last seen", "Conversations"],
        empty="No open alert or recommendation: nothing unusual this period.",
    )
    decisions: list[tuple[str, Alert | Recommendation]] = [("Alert", a) for a in alerts]
    decisions += [("Recommendation", r) for r in recs]
    for label, d in decisions:
        kind = d.get_kind_display()
        table.rows.append(
            [
                Cell(text=f"{label}: {kind}", tone="bad" if label == "Alert" else ""),
                Cell(text=d.assistant.name, href=scope.explorer_url(assistant=d.assistant_id)),
                Cell(text=d.summary),
                Cell(text=evidence_summary(d)),
                Cell(text=d.last_seen_at.date().isoformat(), sort=d.last_seen_at.isoformat()),
                Cell(text="see conversations", href=decision_href(scope, d)),
            ]
        )
    return table


# --- Portfolio -----------------------------------------------------------------------------------------


def portfolio_build(scope: Scope, picks: Mapping[str, str]) -> dict[str, Any]:
    chosen = [
        a
        for a in scope.assistants
        if (not picks.get("vendor") or a.vendor == picks["vendor"])
        and (not picks.get("model") or a.model == picks["model"])
    ]
    if len(chosen) != len(scope.assistants):
        scope = narrowed(scope, chosen)
    numbers = numbers_by_assistant(scope)
    ranking = roi_ranking(scope, numbers)
    headlines = roi_headlines(scope, ranking)
    headlines += decision_headlines(scope, limit=3 - len(headlines)) if len(headlines) < 3 else []
    departments = departments_table(scope, numbers)
    return {
        "scope": scope,
        "headlines": headlines,
        "kpis": kpi_strip(scope),
        "roi_chart": roi_chart(scope, ranking),
        "assistants_table": assistants_table(scope, numbers),
        "departments": value_cost_chart(departments),
        "findings": findings_table(scope),
        "has_data": has_conversations(scope),
    }


@login_required
@require_GET
def portfolio_view(request: AuthedRequest) -> HttpResponseBase:
    """Every assistant of the organization side by side, ranked by ROI (admin only)."""
    filters = PortfolioFilters(request.GET, assistants=assistants_visible_to(user=request.user))
    return render_dashboard(
        request,
        template="dashboards/portfolio.html",
        roles=PORTFOLIO_ROLES,
        build=lambda scope: portfolio_build(scope, filters.cleaned_data),
        title="Portfolio",
        page_form=filters,
    )


# --- Department -------------------------------------------------------------------------------------------


def registry_table(assistants: Sequence[Assistant]) -> Table:
    table = Table(
        id="registry",
        title="Assistants",
        columns=["Assistant", "Department", "Status", "Vendor", "Model", "Audience", "Launched"],
        numeric={5},
        empty="No assistant registered in this department yet.",
    )
    for a in assistants:
        table.rows.append(
            [
                Cell(text=a.name, href=f"{REGISTRY_URL}{a.pk}/"),
                Cell(text=a.department.name),
                Cell(text=a.get_status_display(), tone="bad" if a.status == "retired" else ""),
                Cell(text=a.vendor),
                Cell(text=a.model),
                Cell(text=f"{a.audience_size:,}", sort=a.audience_size),
                Cell(text=a.launched_on.isoformat() if a.launched_on else "—"),
            ]
        )
    return table


def keys_table(assistants: Sequence[Assistant]) -> Table:
    """Prefixes and dates only: a key's secret is shown once at creation and never stored."""
    table = Table(
        id="api-keys",
        title="API keys",
        columns=["Assistant", "Name", "Prefix", "Created", "Last used", "State"],
        empty="No API keys: these assistants cannot send events yet.",
    )
    for a in assistants:
        for key in api_keys_of(assistant=a):
            table.rows.append(
                [
                    Cell(text=a.name, href=f"{REGISTRY_URL}{a.pk}/#keys"),
                    Cell(text=key.name or "—"),
                    Cell(text=f"{key.prefix}…"),
                    Cell(text=key.created_at.date().isoformat(), sort=key.created_at.isoformat()),
                    Cell(
                        text=key.last_used_at.date().isoformat() if key.last_used_at else "never",
                        sort=key.last_used_at.isoformat() if key.last_used_at else "",
                    ),
                    Cell(text=f"revoked {key.revoked_at.date().isoformat()}", tone="bad")
                    if key.revoked_at
                    else Cell(text="active"),
                ]
            )
    return table


def _verdict(comparison: Mapping[str, Any]) -> Cell:
    after, before = comparison["a"], comparison["b"]
    if not comparison["enough_data"]:
        return Cell(text=f"not enough data (n = {before['denominator']:,} / {after['denominator']:,})")
    p = _p(comparison["p_value"])
    if comparison["winner"] == "after":
        return Cell(text=f"better after ({p})", tone="good")
    if comparison["winner"] == "before":
        return Cell(text=f"worse after ({p})", tone="bad")
    return Cell(text=f"no significant change ({p})" if p else "no significant change")


def _arm(arm: Mapping[str, Any], href: str) -> Cell:
    if not arm["denominator"]:
        return Cell(text="no data")
    title = f"{arm['numerator']:,} of {arm['denominator']:,}"
    return Cell(text=f"{arm['value'] * 100:.1f}%", href=href, sort=arm["value"], title=title)


def releases_table(scope: Scope, assistants: Sequence[Assistant]) -> tuple[Table, list[tuple[date, str]]]:
    """Each release annotation with success rate 14 days before vs after (METRICS.md "Release
    impact", the analytics comparison and its test); also the markers for the time chart."""
    table = Table(
        id="releases",
        title="Release annotations: success rate 14 days before and after",
        columns=["Assistant", "Date", "Kind", "Release", "Before", "After", "Change", "Verdict"],
        numeric={4, 5, 6},
        empty="No release annotations yet: annotate prompt and model changes in the registry.",
    )
    spec = METRICS["success_rate"]
    markers = []
    for a in assistants:
        for release in releases_of(assistant=a).order_by("-date", "-id"):
            comparison = release_comparison(user=scope.user, spec=spec, annotation=release)
            windows = release_windows(release.date)

            def window_url(span: tuple[date, date], a: Assistant = a) -> str:
                return scope.explorer_url(
                    assistant=a.pk, outcome="resolved", **{"from": span[0].isoformat(), "to": span[1].isoformat()}
                )

            diff = comparison["difference"]
            change = Cell(text="—")
            if diff is not None and comparison["enough_data"]:
                change = Cell(text=f"{diff * 100:+.1f} pts", sort=diff)
            table.rows.append(
                [
                    Cell(text=a.name, href=f"{REGISTRY_URL}{a.pk}/#releases"),
                    Cell(text=release.date.isoformat(), sort=release.date.isoformat()),
                    Cell(text=release.get_kind_display()),
                    Cell(text=release.text),
                    _arm(comparison["b"], window_url(windows.before)),
                    _arm(comparison["a"], window_url(windows.after)),
                    change,
                    _verdict(comparison),
                ]
            )
            if scope.date_from <= release.date <= scope.date_to:
                markers.append((release.date, f"{a.name}: {release.get_kind_display().lower()}"))
    return table, markers


@dashboard(template="dashboards/department.html", roles=DEPARTMENT_ROLES, title="My department")
def department_view(scope: Scope) -> dict[str, Any]:
    """A department owner's assistants, keys, releases and numbers (an admin picks a department)."""
    picked = any(k == "department" for k, _ in scope.params)
    if sees_all_assistants(scope.user) and not picked:
        # An admin sees every department: one is picked first, as its owner would see it.
        choices = departments_visible_to(user=scope.user).order_by("name")
        return {"picker": [(d, department_url(scope, d.pk)) for d in choices]}
    departments = departments_visible_to(user=scope.user).order_by("name")
    if picked:
        departments = departments.filter(pk__in=[int(v) for k, v in scope.params if k == "department"])
    assistants = sorted(scope.assistants, key=lambda a: (a.department.name, a.name))
    scope = replace(scope, assistants=tuple(assistants))  # every table in department order
    numbers = numbers_by_assistant(scope)
    releases, markers = releases_table(scope, assistants)
    success = time_series(
        scope,
        "success-over-time",
        "Success rate over time, with release annotations",
        ["success_rate"],
        labels=["Success rate"],
        markers=markers,
        href=lambda day: scope.explorer_url(outcome="resolved", **{"from": day.isoformat(), "to": day.isoformat()}),
    )
    metrics_table = assistants_table(scope, numbers, table_id="assistant-metrics")
    metrics_table.title = "Numbers by assistant"
    return {
        "departments_shown": list(departments),
        "headlines": decision_headlines(scope),
        "kpis": kpi_strip(scope),
        "registry_table": registry_table(assistants),
        "keys_table": keys_table(assistants),
        "releases_table": releases,
        "success_chart": success,
        "metrics_table": metrics_table,
        "findings": findings_table(scope),
        "has_data": has_conversations(scope),
    }
