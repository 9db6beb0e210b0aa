"""``Authorization: Bearer tsp_…``: a personal API token authenticates as its user, for reads only.

Every API view accepts it (``apps.core.api`` adds ``settings.API_USER_TOKEN_AUTHENTICATION`` to
each view's own authenticators), so "works on every read API" holds without each view opting in.
Pages never see it: they are Django views behind the session, not DRF.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request

from apps.accounts.models import PersonalToken, User
from apps.core.throttle import auth_failure_record, auth_failures_exceeded

THROTTLE_SCOPE = "api-token"
READ_ONLY = (
    "personal API tokens are read-only: {method} needs a signed-in session in the web UI "
    "(or, to send events, the assistant's API key)"
)
# Ingestion keys are claimed by the views that accept them (apps.registry.auth runs first there);
# one that reaches this class was sent to an API it cannot read.
INGESTION_KEY_HERE = (
    "an assistant API key (tsk_…) only sends events and reads back its own conversations; "
    "use a personal API token (tsp_…) for this API"
)


class PersonalTokenAuthentication(authentication.BaseAuthentication):
    keyword = "bearer"

    def authenticate(self, request: Request) -> tuple[User, PersonalToken] | None:
        # Imported here: DRF resolves DEFAULT_AUTHENTICATION_CLASSES while rest_framework.views is
        # still importing, and services → core.exceptions → rest_framework.views would be a cycle.
        from apps.accounts.services import TOKEN_PREFIX, ForbiddenTokenError, InvalidTokenError, token_authenticate

        scheme, _, credential = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        credential = credential.strip()
        if scheme.lower() != self.keyword:
            return None
        if credential.startswith("tsk_"):
            raise exceptions.AuthenticationFailed(INGESTION_KEY_HERE)
        if not credential.startswith(TOKEN_PREFIX):
            return None
        try:
            token = token_authenticate(credential)
        except ForbiddenTokenError as exc:
            raise exceptions.PermissionDenied(exc.detail) from exc
        except InvalidTokenError as exc:
            # Unknown tokens are what guessing produces: counted per schema and address, 429 past
            # the limit. A valid token still passes (one broken script must not lock out others
            # behind the same NAT), exactly as for assistant keys.
            if auth_failures_exceeded(scope=THROTTLE_SCOPE, request=request):
                raise exceptions.Throttled(
                    wait=settings.API_AUTH_FAILURE_WINDOW_SECONDS,
                    detail="too many failed personal API token attempts from this address; retry later",
                ) from exc
            auth_failure_record(scope=THROTTLE_SCOPE, request=request)
            raise exceptions.AuthenticationFailed(exc.detail) from exc
        if request.method not in SAFE_METHODS:
            raise exceptions.PermissionDenied(READ_ONLY.format(method=request.method))
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="tessera"'


class PersonalTokenAuthenticationScheme(OpenApiAuthenticationExtension):
    """Documents personal API tokens in the OpenAPI schema (drf-spectacular finds it by target class)."""

    target_class = "apps.accounts.auth.PersonalTokenAuthentication"
    name = "personalApiToken"

    def get_security_requirement(self, auto_schema: Any) -> dict[str, list[Any]] | list[dict[str, list[Any]]]:
        # Listed only where it is accepted: a write answers 403 READ_ONLY, so the schema must not
        # offer the token for it (clients generated from the schema would send it and fail).
        if auto_schema.method not in SAFE_METHODS:
            return []  # no requirement from this scheme (drf-spectacular extends its list with it)
        return {self.name: []}

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "tsp_…",
            "description": "Personal API token of a user (read-only: GET, HEAD, OPTIONS), with that user's roles",
        }
