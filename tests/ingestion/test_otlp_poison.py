"""Hostile OTLP spans and log records never answer 5xx and never cost the valid ones.

Issue 10, item 1 (OTLP part): NUL is handled as on the batch path (removed from free text and
metadata, refused in identifiers, apps/ingestion/validation.py), and the mapper never raises on
any attribute value: every span is mapped, skipped (not GenAI), or rejected with an error.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse

from apps.conversations.models import Conversation, Message
from apps.ingestion.models import RawEvent
from apps.ingestion.otlp.decode import EventRecord, LogRef, SpanRecord
from apps.ingestion.otlp.identities import resolve_spans
from apps.ingestion.otlp.join import _dumps, _loads, _log, _span
from apps.ingestion.otlp.mapping import map_spans
from apps.ingestion.validation import Limits, validate_event
from tests.helpers import otlp_log, otlp_logs, otlp_span, otlp_traces

TRACE = "5b8efff798038103d269b633813fc60c"
GOOD_SPAN = "b7ad6b7169203331"
BAD_SPAN = "00f067aa0ba902b7"


def _start() -> datetime:
    return datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)


def _chat(conversation: str, *, user: str = "u1", question: str = "Hi there", **extra: Any) -> dict[str, Any]:
    return {
        "gen_ai.operation.name": "chat",
        "gen_ai.response.model": "gpt-4o-mini",
        "gen_ai.conversation.id": conversation,
        "user.id": user,
        "gen_ai.input.messages": orjson.dumps([{"role": "user", "content": question}]).decode(),
        "gen_ai.output.messages": orjson.dumps([{"role": "assistant", "content": "Hello"}]).decode(),
        **extra,
    }


def _two_spans(bad_attrs: dict[str, Any]) -> bytes:
    start = _start()
    return otlp_traces(
        otlp_span(trace_id=TRACE, span_id=GOOD_SPAN, start=start, end=start, attrs=_chat("c-good")),
        otlp_span(trace_id=TRACE, span_id=BAD_SPAN, start=start, end=start, attrs=bad_attrs),
    ).SerializeToString()


# (attributes of the second span, is it rejected?, what its user message is stored as)
KEPT_WITHOUT_NUL = [
    ("content", _chat("c-bad", question="Hel\x00lo"), "Hello"),
    ("model", _chat("c-bad", **{"gen_ai.response.model": "gpt\x00-4o"}), "Hi there"),
    ("feature", _chat("c-bad", **{"tessera.feature": "bil\x00ling"}), "Hi there"),
    ("department", _chat("c-bad", **{"tessera.user.department": "Sa\x00les"}), "Hi there"),
    ("vendor", _chat("c-bad", **{"gen_ai.provider.name": "open\x00ai"}), "Hi there"),
    ("nul key", _chat("c-bad", **{"gen_ai.\x00x": "v\x00", "\x00": ["\x00", {"\x00": 1}]}), "Hi there"),
]
REJECTED = [
    ("conversation id", _chat("c-\x00bad")),
    ("user id", _chat("c-bad", user="u\x00")),
    ("huge tokens", _chat("c-bad", **{"gen_ai.usage.output_tokens": 2**63 - 1})),
    ("negative tokens", _chat("c-bad", **{"gen_ai.usage.input_tokens": -(2**63)})),
]


@pytest.mark.parametrize(("label", "attrs", "stored"), KEPT_WITHOUT_NUL, ids=[c[0] for c in KEPT_WITHOUT_NUL])
def test_nul_in_free_text_is_removed_and_the_span_kept(post_otlp, assistant, label, attrs, stored) -> None:
    response = post_otlp(_two_spans(attrs))
    assert response.status_code == 200, response.content
    assert ExportTraceServiceResponse.FromString(response.content).partial_success.rejected_spans == 0
    assert Conversation.objects.filter(external_id="c-good").exists()
    bad = Conversation.objects.get(external_id="c-bad")
    assert Message.objects.get(conversation=bad, role="user").content == stored
    for payload in RawEvent.objects.filter(conversation_id="c-bad").values_list("payload", flat=True):
        assert "\\u0000" not in orjson.dumps(payload).decode()


@pytest.mark.parametrize(("label", "attrs"), REJECTED, ids=[c[0] for c in REJECTED])
def test_a_hostile_identifier_rejects_its_span_alone(post_otlp, assistant, label, attrs) -> None:
    response = post_otlp(_two_spans(attrs))
    assert response.status_code == 200, response.content
    partial = ExportTraceServiceResponse.FromString(response.content).partial_success
    assert partial.rejected_spans == 1
    assert partial.error_message.startswith(f"span {BAD_SPAN}: ")
    assert Conversation.objects.filter(external_id="c-good").exists()
    # The bad span's answer carries the hostile value: it is not stored.
    assert not RawEvent.objects.filter(payload__metadata__otlp_span_id=BAD_SPAN, payload__role="assistant").exists()


@pytest.mark.parametrize("logs_first", [True, False])
def test_nul_in_log_records_in_either_order(post_otlp, assistant, logs_first: bool) -> None:
    start = _start()
    span_attrs = {"gen_ai.operation.name": "chat", "gen_ai.conversation.id": "c-logs", "user.id": "u1"}
    traces = otlp_traces(otlp_span(trace_id=TRACE, span_id=GOOD_SPAN, start=start, end=start, attrs=span_attrs))
    logs = otlp_logs(
        otlp_log(
            trace_id=TRACE,
            span_id=GOOD_SPAN,
            event_name="gen_ai.user.message",
            at=start,
            body={"content": "pass\x00word reset", "\x00": "\x00"},
            attrs={"k\x00": "v\x00"},
        ),
        otlp_log(trace_id=TRACE, span_id=GOOD_SPAN, event_name="gen_ai.\x00odd", at=start, body="\x00"),
    )
    order = [(logs, "logs"), (traces, "traces")] if logs_first else [(traces, "traces"), (logs, "logs")]
    for message, signal in order:
        assert post_otlp(message.SerializeToString(), signal=signal).status_code == 200
    assert Message.objects.get(conversation__external_id="c-logs").content == "password reset"


# --- property: the mapper never raises -------------------------------------------------------

NOW = datetime.now(UTC)
LIMITS = Limits(
    content_max_chars=20_000, metadata_max_bytes=8_192, max_age=timedelta(days=30), max_future=timedelta(minutes=5)
)
# Any text, including NUL and lone surrogates (the Cs category), up to very long.
_text = st.text(st.characters(codec=None, categories=None), max_size=40) | st.sampled_from(
    ["\x00", "\ud800", "a\udfffb", "x" * 70_000, "[{", '[{"type":"text","content":"\\u0000"}]', "²", "12"]
)
_scalar = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=True, allow_infinity=True)
    | _text
)
_value = st.recursive(
    _scalar, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_text, inner, max_size=4), max_leaves=8
)
# gen_ai.*.messages arrive as JSON text of arbitrary (hostile) message lists.
_messages_json = st.lists(st.fixed_dictionaries({"role": _value, "content": _value, "parts": _value}), max_size=3).map(
    lambda messages: json.dumps(messages, default=str)
)
KEYS = [
    "gen_ai.conversation.id",
    "user.id",
    "session.id",
    "gen_ai.input.messages",
    "gen_ai.output.messages",
    "gen_ai.system_instructions",
    "gen_ai.prompt.0.role",
    "gen_ai.prompt.0.content",
    "gen_ai.prompt.99999999999.content",
    "gen_ai.completion.0.content",
    "gen_ai.response.model",
    "gen_ai.request.model",
    "gen_ai.provider.name",
    "gen_ai.usage.input_tokens",
    "gen_ai.usage.output_tokens",
    "tessera.feature",
    "tessera.variant",
    "tessera.user.locale",
    "tessera.user.department",
    "tessera.user.region",
    "gen_ai.evaluation.name",
    "gen_ai.evaluation.score.label",
    "gen_ai.evaluation.score.value",
    "gen_ai.evaluation.explanation",
    "gen_ai.event.content",
    "gen_ai.prompt",
    "gen_ai.completion",
    "error.type",
]
EVENT_NAMES = [
    "gen_ai.user.message",
    "gen_ai.system.message",
    "gen_ai.assistant.message",
    "gen_ai.tool.message",
    "gen_ai.choice",
    "gen_ai.evaluation.result",
    "gen_ai.content.prompt",
    "gen_ai.content.completion",
    "gen_ai.client.inference.operation.details",
    "gen_ai.\x00",
]


_attrs = st.dictionaries(st.sampled_from(KEYS) | _text, _value | _messages_json, max_size=5)
_ns = st.integers(min_value=0, max_value=2**64 - 1)
_event = st.builds(EventRecord, name=st.sampled_from(EVENT_NAMES), time_ns=_ns, attrs=_attrs, body=_value)
_span_record = st.builds(
    SpanRecord,
    trace_id=st.just(TRACE),
    span_id=st.sampled_from([GOOD_SPAN, BAD_SPAN]),
    parent_span_id=st.sampled_from(["", GOOD_SPAN, BAD_SPAN]),
    name=_text,
    start_ns=_ns,
    end_ns=_ns,
    attrs=_attrs,
    events=st.lists(_event, max_size=2),
    resource=st.dictionaries(st.sampled_from(KEYS), _scalar, max_size=2),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spans=st.lists(_span_record, min_size=1, max_size=2), logs=st.lists(_event, max_size=2))
def test_mapper_never_raises_and_every_event_is_accepted_or_rejected(
    spans: list[SpanRecord], logs: list[EventRecord]
) -> None:
    refs = [LogRef(trace_id=TRACE, span_id=GOOD_SPAN, event=event) for event in logs]
    resolved = resolve_spans(spans)
    mapped = map_spans(resolved, refs, content_max_chars=LIMITS.content_max_chars)
    assert len(mapped) == len(resolved)
    for item in mapped:
        for event in item.events:
            row, errors = validate_event(event, now=NOW, limits=LIMITS)
            assert (row is None) == bool(errors)
            if row is not None:  # what is accepted can be stored: valid text, no NUL
                assert all("\x00" not in str(part) for part in row)
                "".join(str(part) for part in row).encode()
    # The join state's JSON round trip takes whatever the mapper took, and maps the same.
    again = map_spans(
        [_span(_loads(_dumps(asdict(s)))) for s in resolved],
        [_log(_loads(_dumps(asdict(r)))) for r in refs],
        content_max_chars=LIMITS.content_max_chars,
    )
    assert len(again) == len(mapped)
