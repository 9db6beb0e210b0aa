"""OTLP/HTTP traces and logs → v1 events (DESIGN.md, Ingestion API; docs/otlp.md)."""

from apps.ingestion.otlp.mapping import (
    JSON,
    PROTOBUF,
    OtlpDecodeError,
    OtlpResult,
    UnsupportedMediaTypeError,
    decode_request,
    encode_response,
    join_state_sweep,
    media_type,
    otlp_logs_ingest,
    otlp_traces_ingest,
    request_to_events,
)

__all__ = [
    "JSON",
    "PROTOBUF",
    "OtlpDecodeError",
    "OtlpResult",
    "UnsupportedMediaTypeError",
    "decode_request",
    "encode_response",
    "join_state_sweep",
    "media_type",
    "otlp_logs_ingest",
    "otlp_traces_ingest",
    "request_to_events",
]
