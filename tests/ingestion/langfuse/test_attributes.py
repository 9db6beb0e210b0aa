"""Langfuse span attributes → GenAI attributes (pure)."""

from __future__ import annotations

import orjson
import pytest

from apps.ingestion.langfuse.attributes import input_messages, normalize_span, output_messages, trace_metadata
from apps.ingestion.otlp.decode import SpanRecord

MSGS = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (orjson.dumps(MSGS).decode(), MSGS),
        (orjson.dumps({"args": [MSGS], "kwargs": {}}).decode(), MSGS),  # @observe on llm(messages)
        (orjson.dumps({"args": [], "kwargs": {"messages": MSGS, "model": "x"}}).decode(), MSGS),
        (orjson.dumps({"messages": MSGS, "temperature": 0}).decode(), MSGS),  # OpenAI integration
        (
            orjson.dumps({"args": ["What is 2+2?"], "kwargs": {}}).decode(),
            [{"role": "user", "content": "What is 2+2?"}],
        ),
        ("plain prompt", [{"role": "user", "content": "plain prompt"}]),
        (orjson.dumps({"args": [1, 2], "kwargs": {}}).decode(), []),
        (None, []),
    ],
)
def test_input_messages(raw, expected) -> None:
    assert input_messages(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Hello!", "Hello!"),
        (orjson.dumps("Hello!").decode(), "Hello!"),
        (orjson.dumps({"role": "assistant", "content": "Hi"}).decode(), "Hi"),
        (orjson.dumps({"choices": [{"message": {"role": "assistant", "content": "C0"}}, {}]}).decode(), "C0"),
        (orjson.dumps({"content": "from a dict"}).decode(), "from a dict"),
        (orjson.dumps([{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]).decode(), "a"),
    ],
)
def test_output_messages(raw, expected) -> None:
    assert [m["content"] for m in output_messages(raw)] == [expected]


def _span(attrs: dict, resource: dict | None = None) -> SpanRecord:
    return SpanRecord(
        trace_id="a" * 32,
        span_id="b" * 16,
        parent_span_id="",
        name="llm",
        start_ns=1,
        end_ns=2,
        attrs=attrs,
        resource=resource or {},
    )


def test_generation_span_gets_genai_attributes_and_trace_fields() -> None:
    span = normalize_span(
        _span(
            {
                "langfuse.observation.type": "generation",
                "langfuse.observation.input": orjson.dumps(MSGS).decode(),
                "langfuse.observation.output": "Hello",
                "langfuse.observation.model.name": "gpt-4o",
                "langfuse.observation.usage_details": '{"input": 12, "output": 3, "total": 15}',
                "langfuse.session.id": "s-1",
                "user.id": "u-1",
                "langfuse.version": "v2",
                "langfuse.trace.tags": ("a", "b"),
                "langfuse.trace.metadata.plan": '"pro"',
            },
            {"langfuse.release": "1.4.0", "langfuse.environment": "production"},
        )
    )
    attrs = span.attrs
    assert orjson.loads(attrs["gen_ai.input.messages"]) == MSGS
    assert orjson.loads(attrs["gen_ai.output.messages"]) == [{"role": "assistant", "content": "Hello"}]
    assert (attrs["gen_ai.request.model"], attrs["gen_ai.usage.input_tokens"], attrs["gen_ai.usage.output_tokens"]) == (
        "gpt-4o",
        12,
        3,
    )
    assert (attrs["session.id"], attrs["tessera.variant"]) == ("s-1", "v2")
    assert orjson.loads(attrs["tessera.metadata"]) == {
        "langfuse": {"plan": "pro"},
        "tags": ["a", "b"],
        "environment": "production",
        "release": "1.4.0",
    }


def test_spans_that_are_not_generations_are_not_made_genai() -> None:
    span = normalize_span(_span({"langfuse.observation.type": "span", "langfuse.observation.input": "x"}))
    assert not any(key.startswith("gen_ai.") for key in span.attrs)


def test_opentelemetry_genai_attributes_win_over_langfuse_ones() -> None:
    theirs = '[{"role": "user", "content": "from the instrumentation"}]'
    span = normalize_span(
        _span(
            {
                "langfuse.observation.type": "generation",
                "langfuse.observation.input": "ours",
                "gen_ai.input.messages": theirs,
            }
        )
    )
    assert span.attrs["gen_ai.input.messages"] == theirs


def test_oversized_free_form_metadata_is_dropped_not_the_span() -> None:
    metadata = trace_metadata(
        {"langfuse.trace.metadata.blob": '"' + "x" * 10_000 + '"', "langfuse.trace.tags": ["t"]}, {}
    )
    assert metadata == {"tags": ["t"]}
