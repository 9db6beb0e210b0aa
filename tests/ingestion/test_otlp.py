"""The OTLP/HTTP receiver over HTTP: encodings, auth, the log↔span join, parity with the JSON
batch API, and a real OpenTelemetry SDK + OTLP exporter against a live server."""

from __future__ import annotations

import gzip
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
import requests
from django.db import connection
from django_tenants.utils import schema_context
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceResponse
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse

from apps.conversations.models import Conversation, Message
from apps.ingestion.models import IngestBatch, RawEvent
from apps.registry.models import Assistant
from tests.factories import AssistantFactory, issue_key
from tests.helpers import (
    free_port,
    otlp_json,
    otlp_log,
    otlp_logs,
    otlp_span,
    otlp_traces,
    process_env,
    start_server,
    stop,
    wait_for_port,
)

TRACE = "5b8efff798038103d269b633813fc60c"
APP_SPAN = "eee19b7ec3c1b174"
LLM_SPAN = "b7ad6b7169203331"
SYSTEM = "You are a helpdesk assistant."
QUESTION = "How do I reset my password?"
ANSWER = "Open Settings → Security."
PROTOBUF = "application/x-protobuf"


def _parts(role: str, text: str) -> dict[str, Any]:
    return {"role": role, "parts": [{"type": "text", "content": text}]}


def _chat_attrs(history: list[dict] | None = None, answer: str = ANSWER, **extra: Any) -> dict[str, Any]:
    return {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.response.model": "gpt-4o-mini",
        "gen_ai.usage.input_tokens": 40,
        "gen_ai.usage.output_tokens": 12,
        "gen_ai.system_instructions": orjson.dumps([{"type": "text", "content": SYSTEM}]).decode(),
        "gen_ai.input.messages": orjson.dumps(history or [_parts("user", QUESTION)]).decode(),
        "gen_ai.output.messages": orjson.dumps([_parts("assistant", answer)]).decode(),
        **extra,
    }


def _interaction(conversation: str, start: datetime, *, trace: str = TRACE, **app_attrs: Any) -> Any:
    end = start + timedelta(milliseconds=812)
    return otlp_traces(
        otlp_span(
            trace_id=trace,
            span_id=APP_SPAN,
            start=start,
            end=end,
            name="handle_chat",
            attrs={"gen_ai.conversation.id": conversation, "user.id": "u1", **app_attrs},
        ),
        otlp_span(trace_id=trace, span_id=LLM_SPAN, parent=APP_SPAN, start=start, end=end, attrs=_chat_attrs()),
    )


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)


def test_protobuf_traces_become_a_conversation(post_otlp, assistant) -> None:
    response = post_otlp(_interaction("conv-pb", _now()).SerializeToString())
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == PROTOBUF
    assert ExportTraceServiceResponse.FromString(response.content) == ExportTraceServiceResponse()

    conversation = Conversation.objects.get(assistant=assistant, external_id="conv-pb")
    assert conversation.user_id == "u1"
    assert (conversation.user_messages, conversation.assistant_messages) == (1, 1)
    messages = list(conversation.messages.values_list("role", "content", "model", "output_tokens", "latency_ms"))
    assert messages == [
        ("system", SYSTEM, None, None, None),
        ("user", QUESTION, None, None, None),
        ("assistant", ANSWER, "gpt-4o-mini", 12, 812),
    ]
    assert IngestBatch.objects.get(assistant=assistant).source == "otlp"
    assert (
        RawEvent.objects.get(assistant=assistant, payload__role="assistant").payload["metadata"]["vendor"] == "openai"
    )


def test_json_with_gzip_is_accepted_and_answered_in_json(post_otlp, assistant) -> None:
    body = gzip.compress(otlp_json(_interaction("conv-json", _now())))
    response = post_otlp(body, content_type="application/json", HTTP_CONTENT_ENCODING="gzip")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    assert response.json() == {}
    assert Message.objects.filter(conversation__external_id="conv-json").count() == 3


