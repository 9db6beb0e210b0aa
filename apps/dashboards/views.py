"""Dashboard pages. Each is a build function from the validated filter scope to its context
(apps/dashboards/pages.py serves roles, htmx partials and CSV exports for all of them)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from apps.accounts.models import Role
from apps.accounts.request import request_user
from apps.analytics.metric_selectors import SUMMARY_METRICS
from apps.analytics.services import tenant_today
from apps.core.tables import Cell, Table
from apps.dashboards.digest import digest_build
from apps.dashboards.findings import decision_headlines
from apps.dashboards.models import DigestSubscription
from apps.dashboards.pages import dashboard
from apps.dashboards.scope import Scope
from apps.dashboards.services import digest_subscription_set
from apps.dashboards.widgets import has_conversations, kpi, metric, rate_cell, row_display, time_series

SUMMARY_LABELS = {
    "active_users": "Active users",
    "conversations": "Conversations",
    "success_rate": "Success rate",
    "thumbs_up_rate": "Thumbs up",
}


@dashboard(template="dashboards/summary.html", roles=Role.values, title="Summary")
def summary_view(scope: Scope) -> dict[str, Any]:
    """Headline usage and satisfaction, open to every role (a viewer reads only these metrics)."""
    explorer = scope.explorer_url()
    kpis = [kpi(scope, slug, label, href=explorer) for slug, label in SUMMARY_LABELS.items()]
    usage = time_series(
        scope,
        "usage",
        "Active users and conversations",
        ["active_users", "conversations"],
        labels=["Active users", "Conversations"],
        href=lambda day: scope.explorer_url(**{"from": day.isoformat(), "to": day.isoformat()}),
    )
    table = Table(
        id="assistants",
        title="By assistant",
        columns=["Assistant", *SUMMARY_LABELS.values()],
        numeric={1, 2, 3, 4},
    )
    by_assistant = {
        slug: {r.dims.get("assistant"): r for r in metric(scope, slug, group_by=["assistant"]).rows}
        for slug in SUMMARY_METRICS
    }
    for assistant in scope.assistants:
        href = scope.explorer_url(assistant=assistant.pk)
        cells = [Cell(text=assistant.name, href=href)]
        for slug in SUMMARY_LABELS:
            row = by_assistant[slug].get(assistant.pk)
            if slug.endswith("_rate"):
                cells.append(rate_cell(slug, row, href=href))
            else:
                cells.append(Cell(text=row_display(slug, row), href=href, sort=row.value if row else None))
        table.rows.append(cells)
    has_data = has_conversations(scope)
    headlines = [] if scope.user.roles == [Role.VIEWER] else decision_headlines(scope)
    return {"headlines": headlines, "kpis": kpis, "usage": usage, "assistants_table": table, "has_data": has_data}


@login_required
@require_GET
def digest_view(request: HttpRequest) -> HttpResponse:
    """The weekly digest in-app: the same content as the Monday e-mail, for every role."""
    user = request_user(request)
    digest = digest_build(user=user, today=tenant_today())
    subscribed = not DigestSubscription.objects.filter(user=user, email=False).exists()
    return render(request, "dashboards/digest.html", {"digest": digest, "subscribed": subscribed})


@login_required
@require_POST
def digest_subscription_view(request: HttpRequest) -> HttpResponse:
    """Turn one's own weekly digest e-mail on or off (``email=on|off``); nobody else's."""
    choice = request.POST.get("email", "")
    if choice not in ("on", "off"):
        return HttpResponseBadRequest("email must be 'on' or 'off'", content_type="text/plain")
    digest_subscription_set(user=request_user(request), email=choice == "on")
    messages.success(
        request,
        "You will get the digest by e-mail every Monday."
        if choice == "on"
        else "The weekly digest e-mail is off; this page still shows it.",
    )
    return redirect("dashboards:digest")
