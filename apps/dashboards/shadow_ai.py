"""Shadow-AI inventory pages (issues 12 and 13): which AI services people use, sanctioned or not.

``/dashboards/shadow-ai/`` (admin, compliance): headline findings (departments with the most
unsanctioned services, a shadow service whose use grew significantly, high-risk services nobody
has decided on), a KPI strip, daily shadow use per department, the inventory by department and
every finding, filtered by the one filter bar (period, department) plus status, risk and
shadow-only. ``findings/<pk>/``: one finding with its daily trend, domains, the catalog's data-use
notes, the decision history from the audit log and the decision forms (``finding_decide``).
``imports/``: upload an egress log (the API's path: ``egress_upload_accept``) and read each
import's report. ``blocklist/``: the blocked services' domains, plain or as a Squid ACL.

All reads are ``apps.detection.shadow.selectors`` (admin and compliance only, like the API).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from scipy.stats import binomtest

from apps.accounts.models import Role, User
from apps.accounts.permissions import can_manage_department_assistants
from apps.accounts.request import request_user
from apps.analytics.decision_selectors import alerts_open_for
from apps.analytics.models import Alert, AlertKind
from apps.analytics.privacy import small_cut_threshold_for, suppression_reason
from apps.core.exceptions import ApplicationError
from apps.dashboards.pages import Headline, render_dashboard
from apps.dashboards.scope import Scope, conversation_url
from apps.dashboards.widgets import BAD, NEUTRAL, PALETTE, Cell, Chart, Kpi, Table, sparkline
from apps.detection.api.serializers import EgressImportIn
from apps.detection.models import FindingStatus, ShadowAIFinding
from apps.detection.shadow.catalog import AIService
from apps.detection.shadow.parsers import FORMATS
from apps.detection.shadow.selectors import (
    FindingRow,
    PeriodUsage,
    blocklist_domains,
    blocklist_squid,
    can_read_shadow_ai,
    finding_decisions,
    findings_list,
    findings_queryset,
    imports_list,
    usage_in_period,
)
from apps.detection.shadow.services import (
    egress_upload_accept,
    finding_decide,
    finding_next_statuses,
    tenant_catalog,
)
from apps.detection.shadow.signal_selectors import (
    external_mentions_by_service,
    external_mentions_list,
    launch_impacts,
    unregistered_models_list,
)

ROLES = (Role.ADMIN, Role.COMPLIANCE)
PAGE_URL = "/dashboards/shadow-ai/"
IMPORTS_URL = f"{PAGE_URL}imports/"
TITLE = "Shadow AI"
# Growth headline (the rule, docs/shadow-ai.md): the last GROWTH_DAYS days of the period against the
# GROWTH_DAYS before, at least GROWTH_MIN_RATIO times the requests and GROWTH_MIN_REQUESTS of them,
# significant at p < GROWTH_P (exact conditional binomial test of two Poisson counts).
GROWTH_DAYS = 14
GROWTH_MIN_RATIO = 2.0
GROWTH_MIN_REQUESTS = 50
GROWTH_P = 0.01
RISK_ORDER = {"high": 0, "medium": 1, "low": 2}
DECISION_LABELS = {
    FindingStatus.ACKNOWLEDGED: "Acknowledge",
    FindingStatus.APPROVED: "Approve",
    FindingStatus.BLOCKED: "Block",
}


def finding_url(pk: int, scope: Scope | None = None) -> str:
    query = scope.query(drop=("export", "status", "risk", "shadow")) if scope is not None else ""
    return f"{PAGE_URL}findings/{pk}/" + (f"?{query}" if query else "")


def _human_bytes(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:,.0f} {unit}" if unit == "B" else f"{size:,.1f} {unit}"
        size /= 1024
    return f"{n} B"  # pragma: no cover


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def _usage(scope: Scope, start: date | None = None, end: date | None = None) -> dict[Any, PeriodUsage]:
    return usage_in_period(user=scope.user, date_from=start or scope.date_from, date_to=end or scope.date_to)


def _requests_between(span: dict[Any, PeriodUsage], start: date, end: date) -> dict[Any, PeriodUsage]:
    """Requests per pair within [start, end], cut from a wider span's daily series (no query; no
    users or bytes, which a sum of days cannot give — only the period's own read has them)."""
    out: dict[Any, PeriodUsage] = {}
    for pair, use in span.items():
        daily = {day: n for day, n in use.daily.items() if start <= day <= end}
        if daily:
            out[pair] = PeriodUsage(requests=sum(daily.values()), daily=daily)
    return out


