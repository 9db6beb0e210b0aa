"""Registry pages (htmx partials). Thin: check with the permissions module, call one service.

Visibility first (404 for assistants the user may not see), then the right to change (403 for
read-only roles), exactly as the API does; the services check once more.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.models import Role
from apps.accounts.permissions import can_manage_assistant, has_role
from apps.accounts.request import AuthedRequest
from apps.core.exceptions import ApplicationError
from apps.core.filters import filterset_rows
from apps.core.forms import form_call
from apps.registry.filters import AssistantFilter
from apps.registry.forms import AssistantForm, ReleaseForm
from apps.registry.models import ApiKey, ApiKeyKind, Assistant
from apps.registry.selectors import (
    api_keys_of,
    assistant_list,
    departments_manageable_by,
    releases_of,
)
from apps.registry.services import (
    PUBLISHABLE_DEFAULT_RATE_PER_MINUTE,
    IssuedKey,
    api_key_create,
    api_key_revoke,
    assistant_register,
    assistant_update,
    publishable_key_create,
    release_annotate,
)

FORBIDDEN_EDIT = "Only an admin or an owner of this assistant's department may change it."


def _visible(request: AuthedRequest, pk: int) -> Assistant:
    return get_object_or_404(assistant_list(user=request.user), pk=pk)


def _require_manage(request: AuthedRequest, assistant: Assistant) -> None:
    if not can_manage_assistant(request.user, assistant):
        raise PermissionDenied(FORBIDDEN_EDIT)


def _require_can_register(request: AuthedRequest) -> None:
    if not departments_manageable_by(user=request.user).exists():
        raise PermissionDenied("Only admins and department owners may register assistants.")


def _nav(request: AuthedRequest) -> dict[str, Any]:
    return {"can_audit": has_role(request.user, Role.ADMIN, Role.COMPLIANCE)}


@login_required
@require_GET
def assistant_list_view(request: AuthedRequest) -> HttpResponse:
    filters = AssistantFilter(request.GET or None, queryset=assistant_list(user=request.user), request=request)
    context = {
        "filters": filters.form,
        "assistants": filterset_rows(filters),
        "can_register": departments_manageable_by(user=request.user).exists(),
        **_nav(request),
    }
    template = "registry/assistant_list.html"
    if request.htmx and request.htmx.target == "assistant-table":
        template += "#assistant-table"
    return render(request, template, context)


def _form_page(request: AuthedRequest, form: AssistantForm, assistant: Assistant | None) -> HttpResponse:
    return render(request, "registry/assistant_form.html", {"form": form, "assistant": assistant, **_nav(request)})


@login_required
@require_http_methods(["GET", "POST"])
def assistant_create_view(request: AuthedRequest) -> HttpResponse:
    _require_can_register(request)
    validate_url = reverse("registry:validate-new")
    form = AssistantForm(request.POST or None, user=request.user, validate_url=validate_url)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        department = data.pop("department")
        assistant = form_call(form, lambda: assistant_register(actor=request.user, department=department, **data))
        if assistant is not None:
            messages.success(request, f"Registered {assistant.name}. Create an API key so it can send events.")
            return HttpResponseRedirect(reverse("registry:detail", args=[assistant.pk]))
    return _form_page(request, form, None)


@login_required
@require_http_methods(["GET", "POST"])
def assistant_edit_view(request: AuthedRequest, pk: int) -> HttpResponse:
    assistant = _visible(request, pk)
    _require_manage(request, assistant)
    # The form gets its own copy: binding a ModelForm writes the new values into its instance,
    # and the service must see the stored values to record an honest "before" in the audit log.
    form_instance = Assistant.objects.get(pk=assistant.pk)
    validate_url = reverse("registry:validate", args=[assistant.pk])
    form = AssistantForm(request.POST or None, instance=form_instance, user=request.user, validate_url=validate_url)
    if request.method == "POST" and form.is_valid():
        updated = form_call(
            form, lambda: assistant_update(actor=request.user, assistant=assistant, **form.cleaned_data)
        )
        if updated is not None:
            messages.success(request, f"Saved {assistant.name}.")
            return HttpResponseRedirect(reverse("registry:detail", args=[assistant.pk]))
    return _form_page(request, form, assistant)


@login_required
@require_POST
def assistant_validate_view(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
    """Inline validation: validate the whole form, answer with the one field that changed."""
    instance = None
    if pk is None:
        _require_can_register(request)
    else:
        assistant = _visible(request, pk)
        _require_manage(request, assistant)
        instance = Assistant.objects.get(pk=assistant.pk)
    form = AssistantForm(request.POST, instance=instance, user=request.user, validate_url=request.path)
    name = (request.htmx.trigger_name if request.htmx else None) or request.POST.get("_field", "")
    if name not in form.fields:
        return HttpResponse(f"unknown field {name!r}", status=400)
    form.is_valid()
    return render(request, "registry/assistant_form.html#field", {"field": form[name]})


def _detail_context(request: AuthedRequest, assistant: Assistant, **extra: Any) -> dict[str, Any]:
    return {
        "assistant": assistant,
        "can_manage": can_manage_assistant(request.user, assistant),
        "api_keys": api_keys_of(assistant=assistant),
        "releases": releases_of(assistant=assistant),
        "release_form": ReleaseForm(initial={"kind": "prompt"}),
        "new_key": None,
        **_nav(request),
        **extra,
    }


def _detail_or_partial(request: AuthedRequest, assistant: Assistant, partial: str, **extra: Any) -> HttpResponse:
    # htmx gets the refreshed section; a plain form post (no JS) gets the whole page.
    template = "registry/assistant_detail.html"
    if request.htmx:
        template += f"#{partial}"
    return render(request, template, _detail_context(request, assistant, **extra))


@login_required
@require_GET
def assistant_detail_view(request: AuthedRequest, pk: int) -> HttpResponse:
    return render(request, "registry/assistant_detail.html", _detail_context(request, _visible(request, pk)))


@login_required
@require_POST
def api_key_create_view(request: AuthedRequest, pk: int) -> HttpResponse:
    assistant = _visible(request, pk)
    _require_manage(request, assistant)
    name = request.POST.get("name", "")
    issued: IssuedKey
    if request.POST.get("kind") == ApiKeyKind.PUBLISHABLE:
        rate = request.POST.get("rate_limit_per_minute", "").strip()
        try:
            issued = publishable_key_create(
                actor=request.user,
                assistant=assistant,
                name=name,
                # One field, comma- or space-separated: origins never contain either.
                allowed_origins=request.POST.get("allowed_origins", "").replace(",", " ").split(),
                rate_limit_per_minute=int(rate) if rate.isdigit() else PUBLISHABLE_DEFAULT_RATE_PER_MINUTE,
            )
        except ApplicationError as exc:
            response = _detail_or_partial(request, assistant, "keys", key_error=exc.detail)
            response.status_code = 400 if not request.htmx else 200  # htmx swaps only 2xx answers
            return response
    else:
        issued = api_key_create(actor=request.user, assistant=assistant, name=name)
    # The plaintext lives only in this response; it is not put in the session or a message.
    return _detail_or_partial(request, assistant, "keys", new_key=issued)


@login_required
@require_POST
def api_key_revoke_view(request: AuthedRequest, pk: int, key_id: int) -> HttpResponse:
    assistant = _visible(request, pk)
    _require_manage(request, assistant)
    api_key = get_object_or_404(ApiKey, pk=key_id, assistant=assistant)
    api_key_revoke(actor=request.user, api_key=api_key)
    return _detail_or_partial(request, assistant, "keys")


@login_required
@require_POST
def release_create_view(request: AuthedRequest, pk: int) -> HttpResponse:
    assistant = _visible(request, pk)
    _require_manage(request, assistant)
    form = ReleaseForm(request.POST)
    if form.is_valid():
        release_annotate(actor=request.user, assistant=assistant, **form.cleaned_data)
        form = ReleaseForm(initial={"kind": "prompt"})
    return _detail_or_partial(request, assistant, "releases", release_form=form)
