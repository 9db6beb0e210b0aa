"""The SDK's pure parts: its events pass the server's own validator, its enums are the server's,
Retry-After and backoff arithmetic, request splitting. No server needed."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from tessera_sdk import Tessera
from tessera_sdk import _events as sdk_events
from tessera_sdk._transport import MAX_RETRY_AFTER_SECONDS, backoff_seconds, delay_for, retry_after_seconds

from apps.ingestion import validation
from apps.ingestion.validation import Limits, validate_event

LIMITS = Limits(
    content_max_chars=65_536, metadata_max_bytes=8_192, max_age=timedelta(days=30), max_future=timedelta(minutes=5)
)


class Captured(Tessera):
    """The real client with the queue hand-off replaced by a list: what would be sent."""

    def __init__(self) -> None:
        super().__init__("tsk_live_test", "http://tessera.invalid")
        self.sent: list[tuple[str, bytes]] = []

    def _enqueue(self, item: tuple[str, bytes]) -> None:
        self.sent.append(item)


@pytest.fixture
def client() -> Any:
    captured = Captured()
    yield captured
    captured.close()


def test_the_sdks_enumerations_are_the_servers() -> None:
    assert sdk_events.ROLES == validation.ROLES
    assert sdk_events.ACTIONS == validation.ACTIONS
    assert sdk_events.OUTCOMES == validation.OUTCOMES
    assert sdk_events.THUMBS == validation.THUMBS


def test_every_event_type_with_every_field_passes_the_servers_validator(client: Captured) -> None:
    import orjson

    when = datetime(2026, 1, 31, 12, 0, tzinfo=UTC)
    now = when + timedelta(minutes=1)
    user = {"locale": "en-GB", "department": "Support", "region": "EU"}
    message_id = client.message(
        conversation_id="c1",
        user_id="u1",
        role="assistant",
        content="Hello",
        model="gpt-4o-mini",
        variant="B",
        feature="chat",
        latency_ms=850,
        input_tokens=12,
        output_tokens=40,
        cost_usd=0.0012,
        user=user,
        metadata={"plan": "pro"},
        timestamp=when,
    )
    client.action(
        conversation_id="c1",
        user_id="u1",
        message_id=message_id,
        action="copy",
        feature="chat",
        variant="B",
        timestamp=when,
    )
    client.feedback(conversation_id="c1", user_id="u1", rating=4, message_id=message_id, comment="good", timestamp=when)
    client.feedback(conversation_id="c1", user_id="u1", rating="down", timestamp=when)
    client.outcome(conversation_id="c1", user_id="u1", outcome="resolved", variant="B", timestamp=when)

    events = [orjson.loads(encoded) for _, encoded in client.sent]
    assert [e["type"] for e in events] == ["message", "action", "feedback", "feedback", "outcome"]
    for (event_id, _), event in zip(client.sent, events, strict=True):
        row, errors = validate_event(event, now=now, limits=LIMITS)
        assert errors == {}, event
        assert row is not None
        assert row[0] == event_id == event["id"]
    assert events[0]["message_id"] == message_id == events[0]["id"]  # generated: the event id
    assert events[0]["timestamp"] == "2026-01-31T12:00:00.000Z"
    assert events[0]["user"] == user
    assert events[1]["message_id"] == message_id
    assert "message_id" not in events[3]  # None is not sent
    assert len({e["id"] for e in events}) == 5


def test_caller_ids_are_kept(client: Captured) -> None:
    assert (
        client.message(conversation_id="c", user_id="u", role="user", content="x", message_id="m-7", event_id="evt-7")
        == "m-7"
    )
    assert client.outcome(conversation_id="c", user_id="u", outcome="abandoned", event_id="evt-8") == "evt-8"
    assert [event_id for event_id, _ in client.sent] == ["evt-7", "evt-8"]


@pytest.mark.parametrize(
    ("call", "kwargs", "message"),
    [
        ("message", {"role": "bot", "content": "x"}, "role must be one of"),
        ("action", {"message_id": "m", "action": "like"}, "action must be one of"),
        ("feedback", {"rating": 7}, "rating must be"),
        ("feedback", {"rating": True}, "rating must be"),
        ("outcome", {"outcome": "done"}, "outcome must be one of"),
    ],
)
def test_values_outside_the_schema_raise_at_the_call(client: Captured, call: str, kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        getattr(client, call)(conversation_id="c", user_id="u", **kwargs)
    assert client.sent == []


def test_unserializable_metadata_raises_at_the_call(client: Captured) -> None:
    with pytest.raises(TypeError):
        client.outcome(conversation_id="c", user_id="u", outcome="resolved", metadata={"tags": {"a"}})
    assert client.sent == []


def test_host_must_be_an_http_url() -> None:
    with pytest.raises(ValueError, match="host must be an http"):
        Tessera("tsk_live_x", "tessera.example")


def test_retry_after_seconds_and_http_date() -> None:
    now = datetime(2026, 1, 31, 12, 0, tzinfo=UTC)
    assert retry_after_seconds("30") == 30.0
    assert retry_after_seconds(" 2 ") == 2.0
    assert retry_after_seconds("Sat, 31 Jan 2026 12:00:45 GMT", now=now) == 45.0
    assert retry_after_seconds("Sat, 31 Jan 2026 11:00:00 GMT", now=now) == 0.0  # in the past
    assert retry_after_seconds("99999") == MAX_RETRY_AFTER_SECONDS
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


def test_backoff_grows_exponentially_with_jitter_and_is_capped() -> None:
    rng = random.Random(1)
    for attempt in range(12):
        step = min(30.0, 0.5 * 2**attempt)
        delays = [backoff_seconds(attempt, base=0.5, cap=30.0, rng=rng) for _ in range(50)]
        assert all(step / 2 <= d <= step for d in delays)
        assert len(set(delays)) > 1
    # Retry-After is a floor: never sooner than the server asked, at most 10% (≤ 1 s) later.
    for _ in range(50):
        assert 2.0 <= delay_for(attempt=0, retry_after=2.0, base=0.01, cap=1.0, rng=rng) <= 2.2
        assert 30.0 <= delay_for(attempt=5, retry_after=30.0, base=0.01, cap=1.0, rng=rng) <= 31.0


def test_requests_are_split_under_the_body_limit() -> None:
    client = Tessera("tsk_live_x", "http://tessera.invalid", max_body_bytes=1_000)
    try:
        items = [(f"e{i}", b"x" * 300) for i in range(7)]
        chunks = client._chunks(items)
        assert [len(c) for c in chunks] == [3, 3, 1]
        assert [item for chunk in chunks for item in chunk] == items
        # A single event larger than the limit still goes (alone): the server judges it.
        assert [len(c) for c in client._chunks([("big", b"x" * 5_000), ("small", b"y")])] == [1, 1]
    finally:
        client.close()


def test_a_full_queue_drops_new_events_instead_of_blocking() -> None:
    # Port 9 (discard) refuses: nothing is delivered, and nothing is sent before close().
    client = Tessera("tsk_live_x", "http://127.0.0.1:9", max_queue_size=3, flush_interval=60, max_retries=0)
    for i in range(5):
        client.outcome(conversation_id="c", user_id="u", outcome="resolved", event_id=f"e{i}")
    assert (client.stats.queued, client.stats.dropped) == (3, 2)
    client.close(timeout=10)
    assert client.stats.dropped == 5  # the three queued ones could not be delivered either


def test_close_gives_up_in_time_when_the_server_never_answers() -> None:
    import socket
    import time

    silent = socket.socket()  # listens, never accepts: connections hang until the timeout
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    try:
        client = Tessera("tsk_live_x", f"http://127.0.0.1:{silent.getsockname()[1]}", timeout=30)
        client.outcome(conversation_id="c", user_id="u", outcome="resolved")
        started = time.monotonic()
        assert client.close(timeout=1) is False
        assert time.monotonic() - started < 2
    finally:
        silent.close()


def test_a_batch_is_dropped_and_logged_once_its_retries_are_spent(caplog: pytest.LogCaptureFixture) -> None:
    import logging

    from tests.clients.python.proxy import fail, running_proxy

    # The proxy answers every attempt itself: no server is needed behind it.
    with running_proxy(upstream_port=9, upstream_host="unused", script=[fail(503)] * 10) as proxy:
        client = Tessera("tsk_live_x", proxy.url, max_retries=2, backoff_base=0.05, backoff_max=0.2)
        with caplog.at_level(logging.WARNING, logger="tessera_sdk"):
            client.outcome(conversation_id="c", user_id="u", outcome="resolved", event_id="e1")
            assert client.flush(timeout=10)
        client.close()
    assert len(proxy.attempts) == 3  # the first try and two retries
    assert all(a.ids == ["e1"] for a in proxy.attempts)
    gaps = [b.at - a.at for a, b in zip(proxy.attempts, proxy.attempts[1:], strict=False)]
    assert gaps[0] >= 0.025  # at least half of 0.05 s…
    assert gaps[1] >= 0.05  # …then of 0.1 s
    assert (client.stats.retries, client.stats.dropped, client.stats.accepted) == (2, 1, 0)
    assert "1 events dropped after 2 retries: HTTP 503: injected by the test proxy" in caplog.text
