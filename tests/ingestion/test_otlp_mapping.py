"""OTLP request → v1 event dicts, without HTTP or a database (apps/ingestion/otlp/)."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from apps.ingestion.otlp import (
    JSON,
    PROTOBUF,
    OtlpDecodeError,
    UnsupportedMediaTypeError,
    decode_request,
    media_type,
    request_to_events,
)
from apps.ingestion.validation import Limits, validate_event
from tests.helpers import otlp_json, otlp_log, otlp_logs, otlp_span, otlp_traces

TRACE = "5b8efff798038103d269b633813fc60c"
TRACE_2 = "0af7651916cd43dd8448eb211c80319c"
APP_SPAN = "eee19b7ec3c1b174"
LLM_SPAN = "b7ad6b7169203331"
HTTP_SPAN = "00f067aa0ba902b7"
START = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
END = START + timedelta(milliseconds=812)
SYSTEM = "You are a helpdesk assistant."
QUESTION = "How do I reset my password?"
ANSWER = "Open Settings → Security."


def _valid(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every mapped event must pass the batch API's validator unchanged: one schema, one path."""
    limits = Limits(
        content_max_chars=65_536, metadata_max_bytes=8192, max_age=timedelta(days=30), max_future=timedelta(minutes=5)
    )
    for event in events:
        row, errors = validate_event(event, now=datetime.now(UTC), limits=limits)
        assert errors == {}, (event, errors)
        assert row is not None
    return events


def _messages(events: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(e["role"], e["content"]) for e in events if e["type"] == "message"]


def _chat_attrs(**over: Any) -> dict[str, Any]:
    attrs: dict[str, Any] = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
        "gen_ai.usage.input_tokens": 40,
        "gen_ai.usage.output_tokens": 12,
        "gen_ai.system_instructions": orjson.dumps([{"type": "text", "content": SYSTEM}]).decode(),
        "gen_ai.input.messages": orjson.dumps(
            [{"role": "user", "parts": [{"type": "text", "content": QUESTION}]}]
        ).decode(),
        "gen_ai.output.messages": orjson.dumps(
            [{"role": "assistant", "parts": [{"type": "text", "content": ANSWER}], "finish_reason": "stop"}]
        ).decode(),
    }
    attrs.update(over)
    return {k: v for k, v in attrs.items() if v is not None}


def _app_span(**attrs: Any) -> Any:
    return otlp_span(
        trace_id=TRACE,
        span_id=APP_SPAN,
        start=START - timedelta(milliseconds=5),
        end=END,
        attrs=attrs,
        name="handle_chat",
    )


def test_current_conventions_map_to_message_events() -> None:
    request = otlp_traces(
        _app_span(**{"gen_ai.conversation.id": "conv-42", "user.id": "u-7"}),
        otlp_span(trace_id=TRACE, span_id=LLM_SPAN, parent=APP_SPAN, start=START, end=END, attrs=_chat_attrs()),
    )
    events = _valid(request_to_events(request))
    assert _messages(events) == [("system", SYSTEM), ("user", QUESTION), ("assistant", ANSWER)]
    _system, question, answer = events
    assert {e["conversation_id"] for e in events} == {"conv-42"}
    assert {e["user_id"] for e in events} == {"u-7"}
    assert question["timestamp"] == START.isoformat()
    assert answer["timestamp"] == END.isoformat()
    assert answer["model"] == "gpt-4o-mini-2024-07-18"  # response model beats request model
    assert (answer["input_tokens"], answer["output_tokens"], answer["latency_ms"]) == (40, 12, 812)
    assert answer["metadata"] == {"vendor": "openai", "otlp_trace_id": TRACE, "otlp_span_id": LLM_SPAN}
    assert "model" not in question
    assert "latency_ms" not in question


def test_simple_role_content_messages_and_request_model() -> None:
    attrs = _chat_attrs(
        **{
            "gen_ai.response.model": None,
            "gen_ai.system_instructions": None,
            "gen_ai.input.messages": orjson.dumps(
                [{"role": "system", "content": SYSTEM}, {"role": "user", "content": QUESTION}]
            ).decode(),
            "gen_ai.output.messages": orjson.dumps([{"role": "assistant", "content": ANSWER}]).decode(),
        }
    )
    events = _valid(
        request_to_events(otlp_traces(otlp_span(trace_id=TRACE, span_id=LLM_SPAN, start=START, end=END, attrs=attrs)))
    )
    assert _messages(events) == [("system", SYSTEM), ("user", QUESTION), ("assistant", ANSWER)]
    assert events[-1]["model"] == "gpt-4o-mini"


