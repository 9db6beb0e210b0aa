from __future__ import annotations

import zlib
from typing import Any

import orjson
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from apps.core.api import ScopedAPIView
from apps.core.exceptions import ApplicationError
from apps.ingestion.services import backlog_check, events_ingest
from apps.registry.auth import ApiKeyAuthentication, request_api_key
from apps.registry.models import ApiKey


class PayloadTooLargeError(ApplicationError):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE


class HasApiKey(BasePermission):
    message = "send the assistant's API key: 'Authorization: Bearer tsk_live_…'"
    openapi_security = frozenset({"assistantApiKey"})  # apps.core.schema: what the schema lists

    def has_permission(self, request: Request, view: Any) -> bool:
        return isinstance(request.auth, ApiKey)


def read_body(request: Request, *, limit: int) -> bytes:
    """Raw request body, gunzipped when sent with Content-Encoding: gzip, never over ``limit``."""
    declared = request.META.get("CONTENT_LENGTH")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLargeError(f"request body is {int(declared)} bytes; the limit is {limit} bytes")
    try:
        body = request._request.body  # DRF's parsers are bypassed: orjson is several times faster
    except RequestDataTooBig as exc:
        # Django's DATA_UPLOAD_MAX_MEMORY_SIZE (set from INGEST_MAX_BYTES) still answers in JSON here.
        raise PayloadTooLargeError(f"request body is over the limit of {limit} bytes") from exc
    if len(body) > limit:
        raise PayloadTooLargeError(f"request body is {len(body)} bytes; the limit is {limit} bytes")
    if request.META.get("HTTP_CONTENT_ENCODING", "").lower() == "gzip":
        try:
            decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
            body = decompressor.decompress(body, limit + 1)
        except zlib.error as exc:
            raise ApplicationError("body is not valid gzip") from exc
        if len(body) > limit:
            raise PayloadTooLargeError(f"decompressed body is over the limit of {limit} bytes")
    return body


def parse_json(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise ApplicationError(f"body is not valid JSON: {exc}") from exc


def backlog_response() -> Response | None:
    """429 with ``Retry-After`` when the enrichment backlog is over its bound, else ``None``."""
    try:
        backlog_check()
    except ApplicationError as exc:
        return Response(
            {"detail": exc.detail},
            status=exc.status_code,
            headers={"Retry-After": str(settings.INGEST_RETRY_AFTER_SECONDS)},
        )
    return None


class EventsView(ScopedAPIView):
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [HasApiKey]
    parser_classes: list = []

    @extend_schema(
        summary="Send a batch of conversation events",
        description=(
            'Body `{"events": [...]}`, at most 1,000 events and 5 MB (gzip accepted). Valid events are '
            "stored even when others are rejected; event ids are idempotency keys."
        ),
        request={"application/json": {"type": "object"}},
        responses={
            200: OpenApiResponse(description="`{accepted, duplicates, rejected: [{index, id, errors}]}`"),
            400: OpenApiResponse(description="malformed body"),
            401: OpenApiResponse(description="missing, malformed or unknown key"),
            403: OpenApiResponse(description="revoked key, or key of another organization"),
            413: OpenApiResponse(description="over 1,000 events or 5 MB"),
            429: OpenApiResponse(description="enrichment backlog over its bound; see Retry-After"),
        },
    )
    def post(self, request: Request) -> Response:
        body = read_body(request, limit=settings.INGEST_MAX_BYTES)
        payload = parse_json(body)
        if not isinstance(payload, dict) or not isinstance(payload.get("events"), list):
            raise ApplicationError('body must be a JSON object {"events": [...]}')
        events = payload["events"]
        if len(events) > settings.INGEST_MAX_EVENTS:
            raise PayloadTooLargeError(
                f"batch has {len(events)} events; the limit is {settings.INGEST_MAX_EVENTS} per request"
            )
        if (throttled := backlog_response()) is not None:
            return throttled
        result = events_ingest(assistant=request_api_key(request).assistant, events=events)
        return Response(result.as_response(), status=status.HTTP_200_OK)
