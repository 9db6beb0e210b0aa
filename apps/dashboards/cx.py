"""Customer-experience pages (issue 12, pages 3 and 7): where people struggle, and one person's journey.

``/dashboards/cx/`` (admin, cx): headline findings (language gaps and degradation alerts), a KPI
strip, frustration and abandonment over time with release markers, drop-off points, rephrase
hotspots and escalations by intent, the language gap view, and the users showing repeated
frustration for proactive outreach.

``/dashboards/users/?user=<id>`` (admin, cx, product, owner, compliance): one pseudonymous user's
conversations with the assistants the viewer may see, how each ended, frustration and feedback
over time. Never message content. Under employee-privacy mode only compliance sees a journey.

Every rate is the engine's (``widgets.metric`` with privacy mode applied, or
``success_and_rephrase_by_language``); the language verdicts are the METRICS.md rule itself
(``rules.language_gaps``: p < 0.01 and ≥ 10 points against the majority language). Per-user lists
come from ``cx_selectors``.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import partial
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language_info
from django.views.decorators.http import require_GET

from apps.accounts.models import Role
from apps.accounts.permissions import has_role
from apps.accounts.request import request_user
from apps.analytics.definitions import Rate
from apps.analytics.engine import MetricRow
from apps.analytics.models import Alert, Recommendation
from apps.analytics.privacy import small_cut_threshold_for, suppression_reason
from apps.analytics.rules import UNDETECTED_LANGUAGES, Decision, language_gaps
from apps.analytics.selectors import UNKNOWN_LANGUAGE, LanguageRow, success_and_rephrase_by_language
from apps.analytics.services import tenant_today, tenant_tz
from apps.core.tables import Cell, Chart, Table
from apps.dashboards.cx_selectors import (
    FrustratedUser,
    JourneyConversation,
    ignored_filters,
    user_conversations,
    user_first_day,
    users_with_repeated_frustration,
)
from apps.dashboards.findings import decision_href, decisions_in_scope
from apps.dashboards.pages import Headline, dashboard, render_dashboard
from apps.dashboards.scope import MAX_DAYS, Scope, conversation_url, user_journey_url
from apps.dashboards.widgets import (
    BAD,
    GOOD,
    NEUTRAL,
    PALETTE,
    Kpi,
    bar_chart,
    has_conversations,
    kpi,
    metric,
    rate_cell,
    row_state,
    time_series,
    total,
)
from apps.nlp.models import Intent
from apps.registry.models import ReleaseAnnotation
from apps.registry.selectors import assistants_visible_to

CX_ROLES = (Role.ADMIN, Role.CX)
JOURNEY_ROLES = (Role.ADMIN, Role.CX, Role.PRODUCT, Role.OWNER, Role.COMPLIANCE)
HOTSPOTS = 10
OUTREACH_MIN_FRUSTRATED = 2
OUTREACH_ROWS = 1000  # the page scrolls them; the CSV export holds the same rows
JOURNEY_ROWS = 500
DROP_OFF_BUCKETS = 10  # turns 1..9 one bar each, then one bar "turn 10 or later"

METRIC_LABELS = {
    "frustration_rate": "frustration rate",
    "abandonment_rate": "abandonment rate",
    "escalation_rate": "escalation rate",
    "rephrase_rate": "rephrase rate",
    "success_rate": "success rate",
    "acceptance_rate": "acceptance rate",
    "thumbs_up_rate": "thumbs-up rate",
}


def language_name(code: str) -> str:
    """'es' → 'Spanish' (Django's language table); an unknown code is shown as it is."""
    try:
        return str(get_language_info(code)["name"])
    except KeyError:
        return code or UNKNOWN_LANGUAGE


def _p(p_value: float | None) -> str:
    if p_value is None:
        return "—"
    return "p < 0.001" if p_value < 0.001 else f"p = {p_value:.3f}"


def _period_end(scope: Scope, start: date) -> date:
    if scope.interval == "week":
        end = start + timedelta(days=6)
    elif scope.interval == "month":
        end = start.replace(day=calendar.monthrange(start.year, start.month)[1])
    else:
        end = start
    return min(end, scope.date_to)


def _period_href(scope: Scope, start: date, **extra: Any) -> str:
    first = max(start, scope.date_from)
    return scope.explorer_url(**{"from": first.isoformat(), "to": _period_end(scope, start).isoformat(), **extra})


def release_markers(scope: Scope) -> list[tuple[date, str]]:
    """Release annotations of the scope's assistants inside its range: vertical lines on time charts."""
    releases = ReleaseAnnotation.objects.filter(
        assistant_id__in=scope.assistant_ids, date__gte=scope.date_from, date__lte=scope.date_to
    ).select_related("assistant")
    return [(r.date, f"{r.assistant.name}: {r.get_kind_display().lower()}") for r in releases.order_by("date", "id")]


# --- headline findings ---------------------------------------------------------------------------


def _language_gap_sentence(assistant: str, parts: dict[str, dict[str, Any]]) -> tuple[str, str, float]:
    """One sentence per (assistant, language) from the rule's evidence (success and/or rephrase)."""
    any_part = next(iter(parts.values()))
    lang, majority = language_name(any_part["language"]), language_name(any_part["majority_language"])
    clauses, evidence, size = [], [], 0.0
    for metric_slug, verb in (("success_rate", "resolve"), ("rephrase_rate", "rephrase")):
        e = parts.get(metric_slug)
        if e is None:
            continue
        ours, theirs = e["language_rate"], e["majority_rate"]
        what = "of their conversations" if metric_slug == "success_rate" else "of their follow-up questions"
        # A stored finding fired, so both of its rates had enough data: neither value is None.
        clauses.append(f"{verb} {ours['value']:.0%} {what} vs {theirs['value']:.0%}")
        evidence.append(
            f"{METRIC_LABELS[metric_slug]} {_p(e['p_value'])}, n = {ours['denominator']:,} / {theirs['denominator']:,}"
        )
        size = max(size, float(e.get("gap_points") or 0))
    text = f"{lang} speakers of {assistant} {' and '.join(clauses)} for {majority} speakers"
    window = any_part.get("window") or {}
    if window:
        evidence.append(f"{window.get('from')} to {window.get('to')}")
    return text, "; ".join(evidence), size


def cx_headlines(scope: Scope, *, limit: int = 3) -> list[Headline]:
    """Open language-gap recommendations (grouped per assistant and language, largest gap first)
    and degradation alerts, as plain sentences with the rule's numbers (findings.py's decisions)."""
    alerts, recs = decisions_in_scope(scope, kinds=("language_gap", "degradation"), limit=50)
    grouped: dict[tuple[int, str], list[Recommendation]] = defaultdict(list)
    for rec in recs:
        grouped[(rec.assistant_id, str((rec.dims or {}).get("language", "")))].append(rec)
    gaps: list[tuple[float, Headline]] = []
    for (_, language), members in grouped.items():
        parts = {str(m.evidence.get("metric")): m.evidence for m in members}
        text, evidence, size = _language_gap_sentence(members[0].assistant.name, parts)
        href = scope.explorer_url(assistant=members[0].assistant_id, language=language)
        gaps.append((size, Headline(text=text, evidence=evidence, href=href, tone="bad")))
    gaps.sort(key=lambda g: -g[0])
    alert_lines = [_alert_headline(scope, a) for a in alerts]
    # Language gaps are this page's question; keep room for one alert when both exist.
    first = [h for _, h in gaps[: limit - 1 if alert_lines else limit]]
    rest = alert_lines + [h for _, h in gaps[len(first) :]]
    return (first + rest)[:limit]


def _alert_headline(scope: Scope, alert: Alert) -> Headline:
    text = alert.summary
    for slug, label in METRIC_LABELS.items():
        text = text.replace(slug, label)
    return Headline(text=f"{alert.assistant.name}: {text}", href=decision_href(scope, alert), tone="bad")


# --- the customer-experience page ----------------------------------------------------------------

CX_KPIS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("frustration_rate", "Frustrated conversations", {"frustrated": 1}),
    ("abandonment_rate", "Abandonment", {"outcome": "abandoned"}),
    ("escalation_rate", "Escalation", {"outcome": "escalated"}),
    ("rephrase_rate", "Rephrase rate", {"rephrased": 1}),
    ("success_rate", "Success rate", {"outcome": "resolved"}),
)