def test_resending_history_stores_each_message_once(post_otlp, assistant) -> None:
    start = _now()
    assert post_otlp(_interaction("conv-h", start).SerializeToString()).status_code == 200
    turn2 = otlp_traces(
        otlp_span(
            trace_id="0af7651916cd43dd8448eb211c80319c",
            span_id=LLM_SPAN,
            start=start + timedelta(seconds=30),
            end=start + timedelta(seconds=31),
            attrs=_chat_attrs(
                [_parts("user", QUESTION), _parts("assistant", ANSWER), _parts("user", "And for admins?")],
                answer="Ask IT.",
                **{"gen_ai.conversation.id": "conv-h", "user.id": "u1"},
            ),
        )
    )
    assert post_otlp(turn2.SerializeToString()).status_code == 200
    assert post_otlp(turn2.SerializeToString()).status_code == 200  # an exporter retry
    conversation = Conversation.objects.get(assistant=assistant, external_id="conv-h")
    assert list(conversation.messages.values_list("role", "content")) == [
        ("system", SYSTEM),
        ("user", QUESTION),
        ("assistant", ANSWER),
        ("user", "And for admins?"),
        ("assistant", "Ask IT."),
    ]
    assert (conversation.user_messages, conversation.assistant_messages) == (2, 2)
    assert RawEvent.objects.filter(assistant=assistant).count() == 5


def test_spans_older_than_the_window_are_reported_as_partial_success(post_otlp, assistant) -> None:
    old = otlp_span(
        trace_id="0af7651916cd43dd8448eb211c80319c",
        span_id="00f067aa0ba902b7",
        start=_now() - timedelta(days=31),
        end=_now() - timedelta(days=31),
        attrs=_chat_attrs(**{"gen_ai.conversation.id": "conv-old"}),
    )
    fresh = _interaction("conv-fresh", _now())
    fresh.resource_spans[0].scope_spans[0].spans.append(old)
    response = post_otlp(fresh.SerializeToString())
    assert response.status_code == 200
    partial = ExportTraceServiceResponse.FromString(response.content).partial_success
    assert partial.rejected_spans == 1
    assert partial.error_message.startswith("span 00f067aa0ba902b7: timestamp: older than 30 days")
    assert Conversation.objects.filter(assistant=assistant, external_id="conv-fresh").exists()
    assert not RawEvent.objects.filter(conversation_id="conv-old").exists()

    response = post_otlp(otlp_json(fresh), content_type="application/json")
    assert response.json() == {"partialSuccess": {"rejectedSpans": "1", "errorMessage": partial.error_message}}


def _content_logs(start: datetime) -> Any:
    end = start + timedelta(milliseconds=812)
    return otlp_logs(
        otlp_log(
            trace_id=TRACE, span_id=LLM_SPAN, event_name="gen_ai.user.message", at=start, body={"content": QUESTION}
        ),
        otlp_log(
            trace_id=TRACE,
            span_id=LLM_SPAN,
            event_name="gen_ai.choice",
            at=end,
            body={"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": ANSWER}},
        ),
    )


def _span_without_content(conversation: str, start: datetime) -> Any:
    attrs = {k: v for k, v in _chat_attrs().items() if "messages" not in k and "instructions" not in k}
    return otlp_traces(
        otlp_span(
            trace_id=TRACE,
            span_id=LLM_SPAN,
            start=start,
            end=start + timedelta(milliseconds=812),
            attrs={**attrs, "gen_ai.conversation.id": conversation, "user.id": "u1"},
        )
    )


@pytest.mark.parametrize("logs_first", [True, False])
def test_log_records_join_spans_sent_in_another_request(post_otlp, assistant, logs_first: bool) -> None:
    """The official OpenAI instrumentation: spans without content, content in log records."""
    conversation = f"conv-logs-{uuid.uuid4().hex[:8]}"
    start = _now()
    traces, logs = _span_without_content(conversation, start), _content_logs(start)
    first, second = ((logs, "logs"), (traces, "traces")) if logs_first else ((traces, "traces"), (logs, "logs"))

    response = post_otlp(first[0].SerializeToString(), signal=first[1])
    assert response.status_code == 200
    assert not Conversation.objects.filter(assistant=assistant, external_id=conversation).exists()
    response = post_otlp(second[0].SerializeToString(), signal=second[1])
    assert response.status_code == 200
    if second[1] == "logs":
        assert ExportLogsServiceResponse.FromString(response.content) == ExportLogsServiceResponse()

    stored = Conversation.objects.get(assistant=assistant, external_id=conversation)
    assert list(stored.messages.values_list("role", "content", "output_tokens")) == [
        ("user", QUESTION, None),
        ("assistant", ANSWER, 12),
    ]


