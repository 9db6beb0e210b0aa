"""The Product page (issue 12, page 2): one assistant (and optionally one feature) as a product
manager reads it — did the A/B test produce a winner, which recommendation fired and why, how
adoption and retention go, how each feature and variant is received, what each release changed,
and which intents people bring.

Numbers come from the metric engine through ``widgets`` (privacy mode applied) and from the
analytics comparisons (``variant_comparisons``, ``release_comparison``); this module only chooses
the cuts, states the verdicts in words and links every number to the conversations behind it.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from apps.accounts.models import Role
from apps.analytics.engine import METRICS, MetricRow
from apps.analytics.metric_selectors import release_comparison, release_windows, variant_comparisons
from apps.analytics.models import Alert, AlertKind, Recommendation, RecommendationKind
from apps.analytics.services import tenant_today
from apps.core.tables import Cell, Chart, Table
from apps.dashboards.findings import decision_headlines, decision_href, decisions_in_scope
from apps.dashboards.pages import Headline, dashboard
from apps.dashboards.scope import Scope
from apps.dashboards.widgets import (
    BAD,
    GOOD,
    NEUTRAL,
    PALETTE,
    has_conversations,
    kpi,
    metric,
    rate_cell,
    row_display,
    row_state,
    time_series,
)
from apps.nlp.models import Intent
from apps.registry.models import Assistant, ReleaseAnnotation
from apps.registry.selectors import releases_of

PRODUCT_ROLES = (Role.ADMIN, Role.PRODUCT, Role.OWNER)

KPI_LABELS = {
    "active_users": "Active users",
    "acceptance_rate": "Acceptance",
    "edit_rate": "Edit rate",
    "regeneration_rate": "Regenerations per task",
    "time_to_first_action": "Time to first action",
    "thumbs_up_rate": "Thumbs up",
}
# The behaviour of outputs, per feature and per variant (METRICS.md "Behavioral signals").
BREAKDOWN_METRICS = ("acceptance_rate", "edit_rate", "regeneration_rate", "time_to_first_action")
BREAKDOWN_LABELS = ["Acceptance", "Edit rate", "Regenerations per task", "Median time to first action"]
# METRICS.md "A/B" and "Release impact": acceptance, resolution, thumbs-up and regeneration (for a
# test, regeneration is the share of tasks with >= 3 regenerations).
COMPARED = {
    "acceptance_rate": "acceptance",
    "success_rate": "resolution",
    "thumbs_up_rate": "thumbs up",
    "regeneration_rate": "tasks with 3+ regenerations",
}
# Only these become headline verdicts: the two outcomes a product decision rests on (testing four
# rates and headlining any one that crosses p < 0.05 would headline noise more often).
HEADLINE_COMPARISONS = ("acceptance_rate", "success_rate")
# In the order they are headlined: what is getting worse, what to stop or fix, then where to grow.
DECISION_KINDS = (
    AlertKind.DEGRADATION,
    RecommendationKind.SUNSET_OR_REDESIGN,
    RecommendationKind.FIX_PROMPT,
    RecommendationKind.EXPAND,
)
HEADLINE_LIMIT = 3  # DESIGN.md: at most three sentences
MAX_COHORT_WEEKS = 12
MAX_INTENTS = 25
NO_VALUE = "(none)"


# --- Which assistant the page is about ----------------------------------------------------------


@dataclass(frozen=True)
class Subject:
    """The assistant (and feature) the page shows, and how it was chosen."""

    assistant: Assistant | None
    feature: str = ""
    defaulted: bool = False  # no single assistant was chosen: the page picked this one
    choices: list[tuple[str, str, bool]] = field(default_factory=list)  # (name, href, has traffic)
    all_features_href: str = ""


def focus(scope: Scope) -> tuple[Scope, Subject]:
    """Narrow the scope to one assistant: the one chosen, or else the first (by name) of the
    user's assistants with conversations in the period, saying so and offering the others."""
    feature = str(scope.filters.get("feature", ""))
    if len(scope.assistants) == 1:
        return scope, Subject(assistant=scope.assistants[0], feature=feature)
    if not scope.assistants:
        return scope, Subject(assistant=None)
    busy = {r.dims.get("assistant") for r in metric(scope, "conversations", group_by=["assistant"]).rows}
    candidates = [a for a in scope.assistants if a.pk in busy] or list(scope.assistants)
    chosen = candidates[0]
    choices = [(a.name, f"?{scope.query(assistant=a.pk)}", a.pk in busy) for a in scope.assistants]
    params = (*[(k, v) for k, v in scope.params if k != "assistant"], ("assistant", str(chosen.pk)))
    narrowed = replace(scope, assistants=(chosen,), params=params)
    return narrowed, Subject(assistant=chosen, feature=feature, defaulted=True, choices=choices)