def drop_off_chart(scope: Scope) -> Chart:
    """METRICS.md drop-off point: the engine's histogram of the last user turn of abandoned
    conversations (one bar per turn, the tail grouped)."""
    row = total(scope, "drop_off")
    table = Table(
        id="drop-off-table",
        title="Drop-off points",
        columns=["Last user turn", "Abandoned conversations"],
        numeric={1},
        empty="No abandoned conversation in this period.",
    )
    description = ""
    histogram: dict[int, int] = {}
    if row is not None and row.suppressed:
        table.empty = row.suppressed_reason or "fewer than 5 people"
    elif row is not None:
        histogram = {int(k): int(v) for k, v in (row.extra.get("histogram") or {}).items()}
    if histogram:
        n = sum(histogram.values())
        buckets: dict[int, int] = defaultdict(int)
        for turn, count in histogram.items():
            buckets[min(turn, DROP_OFF_BUCKETS)] += count
        href = scope.explorer_url(outcome="abandoned")
        for turn in range(min(1, *buckets), max(buckets) + 1):
            label = f"turn {turn}" if turn < DROP_OFF_BUCKETS else f"turn {DROP_OFF_BUCKETS} or later"
            table.rows.append([Cell(text=label, href=href), Cell(text=f"{buckets[turn]:,}", sort=buckets[turn])])
        assert row is not None
        if row_state(row) == "ok" and row.value is not None:
            median, p90 = int(row.value), int(row.extra.get("p90", row.value))
            tail = f", 90% by turn {p90}" if p90 != median else ""
            description = f"{n:,} abandoned conversations; half of them ended by turn {median}{tail}."
        else:
            description = f"{n:,} abandoned conversations: not enough data for a median (n = {n})."
    chart = bar_chart("drop-off", "Last user turn before abandoning", table, horizontal=False)
    chart.description = description
    return chart