class ShadowFilterForm(forms.Form):
    """The page's own filters, drawn in the one filter bar (``render_dashboard(page_form=...)``)."""

    status = forms.ChoiceField(choices=[("", "Any status"), *FindingStatus.choices], required=False)
    risk = forms.ChoiceField(
        choices=[("", "Any risk"), ("high", "High"), ("medium", "Medium"), ("low", "Low")], required=False
    )
    shadow = forms.ChoiceField(
        choices=[("", "Sanctioned and shadow"), ("1", "Shadow only")], required=False, label="Use"
    )


def _users_cell(users: int, k: int | None) -> Cell:
    """Distinct users of one cut. Under privacy mode (``small_cut_threshold_for``: every role but
    compliance) a count of 1 to k-1 people is shown as "fewer than k people", as elsewhere."""
    if k is not None and 0 < users < k:
        return Cell(text=suppression_reason(k), sort=None, tone="muted", title="privacy mode")
    return Cell(text=f"{users:,}", sort=users)


def _suppressed(users: int, k: int | None) -> str:
    return suppression_reason(k) if k is not None and 0 < users < k else ""


def _department_id(scope: Scope) -> int | None:
    value = dict(scope.params).get("department")
    return int(value) if value else None


@dataclass(frozen=True)
class _Seen:
    """A finding row with its use in the period."""

    row: FindingRow
    usage: PeriodUsage


def _seen(rows: Iterable[FindingRow], usage: dict[Any, PeriodUsage]) -> list[_Seen]:
    return [
        _Seen(row, usage[(row.service_key, row.department_id)])
        for row in rows
        if (row.service_key, row.department_id) in usage
    ]


# --- the inventory page --------------------------------------------------------------------------


@login_required
@require_GET
def shadow_ai_view(request: HttpRequest) -> HttpResponseBase:
    page_form = ShadowFilterForm(request.GET)

    def build(scope: Scope) -> dict[str, Any]:
        return _inventory(scope, page_form.cleaned_data)

    return render_dashboard(
        request,
        template="dashboards/shadow_ai.html",
        roles=ROLES,
        build=build,
        title=TITLE,
        page_form=page_form,
    )


def _inventory(scope: Scope, filters: dict[str, Any]) -> dict[str, Any]:
    user = scope.user
    department_id = _department_id(scope)
    has_imports = imports_list(user=user).exists()
    if not has_imports:
        return {"has_data": False, **_links()}
    rows = findings_list(user=user, department_id=department_id)
    usage = _usage(scope)
    seen = _seen(rows, usage)
    previous = scope.previous()
    # One read of the daily series back to the earliest day any comparison needs (the previous
    # period, the growth rule's 2 × 14 days): the comparisons are cut from it in Python.
    span_start = min(previous.date_from, scope.date_to - timedelta(days=2 * GROWTH_DAYS - 1))
    span = _usage(scope, span_start, scope.date_to)
    before = _seen(rows, _requests_between(span, previous.date_from, previous.date_to))
    table_rows = [
        s
        for s in seen
        if (not filters.get("status") or s.row.status == filters["status"])
        and (not filters.get("risk") or s.row.risk == filters["risk"])
        and (not filters.get("shadow") or not s.row.sanctioned)
    ]
    signals = _signals(scope, rows)
    return {
        "has_data": True,
        "ignored_filters": _ignored_filters(scope),
        # The inventory's three rules first, then the strongest spike and launch effect.
        "headlines": _pick_headlines({**_headlines(scope, rows, usage, span), **signals.pop("signal_headlines")}),
        "kpis": _kpis(scope, seen, before, rows),
        "shadow_chart": _shadow_chart(scope, seen),
        "departments_table": _departments_table(scope, seen),
        "findings_table": _findings_table(scope, table_rows, small_cut_threshold_for(user)),
        **signals,
        **_links(),
    }


# Filters of the one bar that egress logs cannot be cut by: the page says so rather than
# silently showing an unfiltered number (as widgets.metric does for the engine's metrics).
_NOT_IN_EGRESS_LOGS = {"assistant": "assistant", "variant": "variant", "feature": "feature", "language": "language",
                       "user_department": "user's department", "dim1": "dimension 1", "dim2": "dimension 2",
                       "dim3": "dimension 3"}  # fmt: skip


def _ignored_filters(scope: Scope) -> list[str]:
    given = {name for name, _value in scope.params}
    return [label for name, label in _NOT_IN_EGRESS_LOGS.items() if name in given]


def _links() -> dict[str, str]:
    return {
        "imports_url": IMPORTS_URL,
        "blocklist_domains_url": f"{PAGE_URL}blocklist/?style=domains",
        "blocklist_squid_url": f"{PAGE_URL}blocklist/?style=squid",
    }


def _names(items: Iterable[FindingRow]) -> str:
    return ", ".join(sorted({r.product for r in items}))


# DESIGN.md: at most three headlines. In this order of preference: the department with the most
# unsanctioned services; an open traffic spike (else a significant growth); the clearest launch
# effect (else the high-risk uses still undecided); then whatever is left.
HEADLINE_ORDER = (("unsanctioned",), ("spike", "growth"), ("launch", "undecided"))


