"""Audit log page and CSV export (admins and compliance, DESIGN.md roles)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

import orjson
from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from apps.accounts.models import Role
from apps.accounts.permissions import has_role
from apps.accounts.request import AuthedRequest
from apps.audit.models import AuditEntry
from apps.audit.selectors import audit_actions, audit_entries, audit_target_types
from apps.audit.services import audit_chain_verify
from apps.compliance.review_views import nav_context
from apps.core.csv_export import csv_download
from apps.core.tenancy import current_schema

PAGE_SIZE = 50
CSV_COLUMNS = ("id", "created_at", "actor", "action", "target_type", "target_id", "target", "before", "after", "reason")


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(required=False)
    actor = forms.CharField(required=False, widget=forms.TextInput(attrs={"placeholder": "e-mail contains…"}))
    target_type = forms.ChoiceField(required=False, label="Target type")
    date_from = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # self.fields holds copies of the ChoiceFields declared above.
        action = cast(forms.ChoiceField, self.fields["action"])
        target_type = cast(forms.ChoiceField, self.fields["target_type"])
        action.choices = [("", "Any action")] + [(a, a) for a in audit_actions()]
        target_type.choices = [("", "Any target")] + [(t, t) for t in audit_target_types()]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data  # what super().clean() returned; its stub allows None
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "must be on or after the start date")
        return cleaned


def _require_audit_reader(request: AuthedRequest) -> None:
    if not has_role(request.user, Role.ADMIN, Role.COMPLIANCE):
        raise PermissionDenied("The audit log is open to admins and compliance only.")


def _filtered(request: HttpRequest) -> tuple[AuditFilterForm, QuerySet[AuditEntry]]:
    form = AuditFilterForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return form, audit_entries(**form.cleaned_data)
    if form.is_bound:
        return form, AuditEntry.objects.none()  # invalid filter: show its error, not everything
    return form, audit_entries()


@login_required
@require_GET
def audit_log_view(request: AuthedRequest) -> HttpResponse:
    _require_audit_reader(request)
    form, entries = _filtered(request)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"filters": form, "page": page, "query": query.urlencode(), **nav_context(request)}
    if request.htmx and request.htmx.target == "audit-entries":
        return render(request, "compliance/audit_log.html#entries", context)
    # Verifying walks the whole chain, so it runs on a full page load only, not on each filter.
    context["chain"] = audit_chain_verify()
    return render(request, "compliance/audit_log.html", context)


def _json(value: Any) -> str:
    return "" if value is None else orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def _rows(entries: QuerySet[AuditEntry]) -> Iterator[tuple[Any, ...]]:
    for e in entries.iterator(chunk_size=2000):
        yield (
            e.id,
            e.created_at.isoformat(),
            e.actor_label,
            e.action,
            e.target_type,
            e.target_id,
            e.target_label,
            _json(e.before),
            _json(e.after),
            e.reason,
        )


@login_required
@require_GET
def audit_export_csv_view(request: AuthedRequest) -> HttpResponse | StreamingHttpResponse:
    _require_audit_reader(request)
    form, entries = _filtered(request)
    if form.is_bound and not form.is_valid():
        return HttpResponse(f"invalid filter: {form.errors.as_text()}", status=400, content_type="text/plain")
    filename = f"audit-{current_schema()}-{timezone.localdate():%Y%m%d}.csv"
    return csv_download(filename=filename, header=CSV_COLUMNS, rows=_rows(entries))