def _intent_names(ids: Iterable[int]) -> dict[int, Intent]:
    return {i.pk: i for i in Intent.objects.filter(pk__in=[i for i in ids if i]).select_related("assistant")}


def _top_by_intent(
    scope: Scope,
    slug: str,
    *,
    table_id: str,
    title: str,
    count_label: str,
    noun: str,
    link: dict[str, Any],
    empty: str,
) -> Table:
    """The intents with the most events of a rate's numerator (rephrases, escalations), each with
    its rate; cuts suppressed by privacy mode are left out of the ranking (their order would tell)."""
    rows = metric(scope, slug, group_by=["intent"]).rows
    shown = [r for r in rows if r.dims.get("intent") and not r.suppressed and r.numerator]
    hidden = [r for r in rows if r.dims.get("intent") and r.suppressed]
    shown.sort(key=lambda r: (-(r.numerator or 0), -(r.value or 0)))
    intents = _intent_names(int(r.dims["intent"]) for r in shown[:HOTSPOTS])
    table = Table(
        id=table_id,
        title=title,
        columns=["Intent", "Assistant", count_label, METRIC_LABELS[slug].capitalize()],
        numeric={2, 3},
        empty=empty,
    )
    for r in shown[:HOTSPOTS]:
        intent = intents.get(int(r.dims["intent"]))
        if intent is None:
            continue
        href = scope.explorer_url(assistant=intent.assistant_id, intent=intent.pk, **link)
        table.rows.append(
            [
                Cell(text=intent.label, href=href),
                Cell(text=intent.assistant.name),
                Cell(text=f"{r.numerator:,}", href=href, sort=r.numerator),
                rate_cell(slug, r, href=href),
            ]
        )
    notes = []
    if hidden:
        k = small_cut_threshold_for(scope.user)
        notes.append(f"{len(hidden)} intents with {suppression_reason(k or 5)} are not ranked (privacy mode).")
    unassigned = next((r for r in rows if not r.dims.get("intent") and r.numerator), None)
    if unassigned is not None:
        n = int(unassigned.numerator or 0)
        notes.append(f"{n:,} more {noun}{'' if n == 1 else 's'} in conversations without an intent yet.")
    table.note = " ".join(notes)
    return table


def escalation_by_assistant(scope: Scope) -> Table:
    rows = {r.dims.get("assistant"): r for r in metric(scope, "escalation_rate", group_by=["assistant"]).rows}
    table = Table(
        id="escalations-by-assistant",
        title="Escalations by assistant",
        columns=["Assistant", "Escalated", "Escalation rate"],
        numeric={1, 2},
    )
    for assistant in scope.assistants:
        row = rows.get(assistant.pk)
        if row is None:
            continue
        href = scope.explorer_url(assistant=assistant.pk, outcome="escalated")
        escalated = Cell(
            text=row.suppressed_reason if row.suppressed else f"{row.numerator or 0:,}",
            href=None if row.suppressed else href,
            sort=None if row.suppressed else row.numerator,
        )
        table.rows.append(
            [Cell(text=assistant.name, href=href), escalated, rate_cell("escalation_rate", row, href=href)]
        )
    table.rows.sort(key=lambda cells: -(cells[2].sort or 0))
    return table


# --- the language gap view ---------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    text: str
    tone: str = ""  # good | bad | ""


