"""The getting-started page of an assistant: how to send its first event, by every path, and a
live indicator that turns green when one arrives.

It lives here rather than in the registry because the indicator reads ingestion's tables, and
the registry sits below ingestion (.importlinter); its address stays under the assistant's
(/registry/<id>/getting-started/, mounted in config/urls_tenants.py). Visibility first (404 for
an assistant the user may not see), then the right to manage it (403), as on the registry pages.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from apps.accounts.models import Role
from apps.accounts.permissions import can_manage_assistant, has_role
from apps.accounts.request import AuthedRequest
from apps.ingestion.selectors import arrivals_of
from apps.registry.models import ApiKey, Assistant
from apps.registry.selectors import api_keys_of, assistant_list
from apps.tenants.selectors import organization_base_url

TEMPLATE = "ingestion/getting_started.html"
FORBIDDEN = "Only an admin or an owner of this assistant's department may connect it."
POLL_SECONDS = 2


def _managed(request: AuthedRequest, pk: int) -> Assistant:
    assistant = get_object_or_404(assistant_list(user=request.user), pk=pk)
    if not can_manage_assistant(request.user, assistant):
        raise PermissionDenied(FORBIDDEN)
    return assistant


def _featured_key(active: list[ApiKey], wanted: str | None) -> ApiKey | None:
    """The key the snippets name: the one asked for (right after creating it), else the newest."""
    for key in active:
        if wanted and str(key.pk) == wanted:
            return key
    return active[0] if active else None


# The browser snippet's test page is served from this port; the publishable key must allow its origin.
TEST_PAGE_PORT = 8765


@login_required
@require_GET
def getting_started_view(request: AuthedRequest, pk: int) -> HttpResponse:
    assistant = _managed(request, pk)
    active = [key for key in api_keys_of(assistant=assistant) if key.revoked_at is None]
    # Server paths need a secret key, the browser snippet a publishable one: each names its own kind.
    secret = [key for key in active if not key.is_publishable]
    publishable = [key for key in active if key.is_publishable]
    wanted = request.GET.get("key")
    base_url = organization_base_url()
    context: dict[str, Any] = {
        "assistant": assistant,
        "key": _featured_key(secret, wanted),
        "other_keys": len(secret) - 1 if secret else 0,
        "browser_key": _featured_key(publishable, wanted),
        "test_page_origin": f"http://localhost:{TEST_PAGE_PORT}",
        "test_page_port": TEST_PAGE_PORT,
        "base_url": base_url,
        "events_url": f"{base_url}/api/v1/events",
        "otlp_url": f"{base_url}/api/v1/otlp",
        "arrivals": arrivals_of(assistant=assistant),
        "poll_seconds": POLL_SECONDS,
        "can_audit": has_role(request.user, Role.ADMIN, Role.COMPLIANCE),
    }
    return render(request, TEMPLATE, context)


@login_required
@require_GET
def first_event_view(request: AuthedRequest, pk: int) -> HttpResponse:
    """The indicator alone, polled by the page every ``POLL_SECONDS`` until it turns green."""
    assistant = _managed(request, pk)
    context = {"assistant": assistant, "arrivals": arrivals_of(assistant=assistant), "poll_seconds": POLL_SECONDS}
    return render(request, f"{TEMPLATE}#first-event", context)
