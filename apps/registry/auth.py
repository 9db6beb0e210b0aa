from __future__ import annotations

from typing import Any

import orjson
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import RequestDataTooBig
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from apps.core.exceptions import ApplicationError
from apps.core.throttle import auth_failure_record, auth_failures_exceeded
from apps.registry.models import ApiKey, ApiKeyKind
from apps.registry.services import PUBLISHABLE_KEY_PREFIX, api_key_authenticate


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer tsk_live_…`` → ``request.auth`` is the ApiKey (user stays anonymous)."""

    keyword = "bearer"

    def authenticate(self, request: Request) -> tuple[Any, ApiKey] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        scheme, _, token = header.partition(" ")
        if scheme.lower() == self.keyword and token.strip().startswith(PUBLISHABLE_KEY_PREFIX):
            # A page's key must never become a server credential, whatever endpoint it reaches.
            raise exceptions.AuthenticationFailed(
                "a publishable key (tpk_live_…) may only send browser signals to /api/v1/browser/events; "
                "use a secret key (tsk_live_…) here"
            )
        if scheme.lower() != self.keyword or not token.strip().startswith("tsk_"):
            return None  # not ours (e.g. a session user's request)
        return self.verify(request, token)

    def verify(self, request: Request, token: str) -> tuple[Any, ApiKey]:
        """The key for a secret taken from any header shape (Bearer here, Langfuse's Basic pair)."""
        return AnonymousUser(), _authenticate_counted(request, token, ApiKeyKind.SECRET)

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="tessera"'


def _authenticate_counted(request: Request, token: str, kind: str) -> ApiKey:
    try:
        return api_key_authenticate(token, kind=kind)
    except ApplicationError as exc:
        if exc.status_code == 403:
            raise exceptions.PermissionDenied(exc.detail) from exc
        # Unknown keys are what guessing produces: count them per schema and IP, and answer
        # 429 past the limit. A valid key still passes: it cannot be the product of guessing,
        # and one misconfigured client must not lock out the others behind the same NAT.
        if auth_failures_exceeded(scope="api-key", request=request):
            raise exceptions.Throttled(
                wait=settings.API_AUTH_FAILURE_WINDOW_SECONDS,
                detail="too many failed API key attempts from this address; retry later",
            ) from exc
        auth_failure_record(scope="api-key", request=request)
        raise exceptions.AuthenticationFailed(exc.detail) from exc


class PublishableKeyAuthentication(authentication.BaseAuthentication):
    """``?key=tpk_live_…`` (or ``"key"`` in a JSON body) → ``request.auth`` is the publishable ApiKey.

    Browsers' ``navigator.sendBeacon`` cannot set headers, and a request without custom headers
    and with a ``text/plain`` body needs no CORS preflight, so the key travels in the URL (or the
    body). That is acceptable only because the key is public by design and ingest-only; secret
    keys are never read from here.
    """

    def authenticate(self, request: Request) -> tuple[Any, ApiKey] | None:
        token = request.query_params.get("key") or _key_in_body(request)
        if not token:
            return None
        return AnonymousUser(), _authenticate_counted(request, token, ApiKeyKind.PUBLISHABLE)

    def authenticate_header(self, request: Request) -> str:
        # Not "Bearer": the browser endpoint never takes the key from a header.
        return 'Key realm="tessera-browser"'


def _key_in_body(request: Request) -> str | None:
    if request.method != "POST" or request.META.get("HTTP_CONTENT_ENCODING"):
        return None
    declared = request.META.get("CONTENT_LENGTH")
    if not declared or not declared.isdigit() or int(declared) > settings.INGEST_MAX_BYTES:
        return None  # the view answers 413 for an oversized body
    try:
        payload = orjson.loads(request._request.body)
    except (orjson.JSONDecodeError, RequestDataTooBig):
        return None  # the view answers with the precise 400/413
    key = payload.get("key") if isinstance(payload, dict) else None
    return key if isinstance(key, str) else None


def request_api_key(request: Request) -> ApiKey:
    """The ApiKey that authenticated ``request`` (``request.auth`` is typed loosely by DRF).

    Views behind ``HasApiKey`` call this to narrow it; for any other caller it refuses instead of
    letting a request without a key reach a service.
    """
    api_key = request.auth
    if not isinstance(api_key, ApiKey):
        raise exceptions.NotAuthenticated("send the assistant's API key")
    return api_key


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    """Documents assistant API keys in the OpenAPI schema (drf-spectacular finds it by target class)."""

    target_class = "apps.registry.auth.ApiKeyAuthentication"
    name = "assistantApiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "bearerFormat": "tsk_live_…", "description": "Assistant API key"}


class PublishableKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "apps.registry.auth.PublishableKeyAuthentication"
    name = "publishableKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "query",
            "name": "key",
            "description": "Publishable (browser) key tpk_live_…: ingest-only, allowed origins, rate-limited",
        }
