"""The compliance overview (the landing page of /compliance/) and the findings list.

The answer first, then the evidence: every count is a link to the findings, cases or
conversation behind it, every table (and the chart's table) has a CSV export
(``?export=<table id>``, as on the dashboards), and content never appears: counts, types and
masked previews only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from apps.accounts.permissions import can_read_review_cases, can_see_small_cuts
from apps.accounts.request import AuthedRequest
from apps.compliance.filters import FindingFilter
from apps.compliance.review_views import nav_context
from apps.compliance.selectors import (
    AgeBucket,
    DecisionTime,
    FindingCount,
    FindingsOverview,
    Period,
    decision_times,
    findings_list,
    findings_overview,
    open_cases_by_age,
    review_case_counts,
    top_conversations,
    top_users,
)
from apps.core.csv_export import csv_download
from apps.core.filters import filterset_rows
from apps.core.tables import Cell, Chart, Table
from apps.core.tenancy import current_schema
from apps.detection.models import SensitiveFinding, Severity
from apps.detection.services import masking_policy_get

DEFAULT_DAYS = 30
MAX_DAYS = 366
PAGE_SIZE = 50
# Okabe–Ito: distinguishable with the common colour-vision deficiencies (and ECharts adds decals).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")


def _require_reader(request: AuthedRequest) -> None:
    if not can_read_review_cases(request.user):
        raise PermissionDenied("The compliance pages are open to compliance and admins only.")


class OverviewForm(forms.Form):
    """The period, named ``from``/``to`` like the dashboards' filter bar so links keep it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # "from" is a keyword: the fields are added here rather than declared.
        self.fields["from"] = forms.DateField(required=False, label="From", widget=forms.DateInput({"type": "date"}))
        self.fields["to"] = forms.DateField(required=False, label="To", widget=forms.DateInput({"type": "date"}))

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data  # what super().clean() returned; its stub allows None
        end = cleaned.get("to") or timezone.localdate()
        start = cleaned.get("from") or end - timedelta(days=DEFAULT_DAYS - 1)
        if start > end:
            self.add_error("to", "must be on or after the start date")
        elif (end - start).days >= MAX_DAYS:
            self.add_error("from", f"a range spans at most {MAX_DAYS} days")
        cleaned["period"] = Period(start, end)
        return cleaned


# --- Links ---------------------------------------------------------------------------------------


def _path(name: str) -> str:
    # The tables hold hundreds of links to a handful of list pages, the same in every
    # organization (one tenant URLconf): resolve each page once per process.
    if name not in _PATHS:
        _PATHS[name] = reverse(name)
    return _PATHS[name]


_PATHS: dict[str, str] = {}


def _link(name: str, **params: Any) -> str:
    query = {k: v for k, v in params.items() if v not in (None, "")}
    return _path(name) + ("?" + urlencode(query) if query else "")


def _findings_link(period: Period, **params: Any) -> str:
    return _link("compliance:findings", date_from=period.start.isoformat(), date_to=period.end.isoformat(), **params)


@dataclass(frozen=True)
class _Query:
    """What the shared partials read as ``scope.query``: this page's filters, for CSV links."""

    query: str


# --- Tables --------------------------------------------------------------------------------------

COUNT_COLUMNS = ["findings", "in cases", "below threshold", "suppressed"]


def _count_table(table_id: str, title: str, key: str, counts: list[FindingCount], period: Period) -> Table:
    table = Table(table_id, title, [key, *COUNT_COLUMNS], numeric={1, 2, 3, 4})
    for c in counts:
        where = {key: c.key}
        table.rows.append(
            [
                Cell(c.label),
                Cell.number(c.findings, _findings_link(period, **where)),
                Cell.number(c.opening, _findings_link(period, handling="case", **where)),
                Cell.number(c.below_threshold, _findings_link(period, handling="below", **where)),
                Cell.number(c.suppressed, _findings_link(period, handling="suppressed", **where)),
            ]
        )
    return table


