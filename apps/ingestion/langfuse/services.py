"""Langfuse-compatible ingestion: OTLP spans, the legacy batch and scores → the one write path.

Everything ends in ``events_ingest`` (through ``otlp_spans_ingest`` for spans), so validation,
idempotency, masking and enrichment are those of ``POST /api/v1/events``. This module adds
what Langfuse clients leave implicit: which conversation, user and answer a trace id means
(``LangfuseTrace``), and the release annotations their ``release`` reports.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from django.core.cache import cache
from django.utils import timezone
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from apps.core.tenancy import current_schema
from apps.ingestion.langfuse import attributes as lf
from apps.ingestion.langfuse.legacy import batch_parse, generation_span, trace_attributes
from apps.ingestion.langfuse.scores import ScoreError, TraceRef, score_event, score_rating
from apps.ingestion.models import LangfuseTrace
from apps.ingestion.otlp.decode import SpanRecord, spans_from_request
from apps.ingestion.otlp.dedup import id_digest
from apps.ingestion.otlp.join import (
    join_rows_delete,
    observations_park,
    observations_parked,
    scores_park,
    scores_parked_for,
)
from apps.ingestion.otlp.mapping import METADATA_KEY, SpanEvents
from apps.ingestion.otlp.services import OtlpResult, otlp_spans_ingest
from apps.ingestion.services import events_ingest
from apps.registry.models import Assistant
from apps.registry.services import release_reported_ensure

SOURCE = "langfuse"
_RELEASE_CACHE_SECONDS = 24 * 3600


# --- where traces landed ------------------------------------------------------------------------


def _answer(events: Iterable[dict[str, Any]]) -> tuple[str, str] | None:
    answers = [
        (e["timestamp"], e["message_id"]) for e in events if e.get("type") == "message" and e.get("role") == "assistant"
    ]
    return max(answers) if answers else None


def traces_record(*, assistant: Assistant, mapped: Sequence[SpanEvents], refused: Iterable[int] = ()) -> None:
    """Remember, per trace, its conversation, user and latest stored answer (what scores rate).

    The first span of a trace to arrive fixes its conversation and user (its events are stored
    under them); later spans only move the answer forward.
    """
    refused = set(refused)
    found: dict[str, dict[str, Any]] = {}
    for index, item in enumerate(mapped):
        if index in refused:
            continue
        trace = item.span.span.trace_id
        entry = found.setdefault(
            trace,
            {
                "conversation_id": item.span.conversation_id[:128],
                "user_id": item.span.user_id[:128],
                "variant": (item.span.variant or "")[:128],
                "metadata": _metadata(item.span.span),
                "answer": None,
            },
        )
        answer = _answer(item.events)
        if answer and (entry["answer"] is None or answer > entry["answer"]):
            entry["answer"] = answer
    if not found:
        return
    existing = {
        row.trace_id: row for row in LangfuseTrace.objects.filter(assistant=assistant, trace_id__in=list(found))
    }
    for trace, entry in found.items():
        answer = entry["answer"]
        answer_at = datetime.fromisoformat(answer[0]) if answer else None
        row = existing.get(trace)
        if row is None:
            LangfuseTrace.objects.bulk_create(
                [
                    LangfuseTrace(
                        assistant=assistant,
                        trace_id=trace,
                        conversation_id=entry["conversation_id"],
                        user_id=entry["user_id"],
                        variant=entry["variant"],
                        metadata=entry["metadata"],
                        answer_message_id=answer[1] if answer else None,
                        answer_at=answer_at,
                    )
                ],
                # A concurrent request recorded it first: its identities stand, the answer moves on below.
                ignore_conflicts=True,
            )
            continue
        if answer_at and (row.answer_at is None or answer_at >= row.answer_at):
            LangfuseTrace.objects.filter(pk=row.pk).update(answer_message_id=answer[1], answer_at=answer_at)
    parked_scores_store(assistant=assistant, trace_ids=found)


def parked_scores_store(*, assistant: Assistant, trace_ids: Iterable[str]) -> None:
    """Store the scores that overtook these traces (parked by ``langfuse_scores_ingest``)."""
    parked = scores_parked_for(assistant_id=assistant.pk, trace_ids=trace_ids)
    if not parked:
        return
    refs = trace_refs(assistant=assistant, trace_ids=(trace for trace, _ in parked.values()))
    events = []
    for trace, body in parked.values():
        if trace in refs:
            try:
                events.append(score_event(body, trace=refs[trace], timestamp=_timestamp(body.get("timestamp"))))
            except ScoreError:
                continue  # checked before parking; a body that changed meaning is not a rating
    if events:
        # Refused events (e.g. now older than 30 days) cannot be answered any more: the client
        # had its 2xx when the score was parked; they are dropped with the rows, as documented.
        events_ingest(assistant=assistant, events=events, source=SOURCE)
    join_rows_delete(keys=[key for key, (trace, _) in parked.items() if trace in refs])


def _metadata(span: SpanRecord) -> dict[str, Any]:
    value = span.attrs.get(METADATA_KEY)
    try:
        parsed = orjson.loads(value) if isinstance(value, str) else None
    except orjson.JSONDecodeError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def trace_refs(*, assistant: Assistant, trace_ids: Iterable[str]) -> dict[str, TraceRef]:
    rows = LangfuseTrace.objects.filter(assistant=assistant, trace_id__in=list(set(trace_ids)))
    return {row.trace_id: _ref(row) for row in rows}


def session_refs(*, assistant: Assistant, session_ids: Iterable[str]) -> dict[str, TraceRef]:
    """The latest answered trace of each session (a session score rates its last answer)."""
    refs: dict[str, TraceRef] = {}
    rows = LangfuseTrace.objects.filter(assistant=assistant, conversation_id__in=list(set(session_ids))).order_by(
        "conversation_id", "-answer_at", "-created_at"
    )
    for row in rows:
        refs.setdefault(row.conversation_id, _ref(row))
    return refs


def _ref(row: LangfuseTrace) -> TraceRef:
    return TraceRef(
        trace_id=row.trace_id,
        conversation_id=row.conversation_id,
        user_id=row.user_id,
        answer_message_id=row.answer_message_id,
        variant=row.variant,
    )


def releases_record(*, assistant: Assistant, releases: Iterable[str]) -> None:
    """A release annotation the first time each release is reported (cached: asked per request)."""
    for release in {r for r in releases if r}:
        # Hashed: a release name is client text (spaces, any length) and cache keys are not.
        key = f"langfuse:release:{current_schema()}:{assistant.pk}:{id_digest(release)}"
        if cache.get(key):
            continue
        release_reported_ensure(assistant=assistant, release=release, date=timezone.localdate())
        cache.set(key, True, timeout=_RELEASE_CACHE_SECONDS)


# --- OTLP ---------------------------------------------------------------------------------------


def langfuse_traces_ingest(*, assistant: Assistant, request: ExportTraceServiceRequest) -> OtlpResult:
    """Spans from a Langfuse SDK (v3+) → events, trace records and release annotations."""
    spans = lf.normalize_spans(spans_from_request(request))
    result = otlp_spans_ingest(assistant=assistant, spans=spans, join_logs=False, source=SOURCE)
    traces_record(assistant=assistant, mapped=result.mapped, refused=result.span_errors)
    releases_record(assistant=assistant, releases=(r for s in spans if (r := lf.release_of(s))))
    return result


# --- scores -------------------------------------------------------------------------------------


@dataclass
class ItemResult:
    """Per-item outcome of a Langfuse request: ``errors`` maps an item's index to (status, message)."""

    ok: list[int] = field(default_factory=list)
    errors: dict[int, tuple[int, str]] = field(default_factory=dict)


