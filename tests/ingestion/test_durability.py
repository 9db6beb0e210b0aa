"""An accepted event is never lost: not when Redis forgets the queue, not when a worker dies.

Real parts only: the events go through HTTP into PostgreSQL, enrichment runs in a real Celery
worker process over the real Redis broker. Rows are committed (the worker is another process).
"""

from __future__ import annotations

import signal
import time
import uuid
from collections.abc import Iterator

import orjson
import pytest
import redis
from django.conf import settings
from django.db import connection
from django.test import Client, override_settings
from django_tenants.utils import schema_context

from apps.conversations.models import Conversation, Message
from apps.ingestion.models import IngestBatch, RawEvent
from apps.ingestion.services import stale_batches_requeue
from apps.registry.models import Assistant, Department
from apps.registry.services import api_key_create
from config.celery import app
from tests.conftest import ALPHA
from tests.fixtures.events import make_conversation
from tests.helpers import process_env, start_worker, stop


@pytest.fixture
def live_setup(organizations, django_db_blocker) -> Iterator[dict]:
    """Committed assistant + key in alpha, a private queue, eager mode off; all undone after."""
    tag = uuid.uuid4().hex[:8]
    queue = f"durability-{tag}"
    with django_db_blocker.unblock():
        with schema_context("alpha"):
            department = Department.objects.create(name=f"Durability {tag}")
            assistant = Assistant.objects.create(department=department, name="Durable", vendor="v", model="m")
            key = api_key_create(actor=None, assistant=assistant).plaintext
        connection.set_schema_to_public()
        app.conf.task_always_eager = False
        app.conf.task_default_queue = queue
        try:
            yield {"tag": tag, "queue": queue, "key": key, "assistant_id": assistant.pk, "blocker": django_db_blocker}
        finally:
            app.conf.task_always_eager = True
            app.conf.task_default_queue = "celery"
            with schema_context("alpha"):
                Assistant.objects.filter(pk=assistant.pk).delete()
                department.delete()
            connection.set_schema_to_public()


def _post(key: str, events: list[dict]) -> dict:
    response = Client(HTTP_HOST=ALPHA["domain"]).post(
        "/api/v1/events",
        data=orjson.dumps({"events": events}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert response.status_code == 200, response.content
    return response.json()


def _wait_enriched(assistant_id: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with schema_context("alpha"):
            if not IngestBatch.objects.filter(assistant_id=assistant_id, enriched_at__isnull=True).exists():
                return
        time.sleep(0.2)
    raise AssertionError("batches still not enriched")


def test_redis_losing_the_queue_after_200_loses_no_event(live_setup) -> None:
    s = live_setup
    with s["blocker"].unblock():
        body = _post(s["key"], make_conversation(f"r-{s['tag']}"))
        assert body["accepted"] == 5
        # Redis keeps nothing on disk here: a restart empties every queue. Do exactly that to ours.
        broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
        assert broker.llen(s["queue"]) == 1
        broker.delete(s["queue"])
        with schema_context("alpha"):
            assert RawEvent.objects.filter(assistant_id=s["assistant_id"]).count() == 5
            assert not Conversation.objects.filter(assistant_id=s["assistant_id"]).exists()
            with override_settings(INGEST_REQUEUE_AFTER_SECONDS=0):
                assert stale_batches_requeue() == 1
        worker = start_worker(s["queue"], process_env())
        try:
            _wait_enriched(s["assistant_id"])
        finally:
            log = stop(worker)
        with schema_context("alpha"):
            conversation = Conversation.objects.get(assistant_id=s["assistant_id"])
            assert conversation.outcome == "resolved", log
            assert Message.objects.filter(conversation=conversation).count() == 2


def test_killed_worker_loses_no_event(live_setup) -> None:
    s = live_setup
    with s["blocker"].unblock():
        for n in range(20):
            assert _post(s["key"], make_conversation(f"k{n}-{s['tag']}"))["accepted"] == 5
        worker = start_worker(s["queue"], process_env())
        time.sleep(1.5)
        worker.send_signal(signal.SIGKILL)  # no warm shutdown: whatever it held is gone
        worker.wait(timeout=10)
        with schema_context("alpha"), override_settings(INGEST_REQUEUE_AFTER_SECONDS=0):
            stale_batches_requeue()
        worker = start_worker(s["queue"], process_env())
        try:
            _wait_enriched(s["assistant_id"])
        finally:
            stop(worker)
        with schema_context("alpha"):
            assert RawEvent.objects.filter(assistant_id=s["assistant_id"]).count() == 100
            assert Conversation.objects.filter(assistant_id=s["assistant_id"], outcome="resolved").count() == 20
            assert Message.objects.filter(conversation__assistant_id=s["assistant_id"]).count() == 40
