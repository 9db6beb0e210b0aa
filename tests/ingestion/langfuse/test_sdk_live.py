"""The real ``langfuse`` SDK (5.x, from the index) against a live Tessera server.

An ``@observe``-decorated two-turn chat with a session and a user id, the whole history re-sent
to the model on the second turn, and a score on the last trace: flushed through the SDK's own
exporters (OTLP/HTTP protobuf with HTTP Basic, then ``POST /api/public/scores``), read back as
one conversation with two user and two assistant messages and one feedback.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from apps.conversations.models import Conversation, Feedback
from apps.ingestion.models import LangfuseTrace
from apps.registry.models import Assistant, ReleaseAnnotation
from tests.factories import AssistantFactory, issue_key
from tests.helpers import free_port, process_env, start_server, stop, wait_for_port

langfuse = pytest.importorskip("langfuse", minversion="5")

ANSWERS = {
    "How do I reset my password?": "Open Settings, then Security, then Reset password.",
    "And if I lost my phone?": "Use one of your recovery codes, or ask IT to reset your second factor.",
}


@pytest.fixture
def live(organizations, django_db_blocker) -> Iterator[dict[str, Any]]:
    """A committed assistant and key in Alpha, gunicorn on the test database; removed afterwards."""
    tag = uuid.uuid4().hex[:6]
    with django_db_blocker.unblock():
        with schema_context("alpha"):
            assistant = AssistantFactory(name=f"langfuse-{tag}")
            key = issue_key(assistant)
        connection.set_schema_to_public()
        port = free_port()
        server = start_server(port, process_env())
        try:
            wait_for_port(port, timeout=60)
            yield {"port": port, "key": key, "assistant_id": assistant.pk, "tag": tag, "blocker": django_db_blocker}
        finally:
            log = stop(server)
            with schema_context("alpha"):
                department = assistant.department
                Assistant.objects.filter(pk=assistant.pk).delete()
                department.delete()
            connection.set_schema_to_public()
            assert "Traceback" not in log, log


def test_observed_two_turn_chat_and_a_score_become_one_conversation(live) -> None:
    from langfuse import Langfuse, observe, propagate_attributes

    key, port = live["key"], live["port"]
    session, user = f"chat-{live['tag']}", f"user-{live['tag']}"
    client = Langfuse(
        public_key=key[: len("tsk_live_") + 12],  # the key's public prefix
        secret_key=key,  # the whole key
        base_url=f"http://127.0.0.1:{port}",
        # The organization is chosen by host name; *.localhost does not resolve here.
        additional_headers={"Host": f"alpha.localhost:{port}"},
        release=f"r-{live['tag']}",
        flush_at=100,
        flush_interval=60,
        # Enrichment runs inside the request in the test settings, and the server's first
        # request loads the NLP models: on a loaded machine that is more than the SDK's 5 s.
        timeout=170,
    )

    @observe(as_type="generation")
    def llm(messages: list[dict[str, str]]) -> str:
        return ANSWERS[messages[-1]["content"]]

    @observe()
    def chat_turn(history: list[dict[str, str]], question: str) -> str:
        with propagate_attributes(session_id=session, user_id=user, version="prompt-b", tags=["support"]):
            history.append({"role": "user", "content": question})
            answer = llm(list(history))  # the whole history, every turn
            history.append({"role": "assistant", "content": answer})
            return answer

    history: list[dict[str, str]] = [{"role": "system", "content": "You are the IT helpdesk."}]
    chat_turn(history, "How do I reset my password?")

    @observe()
    def rated_turn() -> None:
        chat_turn(history, "And if I lost my phone?")
        client.score_current_trace(name="user-feedback", value=1, data_type="BOOLEAN", comment="that worked")

    rated_turn()
    client.flush()
    client.shutdown()

    with live["blocker"].unblock(), schema_context("alpha"):
        conversations = Conversation.objects.filter(assistant_id=live["assistant_id"])
        assert [c.external_id for c in conversations] == [session]
        conversation = conversations[0]
        assert conversation.user_id == user
        messages = list(conversation.messages.order_by("ts", "id").values_list("role", "content"))
        assert [m for m in messages if m[0] != "system"] == [
            ("user", "How do I reset my password?"),
            ("assistant", ANSWERS["How do I reset my password?"]),
            ("user", "And if I lost my phone?"),
            ("assistant", ANSWERS["And if I lost my phone?"]),
        ]
        assert [m for m in messages if m[0] == "system"] == [("system", "You are the IT helpdesk.")]
        assert conversation.variant == "prompt-b"
        feedback = list(Feedback.objects.filter(conversation=conversation).values_list("rating", "comment"))
        assert feedback == [("up", "that worked")]
        rated = Feedback.objects.get(conversation=conversation).message
        assert rated is not None
        assert rated.content == ANSWERS["And if I lost my phone?"]
        assert LangfuseTrace.objects.filter(assistant_id=live["assistant_id"]).count() == 2
        releases = ReleaseAnnotation.objects.filter(assistant_id=live["assistant_id"]).values_list("text", flat=True)
        assert list(releases) == [f"Release r-{live['tag']}"]
