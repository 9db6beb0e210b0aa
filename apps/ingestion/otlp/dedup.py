"""Deterministic ids and first-wins de-duplication.

Every LLM call re-sends the whole history, so message and event ids are derived from
(conversation id, position in the history, role, content hash): turn 2's copy of turn 1's
question gets turn 1's event id, and the per-assistant idempotency key stores it once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from apps.ingestion.otlp.decode import LogRef

if TYPE_CHECKING:
    from apps.ingestion.otlp.mapping import SpanEvents


def id_digest(*parts: object) -> str:
    # surrogatepass: a lone surrogate in an attribute must hash, not raise (it is rejected later).
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8", "surrogatepass")).hexdigest()[:32]


def unique_events(events: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for event in events:
        seen.setdefault(event["id"], event)  # the first span to carry a message wins
    return list(seen.values())


def unique_with_owner(mapped: Sequence[SpanEvents]) -> tuple[list[dict[str, Any]], list[int]]:
    """Each event once (the first span to carry it wins), with the index of the span that owns it."""
    events: list[dict[str, Any]] = []
    owner: list[int] = []
    seen: set[str] = set()
    for index, item in enumerate(mapped):
        for event in item.events:
            if event["id"] not in seen:
                seen.add(event["id"])
                events.append(event)
                owner.append(index)
    return events, owner


def log_fingerprint(ref: LogRef) -> str:
    return id_digest(ref.event.name, ref.event.time_ns, repr(ref.event.body), ref.event.attrs)