def language_verdict(language: str, by_metric: dict[str, Decision], majority: str) -> Verdict:
    """A plain sentence from the rule's decisions of one language (success and rephrase rate)."""
    other = language_name(majority)
    fired = [d for d in by_metric.values() if d.fired]
    if fired:
        parts = []
        for d in fired:
            e = d.evidence
            verb = "resolve" if e["metric"] == "success_rate" else "rephrase"
            parts.append(f"{verb} {e['language_rate']['value']:.0%} vs {e['majority_rate']['value']:.0%}")
        return Verdict(f"Gap: {language_name(language)} speakers {' and '.join(parts)} for {other}.", "bad")
    if not any(d.evidence["enough_data"] for d in by_metric.values()):
        n = max((d.evidence["language_rate"]["denominator"] for d in by_metric.values()), default=0)
        return Verdict(f"Not enough data to compare with {other} (n = {n}).")
    significant = [d for d in by_metric.values() if d.evidence["enough_data"] and _significant(d)]
    worse = [d for d in significant if (d.evidence["gap_points"] or 0) > 0]
    if worse:
        return Verdict(f"Slightly worse than {other} (significant, under the 10-point threshold).")
    if significant:
        return Verdict(f"Better than {other}.", "good")
    return Verdict(f"No significant difference from {other}.")


def _significant(decision: Decision) -> bool:
    e = decision.evidence
    return e["p_value"] is not None and e["p_value"] < e["alpha"]


def _gap_cell(decision: Decision | None) -> Cell:
    if decision is None or decision.evidence["difference"] is None or not decision.evidence["enough_data"]:
        return Cell(text="—")
    diff = float(decision.evidence["difference"])
    tone = "bad" if decision.fired else ""
    # A typographic minus: reads better, and a CSV cell starting with "-" would be quoted as a formula.
    return Cell(text=f"{diff * 100:+.1f} pts".replace("-", "−"), sort=diff, tone=tone)


def _p_cell(decision: Decision | None) -> Cell:
    if decision is None or not decision.evidence["enough_data"] or decision.evidence["p_value"] is None:
        return Cell(text="—")
    p_value = float(decision.evidence["p_value"])
    return Cell(text=_p(p_value).removeprefix("p = "), sort=p_value)


def _rate_text(rate: Rate, href: str | None) -> Cell:
    if rate.value is None:
        text = "no data" if rate.denominator == 0 else f"not enough data (n = {rate.denominator})"
        return Cell(text=text)
    return Cell(
        text=f"{rate.value * 100:.1f}%", href=href, sort=rate.value, title=f"{rate.numerator:,} of {rate.denominator:,}"
    )


@dataclass
class LanguageGapView:
    table: Table
    chart: Chart | None
    gaps: int  # languages flagged by the rule


LANGUAGE_COLUMNS = [
    "Assistant",
    "Language",
    "Conversations",
    "Success rate",
    "Success vs majority",
    "p (success)",
    "Rephrase rate",
    "Rephrase vs majority",
    "p (rephrase)",
    "Verdict",
]


def language_gap_view(scope: Scope) -> LanguageGapView:
    """Per assistant with two or more detected languages: each language's success and rephrase
    rate (``success_and_rephrase_by_language``) against the majority language, tested by the
    language-gap rule itself. Under privacy mode a language of fewer than k people is suppressed,
    and so is every comparison with a suppressed majority."""
    k = small_cut_threshold_for(scope.user)
    # People per (assistant, language) decide privacy; they are read without the bar's dimension
    # filters because the per-language selector does not take them (the note says so).
    people = metric(replace(scope, filters={}), "active_users", group_by=["assistant", "language"]).rows
    cuts: dict[int, dict[str, MetricRow]] = defaultdict(dict)
    for r in people:
        cuts[int(r.dims["assistant"])][str(r.dims.get("language") or UNKNOWN_LANGUAGE)] = r
    table = Table(
        id="language-gap",
        title="Language gap: success and rephrase rate per language",
        columns=LANGUAGE_COLUMNS,
        numeric={2, 3, 4, 5, 6, 7, 8},
        empty="No assistant had conversations in two or more languages in this period.",
    )
    chart_rows: list[tuple[str, Rate, Rate, bool]] = []
    blocks: list[tuple[int, str, list[list[Cell]]]] = []
    gaps = 0
    for assistant in scope.assistants:
        languages = {lang for lang in cuts.get(assistant.pk, {}) if lang not in UNDETECTED_LANGUAGES}
        if len(languages) < 2:
            continue
        rows = success_and_rephrase_by_language(
            assistant_id=assistant.pk, date_from=scope.date_from, date_to=scope.date_to
        )
        decisions: dict[str, dict[str, Decision]] = defaultdict(dict)
        for d in language_gaps(rows):
            decisions[d.dims["language"]][d.dims["metric"]] = d
        majority = _majority(rows)
        if majority is None:
            continue

        def hidden(language: str, pk: int = assistant.pk) -> bool:
            cut = cuts.get(pk, {}).get(language)
            return k is not None and (cut is None or cut.suppressed)

        block, fired_here = [], 0
        for row in rows:
            if row.language in UNDETECTED_LANGUAGES:
                continue
            cells, fired = _language_row(scope, assistant.pk, assistant.name, row, majority, decisions, hidden, k)
            fired_here += fired
            block.append(cells)
            if not hidden(row.language) and row.success.value is not None:
                chart_rows.append(
                    (f"{assistant.name} · {language_name(row.language)}", row.success, row.rephrase, fired > 0)
                )
        gaps += fired_here
        blocks.append((fired_here, assistant.name, block))
    # Assistants with a flagged gap first, then by name; languages by volume within each.
    for _, _, block in sorted(blocks, key=lambda b: (-b[0], b[1])):
        table.rows.extend(block)
    if scope.filters:
        table.note = (
            "Per-language rates cover all of each assistant's conversations in the period: the "
            f"{', '.join(sorted(scope.filters))} filter does not apply here."
        )
    return LanguageGapView(table=table, chart=_language_chart(chart_rows) if chart_rows else None, gaps=gaps)