# --- Formatting of comparisons ------------------------------------------------------------------


def pct(value: float | None, digits: int = 0) -> str:
    return "—" if value is None else f"{value * 100:.{digits}f}%"


def pts(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:+.0f} pts"


def p_text(p: float | None) -> str:
    if p is None:
        return "p n/a"
    if p < 0.001:
        return "p < 0.001"
    return f"p = {p:.3f}" if p < 0.1 else f"p = {p:.2f}"


def _arm_rate(arm: Mapping[str, Any]) -> str:
    if not arm["enough_data"]:
        return f"not enough data (n = {arm['denominator']:,})"
    return pct(arm["value"], 1)


def _oriented(row: Mapping[str, Any], first: str) -> tuple[Mapping[str, Any], Mapping[str, Any], float, float, float]:
    """The comparison seen from arm ``first`` (``a`` or ``b``): its arm, the other, and the
    difference first - other with its interval."""
    diff, low, high = row["difference"] or 0.0, row["ci_low"] or 0.0, row["ci_high"] or 0.0
    if first == "a":
        return row["a"], row["b"], diff, low, high
    return row["b"], row["a"], -diff, -high, -low


def undecided(row: Mapping[str, Any]) -> str | None:
    """The verdict of a comparison without a winner, or None when it has one."""
    a, b = row["a"], row["b"]
    if not row["enough_data"]:
        return (
            f"not enough data (n = {a['denominator']:,} / {b['denominator']:,}; at least {row['min_sample']:,} per arm)"
        )
    if row["winner"] is None:
        return f"no significant difference yet ({p_text(row['p_value'])})"
    return None


def variant_verdict(row: Mapping[str, Any], *, what: str) -> str:
    """A variant comparison (``comparison_row``'s shape) in one plain sentence."""
    pending = undecided(row)
    if pending is not None:
        return pending
    first = "a" if row["winner"] == row["a"]["key"] else "b"
    win, lose, diff, low, high = _oriented(row, first)
    return (
        f"Variant {win['key']} wins on {what}: {pct(win['value'])} vs {pct(lose['value'])} "
        f"(difference {pts(diff)}, 95% CI {low * 100:+.0f} to {high * 100:+.0f} pts, {p_text(row['p_value'])}, "
        f"n = {win['denominator']:,} / {lose['denominator']:,})"
    )


def release_verdict(row: Mapping[str, Any]) -> str:
    """A release comparison (arm ``a`` after, ``b`` before) in one plain sentence."""
    pending = undecided(row)
    if pending is not None:
        return pending
    after, before = row["a"], row["b"]
    direction = "better" if row["winner"] == "after" else "worse"
    return (
        f"{direction} after the release: {pct(after['value'])} vs {pct(before['value'])} before "
        f"(difference {pts(row['difference'])}, {p_text(row['p_value'])})"
    )


# --- Headlines and recommendations --------------------------------------------------------------


@dataclass(frozen=True)
class DecisionItem:
    kind: str
    label: str
    summary: str
    href: str
    tone: str
    evidence: list[tuple[str, str]]


