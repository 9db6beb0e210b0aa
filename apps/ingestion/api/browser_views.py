"""Browser signal endpoint for the snippet (docs/integrations/browser.md): ``/api/v1/browser/events``.

Interfaces only. A publishable key (``?key=tpk_live_…`` or ``"key"`` in the body) authenticates;
the request's ``Origin`` must be one of the key's allowed origins, and the CORS headers that let
the page read the answer are sent to those origins only. Bodies may be ``text/plain``: that is
what ``navigator.sendBeacon`` sends, and with no custom header it needs no preflight.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from apps.core.api import ScopedAPIView
from apps.core.exceptions import ApplicationError
from apps.ingestion.api.views import PayloadTooLargeError, backlog_response, parse_json, read_body
from apps.ingestion.services import browser_events_ingest
from apps.registry.auth import PublishableKeyAuthentication, request_api_key
from apps.registry.models import ApiKey
from apps.registry.services import (
    KeyRateLimitedError,
    publishable_key_origin_check,
    publishable_key_rate_take,
)

BODY_TYPES = frozenset({"application/json", "text/plain", ""})
PREFLIGHT_MAX_AGE = 86_400


class HasPublishableKeyForOrigin(BasePermission):
    """A publishable key, used from one of its allowed origins (403 names the refused origin)."""

    message = "send the assistant's publishable key as ?key=tpk_live_…"
    openapi_security = frozenset({"publishableKey"})  # apps.core.schema: what the schema lists

    def has_permission(self, request: Request, view: Any) -> bool:
        api_key = request.auth
        if not isinstance(api_key, ApiKey) or not api_key.is_publishable:
            return False
        view.cors_origin = publishable_key_origin_check(api_key=api_key, origin=request.headers.get("Origin"))
        return True


class BrowserEventsView(ScopedAPIView):
    authentication_classes = [PublishableKeyAuthentication]
    permission_classes = [HasPublishableKeyForOrigin]
    parser_classes: list = []
    cors_origin: str | None = None  # set once the key and its origin are accepted

    @extend_schema(
        summary="Send browser signals with a publishable key (the snippet's endpoint)",
        description=(
            'Body `{"events": [...]}` (JSON, sent as `application/json` or `text/plain`), the same event '
            "schema as `POST /api/v1/events` restricted to `action`, `feedback` and `outcome: abandoned`. "
            "The key is a publishable key in `?key=` (or `key` in the body); the page's origin must be one "
            "of the key's allowed origins. Counted against the key's events-per-minute limit."
        ),
        parameters=[OpenApiParameter("key", str, OpenApiParameter.QUERY, description="publishable key tpk_live_…")],
        request={"text/plain": {"type": "string"}, "application/json": {"type": "object"}},
        responses={
            200: OpenApiResponse(description="`{accepted, duplicates, rejected: [{index, id, errors}]}`"),
            400: OpenApiResponse(description="malformed body"),
            401: OpenApiResponse(description="missing, malformed or unknown publishable key"),
            403: OpenApiResponse(description="origin not allowed for the key, revoked key, or another organization's"),
            413: OpenApiResponse(description="over 1,000 events or 5 MB"),
            415: OpenApiResponse(description="body type other than JSON or text/plain"),
            429: OpenApiResponse(description="the key's rate limit or the enrichment backlog; see Retry-After"),
        },
    )
    def post(self, request: Request) -> Response:
        content_type = request.content_type.split(";", 1)[0].strip().lower()
        if content_type not in BODY_TYPES:
            return Response(
                {"detail": f"send the body as application/json or text/plain, not {content_type[:80]}"},
                status=status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            )
        payload = parse_json(read_body(request, limit=settings.INGEST_MAX_BYTES))
        if not isinstance(payload, dict) or not isinstance(payload.get("events"), list):
            raise ApplicationError('body must be a JSON object {"events": [...]}')
        events = payload["events"]
        if len(events) > settings.INGEST_MAX_EVENTS:
            raise PayloadTooLargeError(
                f"batch has {len(events)} events; the limit is {settings.INGEST_MAX_EVENTS} per request"
            )
        api_key = request_api_key(request)
        try:
            publishable_key_rate_take(api_key=api_key, events=len(events))
        except KeyRateLimitedError as exc:
            return Response(
                {"detail": exc.detail}, status=exc.status_code, headers={"Retry-After": str(exc.retry_after)}
            )
        if (throttled := backlog_response()) is not None:
            return throttled
        result = browser_events_ingest(assistant=api_key.assistant, events=events)
        return Response(result.as_response(), status=status.HTTP_200_OK)

    @extend_schema(exclude=True)
    def options(self, request: Request, *args: Any, **kwargs: Any) -> Response:  # type: ignore[override]
        # CORS preflight (a page sending application/json): authenticated and origin-checked like
        # the POST, so a refused origin learns nothing but the 403.
        return Response(status=status.HTTP_204_NO_CONTENT)

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        # Every answer to an allowed origin carries CORS headers (errors too, so the snippet can
        # read 429's Retry-After); any other origin gets none and the browser hides the answer.
        patch_vary = response.get("Vary")
        response["Vary"] = f"{patch_vary}, Origin" if patch_vary else "Origin"
        if self.cors_origin:
            response["Access-Control-Allow-Origin"] = self.cors_origin
            response["Access-Control-Expose-Headers"] = "Retry-After"
            if request.method == "OPTIONS":
                response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
                response["Access-Control-Allow-Headers"] = "Content-Type"
                response["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE)
        return response