def test_metrics_are_accepted_and_ignored(post_otlp, assistant) -> None:
    response = post_otlp(ExportMetricsServiceRequest().SerializeToString(), signal="metrics")
    assert response.status_code == 200
    assert response.content == b""  # an empty ExportMetricsServiceResponse
    response = post_otlp(b"{}", signal="metrics", content_type="application/json")
    assert (response.status_code, response.json()) == (200, {})
    assert not IngestBatch.objects.exists()


def test_bad_requests(post_otlp, alpha_client, beta, api_key) -> None:
    response = post_otlp(b"\xff\xff\xff")
    assert response.status_code == 400
    assert "not a valid protobuf ExportTraceServiceRequest" in response.json()["detail"]
    response = post_otlp(b"[1]", content_type="application/json", signal="logs")
    assert (response.status_code, response.json()["detail"]) == (
        400,
        "body must be a JSON object (ExportLogsServiceRequest)",
    )
    response = post_otlp(b"x", content_type="text/plain", HTTP_ACCEPT="application/x-protobuf")
    assert response.status_code == 415
    assert "unsupported Content-Type 'text/plain'" in response.json()["detail"]
    response = post_otlp(b"not gzip", HTTP_CONTENT_ENCODING="gzip")
    assert (response.status_code, response.json()["detail"]) == (400, "body is not valid gzip")

    body = _interaction("conv-auth", _now()).SerializeToString()
    assert post_otlp(body, key="").status_code == 401
    with schema_context(beta.schema_name):
        beta_key = issue_key(AssistantFactory(name="Beta bot"))
    response = post_otlp(body, key=beta_key)
    assert response.status_code == 403
    assert "another organization" in response.json()["detail"]
    assert not RawEvent.objects.exists()
    with schema_context(beta.schema_name):
        assert not RawEvent.objects.exists()


# --- a real OpenTelemetry client against a live server ----------------------------------------


@pytest.fixture(scope="module")
def tessera_server(organizations, django_db_blocker) -> Iterator[dict[str, Any]]:
    """The production server command on a free port, against the test database; tasks run eagerly in it."""
    with django_db_blocker.unblock():
        env = process_env()
    port = free_port()
    server = start_server(port, env)
    wait_for_port(port)
    # alpha.localhost does not resolve on every machine; the tenant is chosen by the Host header.
    yield {"url": f"http://127.0.0.1:{port}", "host": f"alpha.localhost:{port}"}
    stop(server)


@pytest.fixture
def committed_assistants(organizations, django_db_blocker) -> Iterator[list[tuple[Assistant, str]]]:
    """Two assistants and keys the server process can see: committed, not inside a test transaction."""
    tag = uuid.uuid4().hex[:8]
    with django_db_blocker.unblock():
        with schema_context("alpha"):
            made = [AssistantFactory(name=f"otlp-{name}-{tag}") for name in ("a", "b")]
            pairs = [(assistant, issue_key(assistant)) for assistant in made]
        yield pairs
        with schema_context("alpha"):
            for assistant, _ in pairs:
                department = assistant.department
                Assistant.objects.filter(pk=assistant.pk).delete()  # cascades to events and conversations
                department.delete()
        connection.set_schema_to_public()


def _ns(moment: datetime) -> int:
    return int(moment.timestamp()) * 1_000_000_000 + moment.microsecond * 1_000


