"""Load: concurrent clients and retried batches through the production server lose nothing and
store nothing twice. Slow (`make test-slow`), not part of the default run."""

from __future__ import annotations

import random
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import orjson
import pytest
import requests
from django.db import connection
from django_tenants.utils import schema_context

from apps.ingestion.models import RawEvent
from apps.registry.models import Assistant
from tests.factories import AssistantFactory, issue_key
from tests.helpers import free_port, process_env, start_server, stop, wait_for_port

pytestmark = pytest.mark.slow

BATCHES = 60
CLIENTS = 4


@pytest.fixture
def live(organizations, django_db_blocker) -> Iterator[dict]:
    with django_db_blocker.unblock():
        with schema_context("alpha"):
            assistant = AssistantFactory(name=f"load-{uuid.uuid4().hex[:6]}")
            key = issue_key(assistant)
        env = process_env(REDIS_URL="")  # no worker needed: enrichment runs in the request
        port = free_port()
        server = start_server(port, env)
        wait_for_port(port)
        try:
            yield {
                "url": f"http://127.0.0.1:{port}",
                "host": f"alpha.localhost:{port}",
                "key": key,
                "assistant": assistant,
                "blocker": django_db_blocker,
            }
        finally:
            stop(server)
            with schema_context("alpha"):
                department = assistant.department
                Assistant.objects.filter(pk=assistant.pk).delete()
                department.delete()
            connection.set_schema_to_public()


def _batch(run: str, b: int) -> list[dict]:
    now = datetime.now(UTC) - timedelta(minutes=5)
    return [
        {
            "id": f"{run}-{b}-{i}",
            "type": "message",
            "timestamp": (now + timedelta(milliseconds=i)).isoformat(),
            "conversation_id": f"{run}-c{b}-{i // 10}",
            "user_id": f"u{i % 37}",
            "message_id": f"{run}-m{b}-{i}",
            "role": "user" if i % 2 == 0 else "assistant",
            "content": f"message {i} of batch {b}",
        }
        for i in range(1000)
    ]


def test_concurrent_clients_with_retries_store_every_event_once(live) -> None:
    run = uuid.uuid4().hex[:6]
    rng = random.Random(5)
    # Every batch once, plus a retry of a fifth of them (as a client would after a timeout).
    plan = list(range(BATCHES)) + rng.sample(range(BATCHES), BATCHES // 5)
    rng.shuffle(plan)
    results: list[tuple[int, dict]] = []
    lock = threading.Lock()

    def client(items: list[int]) -> None:
        session = requests.Session()
        for b in items:
            response = session.post(
                f"{live['url']}/api/v1/events",
                data=orjson.dumps({"events": _batch(run, b)}),
                headers={
                    "Host": live["host"],
                    "Authorization": f"Bearer {live['key']}",
                    "Content-Type": "application/json",
                },
                timeout=300,
            )
            with lock:
                results.append((response.status_code, response.json()))

    threads = [threading.Thread(target=client, args=(plan[i::CLIENTS],)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert [status for status, _ in results] == [200] * len(plan)
    assert sum(body["accepted"] for _, body in results) == BATCHES * 1000
    assert sum(body["duplicates"] for _, body in results) == (len(plan) - BATCHES) * 1000
    with live["blocker"].unblock(), schema_context("alpha"):
        assert RawEvent.objects.filter(assistant=live["assistant"]).count() == BATCHES * 1000
        assert not RawEvent.objects.filter(assistant=live["assistant"], batch__enriched_at__isnull=True).exists()
    connection.set_schema_to_public()
