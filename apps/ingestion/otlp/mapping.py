"""GenAI spans (plus the log records joined to them) → v1 event dicts. Pure: no HTTP, no database.

Spans that follow the OpenTelemetry GenAI semantic conventions (and the older attribute and
event shapes real instrumentation libraries still send) are mapped onto the SAME event dicts
the JSON batch API accepts: one durable write path, one validator, one enrichment.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from django.conf import settings
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from apps.ingestion.otlp.decode import EventRecord, LogRef, SpanRecord, logs_from_request, spans_from_request
from apps.ingestion.otlp.dedup import id_digest, unique_events
from apps.ingestion.otlp.identities import GenAiSpan, resolve_spans
from apps.ingestion.validation import ACTIONS, OUTCOMES, ROLES

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
_OLD_ATTR_RE = re.compile(r"^gen_ai\.(prompt|completion)\.([0-9]+)\.(role|content)$")
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
# Tessera's own optional span attribute: a JSON object merged into the events' metadata (the
# Langfuse receiver puts trace metadata, tags and release there). Its size is the client's
# business: events whose metadata is over the cap are rejected like on the batch API.
METADATA_KEY = "tessera.metadata"
_COMMENT_MAX = 2000
_SHORT_MAX = 128


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
        # A hostile index (gen_ai.prompt.99999999999.content) must not allocate a history that long.
        if match and match.group(1) == kind and len(match.group(2)) <= 4:
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


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    # isdecimal, not isdigit: "²" is a digit int() refuses.
    if isinstance(value, str) and value.strip().isdecimal():
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
    extra = _json(span.attrs.get(METADATA_KEY))
    if isinstance(extra, dict):  # ours first: a client key cannot hide the trace and span ids
        metadata = {**extra, **metadata}
    if vendor:
        metadata["vendor"] = vendor

    out: list[dict[str, Any]] = []
    answer_id: str | None = None
    turns = [(i, role, text, False) for i, (role, text) in enumerate(inputs)]
    turns += [(len(inputs) + i, role, text, True) for i, (role, text) in enumerate(outputs)]
    for position, role, text, is_output in turns:
        if role is None or text is None:
            continue
        digest = id_digest(
            conversation, position, role, hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
        )
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
    digest = id_digest(common["conversation_id"], answer_id or span.span_id, name, label, score)
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
    return unique_events(event for item in mapped for event in item.events)