def _pick_headlines(found: dict[str, Headline]) -> list[Headline]:
    picked: list[str] = []
    for choices in HEADLINE_ORDER:
        key = next((k for k in choices if k in found), None)
        if key is not None:
            picked.append(key)
    for key in found:
        if key not in picked:
            picked.append(key)
    return [found[k] for k in picked[:3]]


def _headlines(
    scope: Scope, rows: list[FindingRow], usage: dict[Any, PeriodUsage], span: dict[Any, PeriodUsage]
) -> dict[str, Headline]:
    """Sentences, each a rule: unsanctioned services by department (the reconciliation rule), a
    significant growth of one shadow service, high-risk shadow services still undecided."""
    out: dict[str, Headline] = {}
    recent_end = scope.date_to
    recent_start = recent_end - timedelta(days=GROWTH_DAYS - 1)
    recent = _requests_between(span, recent_start, recent_end)
    earlier = _requests_between(span, recent_start - timedelta(days=GROWTH_DAYS), recent_start - timedelta(days=1))
    in_period = _seen(rows, usage)
    by_department: dict[str, list[_Seen]] = defaultdict(list)
    for s in in_period:
        if not s.row.sanctioned and s.row.department_id is not None:
            by_department[s.row.department].append(s)
    if by_department:
        name, items = max(by_department.items(), key=lambda kv: (len(kv[1]), sum(s.usage.requests for s in kv[1])))
        department_id = items[0].row.department_id
        requests = sum(s.usage.requests for s in items)
        out["unsanctioned"] = Headline(
            text=f"{len(items)} unsanctioned AI service{'s' if len(items) != 1 else ''} used by {name}: "
            f"{_names(s.row for s in items)}.",
            evidence=f"{requests:,} requests in this period; no approved assistant or policy of {name} "
            "covers their vendors",
            href=f"{PAGE_URL}?{scope.query(drop=('export',), department=department_id, shadow=1)}#findings",
            tone="bad",
            link_text="see these findings",
        )
    growth: list[tuple[float, FindingRow, int, int, float]] = []
    for row in rows:
        if row.sanctioned:
            continue
        pair = (row.service_key, row.department_id)
        now_n = recent[pair].requests if pair in recent else 0
        then_n = earlier[pair].requests if pair in earlier else 0
        if now_n < GROWTH_MIN_REQUESTS or now_n < GROWTH_MIN_RATIO * max(then_n, 1):
            continue
        p = binomtest(now_n, now_n + then_n, 0.5, alternative="greater").pvalue
        if p < GROWTH_P:
            growth.append((now_n / max(then_n, 1), row, now_n, then_n, p))
    if growth:
        # The largest added volume, not the largest ratio: a brand-new service has an infinite ratio
        # and is already counted by "New this period".
        ratio, row, now_n, then_n, p = max(growth, key=lambda g: (g[2] - g[3], g[0]))
        ratio_text = f"up {ratio:.1f}×" if then_n else "new"
        out["growth"] = Headline(
            text=f"{row.product} use by {row.department} {ratio_text} in the last {GROWTH_DAYS} days.",
            evidence=f"{now_n:,} requests vs {then_n:,} in the {GROWTH_DAYS} days before; "
            f"{'p < 0.001' if p < 0.001 else f'p = {p:.3f}'}, exact binomial test",
            href=finding_url(row.id, scope),
            tone="bad",
            link_text="see the finding",
        )
    undecided = [
        s.row for s in in_period if not s.row.sanctioned and s.row.risk == "high" and s.row.status == FindingStatus.NEW
    ]
    if undecided:
        listed = ", ".join(f"{r.product} ({r.department})" for r in undecided[:4])
        more = f" and {len(undecided) - 4} more" if len(undecided) > 4 else ""
        out["undecided"] = Headline(
            text=f"{len(undecided)} high-risk shadow use{'s' if len(undecided) != 1 else ''} without a decision: "
            f"{listed}{more}.",
            evidence="catalog risk high, status new",
            href=f"{PAGE_URL}?{scope.query(drop=('export',), status='new', risk='high', shadow=1)}#findings",
            link_text="see them",
        )
    return out


def _change(now: float, before: float, days: int) -> str:
    if not before:
        return ""
    return f"{(now - before) / before * 100:+.0f}% vs previous {days} days"