def _majority(rows: Sequence[LanguageRow]) -> LanguageRow | None:
    """The rule's majority language (most conversations, then by code), for the reference row."""
    people = [r for r in rows if r.language not in UNDETECTED_LANGUAGES]
    return min(people, key=lambda r: (-r.conversations, r.language)) if len(people) >= 2 else None


def _language_row(
    scope: Scope,
    assistant_id: int,
    assistant_name: str,
    row: LanguageRow,
    majority: LanguageRow,
    decisions: dict[str, dict[str, Decision]],
    hidden: Callable[[str], bool],
    k: int | None,
) -> tuple[list[Cell], int]:
    name = language_name(row.language)
    href = scope.explorer_url(assistant=assistant_id, language=row.language)
    lead = [Cell(text=assistant_name, href=scope.explorer_url(assistant=assistant_id)), Cell(text=name, href=href)]
    if hidden(row.language):
        reason = suppression_reason(k or 5)
        return [*lead, Cell(text=reason), *[Cell(text="—") for _ in LANGUAGE_COLUMNS[3:-1]], Cell(text=reason)], 0
    numbers = [
        Cell(text=f"{row.conversations:,}", href=href, sort=row.conversations),
        _rate_text(row.success, href),
    ]
    rephrase = _rate_text(row.rephrase, scope.explorer_url(assistant=assistant_id, language=row.language, rephrased=1))
    if row is majority:
        verdict = Verdict(f"Majority language: the reference for {assistant_name}.")
        cells = [
            *lead,
            *numbers,
            Cell(text="reference"),
            Cell(text="—"),
            rephrase,
            Cell(text="reference"),
            Cell(text="—"),
        ]
        return [*cells, Cell(text=verdict.text)], 0
    if hidden(majority.language):
        reason = f"{suppression_reason(k or 5)} in {language_name(majority.language)}"
        return [
            *lead,
            *numbers,
            Cell(text="—"),
            Cell(text="—"),
            rephrase,
            Cell(text="—"),
            Cell(text="—"),
            Cell(text=reason),
        ], 0
    by_metric = decisions.get(row.language, {})
    success, reph = by_metric.get("success_rate"), by_metric.get("rephrase_rate")
    verdict = language_verdict(row.language, by_metric, majority.language)
    cells = [
        *lead,
        *numbers,
        _gap_cell(success),
        _p_cell(success),
        rephrase,
        _gap_cell(reph),
        _p_cell(reph),
        Cell(text=verdict.text, tone=verdict.tone),
    ]
    return cells, int(any(d.fired for d in by_metric.values()))


def _language_chart(rows: list[tuple[str, Rate, Rate, bool]]) -> Chart:
    """Success and rephrase rate side by side for every (assistant, language) shown: a flagged gap
    is drawn in the 'worse' colour."""
    names = [r[0] for r in rows]
    success = [
        {"value": round((s.value or 0) * 100, 1), "itemStyle": {"color": BAD if gap else GOOD}} for _, s, _, gap in rows
    ]
    rephrase = [round(r.value * 100, 1) if r.value is not None else None for _, _, r, _ in rows]
    option = {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"top": 0, "data": ["Success rate", "Rephrase rate"]},
        "grid": {"left": 8, "right": 24, "top": 28, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "value", "max": 100, "axisLabel": {"formatter": "{value}%"}},
        "yAxis": {"type": "category", "data": names, "inverse": True},
        "series": [
            {"name": "Success rate", "type": "bar", "data": success, "color": GOOD},
            {"name": "Rephrase rate", "type": "bar", "data": rephrase, "color": PALETTE[1]},
        ],
    }
    table = Table(
        id="language-chart-table",
        title="Success and rephrase rate per language",
        columns=["Assistant · language", "Success rate", "Rephrase rate", "Flagged gap"],
        numeric={1, 2},
    )
    for name, s, r, gap in rows:
        table.rows.append(
            [
                Cell(text=name),
                _rate_text(s, None),
                _rate_text(r, None),
                Cell(text="yes" if gap else "no", tone="bad" if gap else ""),
            ]
        )
    return Chart(
        id="language-chart",
        title="Success (green, red when flagged) and rephrase rate per language",
        option=option,
        table=table,
        height=max(180, 44 * len(rows) + 50),
    )


