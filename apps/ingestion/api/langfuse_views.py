"""Langfuse-compatible endpoints under ``/api/public/`` (docs/integrations/langfuse.md).

Interfaces only: authenticate the key pair, read the body within the ingestion limits, call
one service in ``apps.ingestion.langfuse``, answer in the shapes Langfuse clients parse.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NoReturn

from django.conf import settings
from django.http import HttpResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTracePartialSuccess,
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from rest_framework import exceptions, status
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request
from rest_framework.response import Response

from apps.core.api import ScopedAPIView
from apps.core.exceptions import ApplicationError
from apps.ingestion.api.langfuse_auth import HINT, LangfuseKeyAuthentication
from apps.ingestion.api.otlp_views import _BODY, _ERRORS, FirstRenderer, _OtlpView
from apps.ingestion.api.views import HasApiKey, PayloadTooLargeError, backlog_response, parse_json, read_body
from apps.ingestion.langfuse.services import (
    ItemResult,
    langfuse_batch_ingest,
    langfuse_scores_ingest,
    langfuse_traces_ingest,
)
from apps.registry.auth import ApiKeyAuthentication, request_api_key

_ERROR_NAMES = {401: "UnauthorizedError", 403: "AccessDeniedError", 413: "PayloadTooLarge", 429: "TooManyRequests"}


class HasLangfuseKey(HasApiKey):
    message = HINT
    openapi_security = frozenset({"langfuseKeyPair", "assistantApiKey"})


class _LangfuseMixin:
    """Basic pair first (what Langfuse clients send), Bearer keys too; Langfuse-like error bodies."""

    authentication_classes: Sequence[type[BaseAuthentication]] = [LangfuseKeyAuthentication, ApiKeyAuthentication]
    permission_classes: Sequence[Any] = [HasLangfuseKey]

    def permission_denied(self, request: Request, message: str | None = None, code: str | None = None) -> NoReturn:
        if request.auth is None:  # no credentials at all: say which ones, not DRF's generic sentence
            raise exceptions.NotAuthenticated(HINT)
        raise exceptions.PermissionDenied(detail=message, code=code)

    def handle_exception(self, exc: Exception) -> Response:
        response: Response = super().handle_exception(exc)  # type: ignore[misc]
        if response.status_code >= 400 and isinstance(response.data, dict) and "detail" in response.data:
            # Langfuse answers {"error", "message"}; "detail" stays for Tessera's own clients.
            detail = str(response.data["detail"])
            response.data = {
                "error": _ERROR_NAMES.get(response.status_code, "InvalidRequestError"),
                "message": detail,
                **response.data,
            }
        return response


def _items_response(result: ItemResult, ids: list[str]) -> dict[str, Any]:
    return {
        "successes": [{"id": ids[i], "status": 201} for i in result.ok],
        "errors": [
            {"id": ids[i], "status": code, "message": message, "error": message}
            for i, (code, message) in sorted(result.errors.items())
        ],
    }


def _item_id(item: Any) -> str:
    value = item.get("id") if isinstance(item, dict) else None
    return str(value)[:128] if value is not None else ""


# _OtlpView's class attributes are inferred narrower than the mixin's Sequence: the mixin's win by MRO.
class LangfuseOtelTracesView(_LangfuseMixin, _OtlpView):  # type: ignore[misc]
    @extend_schema(
        summary="Langfuse SDK traces (OTLP/HTTP, Langfuse v3+ SDKs)",
        description=(
            "Set `LANGFUSE_BASE_URL` to the organization's host, `LANGFUSE_PUBLIC_KEY` to the key prefix and "
            "`LANGFUSE_SECRET_KEY` to the whole key: the SDKs export OTLP here with HTTP Basic. Generations become "
            "user and assistant messages (each once, however often the history is re-sent), `session.id` the "
            "conversation, `user.id` the user, `langfuse.version` the variant, a new `langfuse.release` a release "
            "annotation."
        ),
        request=_BODY,
        responses={
            200: OpenApiResponse(description="ExportTraceServiceResponse, in the request's encoding"),
            **_ERRORS,
        },
    )
    def post(self, request: Request) -> HttpResponse | Response:
        return self._export(
            request,
            ExportTraceServiceRequest,
            langfuse_traces_ingest,
            ExportTraceServiceResponse(),
            lambda r: ExportTracePartialSuccess(rejected_spans=r.rejected, error_message=r.error_message),
        )


class LangfuseIngestionView(_LangfuseMixin, ScopedAPIView):
    parser_classes: list = []
    content_negotiation_class = FirstRenderer

    @extend_schema(
        summary="Langfuse legacy batch ingestion (207 multi-status)",
        description=(
            'Body `{"batch": [{"id", "type", "timestamp", "body"}, …]}` as Langfuse\'s `POST /api/public/ingestion`: '
            "`trace-create`, `generation-create`/`-update`, `span-create`/`-update`, `event-create`, `score-create`. "
            "Each item succeeds or fails on its own; at most 1,000 items and 5 MB."
        ),
        request={"application/json": {"type": "object"}},
        responses={
            207: OpenApiResponse(
                description="`{successes: [{id, status}], errors: [{id, status, message}]}` — one entry per item"
            ),
            400: OpenApiResponse(description="body is not `{batch: [...]}`"),
            401: OpenApiResponse(description="missing or unknown key pair"),
            403: OpenApiResponse(description="revoked key, or key of another organization"),
            413: OpenApiResponse(description="over 1,000 items or 5 MB"),
            429: OpenApiResponse(description="enrichment backlog over its bound; see Retry-After"),
        },
    )
    def post(self, request: Request) -> Response:
        payload = parse_json(read_body(request, limit=settings.INGEST_MAX_BYTES))
        if not isinstance(payload, dict) or not isinstance(payload.get("batch"), list):
            raise ApplicationError('body must be a JSON object {"batch": [...]}')
        batch = payload["batch"]
        if len(batch) > settings.INGEST_MAX_EVENTS:
            raise PayloadTooLargeError(
                f"batch has {len(batch)} items; the limit is {settings.INGEST_MAX_EVENTS} per request"
            )
        if (throttled := backlog_response()) is not None:
            return throttled
        result = langfuse_batch_ingest(assistant=request_api_key(request).assistant, batch=batch)
        return Response(
            _items_response(result, [_item_id(item) for item in batch]), status=status.HTTP_207_MULTI_STATUS
        )


class LangfuseScoresView(_LangfuseMixin, ScopedAPIView):
    parser_classes: list = []
    content_negotiation_class = FirstRenderer

    @extend_schema(
        summary="Langfuse scores → feedback",
        description=(
            "One score object (Langfuse's `POST /api/public/scores`, answered `{id}`) or a list of them (the v5 SDKs' "
            "batch, answered 202 `{message: 'Accepted'}` or 207 `{accepted, rejected, errors: [{message}]}`). "
            "BOOLEAN, NUMERIC (-1..1 thumbs, 1..5 rating) and CATEGORICAL (thumbs-like labels, '1'-'5') scores "
            "become feedback on the trace's last answer, with the comment; the trace must have been sent first."
        ),
        request={"application/json": {"oneOf": [{"type": "object"}, {"type": "array", "items": {"type": "object"}}]}},
        responses={
            200: OpenApiResponse(description="single score stored: `{id}`"),
            202: OpenApiResponse(description="every score of the list stored: `{message: 'Accepted'}`"),
            207: OpenApiResponse(description="some scores refused: `{accepted, rejected, errors: [{message}]}`"),
            400: OpenApiResponse(description="the single score is not a rating, or the body is malformed"),
            401: OpenApiResponse(description="missing or unknown key pair"),
            404: OpenApiResponse(description="the single score's trace has not been received"),
            413: OpenApiResponse(description="over 1,000 scores or 5 MB"),
        },
    )
    def post(self, request: Request) -> Response:
        payload = parse_json(read_body(request, limit=settings.INGEST_MAX_BYTES))
        single = isinstance(payload, dict)
        scores = [payload] if single else payload
        if not isinstance(scores, list):
            raise ApplicationError("body must be a score object or a list of them")
        if len(scores) > settings.INGEST_MAX_EVENTS:
            raise PayloadTooLargeError(f"{len(scores)} scores; the limit is {settings.INGEST_MAX_EVENTS} per request")
        if (throttled := backlog_response()) is not None:
            return throttled
        result = langfuse_scores_ingest(assistant=request_api_key(request).assistant, scores=list(enumerate(scores)))
        if single:
            if result.errors:
                code, message = result.errors[0]
                return Response(
                    {"error": _ERROR_NAMES.get(code, "InvalidRequestError"), "message": message}, status=code
                )
            return Response({"id": _item_id(payload)}, status=status.HTTP_200_OK)
        if not result.errors:
            return Response({"message": "Accepted"}, status=status.HTTP_202_ACCEPTED)
        return Response(
            {
                "accepted": len(result.ok),
                "rejected": len(result.errors),
                "errors": [{"message": f"score {i}: {message}"} for i, (_, message) in sorted(result.errors.items())],
            },
            status=status.HTTP_207_MULTI_STATUS,
        )


class LangfuseProjectsView(_LangfuseMixin, ScopedAPIView):
    """``GET /api/public/projects``: what ``Langfuse().auth_check()`` calls to validate the pair."""

    @extend_schema(
        summary="Langfuse auth check (the key's assistant as the one project)",
        responses={200: OpenApiResponse(description="`{data: [{id, name}]}`"), 401: _ERRORS[401], 403: _ERRORS[403]},
    )
    def get(self, request: Request) -> Response:
        assistant = request_api_key(request).assistant
        return Response({"data": [{"id": str(assistant.pk), "name": assistant.name, "metadata": {}}]})
