"""OTLP/HTTP traces and logs → v1 events (DESIGN.md, Ingestion API; docs/otlp.md).

Spans that follow the OpenTelemetry GenAI semantic conventions (and the older attribute and
event shapes real instrumentation libraries still send) are mapped onto the SAME event dicts
the JSON batch API accepts, then stored through ``events_ingest`` — one durable write path,
one validator, one enrichment.

Every LLM call re-sends the whole history, so message and event ids are derived from
(conversation id, position in the history, role, content hash): turn 2's copy of turn 1's
question gets turn 1's event id, and the per-assistant idempotency key stores it once.

The first half of this module is pure (protobuf in, event dicts out) so it is testable without
HTTP or a database; the ``otlp_*_ingest`` services at the bottom add the cross-request join of
log records to spans and call the write path.
"""

from __future__ import annotations

import base64
import hashlib
import pickle
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import orjson
from django.conf import settings
from django.utils import timezone
from google.protobuf import json_format
from google.protobuf.message import DecodeError
from google.protobuf.message import Message as ProtoMessage
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from rest_framework import status

from apps.core.exceptions import ApplicationError
from apps.ingestion.services import IngestResult, events_ingest
from apps.ingestion.validation import ACTIONS, OUTCOMES, ROLES
from apps.registry.models import Assistant

PROTOBUF = "application/x-protobuf"
JSON = "application/json"
# Some exporters spell it without the x- (the OTLP spec names only x-protobuf, but it costs nothing).
_PROTOBUF_TYPES = frozenset({PROTOBUF, "application/protobuf"})

CONVERSATION_KEYS = ("gen_ai.conversation.id", "session.id", "traceloop.association.properties.session_id")
USER_KEYS = ("user.id", "traceloop.association.properties.user_id", "enduser.id")
# Not GenAI conventions: Tessera's own optional attributes so OTLP clients can send what the
# JSON API's feature/variant/user fields carry (A/B variants, locale for language metrics).
FEATURE_KEY = "tessera.feature"
VARIANT_KEY = "tessera.variant"
USER_PROFILE_KEYS = {
    "locale": "tessera.user.locale",
    "department": "tessera.user.department",
    "region": "tessera.user.region",
}

INPUT_EVENT_ROLES = {
    "gen_ai.system.message": "system",
    "gen_ai.user.message": "user",
    "gen_ai.assistant.message": "assistant",
    "gen_ai.tool.message": "tool",
}
CHOICE_EVENT = "gen_ai.choice"
EVALUATION_EVENT = "gen_ai.evaluation.result"
# Newer conventions may carry the span's content attributes on a log event instead of the span.
DETAILS_EVENT = "gen_ai.client.inference.operation.details"
# Semantic conventions 1.26-1.27: one span event each, the messages as a JSON string attribute.
LEGACY_PROMPT_EVENT = ("gen_ai.content.prompt", "gen_ai.prompt")
LEGACY_COMPLETION_EVENT = ("gen_ai.content.completion", "gen_ai.completion")

_ROLE_ALIASES = {
    "human": "user",
    "ai": "assistant",
    "model": "assistant",  # Gemini
    "developer": "system",  # OpenAI's newer name for the system prompt
    "function": "tool",
    "ipython": "tool",
}
_OLD_ATTR_RE = re.compile(r"^gen_ai\.(prompt|completion)\.(\d+)\.(role|content)$")
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
_UP_LABELS = frozenset(
    {"up", "thumbs_up", "thumbsup", "positive", "pass", "passed", "good", "correct", "relevant", "helpful", "yes"}
)
_DOWN_LABELS = frozenset(
    {
        "down",
        "thumbs_down",
        "thumbsdown",
        "negative",
        "fail",
        "failed",
        "bad",
        "incorrect",
        "not_relevant",
        "irrelevant",
        "unhelpful",
        "not_helpful",
        "no",
    }
)
_MAX_LATENCY_MS = 3_600_000
_COMMENT_MAX = 2000
_SHORT_MAX = 128

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


@dataclass
class GenAiSpan:
    """A GenAI span with the identities resolved from its trace (what the log join needs later)."""

    span: SpanRecord
    conversation_id: str
    user_id: str
    feature: str | None = None
    variant: str | None = None
    user: dict[str, str] = field(default_factory=dict)


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


# --- identities -----------------------------------------------------------------------------