# --- users showing repeated frustration ---------------------------------------------------------


@dataclass
class Outreach:
    table: Table
    privacy_k: int | None
    qualifying: int


def outreach_list(scope: Scope) -> Outreach:
    """Users with ≥ 2 frustrated conversations in the range, for proactive outreach: pseudonymous
    ids only (Tessera never holds names). Under privacy mode the list is shown only when at least
    k people qualify; otherwise the page says "fewer than k people" (a short list would single
    people out, which is what privacy mode prevents)."""
    users: list[FrustratedUser] = users_with_repeated_frustration(
        assistant_ids=scope.assistant_ids,
        date_from=scope.date_from,
        date_to=scope.date_to,
        filters=scope.filters,
        min_frustrated=OUTREACH_MIN_FRUSTRATED,
    )
    k = small_cut_threshold_for(scope.user)
    table = Table(
        id="outreach",
        title="Users showing repeated frustration",
        columns=["User (pseudonymous id)", "Frustrated conversations", "Conversations", "Last seen", "Assistants"],
        numeric={1, 2},
        empty="No user had two or more frustrated conversations in this period.",
    )
    if k is not None and len(users) < k:
        table.empty = f"{suppression_reason(k)} had two or more frustrated conversations (privacy mode)."
        return Outreach(table=table, privacy_k=k, qualifying=len(users))
    tz = tenant_tz()
    for u in users[:OUTREACH_ROWS]:
        table.rows.append(
            [
                Cell(text=u.user_id, href=user_journey_url(u.user_id)),
                Cell(
                    text=f"{u.frustrated:,}", href=scope.explorer_url(user=u.user_id, frustrated=1), sort=u.frustrated
                ),
                Cell(text=f"{u.conversations:,}", href=scope.explorer_url(user=u.user_id), sort=u.conversations),
                Cell(text=timezone.localtime(u.last_seen, tz).strftime("%Y-%m-%d %H:%M"), sort=u.last_seen.timestamp()),
                Cell(text=", ".join(u.assistants)),
            ]
        )
    notes = []
    if len(users) > OUTREACH_ROWS:
        notes.append(f"The {OUTREACH_ROWS} most frustrated of {len(users):,} users.")
    skipped = ignored_filters(scope.filters)
    if skipped:
        notes.append(f"The {', '.join(skipped)} filter does not apply to this list.")
    if k is not None:
        notes.append(
            "Privacy mode is on: user journeys open for compliance only; the counts link to the conversations."
        )
    table.note = " ".join(notes)
    return Outreach(table=table, privacy_k=k, qualifying=len(users))


@dashboard(template="dashboards/cx.html", roles=CX_ROLES, title="Customer experience")
def cx_view(scope: Scope) -> dict[str, Any]:
    """Where customers struggle: frustration, drop-off, rephrasing, escalations, languages."""
    kpis = [kpi(scope, slug, label, href=scope.explorer_url(**link)) for slug, label, link in CX_KPIS]
    over_time = time_series(
        scope,
        "frustration-abandonment",
        "Frustration and abandonment over time",
        ["frustration_rate", "abandonment_rate"],
        labels=["Frustrated conversations", "Abandonment"],
        markers=release_markers(scope),
        href=lambda start: _period_href(scope, start, frustrated=1),
    )
    over_time.description = "Dashed lines mark releases. Click a point for that period's frustrated conversations."
    languages = language_gap_view(scope)
    outreach = outreach_list(scope)
    return {
        "has_data": has_conversations(scope),
        "headlines": cx_headlines(scope),
        "kpis": kpis,
        "over_time": over_time,
        "drop_off": drop_off_chart(scope),
        "rephrase_hotspots": _top_by_intent(
            scope,
            "rephrase_rate",
            table_id="rephrase-hotspots",
            title="Rephrase hotspots by intent",
            count_label="Rephrases",
            noun="rephrase",
            link={"rephrased": 1},
            empty="No rephrased question in a conversation with an intent in this period.",
        ),
        "escalations_by_assistant": escalation_by_assistant(scope),
        "escalations_by_intent": _top_by_intent(
            scope,
            "escalation_rate",
            table_id="escalations-by-intent",
            title="Escalations by intent",
            count_label="Escalated",
            noun="escalation",
            link={"outcome": "escalated"},
            empty="No escalated conversation with an intent in this period.",
        ),
        "language_table": languages.table,
        "language_chart": languages.chart,
        "language_gaps": languages.gaps,
        "outreach_table": outreach.table,
        "outreach": outreach,
    }


