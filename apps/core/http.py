"""Who is calling: the client address and login name that throttling counts by."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The client's address: ``REMOTE_ADDR``, or the entry our own proxies added to X-Forwarded-For.

    Only the last ``TRUSTED_PROXY_COUNT`` entries of X-Forwarded-For were written by proxies we
    run; anything to their left is whatever the client chose to send, so trusting it would let
    an attacker pick a fresh "address" per request and dodge every per-IP limit.
    """
    hops = settings.TRUSTED_PROXY_COUNT
    if hops > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.META.get("REMOTE_ADDR", "")


def login_username(request: HttpRequest | None, credentials: dict[str, Any] | None) -> str:
    """The login name as django-axes counts it: e-mail addresses compare case-insensitively."""
    source = credentials or (request.POST if request is not None else {})
    return str(source.get(settings.AXES_USERNAME_FORM_FIELD) or "").strip().lower()