def _over_time(found: FindingsOverview, period: Period) -> Chart:
    """Findings per day (or week) and type: stacked bars, each bar a link to its findings."""
    last_day = timedelta(days=0 if period.interval == "day" else 6)
    table = Table(
        "over_time",
        f"Findings per {period.interval} and type",
        [period.interval, "all", *found.types],
        numeric=set(range(1, len(found.types) + 2)),
    )
    series: dict[str, list[dict[str, Any]]] = {t: [] for t in found.types}
    for start, counts in found.over_time:
        span = Period(max(start, period.start), min(start + last_day, period.end))
        row = [Cell(start.isoformat()), Cell.number(sum(counts.values()), _findings_link(span))]
        for t in found.types:
            href = _findings_link(span, type=t)
            row.append(Cell.number(counts.get(t, 0), href))
            series[t].append({"value": counts.get(t, 0), "href": href})
        table.rows.append(row)
    option = {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"top": 0},
        "grid": {"left": 48, "right": 16, "top": 36, "bottom": 28},
        "xAxis": {"type": "category", "data": [start.isoformat() for start, _ in found.over_time]},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [
            {"name": t, "type": "bar", "stack": "findings", "data": data, "color": PALETTE[i % len(PALETTE)]}
            for i, (t, data) in enumerate(series.items())
        ],
    }
    return Chart(
        "findings-over-time",
        table.title,
        option,
        table,
        height=300,
        description="Every finding, low severities that open no case included; click a bar for its findings.",
    )


def _duration(value: timedelta | None) -> str:
    if value is None:
        return "—"
    hours = value.total_seconds() / 3600
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} d"


def _ageing_table(buckets: list[AgeBucket]) -> Table:
    table = Table(
        "ageing",
        "Open cases by age (as of now)",
        ["age", "open cases", "of which high or critical"],
        numeric={1, 2},
        note="A case's age runs from when the data was exposed (its first finding).",
    )
    for b in buckets:
        age = {"status": "open", "older_than_days": b.min_days or None, "younger_than_days": b.max_days}
        table.rows.append(
            [
                Cell(b.label),
                Cell.number(b.cases, _link("compliance:queue", **age)),
                Cell.number(b.high, _link("compliance:queue", min_severity=Severity.HIGH.value, **age)),
            ]
        )
    return table


def _decision_table(decisions: list[DecisionTime], period: Period) -> Table:
    table = Table(
        "decision_time",
        "Time to decision (cases decided in the period)",
        ["severity", "decided", "median", "p90"],
        numeric={1, 2, 3},
        note="From when the data was exposed to a person's decision; cases an auto-close rule closed are left out.",
    )
    decided_in = {"decided_from": period.start.isoformat(), "decided_to": period.end.isoformat()}
    for d in decisions:
        href = _link("compliance:queue", severity=d.severity, **decided_in)
        table.rows.append(
            [
                Cell(d.label),
                Cell.number(d.decided, href),
                Cell(_duration(d.median), sort=d.median.total_seconds() if d.median else None),
                Cell(_duration(d.p90), sort=d.p90.total_seconds() if d.p90 else None),
            ]
        )
    return table


def _top_conversations_table(period: Period, *, show_people: bool) -> tuple[Table, int]:
    ranked = top_conversations(period=period)
    table = Table(
        "top_conversations",
        "Conversations with the most findings",
        ["conversation", "assistant", "end user", "findings", "highest severity", "types", "cases"],
        numeric={3},
    )
    for c in ranked.rows:
        table.rows.append(
            [
                Cell(c.external_id, reverse("compliance:conversation", args=[c.conversation_id])),
                Cell(c.assistant),
                Cell(c.user_id if show_people else "—"),
                Cell.number(c.findings, _link("compliance:findings", conversation=c.conversation_id)),
                Cell(Severity(c.severity).label, sort=c.severity),
                Cell(" ".join(c.types)),
                Cell("cases", _link("compliance:queue", conversation=c.conversation_id)),
            ]
        )
    return table, ranked.total