def _humanize(key: str) -> str:
    return key.replace("_", " ").replace("30d", "30-day").replace("day1", "day-1")


def evidence_value(value: Any, key: str = "") -> str:
    """One evidence value for people: rates as "k of n (x%)", windows as "from - to", thresholds
    and differences of proportions in percent or points, p-values as in the verdicts."""
    if isinstance(value, Mapping):
        if {"numerator", "denominator"} <= set(value):
            share = f" ({pct(value.get('value'), 1)})" if value.get("value") is not None else " (not enough data)"
            return f"{value['numerator']:,} of {value['denominator']:,}{share}"
        if {"from", "to"} <= set(value):
            return f"{value['from']} to {value['to']}"
        return ", ".join(f"{_humanize(str(k))} {evidence_value(v, str(k))}" for k, v in value.items())
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if key == "p_value":
            return p_text(value)
        if key.endswith(("points", "difference", "ci_low", "ci_high")):
            return pts(value)
        if key.startswith(("min_", "max_")) and 0 <= value <= 1:
            return pct(value)
        return f"{value:.3g}" if abs(value) < 1 else f"{value:,.2f}".rstrip("0").rstrip(".")
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, list | tuple):
        return ", ".join(evidence_value(v) for v in value[:12]) + (" …" if len(value) > 12 else "")
    return str(value) if value not in (None, "") else "—"


# Evidence reads best as: what was cut, the numbers each with its threshold, the test, the window.
# (Stored as JSONB, whose key order is not the rule's.) Unknown keys keep their place after these.
EVIDENCE_ORDER = (
    "feature", "dimension", "value", "metric", "language", "majority_language", "reasons",
    "day1_users", "day1_adoption", "return_30d", "acceptance", "frequency", "segments", "tasks",
    "median_regenerations", "language_rate", "majority_rate", "recent", "baseline", "gap_points",
    "worse_by_points", "difference", "ci_low", "ci_high", "p_value", "alpha", "first_day", "window",
)  # fmt: skip
_QUALIFIERS = ("min_", "max_", "median_")


def _evidence_rank(key: str) -> tuple[int, int]:
    base = key
    for prefix in _QUALIFIERS:
        if key.startswith(prefix) and key.removeprefix(prefix) in EVIDENCE_ORDER:
            base = key.removeprefix(prefix)
    position = EVIDENCE_ORDER.index(base) if base in EVIDENCE_ORDER else len(EVIDENCE_ORDER)
    return position, int(base != key)


def evidence_items(evidence: Mapping[str, Any]) -> list[tuple[str, str]]:
    # The conversation sample is the decision's link already ("see conversations"), not reading.
    keys = sorted((k for k in evidence if k != "conversation_ids"), key=_evidence_rank)
    return [(_humanize(k), evidence_value(evidence[k], k)) for k in keys]


def _decision_item(scope: Scope, decision: Alert | Recommendation) -> DecisionItem:
    is_alert = isinstance(decision, Alert)
    kinds = AlertKind if is_alert else RecommendationKind
    return DecisionItem(
        kind=decision.kind,
        label=str(kinds(decision.kind).label) if decision.kind in kinds.values else decision.kind,
        summary=decision.summary,
        href=decision_href(scope, decision),
        tone="bad" if is_alert else "",
        evidence=evidence_items(decision.evidence or {}),
    )


# --- Tables and charts --------------------------------------------------------------------------


def period_end(scope: Scope, start: date) -> date:
    if scope.interval == "week":
        end = start + timedelta(days=6)
    elif scope.interval == "month":
        end = start.replace(day=calendar.monthrange(start.year, start.month)[1])
    else:
        end = start
    return min(end, scope.date_to)


def period_href(scope: Scope, start: date) -> str:
    first = max(start, scope.date_from)
    return scope.explorer_url(**{"from": first.isoformat(), "to": period_end(scope, start).isoformat()})


