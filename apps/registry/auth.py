from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from apps.core.exceptions import ApplicationError
from apps.core.throttle import auth_failure_record, auth_failures_exceeded
from apps.registry.models import ApiKey
from apps.registry.services import api_key_authenticate


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer tsk_live_…`` → ``request.auth`` is the ApiKey (user stays anonymous)."""

    keyword = "bearer"

    def authenticate(self, request: Request) -> tuple[Any, ApiKey] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        scheme, _, token = header.partition(" ")
        if scheme.lower() != self.keyword or not token.strip().startswith("tsk_"):
            return None  # not ours (e.g. a session user's request)
        return self.verify(request, token)

    def verify(self, request: Request, token: str) -> tuple[Any, ApiKey]:
        """The key for a secret taken from any header shape (Bearer here, Langfuse's Basic pair)."""
        try:
            api_key = api_key_authenticate(token)
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
        return AnonymousUser(), api_key

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="tessera"'


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