def _kpis(scope: Scope, seen: list[_Seen], before: list[_Seen], rows: list[FindingRow]) -> list[Kpi]:
    def figures(items: list[_Seen]) -> tuple[int, int, int, int]:
        services = {s.row.service_key for s in items}
        shadow = {s.row.service_key for s in items if not s.row.sanctioned}
        departments = {s.row.department_id for s in items if not s.row.sanctioned and s.row.department_id is not None}
        return len(services), len(shadow), len(departments), sum(s.usage.requests for s in items)

    now, then = figures(seen), figures(before)
    daily: dict[date, int] = defaultdict(int)
    for s in seen:
        for day, n in s.usage.daily.items():
            daily[day] += n
    spark = sparkline([daily.get(d, 0) for d in _days(scope.date_from, scope.date_to)])
    new = [r for r in rows if scope.date_from <= r.first_seen <= scope.date_to]
    base = f"{PAGE_URL}?{scope.query(drop=('export',))}"
    shadow_href = f"{PAGE_URL}?{scope.query(drop=('export',), shadow=1)}#findings"
    labels = ("Services seen", "Shadow services", "Departments with shadow use", "AI requests")
    kpis = [
        Kpi(
            label=label,
            slug="",
            display=f"{value:,}",
            state="ok",
            href=shadow_href if i in (1, 2) else f"{base}#findings",
            change=_change(value, previous, scope.days)
            if i == 3
            else (f"{value - previous:+d} vs previous {scope.days} days" if previous or value else ""),
            tone="",
            spark=spark if i == 3 else None,
        )
        for i, (label, value, previous) in enumerate(zip(labels, now, then, strict=True))
    ]
    kpis.append(
        Kpi(
            label="New this period",
            slug="",
            display=f"{len(new):,}",
            state="ok",
            href=f"{base}#findings",
            change=f"first seen since {scope.date_from:%b %-d}",
            tone="bad" if any(not r.sanctioned for r in new) else "",
            spark=None,
        )
    )
    return kpis


def _shadow_chart(scope: Scope, seen: list[_Seen]) -> Chart:
    """Daily requests to shadow services, one line per department (unattributed included)."""
    days = _days(scope.date_from, scope.date_to)
    series: dict[tuple[bool, str, int | None], dict[date, int]] = defaultdict(lambda: defaultdict(int))
    for s in seen:
        if s.row.sanctioned:
            continue
        owner = (s.row.department_id is None, s.row.department, s.row.department_id)
        for day, n in s.usage.daily.items():
            series[owner][day] += n
    owners = sorted(series)
    option = {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 48, "right": 16, "top": 32, "bottom": 28},
        "xAxis": {"type": "time"},
        "yAxis": {"type": "value"},
        "series": [
            {
                "name": name,
                "type": "line",
                "showSymbol": len(days) < 40,
                "color": PALETTE[i % len(PALETTE)],
                "data": [
                    {
                        "value": [d.isoformat(), series[(u, name, dept)].get(d, 0)],
                        "href": f"{PAGE_URL}?{scope.query(drop=('export',), department=dept, shadow=1)}#findings"
                        if dept is not None
                        else None,
                    }
                    for d in days
                ],
            }
            for i, (u, name, dept) in enumerate(owners)
        ],
    }
    table = Table(
        id="shadow-daily-table",
        title="Daily requests to shadow services by department",
        columns=["day", *[name for _u, name, _d in owners]],
        numeric=set(range(1, len(owners) + 1)),
        empty="No shadow AI use in this period.",
    )
    if owners:
        for d in days:
            table.rows.append(
                [Cell(text=d.isoformat())]
                + [Cell(text=f"{series[o].get(d, 0):,}", sort=series[o].get(d, 0)) for o in owners]
            )
    return Chart(
        id="shadow-daily",
        title="Shadow AI use by department",
        option=option,
        table=table,
        description="Requests per day to services no approved assistant or policy of the department covers.",
    )


def _departments_table(scope: Scope, seen: list[_Seen]) -> Table:
    table = Table(
        id="departments",
        title="Inventory by department",
        columns=["Department", "AI services", "Shadow services", "Requests", "Shadow requests", "Shadow trend"],
        numeric={1, 3, 4},
        empty="No AI use in this period.",
        note="Unattributed: traffic no identity-map entry matched (kept, never dropped).",
    )
    groups: dict[tuple[bool, str, int | None], list[_Seen]] = defaultdict(list)
    for s in seen:
        groups[(s.row.department_id is None, s.row.department, s.row.department_id)].append(s)
    days = _days(scope.date_from, scope.date_to)

    def shadow_requests(items: list[_Seen]) -> int:
        return sum(s.usage.requests for s in items if not s.row.sanctioned)

    for (_u, name, dept), items in sorted(groups.items(), key=lambda kv: (kv[0][0], -shadow_requests(kv[1]), kv[0][1])):
        shadow = [s for s in items if not s.row.sanctioned]
        daily: dict[date, int] = defaultdict(int)
        for s in shadow:
            for day, n in s.usage.daily.items():
                daily[day] += n
        href = f"{PAGE_URL}?{scope.query(drop=('export',), department=dept)}#findings" if dept is not None else None
        values = [daily.get(d, 0) for d in days]
        half = len(values) // 2
        first, last = sum(values[:half]), sum(values[half:])
        change = round((last - first) / first * 100) if first else 0
        trend = (f"{change:+d}%" if change else "±0%") + " (2nd half vs 1st)" if first else ("new" if last else "—")
        table.rows.append(
            [
                Cell(text=name, href=href),
                Cell(text=str(len({s.row.service_key for s in items})), sort=len(items)),
                Cell(text=_names(s.row for s in shadow) or "none", sort=len(shadow)),
                Cell(text=f"{sum(s.usage.requests for s in items):,}", sort=sum(s.usage.requests for s in items)),
                Cell(text=f"{shadow_requests(items):,}", sort=shadow_requests(items)),
                Cell(
                    text=trend,
                    sort=(last - first) / first if first else None,
                    spark=sparkline(values, color=BAD) if shadow else None,
                ),
            ]
        )
    return table