# --- one user's journey ----------------------------------------------------------------------------


def _journey_kpis(scope: Scope, user_id: str, conversations: Sequence[JourneyConversation]) -> list[Kpi]:
    def count(label: str, n: int, **link: Any) -> Kpi:
        href = scope.explorer_url(user=user_id, **link)
        return Kpi(label=label, slug="", display=f"{n:,}", state="ok", href=href, change="", tone="", spark=None)

    outcomes: defaultdict[str, int] = defaultdict(int)
    for c in conversations:
        outcomes[c.outcome] += 1
    return [
        count("Conversations", len(conversations)),
        count("Frustrated", sum(c.frustrated for c in conversations), frustrated=1),
        count("Resolved", outcomes["resolved"], outcome="resolved"),
        count("Escalated", outcomes["escalated"], outcome="escalated"),
        count("Abandoned", outcomes["abandoned"], outcome="abandoned"),
        count("Rated down", sum(c.ratings_down for c in conversations)),
    ]


def _journey_table(conversations: Sequence[JourneyConversation]) -> Table:
    tz = tenant_tz()
    table = Table(
        id="journey",
        title="Conversations",
        columns=[
            "Started",
            "Assistant",
            "User turns",
            "Ended",
            "Frustration",
            "Rated up",
            "Rated down",
            "Ratings",
            "Language",
            "Intent",
        ],
        numeric={2, 4, 5, 6, 7},
        empty="No conversation in this period.",
    )
    for c in conversations:
        href = conversation_url(c.id)
        frustration = (
            "—" if c.frustration is None else f"{c.frustration:.2f}" + (" (frustrated)" if c.frustrated else "")
        )
        table.rows.append(
            [
                Cell(
                    text=timezone.localtime(c.started_at, tz).strftime("%Y-%m-%d %H:%M"),
                    href=href,
                    sort=c.started_at.timestamp(),
                ),
                Cell(text=c.assistant),
                Cell(text=str(c.user_messages), sort=c.user_messages),
                Cell(text=c.outcome_label, href=href, tone=_OUTCOME_TONE.get(c.outcome, "")),
                Cell(text=frustration, sort=c.frustration, tone="bad" if c.frustrated else ""),
                Cell(text=str(c.ratings_up), sort=c.ratings_up),
                Cell(text=str(c.ratings_down), sort=c.ratings_down),
                Cell(text=str(c.ratings), sort=c.ratings),
                Cell(text=language_name(c.language) if c.language else "—"),
                Cell(text=c.intent or "—"),
            ]
        )
    return table


_OUTCOME_TONE = {"resolved": "good", "escalated": "bad", "abandoned": "bad"}


def _journey_chart(conversations: Sequence[JourneyConversation], table: Table) -> Chart:
    """Each conversation's frustration score (left axis, the 0.5 line is "frustrated") and its
    ratings, up minus down (right axis); clicking a point opens the transcript."""
    tz = tenant_tz()

    def at(c: JourneyConversation) -> str:
        return timezone.localtime(c.started_at, tz).isoformat(timespec="minutes")

    frustration = [
        {"value": [at(c), c.frustration], "href": conversation_url(c.id)}
        for c in conversations
        if c.frustration is not None
    ]
    feedback = [
        {
            "value": [at(c), c.ratings_up - c.ratings_down],
            "href": conversation_url(c.id),
            "itemStyle": {"color": GOOD if c.ratings_up >= c.ratings_down else BAD},
        }
        for c in conversations
        if c.ratings
    ]
    option = {
        "tooltip": {"trigger": "item"},
        "legend": {"top": 0, "data": ["Frustration score", "Ratings (up − down)"]},
        "grid": {"left": 48, "right": 48, "top": 32, "bottom": 28},
        "xAxis": {"type": "time"},
        "yAxis": [
            {"type": "value", "min": 0, "max": 1, "name": "frustration"},
            {"type": "value", "name": "ratings", "minInterval": 1, "splitLine": {"show": False}},
        ],
        "series": [
            {
                "name": "Frustration score",
                "type": "line",
                "data": frustration,
                "color": NEUTRAL,
                "markLine": {
                    "symbol": "none",
                    "label": {"formatter": "frustrated", "position": "insideStartTop"},
                    "lineStyle": {"type": "dashed", "color": BAD},
                    "data": [{"yAxis": 0.5}],
                },
            },
            {
                "name": "Ratings (up − down)",
                "type": "scatter",
                "yAxisIndex": 1,
                "symbol": "triangle",
                "symbolSize": 12,
                "data": feedback,
                "color": PALETTE[1],
            },
        ],
    }
    return Chart(id="journey-chart", title="Frustration and feedback over time", option=option, table=table)