def is_genai(span: SpanRecord) -> bool:
    return any(key.startswith("gen_ai.") for key in span.attrs) or any(
        event.name.startswith("gen_ai.") for event in span.events
    )


def _lineage(span: SpanRecord, by_id: dict[tuple[str, str], SpanRecord], trace: list[SpanRecord]) -> list[dict]:
    """Attribute sets to search for ids: the span, its ancestors, the rest of its trace, its resource.

    Apps put ``gen_ai.conversation.id`` / ``user.id`` on their own (ancestor) span; when the
    parent chain is broken by a span not in this request, another span of the trace may still
    hold them.
    """
    chain: list[SpanRecord] = []
    seen: set[str] = set()
    current: SpanRecord | None = span
    while current is not None and current.span_id not in seen:
        chain.append(current)
        seen.add(current.span_id)
        current = by_id.get((current.trace_id, current.parent_span_id)) if current.parent_span_id else None
    rest = sorted((s for s in trace if s.span_id not in seen), key=lambda s: s.start_ns)
    return [s.attrs for s in chain] + [s.attrs for s in rest] + [span.resource]


def _first(attr_sets: Sequence[dict], keys: Sequence[str]) -> str | None:
    for key in keys:  # key order first: gen_ai.conversation.id anywhere beats session.id nearby
        for attrs in attr_sets:
            value = attrs.get(key)
            if isinstance(value, int | float) and not isinstance(value, bool):
                value = str(value)
            if isinstance(value, str) and value.strip():
                return value
    return None


def resolve_spans(spans: Sequence[SpanRecord]) -> list[GenAiSpan]:
    """The GenAI spans of a request with conversation and user resolved; other spans dropped."""
    by_id = {(s.trace_id, s.span_id): s for s in spans}
    traces: dict[str, list[SpanRecord]] = {}
    for span in spans:
        traces.setdefault(span.trace_id, []).append(span)
    resolved: list[GenAiSpan] = []
    for span in spans:
        if not is_genai(span):
            continue
        lineage = _lineage(span, by_id, traces[span.trace_id])
        user = {name: value for name, key in USER_PROFILE_KEYS.items() if (value := _first(lineage, [key]))}
        resolved.append(
            GenAiSpan(
                span=span,
                # No ids anywhere: one conversation is one trace (DESIGN.md).
                conversation_id=_first(lineage, CONVERSATION_KEYS) or span.trace_id,
                user_id=_first(lineage, USER_KEYS) or f"anonymous-{span.trace_id}",
                feature=_first(lineage, [FEATURE_KEY]),
                variant=_first(lineage, [VARIANT_KEY]),
                user=user,
            )
        )
    return resolved


# --- content --------------------------------------------------------------------------------

# (role or None when unusable, text or None when there is no text); None entries keep their
# position so ids stay stable across turns.
Turn = tuple[str | None, str | None]


def _json(value: Any) -> Any:
    if isinstance(value, str):
        stripped = value.strip()
        if stripped[:1] in {"[", "{"}:
            try:
                return orjson.loads(stripped)
            except orjson.JSONDecodeError:
                return value
    return value


