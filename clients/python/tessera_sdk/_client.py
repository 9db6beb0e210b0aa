"""The client: calls enqueue, one background thread batches and delivers.

Delivery guarantees, in order of importance:

* An event is sent with the id it was given at the call, however many times it is retried, and
  the server stores an id once per assistant: retries never duplicate.
* A batch is retried (network failure, 408/429/5xx) until the server answers or ``max_retries``
  is spent; ``Retry-After`` is never cut short.
* Events the server rejects (it answers per event) are logged and not retried: resending a
  malformed event cannot make it valid.
* ``flush()``, ``close()`` and interpreter exit deliver what is queued, within a time bound, so
  a short script loses nothing and a dying process never hangs on an unreachable server.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import queue
import random
import threading
import time
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Union

from tessera_sdk import _events
from tessera_sdk._events import ActionName, OutcomeName, Rating, Role, UserInfo
from tessera_sdk._transport import (
    NETWORK_ERRORS,
    RETRYABLE_STATUSES,
    Response,
    Transport,
    delay_for,
    retry_after_seconds,
)

logger = logging.getLogger("tessera_sdk")

# The server's limits (DESIGN.md, Ingestion API): 1,000 events and 5 MB per request. The body
# cap leaves room under 5 MB for the envelope and for a server configured a little tighter.
SERVER_MAX_EVENTS = 1000
DEFAULT_MAX_BODY_BYTES = 4_500_000
_ENVELOPE_HEAD = b'{"events":['
_ENVELOPE_TAIL = b"]}"


class _Stop:
    """Queue sentinel: everything queued before it is delivered, then the thread ends."""


class _Wake:
    """Queue sentinel put by ``flush()``: send the partly filled batch now instead of waiting
    out ``flush_interval`` (the thread may be blocked in ``get`` for that long)."""


_STOP = _Stop()
_WAKE = _Wake()
_Item = tuple[str, bytes]  # (event id, encoded event)
_QueueItem = Union[_Item, _Stop, _Wake]


@dataclass(frozen=True)
class RejectedEvent:
    """An event the server refused, with its reasons by field (e.g. ``{"timestamp": "older than 30 days"}``)."""

    id: str
    errors: dict[str, str]


@dataclass
class Stats:
    """Counters since the client was created (read them for health checks and tests)."""

    queued: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    dropped: int = 0  # never delivered: queue full, permanent HTTP error, retries spent, closed
    requests: int = 0
    retries: int = 0


class Tessera:
    """Send conversation events to Tessera.

    >>> tessera = Tessera("tsk_live_…", "https://acme.tessera.example")
    >>> message_id = tessera.message(conversation_id="c1", user_id="u1", role="assistant", content="Hi!")
    >>> tessera.action(conversation_id="c1", user_id="u1", message_id=message_id, action="copy")

    Calls never block on the network and never raise for delivery problems: events go to an
    in-memory queue that a background thread sends in batches of up to ``max_batch_size``, at
    least every ``flush_interval`` seconds. A full queue (``max_queue_size``) drops new events
    with a warning rather than growing without bound or slowing the application down.
    """

    def __init__(
        self,
        api_key: str,
        host: str,
        *,
        max_batch_size: int = 100,
        flush_interval: float = 1.0,
        max_queue_size: int = 10_000,
        max_retries: int = 10,
        backoff_base: float = 0.5,
        backoff_max: float = 30.0,
        timeout: float = 10.0,
        shutdown_timeout: float = 10.0,
        compress: bool = True,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        on_rejected: Callable[[list[RejectedEvent]], None] | None = None,
    ) -> None:
        if not api_key:
            raise ValueError("api_key is required (the assistant's key, tsk_live_…)")
        if not 1 <= max_batch_size <= SERVER_MAX_EVENTS:
            raise ValueError(f"max_batch_size must be between 1 and {SERVER_MAX_EVENTS}")
        if flush_interval <= 0:
            raise ValueError("flush_interval must be positive")
        self._transport = Transport(host=host, api_key=api_key, timeout=timeout, compress=compress)
        self._max_batch = max_batch_size
        self._interval = flush_interval
        self._max_queue = max_queue_size
        self._max_retries = max_retries
        self._backoff_base = backoff_base
        self._backoff_max = backoff_max
        self._shutdown_timeout = shutdown_timeout
        self._max_body = max_body_bytes
        self._on_rejected = on_rejected
        self._rng = random.Random()  # noqa: S311 - jitter, not a secret
        self.stats = Stats()
        self._closed = False
        self._lock = threading.Lock()  # guards the thread's start, the stats
        self._cond = threading.Condition()  # guards _pending and _flushing
        self._pending = 0  # queued or in flight, not yet delivered or dropped
        self._flushing = 0  # callers waiting in flush(): the thread sends without waiting to fill a batch
        self._give_up = threading.Event()  # close() timed out: stop waiting out retries
        self._queue: queue.Queue[_QueueItem] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()
        atexit.register(self._at_exit)
        if hasattr(os, "register_at_fork"):  # not on Windows
            # Weakly: the hook cannot be unregistered, and must not keep a dropped client alive.
            after_fork = weakref.WeakMethod(self._after_fork_in_child)
            os.register_at_fork(after_in_child=lambda: _call_if_alive(after_fork))

    # --- the four event types -------------------------------------------------------------

    def message(
        self,
        *,
        conversation_id: str,
        user_id: str,
        role: Role,
        content: str,
        message_id: str | None = None,
        model: str | None = None,
        variant: str | None = None,
        feature: str | None = None,
        latency_ms: int | None = None,
        input_tokens: int | None = None,
        output_tokens: int | None = None,
        cost_usd: float | None = None,
        user: UserInfo | None = None,
        metadata: Mapping[str, Any] | None = None,
        timestamp: datetime | None = None,
        event_id: str | None = None,
    ) -> str:
        """Record a message; returns its ``message_id`` (generated when not given) for later actions and feedback."""
        _events.one_of("role", role, _events.ROLES)
        event_id = event_id or _events.new_id()
        message_id = message_id or event_id
        fields = {
            "message_id": message_id,
            "role": role,
            "content": content,
            "model": model,
            "variant": variant,
            "feature": feature,
            "latency_ms": latency_ms,
            "input_tokens": input_tokens,
            "output_tokens": output_tokens,
            "cost_usd": cost_usd,
        }
        self._record("message", event_id, timestamp, conversation_id, user_id, user, metadata, fields)
        return message_id

    def action(
        self,
        *,
        conversation_id: str,
        user_id: str,
        message_id: str,
        action: ActionName,
        feature: str | None = None,
        variant: str | None = None,
        user: UserInfo | None = None,
        metadata: Mapping[str, Any] | None = None,
        timestamp: datetime | None = None,
        event_id: str | None = None,
    ) -> str:
        """Record what the user did with a message (copy, share, edit, regenerate…); returns the event id."""
        _events.one_of("action", action, _events.ACTIONS)
        fields = {"message_id": message_id, "action": action, "feature": feature, "variant": variant}
        return self._record("action", event_id, timestamp, conversation_id, user_id, user, metadata, fields)

    def feedback(
        self,
        *,
        conversation_id: str,
        user_id: str,
        rating: Rating,
        message_id: str | None = None,
        comment: str | None = None,
        feature: str | None = None,
        variant: str | None = None,
        user: UserInfo | None = None,
        metadata: Mapping[str, Any] | None = None,
        timestamp: datetime | None = None,
        event_id: str | None = None,
    ) -> str:
        """Record explicit feedback: ``"up"``/``"down"`` or 1-5, optionally on one message; returns the event id."""
        _events.check_rating(rating)
        fields = {
            "message_id": message_id,
            "rating": rating,
            "comment": comment,
            "feature": feature,
            "variant": variant,
        }
        return self._record("feedback", event_id, timestamp, conversation_id, user_id, user, metadata, fields)

    def outcome(
        self,
        *,
        conversation_id: str,
        user_id: str,
        outcome: OutcomeName,
        feature: str | None = None,
        variant: str | None = None,
        user: UserInfo | None = None,
        metadata: Mapping[str, Any] | None = None,
        timestamp: datetime | None = None,
        event_id: str | None = None,
    ) -> str:
        """Record how the conversation ended (resolved, escalated, abandoned); returns the event id."""
        _events.one_of("outcome", outcome, _events.OUTCOMES)
        fields = {"outcome": outcome, "feature": feature, "variant": variant}
        return self._record("outcome", event_id, timestamp, conversation_id, user_id, user, metadata, fields)

    # --- lifecycle ------------------------------------------------------------------------

    def flush(self, timeout: float | None = None) -> bool:
        """Send everything queued now and wait until it is delivered (or dropped).

        Returns ``False`` when ``timeout`` seconds passed first (the events stay queued).
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            self._flushing += 1
            if self._pending:
                self._queue.put(_WAKE)
            try:
                while self._pending:
                    remaining = None if deadline is None else deadline - time.monotonic()
                    if remaining is not None and remaining <= 0:
                        return False
                    self._cond.wait(remaining)
                return True
            finally:
                self._flushing -= 1

    def close(self, timeout: float | None = None) -> bool:
        """Deliver what is queued, then stop the background thread; later calls are ignored.

        Waits at most ``timeout`` seconds (default: ``shutdown_timeout``); returns whether
        everything was delivered. Events still queued after that are dropped and logged.
        """
        with self._lock:
            if self._closed:
                return True
            self._closed = True
            thread = self._thread if self._pid == os.getpid() else None
        atexit.unregister(self._at_exit)
        if thread is None:
            return True
        wait = self._shutdown_timeout if timeout is None else timeout
        self._queue.put(_STOP)
        delivered = self.flush(wait)
        if not delivered:
            self._give_up.set()
            logger.error("tessera: closing with %d events not delivered after %.1fs", self._pending, wait)
        thread.join(0 if not delivered else max(wait, 0.1))
        self._transport.close()
        return delivered

    def __enter__(self) -> Tessera:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _at_exit(self) -> None:
        self.close()

    # --- internals ------------------------------------------------------------------------

    def _record(
        self,
        event_type: str,
        event_id: str | None,
        timestamp: datetime | None,
        conversation_id: str,
        user_id: str,
        user: UserInfo | None,
        metadata: Mapping[str, Any] | None,
        fields: Mapping[str, Any],
    ) -> str:
        event = _events.build(
            event_type=event_type,
            event_id=event_id,
            timestamp=timestamp,
            conversation_id=conversation_id,
            user_id=user_id,
            user=user,
            metadata=metadata,
            fields=fields,
        )
        self._enqueue((event["id"], _events.encode(event)))
        return str(event["id"])

    def _enqueue(self, item: _Item) -> None:
        with self._lock:
            if self._closed:
                logger.warning("tessera: client is closed; event %s dropped", item[0])
                self.stats.dropped += 1
                return
            self._ensure_thread()
            if self._pending >= self._max_queue:  # queued or in flight: the memory held
                self.stats.dropped += 1
                if self.stats.dropped == 1 or self.stats.dropped % 1000 == 0:
                    logger.warning(
                        "tessera: queue full (%d events); %d events dropped so far", self._max_queue, self.stats.dropped
                    )
                return
            self.stats.queued += 1
        with self._cond:
            self._pending += 1
        self._queue.put(item)

    def _after_fork_in_child(self) -> None:
        """Threads do not survive a fork, and a lock held by one at that moment would stay held:
        the child starts afresh, with its own sender on its first event. The parent's queued
        events are the parent's to send."""
        self._lock = threading.Lock()
        self._cond = threading.Condition()
        self._queue = queue.Queue()
        self._pending = 0
        self._flushing = 0
        self._thread = None
        self._pid = os.getpid()

    def _ensure_thread(self) -> None:
        """Start the sender on first use (and after a fork the hook did not see)."""
        if self._pid != os.getpid():
            self._after_fork_in_child()
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="tessera-sdk-sender", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            batch, stop = self._collect()
            if batch:
                try:
                    self._deliver(batch)
                except Exception:  # a bug here must not kill the thread and strand every later event
                    logger.exception("tessera: unexpected error delivering %d events; dropped", len(batch))
                    self._count(dropped=len(batch))
                self._done(len(batch))
            if stop:
                return

    def _collect(self) -> tuple[list[_Item], bool]:
        """Up to ``max_batch_size`` events: the first blocks, the rest may wait ``flush_interval``
        after it; a waiting ``flush()`` or ``close()`` sends what is there at once."""
        first = self._queue.get()
        if isinstance(first, _Stop):
            return [], True
        if isinstance(first, _Wake):  # nothing was waiting: everything before it is sent
            return [], False
        batch = [first]
        deadline = time.monotonic() + self._interval
        while len(batch) < self._max_batch:
            remaining = 0.0 if self._flushing else deadline - time.monotonic()
            try:
                item = self._queue.get(timeout=remaining) if remaining > 0 else self._queue.get_nowait()
            except queue.Empty:
                break
            if isinstance(item, _Stop):
                return batch, True
            if isinstance(item, _Wake):
                break
            batch.append(item)
        return batch, False

    def _done(self, n: int) -> None:
        with self._cond:
            self._pending -= n
            self._cond.notify_all()

    def _count(self, **deltas: int) -> None:
        with self._lock:
            for name, delta in deltas.items():
                setattr(self.stats, name, getattr(self.stats, name) + delta)

    def _chunks(self, batch: list[_Item]) -> list[list[_Item]]:
        """Split so that no request body exceeds ``max_body_bytes``."""
        chunks: list[list[_Item]] = [[]]
        size = len(_ENVELOPE_HEAD) + len(_ENVELOPE_TAIL)
        for item in batch:
            extra = len(item[1]) + 1
            if chunks[-1] and size + extra > self._max_body:
                chunks.append([])
                size = len(_ENVELOPE_HEAD) + len(_ENVELOPE_TAIL)
            chunks[-1].append(item)
            size += extra
        return chunks

    def _deliver(self, batch: list[_Item]) -> None:
        for chunk in self._chunks(batch):
            self._send(chunk)

    def _send(self, chunk: list[_Item]) -> None:
        body = _ENVELOPE_HEAD + b",".join(encoded for _, encoded in chunk) + _ENVELOPE_TAIL
        attempt = 0
        while True:
            self._count(requests=1)
            response: Response | None = None
            try:
                response = self._transport.post(body)
            except NETWORK_ERRORS as exc:
                failure = f"{type(exc).__name__}: {exc}"
            else:
                if response.status == 200:
                    self._accepted(chunk, response)
                    return
                if response.status == 413 and len(chunk) > 1:
                    # The server's limit is tighter than ours: halve until it fits.
                    half = len(chunk) // 2
                    self._send(chunk[:half])
                    self._send(chunk[half:])
                    return
                failure = f"HTTP {response.status}: {_detail(response)}"
                if response.status not in RETRYABLE_STATUSES:
                    logger.error("tessera: %d events dropped, not retryable: %s", len(chunk), failure)
                    self._count(dropped=len(chunk))
                    return
            if attempt >= self._max_retries:
                logger.error("tessera: %d events dropped after %d retries: %s", len(chunk), attempt, failure)
                self._count(dropped=len(chunk))
                return
            retry_after = None
            if response is not None:
                retry_after = retry_after_seconds(response.headers.get("retry-after"))
            delay = delay_for(
                attempt=attempt, retry_after=retry_after, base=self._backoff_base, cap=self._backoff_max, rng=self._rng
            )
            logger.warning("tessera: %s; retrying %d events in %.2fs", failure, len(chunk), delay)
            attempt += 1
            self._count(retries=1)
            if self._give_up.wait(delay):
                self._count(dropped=len(chunk))
                return

    def _accepted(self, chunk: list[_Item], response: Response) -> None:
        try:
            result = json.loads(response.body)
        except ValueError:
            result = {}
        rejected = []
        for entry in result.get("rejected") or []:
            index = entry.get("index")
            event_id = chunk[index][0] if isinstance(index, int) and 0 <= index < len(chunk) else str(entry.get("id"))
            errors = entry.get("errors") or {}
            rejected.append(RejectedEvent(id=event_id, errors=errors))
            # Field names and the server's reasons only: never the event's content.
            logger.warning("tessera: event %s rejected: %s", event_id, errors)
        self._count(
            accepted=int(result.get("accepted", 0)),
            duplicates=int(result.get("duplicates", 0)),
            rejected=len(rejected),
        )
        if rejected and self._on_rejected is not None:
            try:
                self._on_rejected(rejected)
            except Exception:  # the application's callback must not stop delivery
                logger.exception("tessera: on_rejected callback failed")


def _call_if_alive(method: weakref.WeakMethod[Callable[[], None]]) -> None:
    bound = method()
    if bound is not None:
        bound()


def _detail(response: Response) -> str:
    try:
        detail = json.loads(response.body).get("detail")
    except (ValueError, AttributeError):
        detail = None
    return str(detail) if detail else response.body[:200].decode(errors="replace")
