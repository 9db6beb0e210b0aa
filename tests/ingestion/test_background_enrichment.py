"""Without a broker, nothing waits for enrichment and nothing needs beat to finish it.

A real server (gunicorn, the test database, no Redis, ``TESSERA_EAGER_ENRICHMENT=background``):
a client that hangs up right after sending still gets its batch enriched and masked; the 200
comes before enrichment; a batch a dead process left unenriched is picked up when the next
process starts. And, in process: a client retry of a batch that is all duplicates re-queues the
first attempt's batch when it is still unenriched.
"""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import orjson
import pytest
import requests
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.conversations.models import Message
from apps.ingestion.models import IngestBatch, RawEvent
from apps.ingestion.services import events_ingest
from apps.registry.models import Assistant
from tests.factories import AssistantFactory, issue_key, sensitive_events
from tests.helpers import free_port, process_env, start_server, stop, wait_for_port

CARD = "4242 4242 4242 4242"
PHONE = "+44 20 7946 0958"
NAME = "Maria Gonzalez"


def _pii_batch(tag: str, conversations: int) -> list[dict]:
    events: list[dict] = []
    for i in range(conversations):
        text = f"Hi, I am {NAME}. My card {CARD} was charged, mail me at maria.{tag}{i}@example.org or call {PHONE}."
        events += sensitive_events(f"{tag}-c{i}", f"u{i}", text)
    return events


def _originals(tag: str) -> list[str]:
    return [CARD, PHONE, NAME, f"maria.{tag}"]