def _top_users_table(period: Period) -> tuple[Table, int]:
    ranked = top_users(period=period)
    table = Table(
        "top_users",
        "People with the most findings (pseudonymous ids)",
        ["end user", "findings", "conversations", "highest severity", "types", "cases"],
        numeric={1, 2},
    )
    for u in ranked.rows:
        table.rows.append(
            [
                Cell(u.user_id),
                Cell.number(u.findings, _findings_link(period, user=u.user_id)),
                Cell.number(u.conversations),
                Cell(Severity(u.severity).label, sort=u.severity),
                Cell(" ".join(u.types)),
                Cell("cases", _link("compliance:queue", user=u.user_id)),
            ]
        )
    return table, ranked.total


@dataclass
class Overview:
    headlines: list[dict[str, str]]
    kpis: list[dict[str, Any]]
    chart: Chart
    tables: dict[str, Table]

    def table(self, table_id: str) -> Table | None:
        return self.chart.table if table_id == self.chart.table.id else self.tables.get(table_id)

    @property
    def table_ids(self) -> list[str]:
        return [self.chart.table.id, *self.tables]


def _overview(period: Period, *, show_people: bool) -> Overview:
    threshold = masking_policy_get().case_threshold
    found = findings_overview(period=period, threshold=threshold)
    decisions = decision_times(period=period)
    ageing = open_cases_by_age()
    conversations, _ = _top_conversations_table(period, show_people=show_people)
    people, people_total = _top_users_table(period)
    tables = {
        "by_type": _count_table("by_type", "Findings by type", "type", found.by_type, period),
        "by_severity": _count_table("by_severity", "Findings by severity", "severity", found.by_severity, period),
        "by_department": _count_table(
            "by_department", "Findings by department", "department", found.by_department, period
        ),
        "by_assistant": _count_table("by_assistant", "Findings by assistant", "assistant", found.by_assistant, period),
        "ageing": _ageing_table(ageing),
        "decision_time": _decision_table(decisions, period),
        "top_conversations": conversations,
    }
    if show_people:
        tables["top_users"] = people
    totals, overall = found.totals, decisions[-1]
    open_now = review_case_counts().get("open", 0)
    window = f"conversations started {period.start:%-d %b} – {period.end:%-d %b %Y}"
    headlines = [
        {
            "text": f"{totals.findings:,} findings: {totals.opening:,} open or feed a review case, "
            f"{totals.below_threshold:,} are below the case threshold ({Severity(threshold).label}) and open none.",
            "evidence": window,
            "href": _findings_link(period),
        }
    ]
    stale = sum(b.cases for b in ageing if b.min_days >= 30)
    if stale:
        headlines.append(
            {
                "text": f"{stale:,} of {open_now:,} open cases are older than 30 days.",
                "evidence": "as of now",
                "href": _link("compliance:queue", status="open", older_than_days=30),
                "tone": "bad",
            }
        )
    if overall.decided:
        decided = f"{overall.decided:,} case was" if overall.decided == 1 else f"{overall.decided:,} cases were"
        headlines.append(
            {
                "text": f"{decided} decided, a median of {_duration(overall.median)} "
                f"after the data was exposed (90% within {_duration(overall.p90)}).",
                "evidence": f"decided {period.start:%-d %b} – {period.end:%-d %b %Y}",
                "href": _link(
                    "compliance:queue", decided_from=period.start.isoformat(), decided_to=period.end.isoformat()
                ),
            }
        )
    kpis = [
        {"label": "findings", "display": f"{totals.findings:,}", "href": _findings_link(period)},
        {"label": "in review cases", "display": f"{totals.opening:,}", "href": _findings_link(period, handling="case")},
        {"label": "below the case threshold (no case)", "display": f"{totals.below_threshold:,}",
         "href": _findings_link(period, handling="below")},
        {"label": "people with findings", "display": f"{people_total:,}"},
        {"label": "open cases now", "display": f"{open_now:,}", "href": _link("compliance:queue", status="open")},
        {"label": "median time to decision", "display": _duration(overall.median)},
    ]  # fmt: skip
    return Overview(headlines, [{"state": "ok", **k} for k in kpis], _over_time(found, period), tables)