def _findings_table(scope: Scope, seen: list[_Seen], k: int | None = None) -> Table:
    table = Table(
        id="findings",
        title="Findings",
        columns=[
            "Service",
            "Vendor",
            "Category",
            "Risk",
            "Department",
            "Use",
            "Status",
            "First seen",
            "Last seen",
            "Users",
            "Requests",
            "Bytes",
        ],
        numeric={9, 10, 11},
        empty="No finding matches these filters in this period.",
        note="One row per (service, department). Users, requests and bytes are this period's; first and last "
        "seen are the whole history. Sanctioned: an approved assistant of the department (or the policy) uses "
        "the vendor.",
    )
    days = _days(scope.date_from, scope.date_to)
    for s in sorted(seen, key=lambda s: (-s.usage.requests, s.row.service_key)):
        row, usage = s.row, s.usage
        href = finding_url(row.id, scope)
        table.rows.append(
            [
                Cell(text=row.product, href=href),
                Cell(text=row.vendor),
                Cell(text=row.category.replace("_", " ")),
                Cell(text=row.risk, sort=RISK_ORDER.get(row.risk, 3), tone="bad" if row.risk == "high" else ""),
                Cell(text=row.department),
                Cell(text="sanctioned" if row.sanctioned else "shadow", tone="" if row.sanctioned else "bad"),
                Cell(text=row.status),
                Cell(text=row.first_seen.isoformat()),
                Cell(text=row.last_seen.isoformat()),
                _users_cell(usage.distinct_users, k),
                Cell(
                    text=f"{usage.requests:,}",
                    sort=usage.requests,
                    href=href,
                    spark=sparkline([usage.daily.get(d, 0) for d in days], color=NEUTRAL if row.sanctioned else BAD),
                ),
                Cell(text=_human_bytes(usage.bytes), sort=usage.bytes, title=f"{usage.bytes:,} bytes"),
            ]
        )
    return table


def _spike_href(alert: Alert, rows: list[FindingRow], scope: Scope) -> str | None:
    """Where a spike leads: a service's spike to its finding with the most requests (the one that
    spiked, in the demo), a department's spike to that department's findings."""
    dims = alert.dims or {}
    if dims.get("service"):
        matching = [r for r in rows if r.service_key == dims["service"]]
        return finding_url(max(matching, key=lambda r: r.requests).id, scope) if matching else None
    department = dims.get("department")
    if department and department != "unattributed":
        return f"{PAGE_URL}?{scope.query(drop=('export',), department=department)}#findings"
    return f"{PAGE_URL}?{scope.query(drop=('export',))}#findings"


def _latest_mention_conversations(user: User, date_from: date) -> dict[str, int]:
    """The newest conversation of each mentioned service (one query): where the table's links lead."""
    latest: dict[str, int] = {}
    for key, conversation_id in (
        external_mentions_list(user=user)
        .filter(created_at__date__gte=date_from)
        .order_by("service_key", "-created_at", "-id")
        .distinct("service_key")
        .values_list("service_key", "conversation_id")
    ):
        latest[key] = conversation_id
    return latest


def _examples_url(scope: Scope, ids: list[int]) -> str | None:
    """The first example's transcript (the explorer has no filter by a list of ids; the cell's
    title lists the others)."""
    return conversation_url(ids[0]) if ids else None


