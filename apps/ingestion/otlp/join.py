"""The cross-request join state of spans and log records (OtlpJoinState).

Spans and their log records are exported by separate processors, in separate requests, in
either order. The join state is kept durably in the tenant's schema: each GenAI span's resolved
identities, and each span's log records. Whichever arrives second completes the join; mapping
twice is harmless because event ids are deterministic.

What is held is unmasked (masking runs at enrichment, after the join), so each row is JSON
encrypted with the vault's keys, never pickle: reading a row back must not run code whoever
wrote it. Rows carry the trace id and a keyed hash of the span's user id so erasure finds them.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from datetime import timedelta
from typing import Any

import orjson
from django.conf import settings
from django.utils import timezone

from apps.core import crypto
from apps.ingestion.models import OtlpJoinState
from apps.ingestion.otlp.decode import EventRecord, LogRef, SpanRecord
from apps.ingestion.otlp.dedup import id_digest
from apps.ingestion.otlp.identities import GenAiSpan
from apps.ingestion.services import otlp_join_user_hash as user_hash

logger = logging.getLogger(__name__)

Pair = tuple[str, str]  # (trace id, span id), hex


def _ttl() -> timedelta:
    return timedelta(seconds=getattr(settings, "OTLP_JOIN_TTL_SECONDS", 3600))


# --- JSON, whatever the attribute values ----------------------------------------------------


def _dumps(value: Any) -> bytes:
    try:
        return orjson.dumps(value)
    except (orjson.JSONEncodeError, TypeError):
        # Integers past 64 bits and lone surrogates: the standard library escapes both.
        return json.dumps(value, ensure_ascii=True, default=str).encode()


def _loads(data: bytes) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data)


def _event(data: dict[str, Any]) -> EventRecord:
    return EventRecord(name=data["name"], time_ns=data["time_ns"], attrs=data["attrs"], body=data.get("body"))


def _span(data: dict[str, Any]) -> GenAiSpan:
    raw = dict(data["span"])
    raw["events"] = [_event(e) for e in raw.get("events", [])]
    return GenAiSpan(
        span=SpanRecord(**raw),
        conversation_id=data["conversation_id"],
        user_id=data["user_id"],
        feature=data.get("feature"),
        variant=data.get("variant"),
        user=data.get("user") or {},
    )


def _log(data: dict[str, Any]) -> LogRef:
    return LogRef(trace_id=data["trace_id"], span_id=data["span_id"], event=_event(data["event"]))


# --- rows -------------------------------------------------------------------------------------


def span_key(assistant_id: int, trace_id: str, span_id: str) -> str:
    return f"otlp:span:{assistant_id}:{trace_id}:{span_id}"


def logs_key(assistant_id: int, trace_id: str, span_id: str) -> str:
    return f"otlp:logs:{assistant_id}:{trace_id}:{span_id}"


def _put(*, assistant_id: int, rows: Iterable[tuple[str, str, str, Any]]) -> None:
    """Upsert ``(key, trace id, user hash, value)`` rows, the value encrypted."""
    rows = list(rows)
    if not rows:
        return
    tokens = crypto.encrypt_many([_dumps(value) for *_, value in rows])
    expires = timezone.now() + _ttl()
    OtlpJoinState.objects.bulk_create(
        [
            OtlpJoinState(
                key=key, assistant_id=assistant_id, trace_id=trace, user_hash=digest, payload=token, expires_at=expires
            )
            for (key, trace, digest, _), token in zip(rows, tokens, strict=True)
        ],
        update_conflicts=True,
        unique_fields=["key"],
        update_fields=["payload", "user_hash", "expires_at"],
    )


def _get(keys: Sequence[str]) -> dict[str, Any]:
    rows = OtlpJoinState.objects.filter(key__in=list(keys), expires_at__gt=timezone.now()).values_list("key", "payload")
    found: dict[str, Any] = {}
    for key, token in rows:
        try:
            found[key] = _loads(crypto.decrypt(token))
        except crypto.InvalidToken:
            # A key dropped before the row expired: the half is lost, the request is not.
            logger.warning("otlp join row %s is not readable with any configured vault key", key)
    return found


def spans_park(*, assistant_id: int, spans: Sequence[GenAiSpan]) -> None:
    _put(
        assistant_id=assistant_id,
        rows=(
            (span_key(assistant_id, s.span.trace_id, s.span.span_id), s.span.trace_id, user_hash(s.user_id), asdict(s))
            for s in spans
        ),
    )


def spans_parked(*, assistant_id: int, pairs: Iterable[Pair]) -> dict[Pair, GenAiSpan]:
    keys = {span_key(assistant_id, *pair): pair for pair in pairs}
    return {keys[key]: _span(value) for key, value in _get(list(keys)).items()}


def logs_park(*, assistant_id: int, logs: dict[Pair, list[LogRef]]) -> None:
    _put(
        assistant_id=assistant_id,
        rows=(
            (logs_key(assistant_id, *pair), pair[0], "", [asdict(ref) for ref in refs]) for pair, refs in logs.items()
        ),
    )


def logs_parked(*, assistant_id: int, pairs: Iterable[Pair]) -> dict[Pair, list[LogRef]]:
    keys = {logs_key(assistant_id, *pair): pair for pair in pairs}
    return {keys[key]: [_log(item) for item in value] for key, value in _get(list(keys)).items()}


def observation_key(assistant_id: int, trace_id: str, observation_id: str) -> str:
    # Langfuse ids are any client string up to 128 characters: hashed to fit the key column.
    return f"langfuse:obs:{assistant_id}:{id_digest(trace_id, observation_id)}"


def observations_park(*, assistant_id: int, observations: dict[Pair, tuple[str, dict[str, Any]]]) -> None:
    """Park Langfuse legacy generations still waiting for their output: ``(trace, id) → (user id, body)``.

    A ``generation-create`` names the history; its ``generation-update`` (often in a later
    request) brings the answer, whose position is counted after that history.
    """
    _put(
        assistant_id=assistant_id,
        rows=(
            (observation_key(assistant_id, *pair), pair[0][:32], user_hash(user), body)
            for pair, (user, body) in observations.items()
        ),
    )


def observations_parked(*, assistant_id: int, pairs: Iterable[Pair]) -> dict[Pair, dict[str, Any]]:
    keys = {observation_key(assistant_id, *pair): pair for pair in pairs}
    return {keys[key]: value for key, value in _get(list(keys)).items() if isinstance(value, dict)}


def score_trace_column(trace_id: str) -> str:
    # The column holds 32 characters (an OTLP trace id); longer legacy ids are hashed to fit.
    return trace_id if len(trace_id) <= 32 else id_digest("langfuse-trace", trace_id)


def scores_park(*, assistant_id: int, scores: Sequence[tuple[str, dict[str, Any]]]) -> None:
    """Park Langfuse scores whose trace has not arrived: ``(trace id, score body)``.

    The SDKs send scores and spans on separate timers, so a score can overtake its trace; it
    is stored when the trace comes (``scores_parked_for``), within the join TTL.
    """
    _put(
        assistant_id=assistant_id,
        rows=(
            (
                f"langfuse:score:{assistant_id}:{id_digest(trace, body.get('id'), orjson.dumps(body, default=str))}",
                score_trace_column(trace),
                "",
                {"trace_id": trace, "body": body},
            )
            for trace, body in scores
        ),
    )


def scores_parked_for(*, assistant_id: int, trace_ids: Iterable[str]) -> dict[str, tuple[str, dict[str, Any]]]:
    """Parked scores of these traces: ``row key → (trace id, score body)``."""
    columns = {score_trace_column(t) for t in trace_ids}
    if not columns:
        return {}
    keys = OtlpJoinState.objects.filter(
        assistant_id=assistant_id, trace_id__in=columns, key__startswith=f"langfuse:score:{assistant_id}:"
    ).values_list("key", flat=True)
    found = _get(list(keys))
    return {
        key: (value["trace_id"], value["body"])
        for key, value in found.items()
        if isinstance(value, dict) and isinstance(value.get("body"), dict)
    }


def join_rows_delete(*, keys: Iterable[str]) -> None:
    OtlpJoinState.objects.filter(key__in=list(keys)).delete()


# --- sweeping (retention and erasure: apps.ingestion.services) --------------------------------------------------------------


def join_state_sweep() -> int:
    """Delete expired join rows (log records whose span never came).

    Called on each OTLP request of the organization and by the periodic requeue job, so expired
    content goes even where beat does not run."""
    deleted, _ = OtlpJoinState.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted
