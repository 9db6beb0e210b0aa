"""OTLP/HTTP traces and logs → v1 events (DESIGN.md, Ingestion API; docs/otlp.md).

Spans that follow the OpenTelemetry GenAI semantic conventions are mapped onto the SAME event
dicts the JSON batch API accepts, then stored through ``events_ingest`` — one durable write
path, one validator, one enrichment. One module per concern, in the order a request meets them:

- ``decode``: media types, protobuf / OTLP/JSON bodies, spans and log records as plain data;
- ``identities``: the conversation and user of each GenAI span, resolved from its trace;
- ``mapping``: span content and evaluations → v1 event dicts (pure: no HTTP, no database);
- ``dedup``: deterministic ids, so a history re-sent with every call is stored once;
- ``join``: the durable cross-request join of log records to spans (encrypted JSON);
- ``services``: ``otlp_traces_ingest`` / ``otlp_logs_ingest``, the write path.
"""

from apps.ingestion.otlp.decode import (
    JSON,
    PROTOBUF,
    EventRecord,
    LogRef,
    OtlpDecodeError,
    SpanRecord,
    UnsupportedMediaTypeError,
    decode_request,
    encode_response,
    media_type,
)
from apps.ingestion.otlp.identities import GenAiSpan
from apps.ingestion.otlp.join import join_state_sweep
from apps.ingestion.otlp.mapping import request_to_events
from apps.ingestion.otlp.services import OtlpResult, otlp_logs_ingest, otlp_spans_ingest, otlp_traces_ingest

__all__ = [
    "JSON",
    "PROTOBUF",
    "EventRecord",
    "GenAiSpan",
    "LogRef",
    "OtlpDecodeError",
    "OtlpResult",
    "SpanRecord",
    "UnsupportedMediaTypeError",
    "decode_request",
    "encode_response",
    "join_state_sweep",
    "media_type",
    "otlp_logs_ingest",
    "otlp_spans_ingest",
    "otlp_traces_ingest",
    "request_to_events",
]