def _signal_headlines(
    scope: Scope, spike_alerts: list[Alert], rows: list[FindingRow], impacts: list[Any]
) -> dict[str, Headline]:
    """The strongest spike and the clearest launch effect, as sentences with their evidence."""
    out: dict[str, Headline] = {}
    if spike_alerts:
        top = max(spike_alerts, key=lambda a: float((a.evidence or {}).get("robust_z") or 0))
        evidence = top.evidence or {}
        out["spike"] = Headline(
            text=top.summary.split(" (")[0] + ".",
            evidence=f"median {float(evidence.get('median') or 0):g} requests a day over the previous 28 days, robust z = "
            f"{float(evidence.get('robust_z') or 0):.1f}, above {float(evidence.get('min_z') or 4):g}",
            href=_spike_href(top, rows, scope) or "#spikes",
            tone="bad",
            link_text="see what spiked",
        )
    measured = [i for i in impacts if i.requests_change is not None and i.after.days > 0]
    if measured:
        best = min(
            measured, key=lambda i: (i.requests_p_value if i.requests_p_value is not None else 1, i.requests_change)
        )
        change = best.requests_change
        direction = "fell" if change < 0 else "rose"
        p = best.requests_p_value
        out["launch"] = Headline(
            text=f"After {best.assistant} launched, shadow {best.category.replace('_', ' ')} use in "
            f"{best.department} {direction} {abs(change):.0%}.",
            evidence=f"requests per day {best.before.requests_per_day:.1f} → {best.after.requests_per_day:.1f} "
            f"over {best.before.days} / {best.after.days} days around {best.approved_on.isoformat()}; "
            + (f"Mann-Whitney p = {p:.2g}" if p is not None else "no test"),
            href=f"{PAGE_URL}?{scope.query(drop=('export',), department=best.department_id, shadow=1)}#findings",
            tone="good" if change < 0 else "bad",
            link_text="see the department's shadow use",
        )
    return out


def _signals(scope: Scope, rows: list[FindingRow]) -> dict[str, Any]:
    """The other shadow-AI signals (docs/shadow-ai.md "More signals"), with their headlines and
    drill-downs: a spike → its finding, a mention → the conversation, an unregistered model → the
    example conversations, a launch → the department's shadow findings."""
    user = scope.user
    spike_alerts = list(alerts_open_for(user=user, kind=AlertKind.AI_TRAFFIC_SPIKE)[:20])
    impacts = launch_impacts(user=user)
    spikes = Table(
        id="spikes",
        title="Traffic spikes (open alerts)",
        columns=["Day", "Alert", "Robust z"],
        numeric={2},
        empty="No open traffic spike: no day above a robust z of 4 against its previous 28 days.",
    )
    for alert in spike_alerts:
        z = (alert.evidence or {}).get("robust_z")
        spikes.rows.append(
            [
                Cell(text=str((alert.dims or {}).get("day", ""))),
                Cell(text=alert.summary, href=_spike_href(alert, rows, scope)),
                Cell(text=f"{z:.1f}" if isinstance(z, int | float) else "—", sort=z),
            ]
        )
    unregistered = Table(
        id="unregistered-models",
        title="Unregistered models in telemetry",
        columns=["Assistant", "Sent vendor", "Sent model", "Registered", "Mismatch", "Spans", "Last seen", "Examples"],
        numeric={5},
        empty="Every model the assistants reported matches its registry entry.",
    )
    for finding in unregistered_models_list(user=user).order_by("-last_seen")[:50]:
        example = finding.example_conversation_ids[0] if finding.example_conversation_ids else None
        unregistered.rows.append(
            [
                Cell(text=finding.assistant.name, href=f"/registry/{finding.assistant_id}/"),
                Cell(text=finding.vendor or "—"),
                Cell(text=finding.model or "—", href=conversation_url(example) if example else None),
                Cell(text=f"{finding.registered_vendor} / {finding.registered_model}"),
                Cell(text=finding.reason),
                Cell.number(finding.count),
                Cell(text=f"{finding.last_seen:%Y-%m-%d}"),
                Cell(
                    text=f"{len(finding.example_conversation_ids)} conversation"
                    f"{'s' if len(finding.example_conversation_ids) != 1 else ''}",
                    href=_examples_url(scope, finding.example_conversation_ids),
                    title="examples: " + ", ".join(f"#{i}" for i in finding.example_conversation_ids),
                ),
            ]
        )
    mentions = Table(
        id="mentions",
        title="External AI tools mentioned in registered assistants",
        columns=["Service", "Mentions", "Conversations", "Users"],
        numeric={1, 2, 3},
        empty="No user message in this period says it used an external AI tool.",
        note='User messages such as "I pasted this into ChatGPT" (low severity; never a review case).',
    )
    k = small_cut_threshold_for(user)
    latest = _latest_mention_conversations(user, scope.date_from)
    for count in external_mentions_by_service(user=user, date_from=scope.date_from):
        newest = latest.get(count.service_key)
        href = conversation_url(newest) if newest else None
        mentions.rows.append(
            [
                Cell(text=count.product, href=href, title="the latest conversation with this mention"),
                Cell(text=f"{count.mentions:,}", sort=count.mentions, href=href),
                Cell.number(count.conversations),
                _users_cell(count.users, k),
            ]
        )
    launches = Table(
        id="launches",
        title="Shadow use before and after a sanctioned launch",
        columns=["Assistant", "Department", "Approved on", "Change per day", "p (Mann-Whitney)", "Verdict"],
        numeric={3, 4},
        empty="No approved assistant with a known approval date.",
    )
    for impact in impacts:
        change = impact.requests_change
        p = impact.requests_p_value
        launches.rows.append(
            [
                Cell(text=impact.assistant, href=f"/registry/{impact.assistant_id}/"),
                Cell(text=impact.department),
                Cell(text=impact.approved_on.isoformat()),
                Cell(
                    text=f"{change * 100:+.0f}%" if change is not None else "—",
                    sort=change,
                    tone="good" if change is not None and change < 0 else "",
                ),
                Cell(text=f"{p:.3g}" if p is not None else "—", sort=p),
                Cell(text=impact.summary),
            ]
        )
    return {"spikes_table": spikes, "unregistered_table": unregistered, "mentions_table": mentions,
            "launches_table": launches,
            "signal_headlines": _signal_headlines(scope, spike_alerts, rows, impacts)}  # fmt: skip


