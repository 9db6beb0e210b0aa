"""Shadow-AI settings (admin and compliance): who is in which department (the identity map),
whether log users are pseudonymized, and the organization's own catalog entries and overrides.

One page, three forms told apart by ``form``; each calls its detection service (which checks the
role again and audits the change) and answers 400 with the form's errors, keeping what was typed.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from apps.accounts.request import request_user
from apps.core.exceptions import ApplicationError
from apps.detection.shadow.catalog import CATEGORIES, RISKS
from apps.detection.shadow.selectors import can_read_shadow_ai, identity_map_entries, tenant_services
from apps.detection.shadow.services import (
    IDENTITY_MAP_MAX_CHARS,
    IdentityMapRejectedError,
    identity_map_replace,
    shadow_policy_get,
    shadow_policy_update,
    tenant_service_upsert,
)

SETTINGS_URL = "/dashboards/shadow-ai/settings/"


class IdentityMapForm(forms.Form):
    csv = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8, "cols": 60}),
        max_length=IDENTITY_MAP_MAX_CHARS,
        required=False,
        help_text="identity,department — a user name, an IP address or a network (CIDR) per line.",
    )
    file = forms.FileField(required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("file")
        if upload is not None:
            if upload.size > IDENTITY_MAP_MAX_CHARS:
                raise forms.ValidationError(f"The file is larger than {IDENTITY_MAP_MAX_CHARS:,} bytes.")
            try:
                data["csv"] = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                raise forms.ValidationError("The file is not UTF-8 text.") from exc
        if not (data.get("csv") or "").strip():
            raise forms.ValidationError("Paste the map or choose a CSV file.")
        return data


class PolicyForm(forms.Form):
    pseudonymize_users = forms.BooleanField(required=False, label="Pseudonymize user names found in logs")


class CatalogEntryForm(forms.Form):
    key = forms.SlugField(max_length=80, help_text="A shared service's key to override it, or a new key.")
    vendor = forms.CharField(max_length=120, required=False)
    product = forms.CharField(max_length=160, required=False)
    category = forms.ChoiceField(choices=[("", "—"), *((c, c) for c in CATEGORIES)], required=False)
    risk = forms.ChoiceField(choices=[("", "—"), *((r, r) for r in RISKS)], required=False)
    domains = forms.CharField(
        max_length=2000, required=False, help_text="example.com, full:host.example.com, a.*.b.com"
    )
    data_use = forms.CharField(max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    disabled = forms.BooleanField(required=False, label="Stop matching this service")

    def changes(self) -> dict[str, Any]:
        # Only what was filled in: an override changes the fields it sets, nothing else.
        return {k: v for k, v in self.cleaned_data.items() if k != "key" and v not in ("", None)} | {
            "disabled": self.cleaned_data["disabled"]
        }


@login_required
@require_http_methods(["GET", "POST"])
def settings_view(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if not can_read_shadow_ai(user):
        raise PermissionDenied("Shadow-AI settings are for admin and compliance users only.")
    policy = shadow_policy_get()
    identity_form = IdentityMapForm()
    policy_form = PolicyForm(initial={"pseudonymize_users": policy.pseudonymize_users})
    catalog_form = CatalogEntryForm()
    status, rejected = 200, None
    which = request.POST.get("form", "")
    if request.method == "POST":
        status = 400
        if which == "identity_map":
            identity_form = IdentityMapForm(request.POST, request.FILES)
            if identity_form.is_valid():
                try:
                    report = identity_map_replace(actor=user, text=identity_form.cleaned_data["csv"])
                except IdentityMapRejectedError as exc:
                    identity_form.add_error(None, "No valid line: the identity map is unchanged.")
                    rejected = exc.rejected
                else:
                    rejected = report.rejected
                    messages.success(
                        request,
                        f"Identity map replaced: {report.entries:,} entries"
                        + (f", {len(report.rejected):,} lines rejected (listed below)." if report.rejected else "."),
                    )
                    if not report.rejected:
                        return redirect(SETTINGS_URL)
                    status = 200
        elif which == "policy":
            policy_form = PolicyForm(request.POST)
            if policy_form.is_valid():
                shadow_policy_update(actor=user, pseudonymize_users=policy_form.cleaned_data["pseudonymize_users"])
                messages.success(request, "Policy saved; it applies to the next import.")
                return redirect(SETTINGS_URL)
        elif which == "catalog":
            catalog_form = CatalogEntryForm(request.POST)
            if catalog_form.is_valid():
                try:
                    row = tenant_service_upsert(
                        actor=user, key=catalog_form.cleaned_data["key"], **catalog_form.changes()
                    )
                except ApplicationError as exc:
                    catalog_form.add_error(None, str(exc.detail))
                else:
                    messages.success(request, f"Catalog entry {row.key} saved; it applies to the next import.")
                    return redirect(SETTINGS_URL)
        else:
            messages.error(request, "Unknown form.")
    context = {
        "page_title": "Shadow AI settings",
        "identity_form": identity_form,
        "policy_form": policy_form,
        "catalog_form": catalog_form,
        "rejected": rejected,
        "entries": list(identity_map_entries(user=user)[:200]),
        "entries_total": identity_map_entries(user=user).count(),
        "services": list(tenant_services(user=user)),
        "page_url": "/dashboards/shadow-ai/",
    }
    return render(request, "dashboards/shadow_settings.html", context, status=status)