def test_older_prompt_and_completion_attributes() -> None:
    attrs = {
        "gen_ai.system": "anthropic",
        "gen_ai.request.model": "claude-3-5-sonnet",
        "gen_ai.usage.prompt_tokens": 31,
        "gen_ai.usage.completion_tokens": 9,
        "gen_ai.prompt.0.role": "system",
        "gen_ai.prompt.0.content": SYSTEM,
        "gen_ai.prompt.1.role": "user",
        "gen_ai.prompt.1.content": QUESTION,
        "gen_ai.completion.0.role": "assistant",
        "gen_ai.completion.0.content": ANSWER,
        "traceloop.association.properties.session_id": "sess-1",
        "traceloop.association.properties.user_id": "tl-user",
    }
    events = _valid(
        request_to_events(otlp_traces(otlp_span(trace_id=TRACE, span_id=LLM_SPAN, start=START, end=END, attrs=attrs)))
    )
    assert _messages(events) == [("system", SYSTEM), ("user", QUESTION), ("assistant", ANSWER)]
    answer = events[-1]
    assert (answer["conversation_id"], answer["user_id"]) == ("sess-1", "tl-user")
    assert (answer["model"], answer["input_tokens"], answer["output_tokens"]) == ("claude-3-5-sonnet", 31, 9)
    assert answer["metadata"]["vendor"] == "anthropic"


def test_span_events_carry_the_content() -> None:
    span = otlp_span(
        trace_id=TRACE,
        span_id=LLM_SPAN,
        start=START,
        end=END,
        attrs={"gen_ai.system": "openai", "gen_ai.request.model": "gpt-4o"},
        events=[
            ("gen_ai.system.message", START, {"content": SYSTEM}),
            ("gen_ai.user.message", START, {"content": QUESTION}),
            (
                "gen_ai.choice",
                END,
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "message": orjson.dumps({"role": "assistant", "content": ANSWER}).decode(),
                },
            ),
        ],
    )
    events = _valid(request_to_events(otlp_traces(span)))
    assert _messages(events) == [("system", SYSTEM), ("user", QUESTION), ("assistant", ANSWER)]


def test_legacy_content_prompt_events() -> None:
    span = otlp_span(
        trace_id=TRACE,
        span_id=LLM_SPAN,
        start=START,
        end=END,
        attrs={"gen_ai.system": "openai"},
        events=[
            (
                "gen_ai.content.prompt",
                START,
                {"gen_ai.prompt": orjson.dumps([{"role": "user", "content": QUESTION}]).decode()},
            ),
            (
                "gen_ai.content.completion",
                END,
                {"gen_ai.completion": orjson.dumps([{"role": "assistant", "content": ANSWER}]).decode()},
            ),
        ],
    )
    assert _messages(_valid(request_to_events(otlp_traces(span)))) == [("user", QUESTION), ("assistant", ANSWER)]


def test_log_records_join_their_span_by_trace_and_span_id() -> None:
    """The official OpenAI instrumentation's default: content only in log records."""
    traces = otlp_traces(
        otlp_span(
            trace_id=TRACE,
            span_id=LLM_SPAN,
            start=START,
            end=END,
            attrs={
                "gen_ai.operation.name": "chat",
                "gen_ai.system": "openai",
                "gen_ai.request.model": "gpt-4o-mini",
                "gen_ai.usage.output_tokens": 12,
            },
        ),
        otlp_span(trace_id=TRACE_2, span_id=HTTP_SPAN, start=START, end=END, attrs={"gen_ai.system": "openai"}),
    )
    logs = otlp_logs(
        otlp_log(
            trace_id=TRACE, span_id=LLM_SPAN, event_name="gen_ai.system.message", at=START, body={"content": SYSTEM}
        ),
        otlp_log(
            trace_id=TRACE, span_id=LLM_SPAN, event_name="gen_ai.user.message", at=START, body={"content": QUESTION}
        ),
        otlp_log(
            trace_id=TRACE,
            span_id=LLM_SPAN,
            event_name="gen_ai.choice",
            at=END,
            body={"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": ANSWER}},
        ),
        # the older SDK shape: event name in an attribute; belongs to another span
        otlp_log(
            trace_id=TRACE_2,
            span_id=HTTP_SPAN,
            event_name="",
            at=START,
            body={"content": "other"},
            attrs={"event.name": "gen_ai.user.message"},
        ),
        otlp_log(trace_id=TRACE, span_id=LLM_SPAN, event_name="app.debug", at=START, body="not a GenAI event"),
    )
    events = _valid(request_to_events(traces, logs))
    by_conversation: dict[str, list] = {}
    for event in events:
        by_conversation.setdefault(event["conversation_id"], []).append(event)
    assert _messages(by_conversation[TRACE]) == [("system", SYSTEM), ("user", QUESTION), ("assistant", ANSWER)]
    assert by_conversation[TRACE][-1]["output_tokens"] == 12
    assert _messages(by_conversation[TRACE_2]) == [("user", "other")]