def _measure_cell(slug: str, row: MetricRow | None, href: str | None) -> Cell:
    """A mean or a percentile: its value, with what it is made of in the tooltip."""
    ok = row_state(row) == "ok"
    title = ""
    if ok and row is not None:
        if slug == "regeneration_rate":
            share = row.extra.get("share_regen3")
            title = f"{row.numerator:,} regenerations over {row.denominator:,} tasks; {pct(share, 1)} with 3 or more"
        elif slug == "time_to_first_action":
            p90, instant = row.extra.get("p90"), row.extra.get("instant_accept_share")
            title = f"p90 {p90:,.1f} s over {row.denominator:,} outputs; instant accepts {pct(instant, 1)}"
    return Cell(
        text=row_display(slug, row), href=href if ok else None, sort=row.value if ok and row else None, title=title
    )


def _label(value: Any) -> str:
    return str(value) if value not in (None, "") else NO_VALUE


def breakdown(scope: Scope, dim: str, table_id: str, title: str, *, selected: str = "") -> tuple[Table, Chart]:
    """Acceptance, edit, regeneration and time to first action per ``dim`` (feature or variant): a
    table, and a grouped bar chart of the two shares (acceptance and edit rate) drawn from it."""
    by_metric = {
        slug: {r.dims.get(dim): r for r in metric(scope, slug, group_by=[dim]).rows} for slug in BREAKDOWN_METRICS
    }
    keys = sorted({k for rows in by_metric.values() for k in rows}, key=lambda k: (k in (None, ""), str(k)))
    table = Table(
        id=table_id,
        title=title,
        columns=[dim.capitalize(), *BREAKDOWN_LABELS],
        numeric={1, 2, 3, 4},
        empty="No outputs with an action in this period.",
    )
    for key in keys:
        # A blank key is "no feature/variant": no explorer filter can select it, so no link.
        cut: dict[str, Any] = {dim: key}
        href = scope.explorer_url(**cut) if key not in (None, "") else None
        name = _label(key) + (" (selected)" if selected and key == selected else "")
        # A feature's name opens this page on that feature; a variant's, its conversations.
        first = Cell(text=name, href=f"?{scope.query(**cut)}" if dim == "feature" and href else href)
        cells = [first]
        for slug in BREAKDOWN_METRICS:
            row = by_metric[slug].get(key)
            cells.append(
                rate_cell(slug, row, href=href) if METRICS[slug].kind == "rate" else _measure_cell(slug, row, href)
            )
        table.rows.append(cells)
    return table, grouped_bars(f"{table_id}-chart", f"{title}: acceptance and edit rate", table, columns=(1, 2))


def grouped_bars(chart_id: str, title: str, table: Table, *, columns: Sequence[int]) -> Chart:
    """One group of bars per table row, one bar per percentage column (values from the cells'
    ``sort``; "not enough data" cells draw no bar)."""
    names = [r[0].text for r in table.rows]
    colors = [GOOD, BAD, NEUTRAL, *PALETTE]
    series = []
    for i, col in enumerate(columns):
        data = []
        for r in table.rows:
            cell = r[col]
            value = round(cell.sort * 100, 1) if isinstance(cell.sort, int | float) else None
            data.append({"value": value, "href": cell.href})
        series.append({"type": "bar", "name": table.columns[col], "data": data, "color": colors[i % len(colors)]})
    option = {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}, "valueFormatter": "{value}%"},
        "legend": {"top": 0},
        "grid": {"left": 8, "right": 24, "top": 32, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "value", "max": 100, "axisLabel": {"formatter": "{value}%"}},
        "yAxis": {"type": "category", "data": names, "inverse": True},
        "series": series,
    }
    height = max(180, 26 * len(names) * len(columns) + 70)
    return Chart(id=chart_id, title=title, option=option, table=table, height=height)


