"""OTLP/HTTP receiver: ``/api/v1/otlp/v1/{traces,logs,metrics}`` (docs/otlp.md).

Interfaces only: decode the body, call one service in ``apps.ingestion.otlp``, answer with the
OTLP response message in the request's encoding (what exporters expect to parse).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.http import HttpResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from google.protobuf.message import Message as ProtoMessage
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsPartialSuccess,
    ExportLogsServiceRequest,
    ExportLogsServiceResponse,
)
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceResponse
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTracePartialSuccess,
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import BaseParser
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from apps.core.api import ScopedAPIView
from apps.ingestion.api.views import HasApiKey, backlog_response, read_body
from apps.ingestion.otlp import (
    JSON,
    PROTOBUF,
    OtlpResult,
    decode_request,
    encode_response,
    media_type,
    otlp_logs_ingest,
    otlp_traces_ingest,
)
from apps.registry.auth import ApiKeyAuthentication, request_api_key


class FirstRenderer(BaseContentNegotiation):
    """Error bodies are JSON whatever ``Accept`` says: exporters send ``Accept`` values DRF would 406."""

    def select_parser(self, request: Request, parsers: Iterable[BaseParser]) -> BaseParser | None:
        return next(iter(parsers), None)

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        renderer = next(iter(renderers))
        return renderer, renderer.media_type


_BODY = {
    "application/x-protobuf": {"type": "string", "format": "binary"},
    "application/json": {"type": "object", "description": "OTLP/JSON (hex trace and span ids, lowerCamelCase)"},
}
_ERRORS = {
    400: OpenApiResponse(description="body is not a valid OTLP request (`detail` says why)"),
    401: OpenApiResponse(description="missing, malformed or unknown key"),
    403: OpenApiResponse(description="revoked key, or key of another organization"),
    413: OpenApiResponse(description="body over 5 MB (after gzip decompression)"),
    415: OpenApiResponse(description="Content-Type is neither application/x-protobuf nor application/json"),
    429: OpenApiResponse(description="enrichment backlog over its bound; see Retry-After"),
}


class _OtlpView(ScopedAPIView):
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [HasApiKey]
    parser_classes: list = []
    content_negotiation_class = FirstRenderer

    def _export(
        self,
        request: Request,
        request_cls: type[ProtoMessage],
        ingest: Callable[..., OtlpResult],
        response: Any,
        partial: Callable[[OtlpResult], Any],
    ) -> HttpResponse | Response:
        """Decode, check the backlog, ingest, answer in the request's encoding (traces and logs)."""
        content = media_type(request.content_type)
        message = decode_request(read_body(request, limit=settings.INGEST_MAX_BYTES), content, request_cls)
        # OTLP exporters retry 429 and honour Retry-After (OTLP/HTTP spec, throttling).
        if (throttled := backlog_response()) is not None:
            return throttled
        result = ingest(assistant=request_api_key(request).assistant, request=message)
        if result.rejected:
            response.partial_success.CopyFrom(partial(result))
        return HttpResponse(encode_response(response, content), content_type=content)


class OtlpTracesView(_OtlpView):
    @extend_schema(
        summary="OTLP/HTTP traces (OpenTelemetry GenAI spans → conversation events)",
        description=(
            "Point an OpenTelemetry exporter at `/api/v1/otlp` with `Authorization: Bearer <assistant key>`. "
            "Spans following the GenAI semantic conventions become the same events as `POST /api/v1/events`; "
            "other spans are ignored. Protobuf or JSON, optionally gzip. Spans whose events are refused "
            "(e.g. older than 30 days) are counted in `partial_success.rejected_spans`."
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
            otlp_traces_ingest,
            ExportTraceServiceResponse(),
            lambda r: ExportTracePartialSuccess(rejected_spans=r.rejected, error_message=r.error_message),
        )


class OtlpLogsView(_OtlpView):
    @extend_schema(
        summary="OTLP/HTTP logs (GenAI event log records, joined to their spans)",
        description=(
            "Log records named `gen_ai.*` (user/system/assistant messages, `gen_ai.choice`, "
            "`gen_ai.evaluation.result`) are joined to their span by trace and span id, whichever "
            "arrives first; other log records are ignored."
        ),
        request=_BODY,
        responses={200: OpenApiResponse(description="ExportLogsServiceResponse, in the request's encoding"), **_ERRORS},
    )
    def post(self, request: Request) -> HttpResponse | Response:
        return self._export(
            request,
            ExportLogsServiceRequest,
            otlp_logs_ingest,
            ExportLogsServiceResponse(),
            lambda r: ExportLogsPartialSuccess(rejected_log_records=r.rejected, error_message=r.error_message),
        )


class OtlpMetricsView(_OtlpView):
    @extend_schema(
        summary="OTLP/HTTP metrics (accepted and ignored)",
        description=(
            "Tessera computes its metrics from conversations; this endpoint only answers success so "
            "an app exporting all three signals to one endpoint gets no export errors."
        ),
        request=_BODY,
        responses={
            200: OpenApiResponse(description="empty ExportMetricsServiceResponse"),
            **{code: _ERRORS[code] for code in (401, 403, 413)},
        },
    )
    def post(self, request: Request) -> HttpResponse:
        read_body(request, limit=settings.INGEST_MAX_BYTES)  # same size rule as the other signals
        # Never decoded, so any body is fine; answer in JSON only when that is what was sent.
        content = JSON if request.content_type.split(";", 1)[0].strip().lower() == JSON else PROTOBUF
        return HttpResponse(encode_response(ExportMetricsServiceResponse(), content), content_type=content)
