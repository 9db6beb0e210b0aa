"""The v1 event schema (Tessera's ``apps/ingestion/validation.py``) as keyword arguments.

Only what a caller could get wrong in a way the type checker misses (an unknown action, a
rating of 7) is checked here, so the mistake raises at the call site instead of surfacing
later as a server-side rejection in a log. Everything else is the server's to judge: it
answers per event, and the client logs what it refused.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any, Literal, TypedDict, Union

Role = Literal["user", "assistant", "system", "tool"]
ActionName = Literal["copy", "share", "save", "send", "apply", "edit", "regenerate", "dismiss", "abandon", "escalate"]
OutcomeName = Literal["resolved", "escalated", "abandoned"]
Rating = Union[Literal["up", "down"], int]

ROLES = frozenset({"user", "assistant", "system", "tool"})
ACTIONS = frozenset({"copy", "share", "save", "send", "apply", "edit", "regenerate", "dismiss", "abandon", "escalate"})
OUTCOMES = frozenset({"resolved", "escalated", "abandoned"})
THUMBS = frozenset({"up", "down"})


class UserInfo(TypedDict, total=False):
    """Optional facts about the end user that dashboards slice by (never their identity)."""

    locale: str
    department: str
    region: str


def new_id() -> str:
    """A fresh event id: generated once per call, so every retry of the event repeats it."""
    return uuid.uuid4().hex


def rfc3339(moment: datetime | None) -> str:
    """UTC, millisecond precision, ``Z`` suffix; a naive datetime is taken as local time."""
    value = datetime.now(timezone.utc) if moment is None else moment.astimezone(timezone.utc)
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def one_of(name: str, value: object, allowed: frozenset[str]) -> None:
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"{name} must be one of {sorted(allowed)}, not {value!r}")


def check_rating(rating: object) -> None:
    if isinstance(rating, str) and rating in THUMBS:
        return
    if type(rating) is int and 1 <= rating <= 5:
        return
    raise ValueError(f"rating must be 'up', 'down' or an integer 1-5, not {rating!r}")


def build(
    *,
    event_type: str,
    event_id: str | None,
    timestamp: datetime | None,
    conversation_id: str,
    user_id: str,
    user: UserInfo | None,
    metadata: Mapping[str, Any] | None,
    fields: Mapping[str, Any],
) -> dict[str, Any]:
    """The event as the API takes it; optional fields left as ``None`` are not sent."""
    event: dict[str, Any] = {
        "id": event_id or new_id(),
        "type": event_type,
        "timestamp": rfc3339(timestamp),
        "conversation_id": conversation_id,
        "user_id": user_id,
    }
    event.update((key, value) for key, value in fields.items() if value is not None)
    if user:
        event["user"] = dict(user)
    if metadata:
        event["metadata"] = dict(metadata)
    return event


def encode(event: Mapping[str, Any]) -> bytes:
    """JSON bytes of one event, encoded in the caller's thread so a value JSON cannot hold
    (a set, an object) raises ``TypeError`` there rather than failing a whole batch later."""
    return json.dumps(event, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()