def test_conversation_and_user_come_from_an_ancestor_span() -> None:
    root = _app_span(**{"session.id": "sess-9", "gen_ai.conversation.id": "conv-root", "user.id": "u-root"})
    middle = otlp_span(
        trace_id=TRACE,
        span_id=HTTP_SPAN,
        parent=APP_SPAN,
        start=START,
        end=END,
        attrs={"session.id": "sess-mid"},
        name="agent",
    )
    llm = otlp_span(trace_id=TRACE, span_id=LLM_SPAN, parent=HTTP_SPAN, start=START, end=END, attrs=_chat_attrs())
    events = _valid(request_to_events(otlp_traces(llm, middle, root)))
    # gen_ai.conversation.id anywhere in the lineage wins over a nearer session.id
    assert {(e["conversation_id"], e["user_id"]) for e in events} == {("conv-root", "u-root")}

    events = _valid(request_to_events(otlp_traces(llm, middle)))
    assert {(e["conversation_id"], e["user_id"]) for e in events} == {("sess-mid", f"anonymous-{TRACE}")}


def test_without_any_ids_one_trace_is_one_conversation() -> None:
    events = _valid(
        request_to_events(
            otlp_traces(otlp_span(trace_id=TRACE, span_id=LLM_SPAN, start=START, end=END, attrs=_chat_attrs()))
        )
    )
    assert {(e["conversation_id"], e["user_id"]) for e in events} == {(TRACE, f"anonymous-{TRACE}")}


def test_history_resent_on_turn_two_maps_to_the_same_ids() -> None:
    turn1 = request_to_events(
        otlp_traces(
            otlp_span(
                trace_id=TRACE,
                span_id=LLM_SPAN,
                start=START,
                end=END,
                attrs=_chat_attrs(**{"gen_ai.conversation.id": "conv-h"}),
            )
        )
    )
    history = [
        {"role": "user", "parts": [{"type": "text", "content": QUESTION}]},
        {"role": "assistant", "parts": [{"type": "text", "content": ANSWER}]},
        {"role": "user", "parts": [{"type": "text", "content": "And for the admin account?"}]},
    ]
    attrs2 = _chat_attrs(
        **{
            "gen_ai.conversation.id": "conv-h",
            "gen_ai.input.messages": orjson.dumps(history).decode(),
            "gen_ai.output.messages": orjson.dumps(
                [{"role": "assistant", "parts": [{"type": "text", "content": "Ask IT."}]}]
            ).decode(),
        }
    )
    later = START + timedelta(minutes=1)
    turn2 = _valid(
        request_to_events(
            otlp_traces(
                otlp_span(
                    trace_id=TRACE_2, span_id=HTTP_SPAN, start=later, end=later + timedelta(seconds=1), attrs=attrs2
                )
            )
        )
    )
    assert [e["id"] for e in turn2[:3]] == [e["id"] for e in turn1]  # system, question, answer: same keys
    assert [e["message_id"] for e in turn2[:3]] == [e["message_id"] for e in turn1]
    assert _messages(turn2[3:]) == [("user", "And for the admin account?"), ("assistant", "Ask IT.")]
    assert len({e["id"] for e in turn1 + turn2}) == 5

    # the same words at another position are another message (a user repeating themselves)
    repeat = _chat_attrs(
        **{
            "gen_ai.conversation.id": "conv-h",
            "gen_ai.input.messages": orjson.dumps([*history[:2], history[0]]).decode(),
        }
    )
    turn3 = request_to_events(
        otlp_traces(otlp_span(trace_id=TRACE_2, span_id=LLM_SPAN, start=later, end=later, attrs=repeat))
    )
    assert turn3[3]["content"] == QUESTION
    assert turn3[3]["id"] not in {e["id"] for e in turn1}