def _wait(predicate: Callable[[], bool], what: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with schema_context("alpha"):
            if predicate():
                return
        time.sleep(0.25)
    raise AssertionError(f"{what}: not after {timeout}s")


def _raw_with_originals(assistant_id: int, tag: str) -> int:
    rows = RawEvent.objects.filter(assistant_id=assistant_id, conversation_id__startswith=f"{tag}-")
    return sum(rows.filter(payload__content__icontains=value).count() for value in _originals(tag))


@pytest.fixture
def eager_server(organizations, django_db_blocker, monkeypatch) -> Iterator[dict[str, Any]]:
    """An assistant with a committed, never-enriched batch (its process died after the commit),
    then a server started in eager background mode; everything removed afterwards."""
    tag = uuid.uuid4().hex[:6]
    with django_db_blocker.unblock():
        with schema_context("alpha"):
            assistant = AssistantFactory(name=f"eager-{tag}")
            key = issue_key(assistant)
            # The broker boundary: the task of this batch is lost, as when the process that
            # accepted it is killed between the commit and running the task.
            with monkeypatch.context() as patch:
                patch.setattr("apps.ingestion.services.task_enqueue", lambda *args: None)
                left = events_ingest(assistant=assistant, events=_pii_batch(f"{tag}left", 5))
            assert _raw_with_originals(assistant.pk, f"{tag}left") == 5 * 4  # the scan is not vacuous
            # Older than INGEST_REQUEUE_AFTER_SECONDS: what a restart finds after a crash.
            IngestBatch.objects.filter(pk=left.batch_id).update(received_at=timezone.now() - timedelta(hours=1))
        connection.set_schema_to_public()
        port = free_port()
        server = start_server(port, process_env(REDIS_URL="", TESSERA_EAGER_ENRICHMENT="background"))
        try:
            wait_for_port(port)
            yield {
                "port": port,
                "key": key,
                "tag": tag,
                "assistant_id": assistant.pk,
                "left_batch": left.batch_id,
                "blocker": django_db_blocker,
            }
        finally:
            log = stop(server)
            with schema_context("alpha"):
                department = assistant.department
                Assistant.objects.filter(pk=assistant.pk).delete()
                department.delete()
            connection.set_schema_to_public()
            assert "Traceback" not in log, log


def _request(port: int, key: str, events: list[dict]) -> bytes:
    body = orjson.dumps({"events": events})
    head = (
        f"POST /api/v1/events HTTP/1.1\r\nHost: alpha.localhost:{port}\r\nAuthorization: Bearer {key}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + body


def test_enrichment_finishes_after_the_client_hangs_up_and_after_a_restart(eager_server) -> None:
    s = eager_server
    gone, answered = f"{s['tag']}gone", f"{s['tag']}ok"
    with s["blocker"].unblock():
        # The start-up sweep found the batch the dead process left, without beat.
        _wait(
            lambda: IngestBatch.objects.filter(pk=s["left_batch"], enriched_at__isnull=False).exists(),
            "batch left unenriched before start-up enriched",
            timeout=180,
        )
        with schema_context("alpha"):
            assert _raw_with_originals(s["assistant_id"], f"{s['tag']}left") == 0

        # A client that sends its batch and hangs up without reading the answer.
        with socket.create_connection(("127.0.0.1", s["port"])) as sock:
            sock.sendall(_request(s["port"], s["key"], _pii_batch(gone, 40)))
        _wait(
            lambda: (
                RawEvent.objects.filter(assistant_id=s["assistant_id"], conversation_id__startswith=gone).count() == 120
            ),
            "batch of the client that hung up committed",
            timeout=60,
        )

        # A client that waits gets its 200 before its batch is enriched (it queues behind the first).
        response = requests.post(
            f"http://127.0.0.1:{s['port']}/api/v1/events",
            data=orjson.dumps({"events": _pii_batch(answered, 40)}),
            headers={"Host": f"alpha.localhost:{s['port']}", "Authorization": f"Bearer {s['key']}"},
            timeout=60,
        )
        assert response.status_code == 200, response.text
        assert response.json() == {"accepted": 120, "duplicates": 0, "rejected": []}
        with schema_context("alpha"):
            pending = IngestBatch.objects.filter(assistant_id=s["assistant_id"], enriched_at__isnull=True).count()
        assert pending >= 1

        # Nobody does anything more: both batches get enriched and masked.
        _wait(
            lambda: not IngestBatch.objects.filter(assistant_id=s["assistant_id"], enriched_at__isnull=True).exists(),
            "every batch enriched",
            timeout=240,
        )
        with schema_context("alpha"):
            for tag in (gone, answered):
                assert _raw_with_originals(s["assistant_id"], tag) == 0, tag
                messages = Message.objects.filter(conversation__external_id__startswith=f"{tag}-", role="user")
                assert messages.count() == 40
                assert not messages.filter(content__contains=CARD).exists()
                assert messages.filter(content__contains="**** 4242").count() == 40
    connection.set_schema_to_public()


def test_retry_of_an_all_duplicate_batch_requeues_its_unenriched_batch(
    alpha_client, assistant, api_key, django_capture_on_commit_callbacks
) -> None:
    events = sensitive_events("c-retry", "u-retry", f"My card {CARD} was charged twice.")

    def post() -> dict:
        response = alpha_client.post(
            "/api/v1/events",
            data=orjson.dumps({"events": events}),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {api_key}",
        )
        assert response.status_code == 200, response.content
        return response.json()

    # First attempt: committed, but its task is lost (the callbacks never run).
    with django_capture_on_commit_callbacks(execute=False):
        assert post() == {"accepted": 3, "duplicates": 0, "rejected": []}
    batch = IngestBatch.objects.get(assistant=assistant)
    assert batch.enriched_at is None

    # The client retries: every event is a duplicate, and the first batch is enriched now.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert post() == {"accepted": 0, "duplicates": 3, "rejected": []}
    # One enrichment queued (the rollups it then refreshes add their own cache-version callback).
    assert [c.__qualname__ for c in callbacks].count("_enqueue_on_commit.<locals>.<lambda>") == 1
    batch.refresh_from_db()
    assert batch.enriched_at is not None
    assert RawEvent.objects.get(event_id="c-retry-e1").payload["content"] == "My card **** 4242 was charged twice."
    assert IngestBatch.objects.filter(assistant=assistant).count() == 1

    # Once enriched, a further retry queues nothing.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert post() == {"accepted": 0, "duplicates": 3, "rejected": []}
    assert callbacks == []