def _timestamp(value: Any) -> str:
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            moment = None
        if moment is not None and moment.tzinfo is not None:
            return moment.isoformat()
    return timezone.now().isoformat()


def langfuse_scores_ingest(*, assistant: Assistant, scores: Sequence[tuple[int, Any]]) -> ItemResult:
    """``(index, score body)`` pairs → feedback events; each refused score is reported by its index.

    A score names its trace (or only its session). The SDKs send scores and spans on separate
    timers, so a score may overtake its trace: it is then parked (encrypted, for the join TTL)
    and stored when the trace arrives — never under a guessed conversation. A score naming only
    an unknown session is refused (404): there is no trace to wait for.
    """
    out = ItemResult()
    bodies = [(index, body) for index, body in scores if isinstance(body, dict)]
    for index, body in scores:
        if not isinstance(body, dict):
            out.errors[index] = (400, "score must be an object")
    traces = trace_refs(
        assistant=assistant, trace_ids=(str(b["traceId"]) for _, b in bodies if isinstance(b.get("traceId"), str))
    )
    sessions = session_refs(
        assistant=assistant,
        session_ids=(str(b["sessionId"]) for _, b in bodies if isinstance(b.get("sessionId"), str)),
    )
    events: list[dict[str, Any]] = []
    owners: list[int] = []
    waiting: list[tuple[str, dict[str, Any]]] = []
    parked: list[int] = []
    for index, body in bodies:
        trace_id, session_id = body.get("traceId"), body.get("sessionId")
        if not isinstance(trace_id, str) and not isinstance(session_id, str):
            out.errors[index] = (400, "traceId or sessionId: required")
            continue
        if not isinstance(body.get("name"), str) or not body["name"]:
            out.errors[index] = (400, "name: required")
            continue
        ref = traces.get(trace_id) if isinstance(trace_id, str) else sessions.get(str(session_id))
        if ref is None and isinstance(trace_id, str):
            try:
                score_rating(body)  # refused now if it can never be a rating
            except ScoreError as exc:
                out.errors[index] = (400, str(exc))
                continue
            waiting.append((trace_id, body))  # overtook its trace: stored when the trace arrives
            parked.append(index)
            continue
        if ref is None:
            out.errors[index] = (404, f"unknown session {session_id!s:.64}: send the score after its traces")
            continue
        try:
            events.append(score_event(body, trace=ref, timestamp=_timestamp(body.get("timestamp"))))
        except ScoreError as exc:
            out.errors[index] = (400, str(exc))
            continue
        owners.append(index)
    if events:
        result = events_ingest(assistant=assistant, events=events, source=SOURCE)
        for rejected in result.rejected:
            errors = "; ".join(f"{k}: {v}" for k, v in rejected["errors"].items())
            out.errors[owners[rejected["index"]]] = (400, errors)
    scores_park(assistant_id=assistant.pk, scores=waiting)
    out.ok = sorted([index for index in owners if index not in out.errors] + parked)
    return out


