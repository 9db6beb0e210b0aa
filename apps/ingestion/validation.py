"""Per-event validation of the v1 event schema (DESIGN.md, Ingestion API).

Plain Python on dicts, no ORM objects or DRF serializers per event: this runs 20,000+ times a
second on the write path. Each rejected event gets ``{field: reason}`` so the client can fix it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
from django.conf import settings

from apps.core.numbers import is_card_number, is_valid_phone

EVENT_TYPES = frozenset({"message", "action", "feedback", "outcome"})
ROLES = frozenset({"user", "assistant", "system", "tool"})
ACTIONS = frozenset({"copy", "share", "save", "send", "apply", "edit", "regenerate", "dismiss", "abandon", "escalate"})
OUTCOMES = frozenset({"resolved", "escalated", "abandoned"})
THUMBS = frozenset({"up", "down"})
USER_FIELDS = frozenset({"locale", "department", "region"})
ID_MAX = 128
SHORT_MAX = 128
COMMENT_MAX = 2000
COMMON_FIELDS = frozenset({"id", "type", "timestamp", "conversation_id", "user_id", "user", "metadata"})
OPTIONAL_FIELDS = {
    "message": frozenset(
        {
            "message_id",
            "role",
            "content",
            "model",
            "variant",
            "feature",
            "latency_ms",
            "input_tokens",
            "output_tokens",
            "cost_usd",
        }
    ),
    "action": frozenset({"message_id", "action", "feature", "variant"}),
    "feedback": frozenset({"message_id", "rating", "comment", "feature", "variant"}),
    "outcome": frozenset({"outcome", "feature", "variant"}),
}
# Identifiers must be pseudonymous (DESIGN.md): they are stored and shown unmasked, so a
# user_id, conversation_id or message_id that is plainly an e-mail address, a phone number or a
# payment card number is refused (issue 10, item 3). Plain digit strings stay allowed — numeric
# ids are common — unless they are a Luhn-valid number with a card network's prefix and length.
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# A phone is "+" and digits, or digits written with separators: (415) 555-2671, 020 7946 0958.
_PHONE_SHAPE_RE = re.compile(r"^(?:\+\s*\(?\d[\d \u00a0().\-/]{5,22}\d|\(?\d[\d \u00a0().\-/]{5,22}\d)$")
_SEPARATOR_RE = re.compile(r"[ \u00a0().\-/]")
# Dates and dotted quads are digits with separators too, and never phone numbers.
_NOT_PHONE_RE = re.compile(
    r"^(?:\d{4}[-./ ]\d{1,2}[-./ ]\d{1,2}|\d{1,2}[-./ ]\d{1,2}[-./ ]\d{4}|\d{1,3}(?:\.\d{1,3}){3})\b"
)
_CARD_SHAPE_RE = re.compile(r"^\d(?:[ \-]?\d){12,18}$")
PERSONAL_ID_FIELDS = ("user_id", "conversation_id", "message_id")
# PostgreSQL text and jsonb cannot hold U+0000. In free text it is removed and the event kept
# (it carries no meaning and clients such as OTLP exporters cannot be asked to resend); in an
# identifier it is an error, because silently changing an idempotency key would break dedup.
NUL = "\x00"
TEXT_FIELDS = ("content", "comment", "model", "variant", "feature", "user", "metadata")


def _without_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace(NUL, "") if NUL in value else value
    if isinstance(value, list):
        return [_without_nul(v) for v in value]
    if isinstance(value, dict):
        return {_without_nul(k): _without_nul(v) for k, v in value.items()}
    return value


def _one_of(value: Any, allowed: frozenset[str]) -> bool:
    """Membership for any JSON value (an object or a list is unhashable, and simply not allowed)."""
    return isinstance(value, str) and value in allowed


@dataclass(frozen=True)
class Limits:
    content_max_chars: int
    metadata_max_bytes: int
    max_age: timedelta
    max_future: timedelta

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            content_max_chars=settings.INGEST_CONTENT_MAX_CHARS,
            metadata_max_bytes=settings.INGEST_METADATA_MAX_BYTES,
            max_age=timedelta(days=settings.INGEST_MAX_AGE_DAYS),
            max_future=timedelta(seconds=settings.INGEST_MAX_FUTURE_SECONDS),
        )


# (event_id, type, ts, conversation_id, user_id, message_id, payload_json)
Row = tuple[str, str, datetime, str, str, str | None, str]


def _id(event: dict, field: str, errors: dict[str, str], required: bool = True) -> str | None:
    value = event.get(field)
    if value is None:
        if required:
            errors[field] = "required"
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        errors[field] = "must be a non-empty string"
        return None
    if NUL in value:
        errors[field] = "must not contain NUL (\\u0000) characters"
        return None
    if len(value) > ID_MAX:
        errors[field] = f"longer than {ID_MAX} characters"
        return None
    if not value.isascii():
        try:
            value.encode()
        except UnicodeEncodeError:  # a lone surrogate: not text PostgreSQL can store
            errors[field] = "holds text that is not valid Unicode (a lone surrogate)"
            return None
    return value


def personal_data_in_id(value: str) -> str | None:
    """What personal data an identifier is (``"an e-mail address"``…), or None for a fine id."""
    if "@" in value and _EMAIL_RE.match(value):
        return "an e-mail address"
    if not any(c.isdigit() for c in value):
        return None
    if _CARD_SHAPE_RE.match(value) and is_card_number(re.sub(r"\D", "", value)):
        return "a payment card number"
    if (
        _PHONE_SHAPE_RE.match(value)
        and (value.startswith("+") or _SEPARATOR_RE.search(value))
        and not _NOT_PHONE_RE.match(value)
        and 7 <= sum(c.isdigit() for c in value) <= 15
        and is_valid_phone(value)
    ):
        return "a phone number"
    return None


def _short(event: dict, field: str, errors: dict[str, str]) -> None:
    value = event.get(field)
    if value is not None and (not isinstance(value, str) or len(value) > SHORT_MAX):
        errors[field] = f"must be a string of at most {SHORT_MAX} characters"


def _int_range(event: dict, field: str, lo: int, hi: int, errors: dict[str, str]) -> None:
    value = event.get(field)
    if value is None:
        return
    if not isinstance(value, int) or isinstance(value, bool):
        errors[field] = "must be an integer"
    elif not lo <= value <= hi:
        errors[field] = f"must be between {lo} and {hi}"


def _timestamp(event: dict, now: datetime, limits: Limits, errors: dict[str, str]) -> datetime | None:
    raw = event.get("timestamp")
    if raw is None:
        errors["timestamp"] = "required"
        return None
    if not isinstance(raw, str):
        errors["timestamp"] = "must be an RFC 3339 string, e.g. 2026-01-31T12:00:00Z"
        return None
    try:
        ts = datetime.fromisoformat(raw)
    except ValueError:
        errors["timestamp"] = f"not an RFC 3339 timestamp: {raw[:40]!r}"
        return None
    if ts.tzinfo is None:
        errors["timestamp"] = "must include a time zone offset (Z or ±hh:mm)"
        return None
    if ts < now - limits.max_age:
        errors["timestamp"] = f"older than {limits.max_age.days} days"
        return None
    if ts > now + limits.max_future:
        errors["timestamp"] = f"more than {int(limits.max_future.total_seconds())} seconds in the future"
        return None
    return ts


def validate_event(event: Any, *, now: datetime, limits: Limits) -> tuple[Row | None, dict[str, str]]:
    """Return the row to store, or ``None`` and the errors by field."""
    if not isinstance(event, dict):
        return None, {"event": "must be a JSON object"}
    event = {k: _without_nul(v) if k in TEXT_FIELDS else v for k, v in event.items()}
    errors: dict[str, str] = {}
    etype = event.get("type")
    if not _one_of(etype, EVENT_TYPES):
        errors["type"] = (
            "required" if etype is None else f"unknown type {str(etype)[:40]!r}; expected one of {sorted(EVENT_TYPES)}"
        )
        etype = None
    event_id = _id(event, "id", errors)
    conversation_id = _id(event, "conversation_id", errors)
    user_id = _id(event, "user_id", errors)
    ts = _timestamp(event, now, limits, errors)

    allowed = COMMON_FIELDS | OPTIONAL_FIELDS.get(etype, frozenset()) if etype else COMMON_FIELDS
    for field in event.keys() - allowed:
        errors[str(field)[:64]] = "unknown field" + ("" if etype is None else f" for type {etype!r}")

    message_id = _id(event, "message_id", errors, required=etype in {"message", "action"})
    for field, value in zip(PERSONAL_ID_FIELDS, (user_id, conversation_id, message_id), strict=True):
        if value is not None and (kind := personal_data_in_id(value)) is not None:
            errors[field] = f"looks like {kind}; send a pseudonymous id instead"
    for field in ("model", "variant", "feature"):
        _short(event, field, errors)

    if etype == "message":
        if not _one_of(event.get("role"), ROLES):
            errors["role"] = f"required, one of {sorted(ROLES)}"
        content = event.get("content")
        if content is None:
            errors["content"] = "required"
        elif not isinstance(content, str):
            errors["content"] = "must be a string"
        elif len(content) > limits.content_max_chars:
            errors["content"] = f"longer than {limits.content_max_chars} characters"
        _int_range(event, "latency_ms", 0, 3_600_000, errors)
        _int_range(event, "input_tokens", 0, 10_000_000, errors)
        _int_range(event, "output_tokens", 0, 10_000_000, errors)
        cost = event.get("cost_usd")
        if cost is not None and (
            isinstance(cost, bool) or not isinstance(cost, int | float) or not 0 <= cost <= 100_000
        ):
            errors["cost_usd"] = "must be a number between 0 and 100000"
    elif etype == "action":
        if not _one_of(event.get("action"), ACTIONS):
            errors["action"] = f"required, one of {sorted(ACTIONS)}"
    elif etype == "feedback":
        rating = event.get("rating")
        if not (_one_of(rating, THUMBS) or (type(rating) is int and 1 <= rating <= 5)):
            errors["rating"] = "required: 'up', 'down' or an integer 1-5"
        comment = event.get("comment")
        if comment is not None and (not isinstance(comment, str) or len(comment) > COMMENT_MAX):
            errors["comment"] = f"must be a string of at most {COMMENT_MAX} characters"
    elif etype == "outcome" and not _one_of(event.get("outcome"), OUTCOMES):
        errors["outcome"] = f"required, one of {sorted(OUTCOMES)}"

    user = event.get("user")
    if user is not None:
        if not isinstance(user, dict):
            errors["user"] = "must be an object with locale, department, region"
        else:
            for key, value in user.items():
                if key not in USER_FIELDS:
                    errors[f"user.{str(key)[:32]}"] = "unknown field"
                elif value is not None and (not isinstance(value, str) or len(value) > SHORT_MAX):
                    errors[f"user.{key}"] = f"must be a string of at most {SHORT_MAX} characters"

    payload = {k: v for k, v in event.items() if k not in {"id", "type", "timestamp", "conversation_id", "user_id"}}
    metadata = event.get("metadata")
    if metadata is not None:
        if not isinstance(metadata, dict):
            errors["metadata"] = "must be an object"
        else:
            try:
                if len(orjson.dumps(metadata)) > limits.metadata_max_bytes:
                    errors["metadata"] = f"larger than {limits.metadata_max_bytes} bytes"
            except orjson.JSONEncodeError:
                errors["metadata"] = "nested too deeply, or holds text that is not valid Unicode"

    if errors:
        return None, errors
    if event_id is None or conversation_id is None or user_id is None or ts is None:
        # Unreachable: each of them is None only together with an error above.
        raise AssertionError("a required value is missing but no error was recorded")
    try:
        encoded = orjson.dumps(payload).decode()
    except orjson.JSONEncodeError:
        # A lone surrogate (\ud800) parses as JSON but is not Unicode text; it cannot be stored.
        return None, {"event": "holds text that is not valid Unicode (a lone surrogate)"}
    return (event_id, etype, ts, conversation_id, user_id, message_id, encoded), {}


# What a publishable (browser) key may send: the signals a page observes. Messages carry content
# and are the assistant's record, so they come only from a server holding a secret key.
BROWSER_EVENT_TYPES = frozenset({"action", "feedback", "outcome"})
BROWSER_OUTCOMES = frozenset({"abandoned"})


def browser_scope_errors(event: Any) -> dict[str, str]:
    """Why a publishable key may not send ``event`` (empty when it may); the schema is checked after."""
    if not isinstance(event, dict):
        return {}  # validate_event names the problem
    etype = event.get("type")
    if isinstance(etype, str) and etype in EVENT_TYPES and etype not in BROWSER_EVENT_TYPES:
        return {
            "type": f"a publishable key sends only {sorted(BROWSER_EVENT_TYPES)} events; "
            f"send {etype!r} events from your server with a secret key"
        }
    if etype == "outcome" and _one_of(event.get("outcome"), OUTCOMES) and event.get("outcome") not in BROWSER_OUTCOMES:
        return {"outcome": "a publishable key may only report the outcome 'abandoned'"}
    return {}