# --- one finding -----------------------------------------------------------------------------------


class DecisionForm(forms.Form):
    status = forms.ChoiceField(choices=[(s, s) for s in DECISION_LABELS])
    note = forms.CharField(
        max_length=2000, label="Reason", widget=forms.Textarea(attrs={"rows": 2}), required=True, strip=True
    )
    create_assistant = forms.BooleanField(required=False, label="Also register a pilot assistant in the registry")


def _finding_row(user: User, finding: ShadowAIFinding) -> FindingRow:
    rows = findings_list(user=user, service_key=finding.service_key, department_id=finding.department_id)
    for row in rows:
        if row.id == finding.pk:
            return row
    raise Http404("No such finding.")


def _decision_context(user: User, finding: ShadowAIFinding, *, form: DecisionForm | None = None) -> dict[str, Any]:
    row = _finding_row(user, finding)
    history = Table(
        id="decisions",
        title="Decision history",
        columns=["When", "Who", "Action", "Status before", "Status after", "Reason"],
        empty="No decision yet.",
    )
    for entry in finding_decisions(user=user, finding_id=finding.pk):
        before, after = entry.before or {}, entry.after or {}
        history.rows.append(
            [
                Cell(text=f"{entry.created_at:%Y-%m-%d %H:%M} UTC", sort=entry.created_at.isoformat()),
                Cell(text=entry.actor_label),
                Cell(text=entry.action.removeprefix("shadow_ai.finding.")),
                Cell(text=str(before.get("status", ""))),
                Cell(text=str(after.get("status", ""))),
                Cell(text=str(after.get("note", "") or entry.reason)),
            ]
        )
    may_register = finding.department is not None and can_manage_department_assistants(user, finding.department)
    return {
        "finding": row,
        "record": finding,
        "history": history,
        "next_statuses": [(s, DECISION_LABELS[FindingStatus(s)]) for s in finding_next_statuses(finding.status)],
        "decision_form": form or DecisionForm(),
        "may_register": may_register,
        "can_approve": FindingStatus.APPROVED in finding_next_statuses(finding.status),
        "decide_url": f"{PAGE_URL}findings/{finding.pk}/decide/",
    }


@login_required
@require_GET
def finding_view(request: HttpRequest, pk: int) -> HttpResponseBase:
    def build(scope: Scope) -> dict[str, Any]:
        finding = get_object_or_404(findings_queryset(user=scope.user).select_related("department"), pk=pk)
        context = _decision_context(scope.user, finding)
        row: FindingRow = context["finding"]
        service: AIService | None = tenant_catalog().services.get(row.service_key)
        usage = _usage(scope).get((row.service_key, row.department_id))
        days = _days(scope.date_from, scope.date_to)
        table = Table(id="trend-table", title="Requests per day", columns=["day", "requests"], numeric={1})
        daily = usage.daily if usage else {}
        for d in days:
            table.rows.append([Cell(text=d.isoformat()), Cell(text=f"{daily.get(d, 0):,}", sort=daily.get(d, 0))])
        option = {
            "tooltip": {"trigger": "axis"},
            "grid": {"left": 48, "right": 16, "top": 12, "bottom": 28},
            "xAxis": {"type": "time"},
            "yAxis": {"type": "value"},
            "series": [
                {
                    "name": "Requests",
                    "type": "bar",
                    "color": NEUTRAL if row.sanctioned else BAD,
                    "data": [[d.isoformat(), daily.get(d, 0)] for d in days],
                }
            ],
        }
        k = small_cut_threshold_for(scope.user)
        return {
            **context,
            "service": service,
            "usage": usage,
            # Privacy mode: "fewer than k people" instead of a small count (as in the page's tables).
            "users_all_suppressed": _suppressed(row.distinct_users, k),
            "users_period_suppressed": _suppressed(usage.distinct_users if usage else 0, k),
            "bytes_display": _human_bytes(usage.bytes if usage else 0),
            "trend": Chart(id="trend", title="Requests per day", option=option, table=table),
            "back_url": f"{PAGE_URL}?{scope.query(drop=('export',))}",
            **_links(),
        }

    return render_dashboard(
        request,
        template="dashboards/shadow_finding.html",
        roles=ROLES,
        build=build,
        title="Shadow AI finding",
    )


