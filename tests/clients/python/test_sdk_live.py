"""The SDK against the real server (gunicorn, the test database), through a fault-injecting proxy.

Events arrive with every field; retries after failures before and after the server stored a
batch lose nothing and store nothing twice (the server dedupes on the client's event ids);
Retry-After is waited out; rejected events are reported and not retried; a script that exits
without flushing still delivers.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from django.db import connection
from django_tenants.utils import schema_context
from tessera_sdk import RejectedEvent, Tessera

from apps.ingestion.models import RawEvent
from apps.registry.models import Assistant
from tests.clients.python.conftest import SDK_ROOT
from tests.clients.python.proxy import PASS, drop_connection, fail, lose_answer, running_proxy
from tests.factories import AssistantFactory, issue_key
from tests.helpers import free_port, process_env, start_server, stop, wait_for_port

HOST = "alpha.localhost"


@dataclass
class Live:
    port: int
    key: str
    assistant_id: int
    blocker: Any

    def raw(self, conversation_prefix: str) -> list[RawEvent]:
        with self.blocker.unblock(), schema_context("alpha"):
            return list(
                RawEvent.objects.filter(
                    assistant_id=self.assistant_id, conversation_id__startswith=conversation_prefix
                ).order_by("id")
            )


@pytest.fixture(scope="module")
def live(organizations, django_db_blocker) -> Iterator[Live]:
    """A committed assistant and key, and the production server command serving them."""
    with django_db_blocker.unblock():
        with schema_context("alpha"):
            assistant = AssistantFactory(name=f"sdk-{uuid.uuid4().hex[:6]}")
            key = issue_key(assistant)
        connection.set_schema_to_public()
        port = free_port()
        server = start_server(port, process_env(REDIS_URL="", TESSERA_EAGER_ENRICHMENT="background"))
        try:
            wait_for_port(port)
            # The first request of a fresh process imports and connects; take that cost here.
            requests.get(f"http://127.0.0.1:{port}/healthz", headers={"Host": f"{HOST}:{port}"}, timeout=120)
            yield Live(port=port, key=key, assistant_id=assistant.pk, blocker=django_db_blocker)
        finally:
            log = stop(server)
            with schema_context("alpha"):
                department = assistant.department
                Assistant.objects.filter(pk=assistant.pk).delete()
                department.delete()
            connection.set_schema_to_public()
            assert "Traceback" not in log, log


def _client(url: str, key: str, **options: Any) -> Tessera:
    # A generous request timeout: a test that counts attempts must not see a slow answer from a
    # loaded machine turned into a retry (that retry would be correct, but not the test's point).
    options = {"backoff_base": 0.05, "backoff_max": 0.5, "flush_interval": 0.2, "timeout": 120, **options}
    return Tessera(key, url, **options)


def test_every_event_type_arrives_with_its_fields(live: Live) -> None:
    conv = f"sdk-all-{uuid.uuid4().hex[:8]}"
    with running_proxy(live.port, HOST) as proxy:
        tessera = _client(proxy.url, live.key)
        tessera.message(
            conversation_id=conv,
            user_id="u-1",
            role="user",
            content="How do I reset my password?",
            user={"locale": "en-GB", "region": "EU"},
            metadata={"plan": "pro"},
        )
        answer = tessera.message(
            conversation_id=conv,
            user_id="u-1",
            role="assistant",
            content="Open Settings.",
            model="gpt-4o-mini",
            variant="B",
            latency_ms=820,
            input_tokens=30,
            output_tokens=12,
            cost_usd=0.0004,
        )
        copy_id = tessera.action(conversation_id=conv, user_id="u-1", message_id=answer, action="copy")
        tessera.feedback(conversation_id=conv, user_id="u-1", message_id=answer, rating="up", comment="thanks")
        tessera.outcome(conversation_id=conv, user_id="u-1", outcome="resolved")
        assert tessera.flush(timeout=60)
        tessera.close()

    rows = live.raw(conv)
    assert [(r.type, r.user_id) for r in rows] == [
        ("message", "u-1"),
        ("message", "u-1"),
        ("action", "u-1"),
        ("feedback", "u-1"),
        ("outcome", "u-1"),
    ]
    assert rows[0].payload["user"] == {"locale": "en-GB", "region": "EU"}
    assert rows[0].payload["metadata"] == {"plan": "pro"}
    assert rows[1].message_id == answer == rows[1].event_id
    assert {k: rows[1].payload[k] for k in ("role", "model", "variant", "latency_ms", "output_tokens")} == {
        "role": "assistant",
        "model": "gpt-4o-mini",
        "variant": "B",
        "latency_ms": 820,
        "output_tokens": 12,
    }
    assert (rows[2].event_id, rows[2].message_id, rows[2].payload["action"]) == (copy_id, answer, "copy")
    assert (rows[3].payload["rating"], rows[3].payload["comment"]) == ("up", "thanks")
    assert rows[4].payload["outcome"] == "resolved"
    assert (tessera.stats.accepted, tessera.stats.duplicates, tessera.stats.dropped) == (5, 0, 0)
    assert len(proxy.attempts) == 1  # one batch


def test_retries_lose_nothing_and_duplicate_nothing(live: Live) -> None:
    conv = f"sdk-retry-{uuid.uuid4().hex[:8]}"
    script = [
        fail(503),  # the server never saw it
        lose_answer(502),  # stored, but the client sees a 502
        drop_connection(),  # stored again? no: duplicates; the client sees the connection close
        fail(500),
        PASS,  # the first batch finally gets its answer: all duplicates
        fail(504),  # the second batch: one failure, then through
    ]
    with running_proxy(live.port, HOST, script) as proxy:
        tessera = _client(proxy.url, live.key, max_batch_size=100, flush_interval=5)
        sent = [
            tessera.message(conversation_id=f"{conv}-{i // 10}", user_id=f"u{i % 7}", role="user", content=f"q{i}")
            for i in range(150)
        ]
        assert tessera.flush(timeout=120)
        tessera.close()

    rows = live.raw(conv)
    assert sorted(r.event_id for r in rows) == sorted(sent)  # nothing lost, nothing twice
    assert len(rows) == 150
    steps = [a.step for a in proxy.attempts]
    assert steps == [*script, PASS]
    first, second = proxy.attempts[:5], proxy.attempts[5:]
    # Every retry carried exactly the ids of its first attempt, generated once at the call.
    assert all(a.ids == sent[:100] for a in first)
    assert all(a.ids == sent[100:] for a in second)
    # The server stored the batch at the first attempt that reached it and answered the rest as duplicates.
    assert [a.upstream["body"] for a in first if a.upstream] == [
        {"accepted": 100, "duplicates": 0, "rejected": []},
        {"accepted": 0, "duplicates": 100, "rejected": []},
        {"accepted": 0, "duplicates": 100, "rejected": []},
    ]
    s = tessera.stats
    assert (s.queued, s.accepted, s.duplicates, s.rejected, s.dropped, s.retries) == (150, 50, 100, 0, 0, 5)


def test_retry_after_is_waited_out(live: Live) -> None:
    conv = f"sdk-ra-{uuid.uuid4().hex[:8]}"
    with running_proxy(live.port, HOST, [fail(429, "2"), fail(503, "1")]) as proxy:
        # Backoff alone would retry within 10 ms: only Retry-After explains the waits.
        tessera = _client(proxy.url, live.key, backoff_base=0.01, backoff_max=0.01)
        event_id = tessera.outcome(conversation_id=conv, user_id="u", outcome="abandoned")
        assert tessera.flush(timeout=30)
        tessera.close()
    times = [a.at for a in proxy.attempts]
    assert len(times) == 3
    assert 2.0 <= times[1] - times[0] < 3.5
    assert 1.0 <= times[2] - times[1] < 2.5
    assert [r.event_id for r in live.raw(conv)] == [event_id]


def test_rejected_events_are_reported_and_not_retried(live: Live, caplog: pytest.LogCaptureFixture) -> None:
    conv = f"sdk-rej-{uuid.uuid4().hex[:8]}"
    reported: list[RejectedEvent] = []
    with running_proxy(live.port, HOST) as proxy:
        tessera = _client(proxy.url, live.key, on_rejected=reported.extend)
        with caplog.at_level(logging.WARNING, logger="tessera_sdk"):
            kept = tessera.message(conversation_id=conv, user_id="u", role="user", content="secret words")
            stale = tessera.message(
                conversation_id=conv,
                user_id="u",
                role="user",
                content="secret words",
                timestamp=datetime.now(UTC) - timedelta(days=40),
            )
            assert tessera.flush(timeout=30)
        tessera.close()
    assert len(proxy.attempts) == 1
    assert reported == [RejectedEvent(id=stale, errors={"timestamp": "older than 30 days"})]
    assert [r.event_id for r in live.raw(conv)] == [kept]
    assert (tessera.stats.accepted, tessera.stats.rejected, tessera.stats.dropped) == (1, 1, 0)
    assert f"event {stale} rejected" in caplog.text
    assert "secret words" not in caplog.text  # the log names the field, never the content


def test_a_bad_key_is_not_retried(live: Live) -> None:
    with running_proxy(live.port, HOST) as proxy:
        tessera = _client(proxy.url, "tsk_live_000000000000_not-a-key")
        tessera.outcome(conversation_id="sdk-badkey", user_id="u", outcome="resolved")
        assert tessera.flush(timeout=30)
        tessera.close()
    assert len(proxy.attempts) == 1
    assert proxy.attempts[0].upstream["status"] == 401
    assert (tessera.stats.accepted, tessera.stats.dropped) == (0, 1)


def test_a_script_that_exits_without_flushing_delivers_its_events(live: Live) -> None:
    conv = f"sdk-exit-{uuid.uuid4().hex[:8]}"
    script = textwrap.dedent(
        f"""
        import sys
        from tessera_sdk import Tessera
        tessera = Tessera(sys.argv[1], sys.argv[2], flush_interval=600, timeout=60, shutdown_timeout=60)  # only the exit hook can send
        for i in range(25):
            tessera.message(conversation_id="{conv}", user_id="u", role="user", content=f"q{{i}}")
        print(tessera.stats.accepted)
        """
    )
    with running_proxy(live.port, HOST) as proxy:
        env = {**os.environ, "PYTHONPATH": str(SDK_ROOT)}
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-c", script, live.key, proxy.url], env=env, capture_output=True, text=True, timeout=60
        )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "0"  # nothing had been sent when the script ended
    assert time.monotonic() - started < 60
    assert len(live.raw(conv)) == 25
    assert len(proxy.attempts) == 1


def test_a_forked_child_sends_its_own_events(live: Live) -> None:
    conv = f"sdk-fork-{uuid.uuid4().hex[:8]}"
    script = textwrap.dedent(
        f"""
        import os, sys
        from tessera_sdk import Tessera
        tessera = Tessera(sys.argv[1], sys.argv[2], flush_interval=0.1, timeout=60, shutdown_timeout=60)
        def send(who, n):
            for i in range(n):
                tessera.message(conversation_id="{conv}", user_id=who, role="user", content=f"q{{i}}")
        send("parent", 2)
        assert tessera.flush(30)
        pid = os.fork()  # the sender thread does not survive into the child
        if pid == 0:
            send("child", 3)
            sys.exit(0)  # the exit hook delivers the child's events
        _, status = os.waitpid(pid, 0)
        assert status == 0, status
        send("parent", 1)
        """
    )
    with running_proxy(live.port, HOST) as proxy:
        env = {**os.environ, "PYTHONPATH": str(SDK_ROOT)}
        done = subprocess.run(
            [sys.executable, "-c", script, live.key, proxy.url], env=env, capture_output=True, text=True, timeout=60
        )
    assert done.returncode == 0, done.stderr
    rows = live.raw(conv)
    assert sorted(r.user_id for r in rows) == ["child"] * 3 + ["parent"] * 3


def test_flush_sends_a_partly_filled_batch_at_once(live: Live) -> None:
    conv = f"sdk-flush-{uuid.uuid4().hex[:8]}"
    with running_proxy(live.port, HOST) as proxy:
        tessera = _client(proxy.url, live.key, flush_interval=60, max_batch_size=100)
        for i in range(3):
            tessera.message(conversation_id=conv, user_id="u", role="user", content=f"q{i}")
        started = time.monotonic()
        assert tessera.flush(timeout=30)
        assert time.monotonic() - started < 10  # not the 60 s the batch would otherwise wait
        tessera.message(conversation_id=conv, user_id="u", role="user", content="later")
        assert tessera.flush(timeout=30)
        tessera.close()
    assert len(live.raw(conv)) == 4
    assert [len(a.ids) for a in proxy.attempts] == [3, 1]
