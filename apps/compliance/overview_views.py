"""The compliance overview (the landing page of /compliance/) and the findings list.

The answer first, then the evidence: every count is a link to the findings, cases or
conversation behind it, every table has a CSV export (``?format=csv&table=<name>``), and content
never appears: counts, types and masked previews only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseRedirect, QueryDict, StreamingHttpResponse
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
    FindingCount,
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
from apps.core.tenancy import current_schema
from apps.detection.models import SensitiveFinding, Severity
from apps.detection.services import masking_policy_get

DEFAULT_DAYS = 30
MAX_DAYS = 366
PAGE_SIZE = 50


def _require_reader(request: AuthedRequest) -> None:
    if not can_read_review_cases(request.user):
        raise PermissionDenied("The compliance pages are open to compliance and admins only.")


class OverviewForm(forms.Form):
    date_from = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data  # what super().clean() returned; its stub allows None
        end = cleaned.get("date_to") or timezone.localdate()
        start = cleaned.get("date_from") or end - timedelta(days=DEFAULT_DAYS - 1)
        if start > end:
            self.add_error("date_to", "must be on or after the start date")
        elif (end - start).days >= MAX_DAYS:
            self.add_error("date_from", f"a range spans at most {MAX_DAYS} days")
        cleaned["period"] = Period(start, end)
        return cleaned


# --- Tables: one shape for the page, its table view and its CSV --------------------------------


@dataclass(frozen=True)
class Cell:
    text: str | int
    href: str = ""

    @property
    def num(self) -> bool:
        return isinstance(self.text, int)


@dataclass
class Table:
    name: str
    title: str
    columns: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    note: str = ""

    def csv(self, period: Period) -> StreamingHttpResponse:
        filename = f"compliance-{self.name}-{current_schema()}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.csv"
        return csv_download(filename=filename, header=self.columns, rows=([c.text for c in r] for r in self.rows))


def _link(name: str, **params: Any) -> str:
    query = {k: v for k, v in params.items() if v not in (None, "")}
    return _path(name) + ("?" + urlencode(query) if query else "")


def _path(name: str) -> str:
    # The tables hold hundreds of links to a handful of list pages, the same in every
    # organization (one tenant URLconf): resolve each page once per process.
    if name not in _PATHS:
        _PATHS[name] = reverse(name)
    return _PATHS[name]


_PATHS: dict[str, str] = {}


class _Links:
    """Links into the findings list with the overview's period applied."""

    def __init__(self, period: Period) -> None:
        self.period = period

    def findings(self, **params: Any) -> str:
        return _link(
            "compliance:findings",
            date_from=self.period.start.isoformat(),
            date_to=self.period.end.isoformat(),
            **params,
        )


def _count_rows(counts: list[FindingCount], links: _Links, param: str) -> list[list[Cell]]:
    rows = []
    for c in counts:
        key = {param: c.key}
        rows.append(
            [
                Cell(c.label),
                Cell(c.findings, links.findings(**key)),
                Cell(c.opening, links.findings(handling="case", **key)),
                Cell(c.below_threshold, links.findings(handling="below", **key)),
                Cell(c.suppressed, links.findings(handling="suppressed", **key)),
            ]
        )
    return rows


def _duration(value: timedelta | None) -> str:
    if value is None:
        return "—"
    hours = value.total_seconds() / 3600
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} d"


def _age_rows(buckets: list[AgeBucket]) -> list[list[Cell]]:
    rows = []
    for b in buckets:
        age = {"older_than_days": b.min_days or None, "younger_than_days": b.max_days}
        queue = _link("compliance:queue", status="open", **age)
        high = _link("compliance:queue", status="open", min_severity=Severity.HIGH.value, **age)
        rows.append([Cell(b.label), Cell(b.cases, queue), Cell(b.high, high)])
    return rows