def test_non_genai_spans_are_ignored() -> None:
    http = otlp_span(
        trace_id=TRACE,
        span_id=HTTP_SPAN,
        start=START,
        end=END,
        attrs={
            "http.request.method": "POST",
            "url.full": "https://api.openai.com/v1/chat/completions",
            "user.id": "u-1",
        },
        name="POST",
    )
    assert request_to_events(otlp_traces(http)) == []
    llm = otlp_span(trace_id=TRACE, span_id=LLM_SPAN, parent=HTTP_SPAN, start=START, end=END, attrs=_chat_attrs())
    events = request_to_events(otlp_traces(http, llm))
    assert {e["metadata"]["otlp_span_id"] for e in events} == {LLM_SPAN}
    assert {e["user_id"] for e in events} == {"u-1"}  # ids on a non-GenAI ancestor still count


@pytest.mark.parametrize(
    ("attrs", "expected"),
    [
        (
            {"gen_ai.evaluation.name": "user_feedback", "gen_ai.evaluation.score.label": "thumbs_up"},
            {"type": "feedback", "rating": "up"},
        ),
        (
            {
                "gen_ai.evaluation.name": "relevance",
                "gen_ai.evaluation.score.label": "not_relevant",
                "gen_ai.evaluation.score.value": 0.1,
            },
            {"type": "feedback", "rating": "down"},
        ),
        (
            {"gen_ai.evaluation.name": "quality", "gen_ai.evaluation.score.value": 0.92},
            {"type": "feedback", "rating": "up"},
        ),
        (
            {
                "gen_ai.evaluation.name": "stars",
                "gen_ai.evaluation.score.value": 4.0,
                "gen_ai.evaluation.explanation": "good",
            },
            {"type": "feedback", "rating": 4, "comment": "good"},
        ),
        (
            {"gen_ai.evaluation.name": "user_action", "gen_ai.evaluation.score.label": "copy"},
            {"type": "action", "action": "copy"},
        ),
        (
            {"gen_ai.evaluation.name": "outcome", "gen_ai.evaluation.score.label": "escalated"},
            {"type": "outcome", "outcome": "escalated"},
        ),
        ({"gen_ai.evaluation.name": "quality", "gen_ai.evaluation.score.value": 0.9, "error.type": "timeout"}, None),
        ({"gen_ai.evaluation.name": "toxicity", "gen_ai.evaluation.score.label": "mild"}, None),
    ],
)
def test_evaluation_results_become_feedback_actions_or_outcomes(attrs: dict, expected: dict | None) -> None:
    span = otlp_span(
        trace_id=TRACE,
        span_id=LLM_SPAN,
        start=START,
        end=END,
        attrs=_chat_attrs(),
        events=[("gen_ai.evaluation.result", END, attrs)],
    )
    events = _valid(request_to_events(otlp_traces(span)))
    extra = [e for e in events if e["type"] != "message"]
    if expected is None:
        assert extra == []
        return
    (event,) = extra
    assert {k: event[k] for k in expected} == expected
    answer_id = events[2]["message_id"]
    if event["type"] != "outcome":
        assert event["message_id"] == answer_id
    assert event["metadata"]["evaluation"] == attrs["gen_ai.evaluation.name"]


def test_evaluation_log_record_joins_its_span() -> None:
    traces = otlp_traces(otlp_span(trace_id=TRACE, span_id=LLM_SPAN, start=START, end=END, attrs=_chat_attrs()))
    logs = otlp_logs(
        otlp_log(
            trace_id=TRACE,
            span_id=LLM_SPAN,
            event_name="gen_ai.evaluation.result",
            at=END,
            attrs={
                "gen_ai.evaluation.name": "user_feedback",
                "gen_ai.evaluation.score.value": 1,
                "gen_ai.evaluation.score.label": "down",
            },
        )
    )
    (feedback,) = [e for e in _valid(request_to_events(traces, logs)) if e["type"] == "feedback"]
    assert feedback["rating"] == "down"