# The queue lived at /compliance/ and was filtered there: those links now land on the queue.
OVERVIEW_PARAMS = frozenset({"from", "to", "export"})


@login_required
@require_GET
def overview_view(request: AuthedRequest) -> HttpResponse | StreamingHttpResponse:
    _require_reader(request)
    if set(request.GET) - OVERVIEW_PARAMS:
        return HttpResponseRedirect(reverse("compliance:queue") + "?" + request.GET.urlencode())
    form = OverviewForm(request.GET)
    export = request.GET.get("export")
    context: dict[str, Any] = {"filters": form, **nav_context(request)}
    if not form.is_valid():
        if export:
            return HttpResponse(f"invalid filter: {form.errors.as_text()}", status=400, content_type="text/plain")
        return render(request, "compliance/overview.html", context, status=400)
    period: Period = form.cleaned_data["period"]
    show_people = can_see_small_cuts(request.user)
    overview = _overview(period, show_people=show_people)
    if export:
        table = overview.table(export)
        if table is None:
            return HttpResponse(
                f"export must be one of: {', '.join(overview.table_ids)}", status=400, content_type="text/plain"
            )
        return table.csv(f"compliance-{current_schema()}-{period.start:%Y%m%d}-{period.end:%Y%m%d}")
    query = urlencode({"from": period.start.isoformat(), "to": period.end.isoformat()})
    context |= {"period": period, "overview": overview, "scope": _Query(query), "show_people": show_people}
    return render(request, "compliance/overview.html", context)


# --- Findings list -------------------------------------------------------------------------------

FINDING_CSV = ("id", "conversation_started", "type", "severity", "masked_preview", "written_by", "assistant",
               "department", "conversation", "end_user", "suppressed", "case")  # fmt: skip


def _finding_csv_row(f: SensitiveFinding, show_people: bool) -> tuple[Any, ...]:
    conversation = f.conversation
    return (
        f.pk, conversation.started_at.isoformat(), f.type, Severity(f.severity).label, f.masked_preview,
        f.message.role, conversation.assistant.name, conversation.assistant.department.name,
        conversation.external_id, conversation.user_id if show_people else "", f.suppressed,
        getattr(f, "case_id", None) or "",
    )  # fmt: skip


@login_required
@require_GET
def findings_view(request: AuthedRequest) -> HttpResponse | StreamingHttpResponse:
    """Every finding, low severities included, filtered; masked previews only."""
    _require_reader(request)
    params = request.GET.copy()
    wants_csv = params.pop("export", [""])[0] == "csv"
    filters = FindingFilter(params or None, queryset=findings_list(), request=request)
    rows = filterset_rows(filters)
    show_people = can_see_small_cuts(request.user)
    if wants_csv:
        if filters.is_bound and not filters.is_valid():
            return HttpResponse(f"invalid filter: {filters.errors.as_text()}", status=400, content_type="text/plain")
        return csv_download(
            filename=f"compliance-findings-{current_schema()}-{timezone.localdate():%Y%m%d}.csv",
            header=FINDING_CSV,
            rows=(_finding_csv_row(f, show_people) for f in rows.iterator(chunk_size=2000)),
        )
    page = Paginator(rows, PAGE_SIZE).get_page(params.get("page"))
    params.pop("page", None)
    context = {
        "filters": filters.form,
        "page": page,
        "query": params.urlencode(),
        "show_people": show_people,
        **nav_context(request),
    }
    template = "compliance/findings.html"
    if request.htmx and request.htmx.target == "finding-table":
        template += "#finding-table"
    return render(request, template, context)