def _assistants_table(scope: Scope, user_id: str, conversations: Sequence[JourneyConversation]) -> Table:
    tz = tenant_tz()
    table = Table(
        id="journey-assistants",
        title="Assistants used",
        columns=["Assistant", "Conversations", "First", "Last", "Frustrated", "Resolved", "Escalated", "Abandoned"],
        numeric={1, 4, 5, 6, 7},
    )
    by_assistant: dict[int, list[JourneyConversation]] = defaultdict(list)
    for c in conversations:
        by_assistant[c.assistant_id].append(c)
    for assistant_id, items in sorted(by_assistant.items(), key=lambda kv: kv[1][0].started_at):
        href = scope.explorer_url(user=user_id, assistant=assistant_id)
        outcomes: defaultdict[str, int] = defaultdict(int)
        for c in items:
            outcomes[c.outcome] += 1

        def day(c: JourneyConversation) -> str:
            return timezone.localtime(c.started_at, tz).strftime("%Y-%m-%d")

        table.rows.append(
            [
                Cell(text=items[0].assistant, href=href),
                Cell(text=f"{len(items):,}", href=href, sort=len(items)),
                Cell(text=day(items[0])),
                Cell(text=day(items[-1])),
                Cell(text=str(sum(c.frustrated for c in items)), sort=sum(c.frustrated for c in items)),
                *[Cell(text=str(outcomes[o]), sort=outcomes[o]) for o in ("resolved", "escalated", "abandoned")],
            ]
        )
    return table


def user_journey_build(scope: Scope, *, user_id: str) -> dict[str, Any]:
    conversations = user_conversations(
        user_id=user_id,
        assistant_ids=scope.assistant_ids,
        date_from=scope.date_from,
        date_to=scope.date_to,
        filters=scope.filters,
        limit=JOURNEY_ROWS + 1,
    )
    truncated = len(conversations) > JOURNEY_ROWS
    conversations = conversations[:JOURNEY_ROWS]
    table = _journey_table(conversations)
    notes = (
        [] if not truncated else [f"The first {JOURNEY_ROWS} conversations of the period; narrow the dates for more."]
    )
    skipped = ignored_filters(scope.filters)
    if skipped:
        notes.append(f"The {', '.join(skipped)} filter does not apply here.")
    table.note = " ".join(notes)
    # The user's id travels with every link of the page (CSV, filter bar, explorer).
    journey_scope = replace(scope, params=(*scope.params, ("user", user_id)))
    return {
        "scope": journey_scope,
        "journey_user": user_id,
        "hidden_filters": [("user", user_id)],
        "kpis": _journey_kpis(journey_scope, user_id, conversations),
        "assistants_table": _assistants_table(journey_scope, user_id, conversations),
        "journey_chart": _journey_chart(conversations, table),
        "journey_table": table,
    }


@login_required
@require_GET
def user_journey_view(request: HttpRequest) -> HttpResponseBase:
    """One pseudonymous user's journey across the assistants the viewer may see.

    Order of checks: role (403); no id → a lookup form; privacy mode → the privacy message for
    everyone but compliance, before any lookup (the page then says nothing about whether the id
    exists); no conversation with a visible assistant → 404. By default the range starts on the
    user's first visible conversation, so a journey link shows the whole history."""
    user = request_user(request)
    title = "User journey"
    if not has_role(user, *JOURNEY_ROLES):
        raise PermissionDenied(f"The {title} page is not open to your roles.")
    user_id = request.GET.get("user", "").strip()
    if not user_id:
        return render(request, "dashboards/user_journey_notice.html", {"page_title": title, "lookup": True})
    if len(user_id) > 128:
        return render(
            request,
            "dashboards/user_journey_notice.html",
            {"page_title": title, "lookup": True, "error": "A user id has at most 128 characters."},
            status=400,
        )
    k = small_cut_threshold_for(user)
    if k is not None:
        return render(
            request,
            "dashboards/user_journey_notice.html",
            {"page_title": title, "privacy_k": k, "journey_user": user_id},
        )
    first = user_first_day(
        user_id=user_id, assistant_ids=list(assistants_visible_to(user=user).values_list("pk", flat=True))
    )
    if first is None:
        raise Http404("No conversation of this user with an assistant you may see.")
    if "from" not in request.GET:
        params = request.GET.copy()
        params["from"] = max(first, tenant_today() - timedelta(days=MAX_DAYS - 1)).isoformat()
        request.GET = params  # type: ignore[assignment]  # the view reads it as the filter bar does
    return render_dashboard(
        request,
        template="dashboards/user_journey.html",
        roles=JOURNEY_ROLES,
        build=partial(user_journey_build, user_id=user_id),
        title=title,
    )