def test_tool_calls_and_long_content() -> None:
    history = [
        {"role": "user", "parts": [{"type": "text", "content": "x" * 70_000}]},
        {"role": "assistant", "parts": [{"type": "tool_call", "id": "c1", "name": "lookup", "arguments": {}}]},
        {"role": "tool", "parts": [{"type": "tool_call_response", "id": "c1", "response": {"status": "ok"}}]},
        {"role": "user", "content": '{"json": "pasted by the user"}'},
    ]
    span = otlp_span(
        trace_id=TRACE,
        span_id=LLM_SPAN,
        start=START,
        end=END,
        attrs=_chat_attrs(**{"gen_ai.input.messages": orjson.dumps(history).decode()}),
    )
    events = _valid(request_to_events(otlp_traces(span), content_max_chars=65_536))
    assert [(e["role"], len(e["content"])) for e in events][1] == ("user", 65_536)  # truncated, not rejected
    assert _messages(events)[2:] == [
        ("tool", '{"status":"ok"}'),
        ("user", '{"json": "pasted by the user"}'),
        ("assistant", ANSWER),
    ]


def test_otlp_json_with_hex_ids_decodes_like_protobuf() -> None:
    request = otlp_traces(
        _app_span(**{"gen_ai.conversation.id": "conv-json"}),
        otlp_span(trace_id=TRACE, span_id=LLM_SPAN, parent=APP_SPAN, start=START, end=END, attrs=_chat_attrs()),
    )
    body = otlp_json(request)
    assert TRACE.encode() in body  # really hex on the wire
    decoded = decode_request(body, JSON, ExportTraceServiceRequest)
    assert decoded == request
    assert request_to_events(decoded) == request_to_events(request)

    logs = otlp_logs(
        otlp_log(
            trace_id=TRACE, span_id=LLM_SPAN, event_name="gen_ai.user.message", at=START, body={"content": QUESTION}
        )
    )
    assert decode_request(otlp_json(logs), JSON, ExportLogsServiceRequest) == logs
    assert decode_request(logs.SerializeToString(), PROTOBUF, ExportLogsServiceRequest) == logs


def test_decode_errors_are_precise() -> None:
    with pytest.raises(OtlpDecodeError, match="not a valid protobuf ExportTraceServiceRequest"):
        decode_request(b"\xff\xff\xff", PROTOBUF, ExportTraceServiceRequest)
    with pytest.raises(OtlpDecodeError, match="not valid JSON"):
        decode_request(b"{nope", JSON, ExportTraceServiceRequest)
    with pytest.raises(OtlpDecodeError, match="valid OTLP/JSON ExportTraceServiceRequest"):
        decode_request(
            b'{"resourceSpans": [{"scopeSpans": [{"spans": [{"startTimeUnixNano": "soon"}]}]}]}',
            JSON,
            ExportTraceServiceRequest,
        )
    with pytest.raises(UnsupportedMediaTypeError, match="text/plain"):
        media_type("text/plain")
    assert media_type("application/json; charset=utf-8") == JSON
    assert media_type("application/x-protobuf") == PROTOBUF


def test_join_rows_pickled_before_the_package_split_still_load() -> None:
    """Join state written by the single-module ``apps.ingestion.otlp`` names its classes there."""
    from apps.ingestion.otlp.decode import EventRecord, LogRef, SpanRecord
    from apps.ingestion.otlp.identities import GenAiSpan

    event = EventRecord(name="gen_ai.user.message", time_ns=1, attrs={"k": "v"}, body={"content": QUESTION})
    span = SpanRecord(TRACE, LLM_SPAN, APP_SPAN, "chat", 1, 2, {"gen_ai.system": "openai"}, [event])
    state = [GenAiSpan(span=span, conversation_id="c-1", user_id="u-1"), LogRef(TRACE, LLM_SPAN, event)]
    # Protocol 0 names each class as text ("c<module>\n<name>\n"), so the old module path can be written in.
    old = pickle.dumps(state, protocol=0)
    for module in ("apps.ingestion.otlp.decode", "apps.ingestion.otlp.identities"):
        old = old.replace(f"c{module}\n".encode(), b"capps.ingestion.otlp\n")
    assert b"otlp.decode" not in old
    assert b"otlp.identities" not in old
    assert pickle.loads(old) == state  # noqa: S301 - bytes built by this test