@dataclass
class Retention:
    chart: Chart
    drawn: bool  # at least one cohort to colour (else the page shows the table alone)
    ignored_filters: tuple[str, ...]


def retention(scope: Scope) -> Retention:
    """The engine's retention cohorts as a heatmap (weeks since first use by cohort week) and its
    table; weeks that have not started yet are blank, elapsed weeks without activity are 0%."""
    result = metric(scope, "retention_cohorts")
    today = tenant_today()
    rows = [r for r in result.rows if r.period is not None]
    weeks = 0
    for r in rows:
        assert r.period is not None
        weeks = max(weeks, min(MAX_COHORT_WEEKS, (today - r.period).days // 7))
    table = Table(
        id="retention-table",
        title="Retention by weekly cohort",
        columns=["Cohort (week of first use)", "People", *[f"Week {k}" for k in range(1, weeks + 1)]],
        numeric=set(range(1, weeks + 2)),
        empty="Nobody used this assistant for the first time in this period.",
    )
    cohorts: list[str] = []
    points: list[list[float]] = []
    for r in rows:
        assert r.period is not None
        state = row_state(r)
        y = len(cohorts)
        # No link: the explorer cannot select a cohort's people, and that week's conversations are not them.
        cells = [Cell(text=f"week of {r.period.isoformat()}")]
        if state == "suppressed":
            cells += [Cell(text=r.suppressed_reason or "fewer than 5 people")] + [Cell(text="—")] * weeks
            table.rows.append(cells)
            continue
        size = int(r.extra.get("size", r.denominator or 0))
        cells.append(Cell(text=f"{size:,}", sort=size))
        active: Mapping[int, int] = r.extra.get("active", {})
        for k in range(1, weeks + 1):
            if r.period + timedelta(days=7 * k) > today:
                cells.append(Cell(text="—"))
            elif not r.enough_data:
                cells.append(Cell(text=f"not enough data (n = {size})" if k == 1 else "—"))
            else:
                n = int(active.get(k, 0))
                share = n / size
                cells.append(Cell(text=pct(share, 1), sort=share, title=f"{n:,} of {size:,}"))
                points.append([k - 1, y, round(share * 100, 1)])
        if r.enough_data and r.period + timedelta(days=7) <= today:
            cohorts.append(f"{r.period.isoformat()} ({size:,})")
        table.rows.append(cells)
    option = {
        "tooltip": {"position": "top"},
        "grid": {"left": 8, "right": 16, "top": 8, "bottom": 56, "containLabel": True},
        "xAxis": {"type": "category", "name": "weeks since first use", "nameLocation": "center", "nameGap": 26,
                  "data": [str(k) for k in range(1, weeks + 1)], "splitArea": {"show": True}},
        "yAxis": {"type": "category", "data": cohorts, "inverse": True, "splitArea": {"show": True}},
        "visualMap": {"min": 0, "max": 100, "calculable": False, "orient": "horizontal", "left": "center",
                      "bottom": 0, "itemHeight": 120, "text": ["100%", "0%"], "inRange": {"color": ["#eef1fb", NEUTRAL]}},
        "series": [{"type": "heatmap", "name": "active again", "data": points,
                    "label": {"show": True, "formatter": "{@[2]}%"}}],
    }  # fmt: skip
    chart = Chart(
        id="retention",
        title="Retention cohorts: share of each week's new users active again",
        option=option,
        table=table,
        height=max(200, 30 * len(cohorts) + 90),
        description="Rows are the weeks people first used the assistant (and how many); columns the weeks after.",
    )
    left_out = len(rows) - len(cohorts)
    if left_out:
        # Too small (not enough data, or fewer than k people) or too recent to have a week 1:
        # drawn as blank rows they would read as 0%, so only the table lists them.
        chart.description += f" {left_out} of {len(rows)} cohorts are too small or too recent to draw: see the table."
    return Retention(chart=chart, drawn=bool(cohorts), ignored_filters=result.ignored_filters)


@dataclass(frozen=True)
class Verdict:
    """One comparison read aloud: what was compared, the sentence, and both arms in brief."""

    what: str
    sentence: str
    arms: str
    tone: str
    href: str | None


def _arm_brief(arm: Mapping[str, Any]) -> str:
    if not arm["enough_data"]:
        return f"{arm['key']} {_arm_rate(arm)}"
    return f"{arm['key']} {_arm_rate(arm)} of {arm['denominator']:,}"


def _arms(row: Mapping[str, Any]) -> str:
    return f"{_arm_brief(row['a'])} vs {_arm_brief(row['b'])}"


@dataclass
class AbResults:
    table: Table
    verdicts: list[Verdict]
    headlines: list[Headline]


def ab_results(scope: Scope, assistant: Assistant) -> AbResults:
    """Every pair of variants for each compared rate, with a verdict; significant acceptance or
    resolution winners become headlines."""
    table = Table(
        id="ab-results",
        title="A/B results",
        columns=[
            "Metric", "Variant A", "n (A)", "Rate (A)", "Variant B", "n (B)", "Rate (B)",
            "Difference (A − B)", "95% CI", "p-value", "Winner", "Verdict",
        ],
        numeric={2, 3, 5, 6, 7, 8, 9},
        empty="No variants in this period: send a 'variant' with each output to compare prompts or models.",
    )  # fmt: skip
    headlines, verdicts = [], []
    for slug, what in COMPARED.items():
        spec = METRICS[slug]
        usable = {k: v for k, v in scope.filters.items() if k in spec.dimensions and k != "variant"}
        rows = variant_comparisons(
            user=scope.user,
            spec=spec,
            assistant_id=assistant.pk,
            date_from=scope.date_from,
            date_to=scope.date_to,
            filters=usable,
        )
        for row in rows:
            a, b = row["a"], row["b"]
            verdict = variant_verdict(row, what=what)
            enough = row["enough_data"]
            tone = "good" if row["winner"] else ""
            table.rows.append(
                [
                    Cell(text=what),
                    Cell(text=a["key"], href=scope.explorer_url(variant=a["key"])),
                    Cell(
                        text=f"{a['denominator']:,}", sort=a["denominator"], href=scope.explorer_url(variant=a["key"])
                    ),
                    Cell(text=_arm_rate(a), sort=a["value"] if a["enough_data"] else None, title=_wilson(a)),
                    Cell(text=b["key"], href=scope.explorer_url(variant=b["key"])),
                    Cell(
                        text=f"{b['denominator']:,}", sort=b["denominator"], href=scope.explorer_url(variant=b["key"])
                    ),
                    Cell(text=_arm_rate(b), sort=b["value"] if b["enough_data"] else None, title=_wilson(b)),
                    Cell(text=pts(row["difference"]) if enough else "—", sort=row["difference"] if enough else None),
                    Cell(text=_interval(row) if enough else "—"),
                    Cell(text=p_text(row["p_value"]).removeprefix("p = ") if enough else "—", sort=row["p_value"]),
                    Cell(text=row["winner"] or "none", tone=tone),
                    Cell(text=verdict, tone=tone),
                ]
            )
            href = scope.explorer_url(variant=row["winner"]) if row["winner"] else None
            verdicts.append(Verdict(what=what, sentence=verdict, arms=_arms(row), tone=tone, href=href))
            if row["winner"] and slug in HEADLINE_COMPARISONS:
                headlines.append(Headline(text=verdict, href=href, tone="good"))
    if scope.filters.get("variant"):
        table.note = "The variant filter is not applied here: a comparison needs every variant."
    return AbResults(table=table, verdicts=verdicts, headlines=headlines)


def _wilson(arm: Mapping[str, Any]) -> str:
    if arm["ci_low"] is None or arm["ci_high"] is None:
        return ""
    return f"{arm['numerator']:,} of {arm['denominator']:,} (95% CI {pct(arm['ci_low'], 1)}–{pct(arm['ci_high'], 1)})"


def _interval(row: Mapping[str, Any]) -> str:
    if row["ci_low"] is None or row["ci_high"] is None:
        return "—"
    return f"{row['ci_low'] * 100:+.1f} to {row['ci_high'] * 100:+.1f} pts"


def release_impact(scope: Scope, releases: Sequence[ReleaseAnnotation]) -> Table:
    """The 14 days after each release against the 14 days before (METRICS.md "Release impact")."""
    table = Table(
        id="release-impact",
        title="Release impact: 14 days after vs 14 days before",
        columns=["Release", "Metric", "Before", "After", "Difference", "95% CI", "p-value", "Verdict"],
        numeric={2, 3, 4, 6},
        empty="No release annotated in this period (annotate one under Assistants, or widen the dates).",
        note="Each release over the whole assistant (the page's feature and language filters do not apply).",
    )
    today = tenant_today()
    for release in releases:
        windows = release_windows(release.date)
        name = f"{release.date.isoformat()} {release.kind}: {release.text}"
        if windows.after[1] > today:
            name += f" (after-window still running until {windows.after[1].isoformat()})"
        before_href = scope.explorer_url(**{"from": windows.before[0].isoformat(), "to": windows.before[1].isoformat()})
        after_href = scope.explorer_url(**{"from": windows.after[0].isoformat(), "to": windows.after[1].isoformat()})
        for slug, what in COMPARED.items():
            row = release_comparison(user=scope.user, spec=METRICS[slug], annotation=release)
            after, before = row["a"], row["b"]
            enough = row["enough_data"]
            verdict = release_verdict(row)
            tone = "" if not row["winner"] else ("good" if row["winner"] == "after" else "bad")
            table.rows.append(
                [
                    Cell(text=name),
                    Cell(text=what),
                    Cell(
                        text=f"{_arm_rate(before)} of {before['denominator']:,}", sort=before["value"], href=before_href
                    ),
                    Cell(text=f"{_arm_rate(after)} of {after['denominator']:,}", sort=after["value"], href=after_href),
                    Cell(text=pts(row["difference"]) if enough else "—", sort=row["difference"] if enough else None),
                    Cell(text=_interval(row) if enough else "—"),
                    Cell(text=p_text(row["p_value"]).removeprefix("p = ") if enough else "—", sort=row["p_value"]),
                    Cell(text=verdict, tone=tone),
                ]
            )
    return table


def intents(scope: Scope, assistant: Assistant) -> Table:
    """Intent clusters by volume with their success rate, each linking to its conversations."""
    volume = {r.dims.get("intent"): r for r in metric(scope, "conversations", group_by=["intent"]).rows}
    success = {r.dims.get("intent"): r for r in metric(scope, "success_rate", group_by=["intent"]).rows}
    names: dict[Any, str] = dict(
        Intent.objects.filter(assistant=assistant, pk__in=[k for k in volume if k]).values_list("pk", "label")
    )
    table = Table(
        id="intents",
        title="Intents: volume and success rate",
        columns=["Intent", "Conversations", "Success rate"],
        numeric={1, 2},
        empty="No intents yet: intents are clustered from user messages once an assistant has enough of them.",
    )
    ordered = sorted(volume, key=lambda k: (-(volume[k].value or -1), str(names.get(k, ""))))
    for key in ordered[:MAX_INTENTS]:
        href = scope.explorer_url(intent=key) if key else None
        label = names.get(key, f"intent {key}") if key else "(not clustered yet)"
        row = volume[key]
        ok = row_state(row) == "ok"
        table.rows.append(
            [
                Cell(text=label, href=href),
                Cell(text=row_display("conversations", row), href=href if ok else None, sort=row.value if ok else None),
                rate_cell("success_rate", success.get(key), href=href),
            ]
        )
    if len(ordered) > MAX_INTENTS:
        table.note = f"The {MAX_INTENTS} largest of {len(ordered)} intents."
    return table


# --- The page -----------------------------------------------------------------------------------


@dashboard(template="dashboards/product.html", roles=PRODUCT_ROLES, title="Product")
def product_view(scope: Scope) -> dict[str, Any]:
    """One assistant (and feature) as a product manager reads it: verdicts first, then evidence."""
    return product_context(scope)  # render_dashboard reads every cut once (reads_cached)


def product_context(scope: Scope) -> dict[str, Any]:
    scope, subject = focus(scope)
    assistant = subject.assistant
    context: dict[str, Any] = {"scope": scope, "subject": subject, "has_data": False}
    if assistant is None or not has_conversations(scope):
        return context
    if subject.feature:
        subject = replace(subject, all_features_href=f"?{scope.query(drop=['feature'])}")
    releases = [r for r in releases_of(assistant=assistant) if scope.date_from <= r.date <= scope.date_to]
    releases.sort(key=lambda r: (r.date, r.pk))
    markers = [(r.date, f"{r.kind}: {r.text[:32]}") for r in releases]
    explorer = scope.explorer_url()

    ab = ab_results(scope, assistant)
    alerts, recs = decisions_in_scope(scope, kinds=DECISION_KINDS)
    headlines = list(ab.headlines)
    for kind in DECISION_KINDS:
        if len(headlines) >= HEADLINE_LIMIT:
            break
        headlines += decision_headlines(scope, kinds=[kind], limit=HEADLINE_LIMIT - len(headlines))
    # Decisions are per assistant: a feature filter does not hide another feature's finding.
    found: list[Alert | Recommendation] = [*alerts, *recs]
    found.sort(key=lambda d: DECISION_KINDS.index(d.kind) if d.kind in DECISION_KINDS else len(DECISION_KINDS))
    decisions = [_decision_item(scope, d) for d in found]

    without_feature = replace(scope, filters={k: v for k, v in scope.filters.items() if k != "feature"})
    feature_table, feature_chart = breakdown(
        without_feature, "feature", "by-feature", "By feature", selected=subject.feature
    )
    feature_table.note = "Every feature of the assistant (the feature filter picks the rest of the page)."
    variant_table, variant_chart = breakdown(scope, "variant", "by-variant", "By variant")
    # A day rarely has the minimum sample of outputs with an action: rates are drawn by week.
    weekly = replace(scope, interval="week") if scope.interval == "day" else scope
    cohorts = retention(scope)
    if cohorts.ignored_filters:
        cohorts.chart.description += f" Cohorts are per assistant: not cut by {', '.join(cohorts.ignored_filters)}."
        cohorts.chart.table.note = cohorts.chart.description
    return {
        **context,
        "has_data": True,
        "headlines": headlines,
        "decisions": decisions,
        "kpis": [kpi(scope, slug, label, href=explorer) for slug, label in KPI_LABELS.items()],
        "adoption": time_series(
            scope,
            "adoption",
            "Adoption: active and new users",
            ["active_users", "new_users"],
            labels=["Active users", "New users"],
            markers=markers,
            href=lambda p: period_href(scope, p),
        ),
        "quality": time_series(
            weekly,
            "quality",
            f"Acceptance and edit rate by {weekly.interval}",
            ["acceptance_rate", "edit_rate"],
            labels=["Acceptance", "Edit rate"],
            markers=markers,
            href=lambda p: period_href(weekly, p),
        ),
        "retention": cohorts.chart,
        "retention_drawn": cohorts.drawn,
        "feature_table": feature_table,
        "feature_chart": feature_chart,
        "variant_table": variant_table,
        "variant_chart": variant_chart,
        "ab_table": ab.table,
        "ab_verdicts": ab.verdicts,
        "releases": releases,
        "release_table": release_impact(scope, releases),
        "intent_table": intents(scope, assistant),
    }
