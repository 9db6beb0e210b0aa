"""Langfuse's legacy batch (``POST /api/public/ingestion``) items, checked one by one. Pure.

Each item is ``{"id", "type", "timestamp", "body"}``. What is read (docs/integrations/langfuse.md):

- ``trace-create``: ``body.id`` with ``sessionId`` → conversation, ``userId`` → user,
  ``metadata``/``tags``/``name`` → metadata, ``release`` → a release annotation, ``version`` →
  variant. Several items of one trace merge (later non-null fields win).
- ``generation-create`` / ``generation-update`` (and ``observation-create``/``-update`` of type
  ``GENERATION``): ``input`` (messages or a prompt) and ``output`` (the answer) become messages,
  with ``model``, ``usage``/``usageDetails``, ``startTime``/``endTime``; merged by observation id,
  also across requests (a create without output waits for its update in the join state).
- ``score-create``: a score, as on ``POST /api/public/scores``.
- ``span-create``/``-update``, ``event-create``, ``sdk-log``, other ``observation-*``: accepted,
  nothing stored (they carry no conversation text Tessera reads).

Unknown types and malformed items are refused per item (400); the others are kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from apps.ingestion.langfuse import attributes as lf
from apps.ingestion.otlp.decode import SpanRecord

GENERATION_TYPES = frozenset({"generation-create", "generation-update"})
OBSERVATION_TYPES = frozenset({"observation-create", "observation-update"})
IGNORED_TYPES = frozenset({"span-create", "span-update", "event-create", "sdk-log"})
TRACE_TYPES = frozenset({"trace-create"})
SCORE_TYPES = frozenset({"score-create"})
KNOWN_TYPES = GENERATION_TYPES | OBSERVATION_TYPES | IGNORED_TYPES | TRACE_TYPES | SCORE_TYPES
_ID_MAX = 128


@dataclass
class Item:
    index: int
    id: str
    type: str
    timestamp: str | None
    body: dict[str, Any]


@dataclass
class Parsed:
    traces: dict[str, dict[str, Any]] = field(default_factory=dict)  # trace id → merged body
    trace_items: dict[str, list[int]] = field(default_factory=dict)
    generations: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)  # (trace, obs) → body
    generation_items: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    scores: list[Item] = field(default_factory=list)
    ignored: list[int] = field(default_factory=list)
    errors: dict[int, str] = field(default_factory=dict)  # index → why (400)
    ids: dict[int, str] = field(default_factory=dict)  # index → the item's id, for the response


def _id(value: Any) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and value.strip() and len(value) <= _ID_MAX and "\x00" not in value:
        return value.strip()
    return None


def _merge(into: dict[str, Any], body: dict[str, Any]) -> None:
    for key, value in body.items():
        if value is not None:
            into[key] = value


def batch_parse(batch: list[Any]) -> Parsed:
    parsed = Parsed()
    for index, raw in enumerate(batch):
        if not isinstance(raw, dict):
            parsed.errors[index] = "item must be an object {id, type, timestamp, body}"
            parsed.ids[index] = ""
            continue
        item_id = _id(raw.get("id"))
        parsed.ids[index] = item_id or (str(raw.get("id"))[:_ID_MAX] if raw.get("id") is not None else "")
        kind = raw.get("type")
        body = raw.get("body")
        if item_id is None:
            parsed.errors[index] = "id: required, a string of at most 128 characters"
        elif kind not in KNOWN_TYPES:
            parsed.errors[index] = f"type: unknown {str(kind)[:40]!r}; expected one of {sorted(KNOWN_TYPES)}"
        elif not isinstance(body, dict):
            parsed.errors[index] = "body: required, an object"
        if index in parsed.errors:
            continue
        if not isinstance(body, dict) or not isinstance(kind, str) or item_id is None:  # narrowed for mypy
            continue
        timestamp = raw.get("timestamp") if isinstance(raw.get("timestamp"), str) else None
        if kind in IGNORED_TYPES or (kind in OBSERVATION_TYPES and str(body.get("type") or "").upper() != "GENERATION"):
            parsed.ignored.append(index)
        elif kind in TRACE_TYPES:
            trace_id = _id(body.get("id"))
            if trace_id is None:
                parsed.errors[index] = "body.id: required, the trace id"
                continue
            _merge(parsed.traces.setdefault(trace_id, {"timestamp": timestamp}), body)
            parsed.trace_items.setdefault(trace_id, []).append(index)
        elif kind in SCORE_TYPES:
            parsed.scores.append(Item(index=index, id=item_id, type=kind, timestamp=timestamp, body=body))
        else:  # generations
            trace_id, observation_id = _id(body.get("traceId")), _id(body.get("id"))
            if trace_id is None or observation_id is None:
                parsed.errors[index] = "body.id and body.traceId: required for a generation"
                continue
            key = (trace_id, observation_id)
            _merge(parsed.generations.setdefault(key, {"timestamp": timestamp}), body)
            parsed.generation_items.setdefault(key, []).append(index)
    return parsed


def _ns(value: Any) -> int | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return int(moment.timestamp() * 1_000_000) * 1000


def _text_json(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else orjson.dumps(value, default=str).decode()


def generation_span(
    body: dict[str, Any], *, trace_id: str, observation_id: str, trace_attrs: dict[str, Any], now_ns: int
) -> SpanRecord:
    """A legacy generation as the Langfuse OTLP span the v3+ SDKs would have sent (then normalized)."""
    start = _ns(body.get("startTime")) or _ns(body.get("timestamp")) or now_ns
    end = _ns(body.get("endTime")) or _ns(body.get("completionStartTime")) or start
    attrs: dict[str, Any] = {lf.TYPE: "generation", **trace_attrs}
    for key, value in (
        (lf.INPUT, _text_json(body.get("input"))),
        (lf.OUTPUT, _text_json(body.get("output"))),
        (lf.MODEL, body.get("model") if isinstance(body.get("model"), str) else None),
        (lf.USAGE, _text_json(body.get("usageDetails") or body.get("usage"))),
    ):
        if value is not None:
            attrs[key] = value
    if isinstance(body.get("version"), str) and body["version"]:
        attrs[lf.VERSION] = body["version"]  # the generation's version beats its trace's
    return lf.normalize_span(
        SpanRecord(
            trace_id=trace_id,
            span_id=observation_id,
            parent_span_id="",
            name=str(body.get("name") or "generation")[:_ID_MAX],
            start_ns=start,
            end_ns=max(end, start),
            attrs=attrs,
        )
    )


def trace_attributes(body: dict[str, Any]) -> dict[str, Any]:
    """A legacy trace's fields as the span attributes the Langfuse SDKs propagate."""
    attrs: dict[str, Any] = {}
    if _id(body.get("sessionId")):
        attrs["session.id"] = _id(body.get("sessionId"))
    if _id(body.get("userId")):
        attrs["user.id"] = _id(body.get("userId"))
    if isinstance(body.get("name"), str):
        attrs[lf.TRACE_NAME] = body["name"]
    if isinstance(body.get("tags"), list):
        attrs[lf.TRACE_TAGS] = [str(t) for t in body["tags"]]
    if isinstance(body.get("metadata"), dict):
        attrs[lf.TRACE_METADATA] = orjson.dumps(body["metadata"], default=str).decode()
    for key, attr in (("release", lf.RELEASE), ("version", lf.VERSION), ("environment", lf.ENVIRONMENT)):
        if isinstance(body.get(key), str) and body[key]:
            attrs[attr] = body[key]
    return attrs