def _overview_tables(period: Period, *, show_people: bool) -> tuple[dict[str, Any], dict[str, Table]]:
    threshold = masking_policy_get().case_threshold
    links = _Links(period)
    found = findings_overview(period=period, threshold=threshold)
    count_columns = ["findings", "open or feed a case", "below the case threshold", "suppressed"]
    tables = {
        "by_type": Table("by_type", "Findings by type", ["type", *count_columns]),
        "by_severity": Table("by_severity", "Findings by severity", ["severity", *count_columns]),
        "by_department": Table("by_department", "Findings by department", ["department", *count_columns]),
        "by_assistant": Table("by_assistant", "Findings by assistant", ["assistant", *count_columns]),
    }
    tables["by_type"].rows = _count_rows(found.by_type, links, "type")
    tables["by_severity"].rows = _count_rows(found.by_severity, links, "severity")
    tables["by_department"].rows = _count_rows(found.by_department, links, "department")
    tables["by_assistant"].rows = _count_rows(found.by_assistant, links, "assistant")

    step = timedelta(days=0 if period.interval == "day" else 6)
    over_time = Table("over_time", f"Findings per {period.interval} and type", [period.interval, "all", *found.types])
    for start, counts in found.over_time:
        span = {"date_from": max(start, period.start).isoformat(), "date_to": min(start + step, period.end).isoformat()}
        cells = [Cell(start.isoformat()), Cell(sum(counts.values()), _link("compliance:findings", **span))]
        cells += [Cell(counts.get(t, 0), _link("compliance:findings", type=t, **span)) for t in found.types]
        over_time.rows.append(cells)
    tables["over_time"] = over_time

    ageing = Table("ageing", "Open cases by age (as of now)", ["age", "open cases", "of which high or critical"])
    ageing.rows = _age_rows(open_cases_by_age())
    ageing.note = "Age runs from when the data was exposed (the case's first finding)."
    tables["ageing"] = ageing

    decisions = decision_times(period=period)
    timing = Table(
        "decision_time", "Time to decision (cases decided in the period)", ["severity", "decided", "median", "p90"]
    )
    for d in decisions:
        decided = _link(
            "compliance:queue",
            decided_from=period.start.isoformat(),
            decided_to=period.end.isoformat(),
            severity=d.severity,
        )
        timing.rows.append([Cell(d.label), Cell(d.decided, decided), Cell(_duration(d.median)), Cell(_duration(d.p90))])
    tables["decision_time"] = timing

    conversations = Table(
        "top_conversations", "Conversations with the most findings",
        ["conversation", "assistant", "end user", "findings", "highest severity", "types", "cases"],
    )  # fmt: skip
    ranked_conversations = top_conversations(period=period)
    ranked_users = top_users(period=period)
    for c in ranked_conversations.rows:
        conversations.rows.append(
            [
                Cell(c.external_id, reverse("compliance:conversation", args=[c.conversation_id])),
                Cell(c.assistant),
                Cell(c.user_id if show_people else "—"),
                Cell(c.findings, _link("compliance:findings", conversation=c.conversation_id)),
                Cell(Severity(c.severity).label),
                Cell(" ".join(c.types)),
                Cell("cases", _link("compliance:queue", conversation=c.conversation_id)),
            ]
        )
    tables["top_conversations"] = conversations

    if show_people:
        people = Table(
            "top_users", "People with the most findings (pseudonymous ids)",
            ["end user", "findings", "conversations", "highest severity", "types", "cases"],
        )  # fmt: skip
        for u in ranked_users.rows:
            people.rows.append(
                [
                    Cell(u.user_id),
                    Cell(u.findings, links.findings(user=u.user_id)),
                    Cell(u.conversations),
                    Cell(Severity(u.severity).label),
                    Cell(" ".join(u.types)),
                    Cell("cases", _link("compliance:queue", user=u.user_id)),
                ]
            )
        tables["top_users"] = people

    median = decisions[-1].median
    open_now = review_case_counts().get("open", 0)
    kpis = [
        {"label": "findings", "value": found.totals.findings, "href": links.findings()},
        {"label": "open or feed a case", "value": found.totals.opening, "href": links.findings(handling="case")},
        {"label": "below the case threshold", "value": found.totals.below_threshold, "href": links.findings(handling="below")},
        {"label": "people with findings", "value": ranked_users.total, "href": ""},
        {"label": "open cases now", "value": open_now, "href": _link("compliance:queue", status="open")},
        {"label": "median time to decision", "value": _duration(median), "href": ""},
    ]  # fmt: skip
    summary = {
        "kpis": kpis,
        "totals": found.totals,
        "open_now": open_now,
        "threshold": Severity(threshold).label,
        "types": found.types,
    }
    return summary, tables


# The queue lived at /compliance/ and was filtered there: those links now land on the queue.
OVERVIEW_PARAMS = frozenset({"date_from", "date_to", "format", "table"})


@login_required
@require_GET
def overview_view(request: AuthedRequest) -> HttpResponse | StreamingHttpResponse:
    _require_reader(request)
    if set(request.GET) - OVERVIEW_PARAMS:
        return HttpResponseRedirect(reverse("compliance:queue") + "?" + request.GET.urlencode())
    form = OverviewForm(request.GET)
    form.is_valid()
    context: dict[str, Any] = {"filters": form, **nav_context(request)}
    if form.errors:
        if request.GET.get("format") == "csv":
            return HttpResponse(f"invalid filter: {form.errors.as_text()}", status=400, content_type="text/plain")
        return render(request, "compliance/overview.html", context)
    period: Period = form.cleaned_data["period"]
    show_people = can_see_small_cuts(request.user)
    summary, tables = _overview_tables(period, show_people=show_people)
    if request.GET.get("format") == "csv":
        table = tables.get(request.GET.get("table", ""))
        if table is None:
            return HttpResponse(f"table must be one of: {', '.join(tables)}", status=400, content_type="text/plain")
        return table.csv(period)
    query = QueryDict(mutable=True)
    query.update({"date_from": period.start.isoformat(), "date_to": period.end.isoformat()})
    context |= {
        "period": period,
        "tables": tables,
        "query": query.urlencode(),
        "show_people": show_people,
        **summary,
    }
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
    wants_csv = params.pop("format", [""])[0] == "csv"
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
