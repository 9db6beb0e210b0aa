"""Bytes in, plain records out: OTLP/HTTP bodies (protobuf or OTLP/JSON) and the spans and log
records inside them as dataclasses the mapping can read without protobuf."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import orjson
from google.protobuf import json_format
from google.protobuf.message import DecodeError
from google.protobuf.message import Message as ProtoMessage
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from rest_framework import status

from apps.core.exceptions import ApplicationError

PROTOBUF = "application/x-protobuf"
JSON = "application/json"
# Some exporters spell it without the x- (the OTLP spec names only x-protobuf, but it costs nothing).
_PROTOBUF_TYPES = frozenset({PROTOBUF, "application/protobuf"})
_HEX_RE = re.compile(r"^[0-9a-fA-F]+$")
# OTLP/JSON sends trace and span ids as hex, protobuf's JSON mapping expects base64 for bytes.
_ID_FIELD_LENGTHS = {
    "traceId": 32,
    "trace_id": 32,
    "spanId": 16,
    "span_id": 16,
    "parentSpanId": 16,
    "parent_span_id": 16,
}

M = TypeVar("M", bound=ProtoMessage)


class OtlpDecodeError(ApplicationError):
    status_code = status.HTTP_400_BAD_REQUEST


class UnsupportedMediaTypeError(ApplicationError):
    status_code = status.HTTP_415_UNSUPPORTED_MEDIA_TYPE


# --- decoding -----------------------------------------------------------------------------


def media_type(content_type: str | None) -> str:
    """``application/json; charset=utf-8`` → ``application/json``; refuses what OTLP/HTTP does not use."""
    base = (content_type or "").split(";", 1)[0].strip().lower()
    if base in _PROTOBUF_TYPES:
        return PROTOBUF
    if base == JSON:
        return JSON
    raise UnsupportedMediaTypeError(
        f"unsupported Content-Type {base or '(none)'!r}; OTLP/HTTP sends {PROTOBUF!r} or {JSON!r}"
    )


def _hex_ids_to_base64(node: Any) -> Any:
    """Rewrite OTLP/JSON's hex trace/span ids in place so protobuf's JSON parser reads the bytes.

    Values that are not hex of the right length are left alone: some exporters send protobuf's
    own JSON mapping (base64), and json_format reads those as they are.
    """
    if isinstance(node, dict):
        for key, value in node.items():
            length = _ID_FIELD_LENGTHS.get(key)
            if length and isinstance(value, str) and len(value) == length and _HEX_RE.match(value):
                node[key] = base64.b64encode(bytes.fromhex(value)).decode()
            elif isinstance(value, dict | list):
                _hex_ids_to_base64(value)
    elif isinstance(node, list):
        for item in node:
            _hex_ids_to_base64(item)
    return node


def decode_request(body: bytes, content: str, message_cls: type[M]) -> M:
    """Parse an OTLP export request body (protobuf or OTLP/JSON) into ``message_cls``."""
    name = message_cls.DESCRIPTOR.name
    message = message_cls()
    if content == PROTOBUF:
        try:
            message.ParseFromString(body)
        except DecodeError as exc:
            raise OtlpDecodeError(f"body is not a valid protobuf {name}: {exc}") from exc
        return message
    try:
        payload = orjson.loads(body) if body else {}
    except orjson.JSONDecodeError as exc:
        raise OtlpDecodeError(f"body is not valid JSON: {exc}") from exc
    if not isinstance(payload, dict):
        raise OtlpDecodeError(f"body must be a JSON object ({name})")
    try:
        # ignore_unknown_fields: OTLP/JSON receivers must ignore fields they do not know (spec).
        json_format.ParseDict(_hex_ids_to_base64(payload), message, ignore_unknown_fields=True)
    except json_format.ParseError as exc:
        raise OtlpDecodeError(f"body is not a valid OTLP/JSON {name}: {exc}") from exc
    return message


def encode_response(message: ProtoMessage, content: str) -> bytes:
    if content == PROTOBUF:
        return message.SerializeToString()
    return orjson.dumps(json_format.MessageToDict(message))


# --- OTLP records as plain data --------------------------------------------------------------


@dataclass
class EventRecord:
    """A span event or a log record: what the GenAI conventions call an event."""

    name: str
    time_ns: int
    attrs: dict[str, Any]
    body: Any = None


@dataclass
class SpanRecord:
    trace_id: str  # hex
    span_id: str  # hex
    parent_span_id: str
    name: str
    start_ns: int
    end_ns: int
    attrs: dict[str, Any]
    events: list[EventRecord] = field(default_factory=list)
    resource: dict[str, Any] = field(default_factory=dict)


@dataclass
class LogRef:
    trace_id: str
    span_id: str
    event: EventRecord


def any_value(value: AnyValue) -> Any:
    kind = value.WhichOneof("value")
    if kind is None:
        return None
    if kind == "array_value":
        return [any_value(v) for v in value.array_value.values]
    if kind == "kvlist_value":
        return attributes(value.kvlist_value.values)
    if kind == "bytes_value":
        return value.bytes_value.hex()
    return getattr(value, kind)


def attributes(kvs: Iterable[KeyValue]) -> dict[str, Any]:
    return {kv.key: any_value(kv.value) for kv in kvs}


def spans_from_request(request: ExportTraceServiceRequest) -> list[SpanRecord]:
    spans: list[SpanRecord] = []
    for resource_spans in request.resource_spans:
        resource = attributes(resource_spans.resource.attributes)
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                spans.append(
                    SpanRecord(
                        trace_id=span.trace_id.hex(),
                        span_id=span.span_id.hex(),
                        parent_span_id=span.parent_span_id.hex(),
                        name=span.name,
                        start_ns=span.start_time_unix_nano,
                        end_ns=span.end_time_unix_nano or span.start_time_unix_nano,
                        attrs=attributes(span.attributes),
                        events=[
                            EventRecord(name=e.name, time_ns=e.time_unix_nano, attrs=attributes(e.attributes))
                            for e in span.events
                        ],
                        resource=resource,
                    )
                )
    return spans


def logs_from_request(request: ExportLogsServiceRequest) -> list[LogRef]:
    """Log records that name a GenAI event; others (application logs) are not ours to keep."""
    refs: list[LogRef] = []
    for resource_logs in request.resource_logs:
        for scope_logs in resource_logs.scope_logs:
            for record in scope_logs.log_records:
                attrs = attributes(record.attributes)
                # event_name is the field since OTLP 1.5; older SDKs put it in an attribute.
                name = record.event_name or str(attrs.get("event.name") or "")
                if not name.startswith("gen_ai."):
                    continue
                refs.append(
                    LogRef(
                        trace_id=record.trace_id.hex(),
                        span_id=record.span_id.hex(),
                        event=EventRecord(
                            name=name,
                            time_ns=record.time_unix_nano or record.observed_time_unix_nano,
                            attrs=attrs,
                            body=any_value(record.body) if record.HasField("body") else None,
                        ),
                    )
                )
    return refs