# --- the legacy batch ---------------------------------------------------------------------------


def langfuse_batch_ingest(*, assistant: Assistant, batch: Sequence[Any]) -> ItemResult:
    """``POST /api/public/ingestion`` items, in dependency order: traces, generations, scores.

    Each item succeeds or fails on its own; what one valid item carries is stored even when
    its neighbours are refused.
    """
    parsed = batch_parse(list(batch))
    out = ItemResult(errors={index: (400, message) for index, message in parsed.errors.items()})
    out.ok.extend(parsed.ignored)

    # Traces: the identities first, so this batch's generations and scores find them.
    for trace_id, body in parsed.traces.items():
        _trace_upsert(assistant=assistant, trace_id=trace_id, body=body)
    out.ok.extend(index for indexes in parsed.trace_items.values() for index in indexes)
    releases_record(
        assistant=assistant,
        releases=(b["release"] for b in parsed.traces.values() if isinstance(b.get("release"), str)),
    )

    # Generations: merged with what an earlier request parked; parked again while the answer is missing.
    if parsed.generations:
        parked = observations_parked(assistant_id=assistant.pk, pairs=parsed.generations)
        refs = trace_refs(assistant=assistant, trace_ids=(t for t, _ in parsed.generations))
        now_ns = int(timezone.now().timestamp() * 1_000_000) * 1000
        spans: list[SpanRecord] = []
        keys: list[tuple[str, str]] = []
        waiting: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {}
        for key, body in parsed.generations.items():
            merged = {**parked.get(key, {}), **body}
            ref = refs.get(key[0])
            attrs = _ref_attributes(ref, parsed.traces.get(key[0]))
            spans.append(
                generation_span(merged, trace_id=key[0], observation_id=key[1], trace_attrs=attrs, now_ns=now_ns)
            )
            keys.append(key)
            if merged.get("output") is None:
                waiting[key] = (ref.user_id if ref else f"anonymous-{key[0]}", merged)
        observations_park(assistant_id=assistant.pk, observations=waiting)
        result = otlp_spans_ingest(assistant=assistant, spans=spans, join_logs=False, source=SOURCE)
        traces_record(assistant=assistant, mapped=result.mapped, refused=result.span_errors)
        # mapped holds the generation spans in order (each is GenAI after normalize_span).
        refused = {keys[i]: why for i, why in result.span_errors.items()}
        for key, indexes in parsed.generation_items.items():
            for index in indexes:
                if key in refused:
                    out.errors[index] = (400, refused[key])
                else:
                    out.ok.append(index)

    if parsed.scores:
        scored = langfuse_scores_ingest(assistant=assistant, scores=[(item.index, item.body) for item in parsed.scores])
        out.ok.extend(scored.ok)
        out.errors.update(scored.errors)
    # Scores parked for traces that this batch only created (no generation): they rate the trace.
    parked_scores_store(assistant=assistant, trace_ids=parsed.traces)
    out.ok.sort()
    return out


def _ref_attributes(ref: TraceRef | None, body: dict[str, Any] | None) -> dict[str, Any]:
    """The trace's identities and fields as span attributes (as the v3+ SDKs propagate them)."""
    attrs = trace_attributes(body or {})
    if ref is not None:  # the stored identities win: earlier events of the trace are under them
        attrs["session.id"], attrs["user.id"] = ref.conversation_id, ref.user_id
        if ref.variant and lf.VERSION not in attrs:
            attrs[lf.VERSION] = ref.variant
    return attrs


def _trace_upsert(*, assistant: Assistant, trace_id: str, body: dict[str, Any]) -> None:
    attrs = trace_attributes(body)
    metadata = lf.trace_metadata(attrs, {})
    row = LangfuseTrace.objects.filter(assistant=assistant, trace_id=trace_id).first()
    if row is None:
        LangfuseTrace.objects.bulk_create(
            [
                LangfuseTrace(
                    assistant=assistant,
                    trace_id=trace_id,
                    conversation_id=str(attrs.get("session.id") or trace_id)[:128],
                    user_id=str(attrs.get("user.id") or f"anonymous-{trace_id}")[:128],
                    variant=str(attrs.get(lf.VERSION) or "")[:128],
                    metadata=metadata,
                )
            ],
            ignore_conflicts=True,
        )
        return
    # A trace-update (trace-create again with the same id) may add the version and metadata;
    # the identities stay: events of this trace are already stored under them.
    changes: dict[str, Any] = {}
    if attrs.get(lf.VERSION):
        changes["variant"] = str(attrs[lf.VERSION])[:128]
    if metadata:
        changes["metadata"] = {**row.metadata, **metadata}
    if changes:
        LangfuseTrace.objects.filter(pk=row.pk).update(**changes)