def _export_with_sdk(server: dict[str, Any], key: str, build: Callable[[Any], None]) -> None:
    """Run ``build(tracer)`` with the real SDK and flush through the real OTLP/HTTP exporter."""
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    exporter = OTLPSpanExporter(
        endpoint=f"{server['url']}/api/v1/otlp/v1/traces",
        headers={"Authorization": f"Bearer {key}", "Host": server["host"]},
        timeout=120,  # the server's first request loads the NLP models
    )
    provider = TracerProvider(resource=Resource.create({"service.name": "helpdesk-bot"}))
    provider.add_span_processor(BatchSpanProcessor(exporter))
    build(provider.get_tracer("tests.otlp"))
    assert provider.force_flush(150_000)
    provider.shutdown()


def _read_back(server: dict[str, Any], key: str, conversation: str) -> dict[str, Any]:
    response = requests.get(
        f"{server['url']}/api/v1/conversations/{conversation}",
        headers={"Authorization": f"Bearer {key}", "Host": server["host"]},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_real_opentelemetry_exporter_lands_in_the_right_tenant(
    tessera_server, committed_assistants, django_db_blocker
) -> None:
    (assistant, key), _ = committed_assistants
    conversation = f"otel-{uuid.uuid4().hex[:8]}"

    def build(tracer: Any) -> None:
        with tracer.start_as_current_span("handle_chat") as app_span:
            app_span.set_attribute("gen_ai.conversation.id", conversation)
            app_span.set_attribute("user.id", "e2e-user")
            with tracer.start_as_current_span("chat gpt-4o-mini") as chat:
                for name, value in _chat_attrs().items():
                    chat.set_attribute(name, value)
                chat.add_event(
                    "gen_ai.evaluation.result",
                    {"gen_ai.evaluation.name": "user_feedback", "gen_ai.evaluation.score.label": "thumbs_up"},
                )
            with tracer.start_as_current_span("GET /health") as http:  # not GenAI: ignored
                http.set_attribute("http.request.method", "GET")

    _export_with_sdk(tessera_server, key, build)
    data = _read_back(tessera_server, key, conversation)
    assert [(m["role"], m["content"]) for m in data["messages"]] == [
        ("system", SYSTEM),
        ("user", QUESTION),
        ("assistant", ANSWER),
    ]
    assert data["user_id"] == "e2e-user"
    assert (data["messages"][2]["model"], data["messages"][2]["output_tokens"]) == ("gpt-4o-mini", 12)
    assert [f["rating"] for f in data["feedback"]] == ["up"]

    with django_db_blocker.unblock():
        with schema_context("alpha"):
            assert Conversation.objects.get(external_id=conversation).assistant_id == assistant.pk
            assert RawEvent.objects.filter(conversation_id=conversation).count() == 4
        with schema_context("beta"):
            assert not Conversation.objects.filter(external_id=conversation).exists()
            assert not RawEvent.objects.filter(conversation_id=conversation).exists()
        connection.set_schema_to_public()


def test_json_batch_and_otlp_yield_identical_conversations(tessera_server, committed_assistants) -> None:
    """The same interaction sent both ways (two assistants), read back, compared field by field."""
    (_, json_key), (_, otlp_key) = committed_assistants
    conversation = f"twin-{uuid.uuid4().hex[:8]}"
    start = _now()
    end = start + timedelta(milliseconds=812)
    act, rate, close = (end + timedelta(seconds=s) for s in (5, 6, 7))

    common = {"conversation_id": conversation, "user_id": "u1", "feature": "chat", "variant": "prompt-a"}
    message = {**common, "type": "message", "user": {"locale": "en-US"}}
    events = [
        {
            **message,
            "id": "j1",
            "timestamp": start.isoformat(),
            "message_id": "m1",
            "role": "system",
            "content": SYSTEM,
        },
        {
            **message,
            "id": "j2",
            "timestamp": start.isoformat(),
            "message_id": "m2",
            "role": "user",
            "content": QUESTION,
        },
        {
            **message,
            "id": "j3",
            "timestamp": end.isoformat(),
            "message_id": "m3",
            "role": "assistant",
            "content": ANSWER,
            "model": "gpt-4o-mini",
            "latency_ms": 812,
            "input_tokens": 40,
            "output_tokens": 12,
        },
        {**common, "id": "j4", "type": "action", "timestamp": act.isoformat(), "message_id": "m3", "action": "copy"},
        {
            **common,
            "id": "j5",
            "type": "feedback",
            "timestamp": rate.isoformat(),
            "message_id": "m3",
            "rating": "up",
            "comment": "thanks",
        },
        {**common, "id": "j6", "type": "outcome", "timestamp": close.isoformat(), "outcome": "resolved"},
    ]
    response = requests.post(
        f"{tessera_server['url']}/api/v1/events",
        data=orjson.dumps({"events": events}),
        headers={
            "Authorization": f"Bearer {json_key}",
            "Host": tessera_server["host"],
            "Content-Type": "application/json",
        },
        timeout=30,
    )
    assert response.json() == {"accepted": 6, "duplicates": 0, "rejected": []}

    def build(tracer: Any) -> None:
        app_attrs = {
            "gen_ai.conversation.id": conversation,
            "user.id": "u1",
            "tessera.feature": "chat",
            "tessera.variant": "prompt-a",
            "tessera.user.locale": "en-US",
        }
        app_span = tracer.start_span("handle_chat", start_time=_ns(start), attributes=app_attrs)
        from opentelemetry import trace

        with trace.use_span(app_span, end_on_exit=False):
            chat = tracer.start_span("chat gpt-4o-mini", start_time=_ns(start), attributes=_chat_attrs())
            evaluations = [
                (act, {"gen_ai.evaluation.name": "user_action", "gen_ai.evaluation.score.label": "copy"}),
                (
                    rate,
                    {
                        "gen_ai.evaluation.name": "user_feedback",
                        "gen_ai.evaluation.score.label": "thumbs_up",
                        "gen_ai.evaluation.explanation": "thanks",
                    },
                ),
                (close, {"gen_ai.evaluation.name": "outcome", "gen_ai.evaluation.score.label": "resolved"}),
            ]
            for at, attrs in evaluations:
                chat.add_event("gen_ai.evaluation.result", attrs, timestamp=_ns(at))
            chat.end(end_time=_ns(end))
        app_span.end(end_time=_ns(end))

    _export_with_sdk(tessera_server, otlp_key, build)

    def normalized(key: str) -> dict[str, Any]:
        data = _read_back(tessera_server, key, conversation)
        # message ids differ by construction (client's vs derived); compare what they point at
        positions = {m.pop("message_id"): i for i, m in enumerate(data["messages"])}
        for item in data["actions"] + data["feedback"]:
            item["message_id"] = positions.get(item["message_id"])
        del data["assistant"], data["assistant_id"]
        return data

    via_json, via_otlp = normalized(json_key), normalized(otlp_key)
    assert via_otlp == via_json
    assert [m["role"] for m in via_otlp["messages"]] == ["system", "user", "assistant"]
    assert (via_otlp["messages"][2]["output_tokens"], via_otlp["messages"][2]["latency_ms"]) == (12, 812)
    assert [(a["action"], a["message_id"]) for a in via_otlp["actions"]] == [("copy", 2)]
    assert [(f["rating"], f["comment"], f["message_id"]) for f in via_otlp["feedback"]] == [("up", "thanks", 2)]
    assert (via_otlp["outcome"], via_otlp["user_locale"], via_otlp["variant"]) == ("resolved", "en-US", "prompt-a")


@pytest.mark.parametrize("signal", ["traces", "logs"])
def test_backlog_over_bound_is_429_for_otlp_too(post_otlp, assistant, signal: str) -> None:
    from django.core.cache import cache
    from django.test import override_settings

    IngestBatch.objects.create(assistant=assistant, accepted=50)
    cache.clear()
    body = _interaction("conv-429", _now()).SerializeToString() if signal == "traces" else b"{}"
    with override_settings(INGEST_MAX_BACKLOG_EVENTS=10, INGEST_RETRY_AFTER_SECONDS=23):
        response = post_otlp(body, signal=signal, content_type=PROTOBUF if signal == "traces" else "application/json")
    cache.clear()
    assert response.status_code == 429
    assert response["Retry-After"] == "23"
    assert not RawEvent.objects.exists()