@login_required
@require_POST
def finding_decide_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Acknowledge, approve (optionally registering a pilot assistant) or block, with a reason.

    htmx swaps the decision panel (its errors included, 400); without JavaScript it redirects back.
    """
    user = request_user(request)
    if not can_read_shadow_ai(user):
        raise PermissionDenied("Shadow-AI decisions are for admin and compliance users only.")
    finding = get_object_or_404(findings_queryset(user=user).select_related("department"), pk=pk)
    form = DecisionForm(request.POST)
    error, status = "", 200
    if form.is_valid():
        try:
            finding = finding_decide(
                actor=user,
                finding=finding,
                status=form.cleaned_data["status"],
                note=form.cleaned_data["note"],
                create_assistant=form.cleaned_data["create_assistant"],
            )
        except ApplicationError as exc:
            error, status = str(exc.detail), 400
            finding.refresh_from_db()
    else:
        status = 400
    htmx = getattr(request, "htmx", False)
    if htmx:
        context = _decision_context(user, finding, form=form if status != 200 else None)
        context["decision_error"] = error
        context["decided"] = status == 200
        return render(request, "dashboards/shadow_finding.html#decision", context, status=status)
    if status == 200:
        messages.success(request, f"Finding {finding.pk} is now {finding.status}.")
    else:
        messages.error(
            request, error or "; ".join(f"{k}: {' '.join(str(e) for e in v)}" for k, v in form.errors.items())
        )
    return redirect(f"{PAGE_URL}findings/{finding.pk}/")


# --- block list and imports ------------------------------------------------------------------------


@login_required
@require_GET
def blocklist_view(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if not can_read_shadow_ai(user):
        raise PermissionDenied("The block list is for admin and compliance users only.")
    style = request.GET.get("style", "domains")
    if style not in ("domains", "squid"):
        return HttpResponse("style must be 'domains' or 'squid'\n", status=400, content_type="text/plain")
    text = blocklist_squid(user=user) if style == "squid" else blocklist_domains(user=user)
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    filename = "tessera-blocked-ai.squid.conf" if style == "squid" else "tessera-blocked-ai-domains.txt"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _api_errors(errors: dict[str, Any]) -> dict[str, list[str]]:
    return {field: [str(e) for e in (value if isinstance(value, list) else [value])] for field, value in errors.items()}


@login_required
@require_http_methods(["GET", "POST"])
def imports_view(request: HttpRequest) -> HttpResponse:
    """Upload an egress log (same validation, size limit and 409 re-import as the API) and list imports."""
    user = request_user(request)
    if not can_read_shadow_ai(user):
        raise PermissionDenied("Egress imports are for admin and compliance users only.")
    errors: dict[str, list[str]] = {}
    status = 200
    values = {"format": request.POST.get("format", "squid"), "mapping": request.POST.get("mapping", "")}
    if request.method == "POST":
        limit = settings.TESSERA_EGRESS_UPLOAD_MAX_BYTES
        if int(request.META.get("CONTENT_LENGTH") or 0) > limit + 64 * 1024:
            errors, status = {"file": [f"The file is larger than the limit of {limit:,} bytes."]}, 413
        else:
            body = EgressImportIn(data={**values, "file": request.FILES.get("file")})
            if not body.is_valid():
                errors, status = _api_errors(body.errors), 400
            else:
                upload = body.validated_data["file"]
                try:
                    record = egress_upload_accept(
                        actor=user,
                        chunks=upload.chunks(),
                        filename=upload.name or "upload.log",
                        fmt=body.validated_data["format"],
                        mapping=body.validated_data.get("mapping") or {},
                    )
                except ApplicationError as exc:
                    errors, status = {"file": [str(exc.detail)]}, exc.status_code
                    if "import_id" in exc.extra:
                        errors["file"].append(f"See import {exc.extra['import_id']} below.")
                else:
                    messages.success(request, f"Import {record.pk} of {record.filename} is {record.status}.")
                    return redirect(IMPORTS_URL)
    context = {
        "page_title": "Egress log imports",
        "imports": list(imports_list(user=user)[:50]),
        "formats": sorted(FORMATS),
        "values": values,
        "errors": errors,
        "max_bytes": settings.TESSERA_EGRESS_UPLOAD_MAX_BYTES,
        "page_url": PAGE_URL,
        "host": request.get_host(),
    }
    return render(request, "dashboards/shadow_imports.html", context, status=status)