def _role(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    role = value.strip().lower()
    role = _ROLE_ALIASES.get(role, role)
    return role if role in ROLES else None


def _parts_text(parts: Sequence[Any]) -> str | None:
    texts: list[str] = []
    for part in parts:
        if isinstance(part, str):
            texts.append(part)
            continue
        if not isinstance(part, dict):
            continue
        kind = part.get("type", "text")
        if kind == "text":
            text = part.get("content", part.get("text"))
        elif kind == "tool_call_response":
            text = part.get("response", part.get("result"))
            if text is not None and not isinstance(text, str):
                text = orjson.dumps(text).decode()
        else:
            continue  # tool calls, reasoning, media: not conversation text
        if isinstance(text, str) and text:
            texts.append(text)
    return "\n".join(texts) if texts else None


def _content(value: Any) -> str | None:
    """A content value: plain text, a list of parts, or a JSON string of parts (multimodal)."""
    if isinstance(value, str):
        parsed = _json(value)
        # Only a list of typed parts is structure; a user who pastes JSON still sent text.
        if isinstance(parsed, list) and parsed and all(isinstance(p, dict) and "type" in p for p in parsed):
            return _parts_text(parsed)
        return value or None
    if isinstance(value, list):
        return _parts_text(value)
    if isinstance(value, dict):
        return _text(value)
    return None


def _text(message: Any) -> str | None:
    """Text of a message in any of the shapes libraries send ({role, parts}, {role, content}, …)."""
    if not isinstance(message, dict):
        return _content(message)
    if isinstance(message.get("parts"), list):
        return _parts_text(message["parts"])
    if message.get("content") is not None:
        return _content(message["content"])
    # gen_ai.choice body: {index, finish_reason, message}; as a span event, message is JSON text
    inner = _json(message.get("message"))
    if isinstance(inner, dict):
        return _text(inner)
    return None


def _messages(value: Any, default_role: str | None = None) -> list[Turn]:
    value = _json(value)
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        return []
    turns: list[Turn] = []
    for message in value:
        role = _role(message.get("role")) if isinstance(message, dict) else None
        turns.append((role or default_role, _text(message)))
    return turns


def _system_instructions(value: Any) -> list[Turn]:
    if value is None:
        return []
    text = _text(value)
    return [("system", text)] if text else []


def _old_attributes(attrs: dict[str, Any], kind: str) -> list[Turn]:
    """``gen_ai.prompt.0.role`` / ``gen_ai.prompt.0.content`` … (OpenLLMetry and friends)."""
    found: dict[int, dict[str, Any]] = {}
    for key, value in attrs.items():
        match = _OLD_ATTR_RE.match(key)
        if match and match.group(1) == kind:
            found.setdefault(int(match.group(2)), {})[match.group(3)] = value
    if not found:
        return []
    default = "user" if kind == "prompt" else "assistant"
    return [
        (_role(found.get(i, {}).get("role")) or default, _content(found.get(i, {}).get("content")))
        for i in range(max(found) + 1)
    ]


def _event_body(event: EventRecord) -> Any:
    if event.body is not None:
        return _json(event.body)
    if "gen_ai.event.content" in event.attrs:  # some SDKs put the event body here, as JSON
        return _json(event.attrs["gen_ai.event.content"])
    return event.attrs


def _input_output(span: SpanRecord, events: Sequence[EventRecord]) -> tuple[list[Turn], list[Turn]]:
    """The span's history (inputs) and its answer (outputs), from whichever shape carries them."""
    details = [e.attrs for e in events if e.name == DETAILS_EVENT]
    for attrs in [span.attrs, *details]:  # newest conventions: JSON attributes
        if "gen_ai.input.messages" in attrs or "gen_ai.output.messages" in attrs:
            inputs = _messages(attrs.get("gen_ai.input.messages"))
            if not any(role == "system" for role, _ in inputs):
                inputs = _system_instructions(attrs.get("gen_ai.system_instructions")) + inputs
            return inputs, _messages(attrs.get("gen_ai.output.messages"), "assistant")[:1]

    inputs = _old_attributes(span.attrs, "prompt")
    outputs = _old_attributes(span.attrs, "completion")[:1]
    if inputs or outputs:
        return inputs, outputs

    ordered = sorted(enumerate(events), key=lambda pair: (pair[1].time_ns, pair[0]))
    for _, event in ordered:
        if event.name == LEGACY_PROMPT_EVENT[0]:
            inputs = _messages(event.attrs.get(LEGACY_PROMPT_EVENT[1]), "user")
        elif event.name == LEGACY_COMPLETION_EVENT[0]:
            outputs = _messages(event.attrs.get(LEGACY_COMPLETION_EVENT[1]), "assistant")[:1]
    if inputs or outputs:
        return inputs, outputs

    choices: list[tuple[int, Turn]] = []
    for _, event in ordered:
        body = _event_body(event)
        if event.name in INPUT_EVENT_ROLES:
            role = (_role(body.get("role")) if isinstance(body, dict) else None) or INPUT_EVENT_ROLES[event.name]
            inputs.append((role, _text(body)))
        elif event.name == CHOICE_EVENT:
            index = body.get("index", 0) if isinstance(body, dict) else 0
            choices.append((index if isinstance(index, int) else 0, ("assistant", _text(body))))
    if choices:
        outputs = [min(choices, key=lambda pair: pair[0])[1]]  # choice 0: what the user was shown
    return inputs, outputs


# --- events ---------------------------------------------------------------------------------


def _ts(ns: int) -> str:
    return (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=ns // 1000)).isoformat()


def _digest(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:32]


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _short(value: Any) -> str | None:
    return value[:_SHORT_MAX] if isinstance(value, str) and value else None


def _rating(label: str | None, score: Any) -> str | int | None:
    """An evaluation's label or score as our rating: up/down, or 1-5."""
    if label:
        if label in _UP_LABELS:
            return "up"
        if label in _DOWN_LABELS:
            return "down"
        if label in {"1", "2", "3", "4", "5"}:
            return int(label)
    if isinstance(score, int | float) and not isinstance(score, bool):
        if 0 <= score <= 1:  # probabilities and pass/fail scores
            return "up" if score >= 0.5 else "down"
        if 1 < score <= 5:  # a 1-5 scale
            return round(score)
    return None


@dataclass
class SpanEvents:
    """The events one GenAI span yields (kept per span to report rejected spans)."""

    span: GenAiSpan
    events: list[dict[str, Any]]


def span_events(
    item: GenAiSpan, logs: Sequence[EventRecord] = (), *, content_max_chars: int | None = None
) -> list[dict[str, Any]]:
    """Map one resolved GenAI span (plus the log records joined to it) onto v1 event dicts."""
    span = item.span
    max_chars = content_max_chars or settings.INGEST_CONTENT_MAX_CHARS
    events = [*span.events, *logs]
    inputs, outputs = _input_output(span, events)
    conversation = item.conversation_id
    common: dict[str, Any] = {"conversation_id": conversation, "user_id": item.user_id}
    for key, value in (("feature", item.feature), ("variant", item.variant)):
        if value:
            common[key] = value[:_SHORT_MAX]
    vendor = _short(span.attrs.get("gen_ai.provider.name") or span.attrs.get("gen_ai.system"))
    metadata: dict[str, Any] = {"otlp_trace_id": span.trace_id, "otlp_span_id": span.span_id}
    if vendor:
        metadata["vendor"] = vendor

    out: list[dict[str, Any]] = []
    answer_id: str | None = None
    turns = [(i, role, text, False) for i, (role, text) in enumerate(inputs)]
    turns += [(len(inputs) + i, role, text, True) for i, (role, text) in enumerate(outputs)]
    for position, role, text, is_output in turns:
        if role is None or text is None:
            continue
        digest = _digest(conversation, position, role, hashlib.sha256(text.encode()).hexdigest())
        event: dict[str, Any] = {
            "id": f"otlp-{digest}",
            "type": "message",
            "timestamp": _ts(span.end_ns if is_output else span.start_ns),
            **common,
            "message_id": f"otlp-m-{digest}",
            "role": role,
            # Truncated rather than rejected: a long RAG prompt should not cost the whole span.
            "content": text[:max_chars],
            "metadata": metadata,
        }
        if item.user:
            event["user"] = item.user
        if is_output:
            answer_id = event["message_id"]
            model = _short(span.attrs.get("gen_ai.response.model") or span.attrs.get("gen_ai.request.model"))
            if model:
                event["model"] = model
            latency = (span.end_ns - span.start_ns) // 1_000_000
            if 0 <= latency <= _MAX_LATENCY_MS:
                event["latency_ms"] = latency
            tokens_in = _int(span.attrs.get("gen_ai.usage.input_tokens", span.attrs.get("gen_ai.usage.prompt_tokens")))
            tokens_out = _int(
                span.attrs.get("gen_ai.usage.output_tokens", span.attrs.get("gen_ai.usage.completion_tokens"))
            )
            if tokens_in is not None:
                event["input_tokens"] = tokens_in
            if tokens_out is not None:
                event["output_tokens"] = tokens_out
        out.append(event)

    for evaluation in (e for e in events if e.name == EVALUATION_EVENT):
        mapped = _evaluation_event(evaluation, common=common, answer_id=answer_id, span=span, metadata=metadata)
        if mapped is not None:
            out.append(mapped)
    return out


def _evaluation_event(
    evaluation: EventRecord, *, common: dict[str, Any], answer_id: str | None, span: SpanRecord, metadata: dict
) -> dict[str, Any] | None:
    """``gen_ai.evaluation.result`` → action (label names one), outcome, or feedback."""
    attrs = dict(evaluation.attrs)
    body = _event_body(evaluation)
    if isinstance(body, dict) and body is not evaluation.attrs:
        attrs = {**body, **attrs}
    if attrs.get("error.type"):
        return None  # the evaluator failed; its score means nothing
    name = str(attrs.get("gen_ai.evaluation.name") or "")
    raw_label = attrs.get("gen_ai.evaluation.score.label")
    label = re.sub(r"[\s-]+", "_", raw_label.strip().lower()) if isinstance(raw_label, str) else None
    score = attrs.get("gen_ai.evaluation.score.value")
    digest = _digest(common["conversation_id"], answer_id or span.span_id, name, label, score)
    base = {
        "timestamp": _ts(evaluation.time_ns or span.end_ns),
        **common,
        "metadata": {**metadata, "evaluation": name[:_SHORT_MAX]} if name else metadata,
    }
    if label in ACTIONS:
        if answer_id is None:
            return None  # an action must point at the message acted on
        return {"id": f"otlp-a-{digest}", "type": "action", **base, "message_id": answer_id, "action": label}
    if label in OUTCOMES:
        return {"id": f"otlp-o-{digest}", "type": "outcome", **base, "outcome": label}
    rating = _rating(label, score)
    if rating is None:
        return None
    event = {"id": f"otlp-f-{digest}", "type": "feedback", **base, "rating": rating}
    if answer_id:
        event["message_id"] = answer_id
    explanation = attrs.get("gen_ai.evaluation.explanation")
    if isinstance(explanation, str) and explanation:
        event["comment"] = explanation[:_COMMENT_MAX]
    return event


def map_spans(
    spans: Sequence[GenAiSpan], logs: Sequence[LogRef] = (), *, content_max_chars: int | None = None
) -> list[SpanEvents]:
    """Resolved spans plus log records (joined by trace and span id) → events per span."""
    by_span: dict[tuple[str, str], list[EventRecord]] = {}
    for ref in logs:
        by_span.setdefault((ref.trace_id, ref.span_id), []).append(ref.event)
    return [
        SpanEvents(
            span=item,
            events=span_events(
                item, by_span.get((item.span.trace_id, item.span.span_id), ()), content_max_chars=content_max_chars
            ),
        )
        for item in spans
    ]


def request_to_events(
    traces: ExportTraceServiceRequest,
    logs: ExportLogsServiceRequest | None = None,
    *,
    content_max_chars: int | None = None,
) -> list[dict[str, Any]]:
    """Whole-request convenience: every event the spans (and joined log records) yield, deduplicated."""
    mapped = map_spans(
        resolve_spans(spans_from_request(traces)),
        logs_from_request(logs) if logs is not None else (),
        content_max_chars=content_max_chars,
    )
    return _unique(event for item in mapped for event in item.events)


def _unique(events: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for event in events:
        seen.setdefault(event["id"], event)  # the first span to carry a message wins
    return list(seen.values())


# --- services: the cross-request join and the write path --------------------------------------

# Spans and their log records are exported by separate processors, in separate requests, in
# either order. The join state is kept durably in the tenant's schema (OtlpJoinState): each
# GenAI span's resolved identities, and each span's log records. Whichever arrives second
# completes the join; mapping twice is harmless because event ids are deterministic.
_JOIN_TTL_SECONDS = getattr(settings, "OTLP_JOIN_TTL_SECONDS", 3600)


def _join_get_many(keys: list[str]) -> dict[str, Any]:
    from apps.ingestion.models import OtlpJoinState

    rows = OtlpJoinState.objects.filter(key__in=keys, expires_at__gt=timezone.now()).values_list("key", "value")
    # Pickle is safe here: the bytes were written by this module into the tenant's own schema.
    return {key: pickle.loads(bytes(value)) for key, value in rows}  # noqa: S301


def _join_set_many(values: dict[str, Any]) -> None:
    from apps.ingestion.models import OtlpJoinState

    expires = timezone.now() + timedelta(seconds=_JOIN_TTL_SECONDS)
    OtlpJoinState.objects.bulk_create(
        [OtlpJoinState(key=k, value=pickle.dumps(v), expires_at=expires) for k, v in values.items()],
        update_conflicts=True,
        unique_fields=["key"],
        update_fields=["value", "expires_at"],
    )


def join_state_sweep() -> int:
    """Delete expired join rows (log records whose span never came)."""
    from apps.ingestion.models import OtlpJoinState

    deleted, _ = OtlpJoinState.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted


def _span_key(assistant_id: int, trace_id: str, span_id: str) -> str:
    return f"otlp:span:{assistant_id}:{trace_id}:{span_id}"


def _logs_key(assistant_id: int, trace_id: str, span_id: str) -> str:
    return f"otlp:logs:{assistant_id}:{trace_id}:{span_id}"


@dataclass
class OtlpResult:
    rejected: int  # spans (traces) or log records (logs) whose events were rejected
    error_message: str
    ingest: IngestResult | None


def _store(*, assistant: Assistant, mapped: Sequence[SpanEvents]) -> tuple[set[int], str, IngestResult | None]:
    """Ingest the mapped events; returns the indexes of spans with rejected events and why."""
    events: list[dict[str, Any]] = []
    owner: list[int] = []
    seen: set[str] = set()
    for index, item in enumerate(mapped):
        for event in item.events:
            if event["id"] not in seen:
                seen.add(event["id"])
                events.append(event)
                owner.append(index)
    if not events:
        return set(), "", None
    result = events_ingest(assistant=assistant, events=events, source="otlp")
    bad: set[int] = set()
    reasons: list[str] = []
    for rejected in result.rejected:
        span_index = owner[rejected["index"]]
        if span_index not in bad:
            bad.add(span_index)
            errors = "; ".join(f"{k}: {v}" for k, v in rejected["errors"].items())
            reasons.append(f"span {mapped[span_index].span.span.span_id}: {errors}")
    message = " | ".join(reasons[:5]) + (f" (and {len(reasons) - 5} more)" if len(reasons) > 5 else "")
    return bad, message, result


def otlp_traces_ingest(*, assistant: Assistant, request: ExportTraceServiceRequest) -> OtlpResult:
    resolved = resolve_spans(spans_from_request(request))
    if not resolved:
        return OtlpResult(rejected=0, error_message="", ingest=None)
    aid = assistant.pk
    _join_set_many({_span_key(aid, s.span.trace_id, s.span.span_id): s for s in resolved})
    parked = _join_get_many([_logs_key(aid, s.span.trace_id, s.span.span_id) for s in resolved])
    logs = [ref for refs in parked.values() for ref in refs]
    bad, message, result = _store(assistant=assistant, mapped=map_spans(resolved, logs))
    return OtlpResult(rejected=len(bad), error_message=message, ingest=result)


def otlp_logs_ingest(*, assistant: Assistant, request: ExportLogsServiceRequest) -> OtlpResult:
    refs = [ref for ref in logs_from_request(request) if ref.span_id and ref.trace_id]
    if not refs:
        return OtlpResult(rejected=0, error_message="", ingest=None)
    aid = assistant.pk
    grouped: dict[tuple[str, str], list[LogRef]] = {}
    for ref in refs:
        grouped.setdefault((ref.trace_id, ref.span_id), []).append(ref)
    # Keep every span's records (not only the new ones): a span's history may be split over two
    # log exports, and positions are counted over all of them.
    keys = {pair: _logs_key(aid, *pair) for pair in grouped}
    known = _join_get_many(list(keys.values()))
    merged: dict[tuple[str, str], list[LogRef]] = {}
    for pair, new in grouped.items():
        existing = known.get(keys[pair], [])
        fingerprints = {_fingerprint(r) for r in existing}
        merged[pair] = existing + [r for r in new if _fingerprint(r) not in fingerprints]
    _join_set_many({keys[pair]: value for pair, value in merged.items()})

    span_keys = {pair: _span_key(aid, *pair) for pair in grouped}
    found = _join_get_many(list(span_keys.values()))
    spans = [found[key] for key in span_keys.values() if key in found]
    if not spans:
        return OtlpResult(rejected=0, error_message="", ingest=None)  # parked until the span arrives
    logs = [ref for pair in grouped if span_keys[pair] in found for ref in merged[pair]]
    mapped = map_spans(spans, logs)
    bad, message, result = _store(assistant=assistant, mapped=mapped)
    bad_pairs = {(mapped[i].span.span.trace_id, mapped[i].span.span.span_id) for i in bad}
    rejected_records = sum(len(grouped[pair]) for pair in bad_pairs if pair in grouped)
    return OtlpResult(rejected=rejected_records, error_message=message, ingest=result)


def _fingerprint(ref: LogRef) -> str:
    return _digest(ref.event.name, ref.event.time_ns, orjson.dumps(ref.event.body, default=str), ref.event.attrs)
