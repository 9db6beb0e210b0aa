"""The durable write path: validate, COPY into a staging table, dedup-insert, hand off."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from psycopg import sql

from apps.core.bulk import STAGED, TARGET, Staged, rows_update
from apps.core.enqueue import task_enqueue
from apps.core.exceptions import ApplicationError
from apps.ingestion.models import IngestBatch, LangfuseTrace, OtlpJoinState, RawEvent
from apps.ingestion.validation import Limits, Row, browser_scope_errors, validate_event
from apps.registry.models import Assistant

# ON COMMIT DELETE ROWS: the staging table lives as long as the (pooled) connection and is
# emptied by every commit, so concurrent requests on other connections never see each other's rows.
_STAGE_DDL = """
CREATE TEMP TABLE IF NOT EXISTS ingest_stage (
    event_id varchar(128), type varchar(16), ts timestamptz, conversation_id varchar(128),
    user_id varchar(128), message_id varchar(128), payload jsonb
) ON COMMIT DELETE ROWS
"""
_COPY_SQL = "COPY ingest_stage (event_id, type, ts, conversation_id, user_id, message_id, payload) FROM STDIN"
# One statement inserts the new events and, if there were any, their batch row with its count.
# Django's foreign keys are DEFERRABLE INITIALLY DEFERRED, so the events may name the batch
# before its row exists; both commit together or not at all.
_INSERT_SQL = """
WITH ins AS (
    INSERT INTO ingestion_rawevent
        (assistant_id, batch_id, event_id, type, ts, conversation_id, user_id, message_id, payload, received_at)
    SELECT %(assistant)s, %(batch)s, event_id, type, ts, conversation_id, user_id, message_id, payload, now()
    FROM ingest_stage
    ON CONFLICT (assistant_id, event_id) DO NOTHING
    RETURNING 1
)
INSERT INTO ingestion_ingestbatch (id, assistant_id, received_at, source, accepted, attempts)
SELECT %(batch)s, %(assistant)s, now(), %(source)s, count(*), 0 FROM ins HAVING count(*) > 0
RETURNING accepted
"""
# Batches of this request's duplicates that are still unenriched: a client retries after giving
# up on a response, and the batch its first attempt committed may have lost its task with it.
_UNENRICHED_OF_DUPLICATES_SQL = """
SELECT DISTINCT r.batch_id
FROM ingest_stage s
JOIN ingestion_rawevent r ON r.assistant_id = %(assistant)s AND r.event_id = s.event_id
JOIN ingestion_ingestbatch b ON b.id = r.batch_id
WHERE b.enriched_at IS NULL AND b.id <> %(batch)s
ORDER BY r.batch_id
"""
# Enrichment lives above ingestion (apps.conversations), so its task is queued by name.
ENRICH_BATCH_TASK = "apps.conversations.tasks.enrich_batch"
_NEXT_BATCH_SQL = "SELECT nextval(pg_get_serial_sequence('ingestion_ingestbatch', 'id'))"


class BacklogFullError(ApplicationError):
    status_code = 429


@dataclass
class IngestResult:
    accepted: int = 0
    duplicates: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    batch_id: int | None = None

    def as_response(self) -> dict[str, Any]:
        return {"accepted": self.accepted, "duplicates": self.duplicates, "rejected": self.rejected}


def backlog_events() -> int:
    """Accepted events still waiting for enrichment (cached for a second: it is asked per request)."""
    key = "ingest:backlog"
    value = cache.get(key)
    if value is None:
        value = IngestBatch.objects.filter(enriched_at__isnull=True).aggregate(n=Sum("accepted"))["n"] or 0
        cache.set(key, value, timeout=1)
    return value


def backlog_check() -> None:
    if backlog_events() > settings.INGEST_MAX_BACKLOG_EVENTS:
        raise BacklogFullError(
            "enrichment backlog is over its bound; retry later",
            extra={"retry_after": settings.INGEST_RETRY_AFTER_SECONDS},
        )


def events_validate(events: Sequence[Any], *, limits: Limits | None = None) -> tuple[list[Row], list[dict[str, Any]]]:
    now = timezone.now()
    limits = limits or Limits.from_settings()
    rows: list[Row] = []
    rejected: list[dict[str, Any]] = []
    for index, event in enumerate(events):
        row, errors = validate_event(event, now=now, limits=limits)
        if row is None:
            event_id = event.get("id") if isinstance(event, dict) else None
            rejected.append(
                {"index": index, "id": event_id if isinstance(event_id, str | int) else None, "errors": errors}
            )
        else:
            rows.append(row)
    return rows, rejected


def rows_store(*, assistant: Assistant, rows: Sequence[Row], source: str = "batch") -> tuple[int, int | None]:
    """COPY rows into staging and insert the new ones; returns (inserted, batch id or None).

    Must run inside a transaction; the batch's enrichment is queued on commit, so the client's
    200 and the task both happen only once the events are durable.
    """
    if not rows:
        return 0, None
    with connection.cursor() as cursor:
        cursor.execute(_STAGE_DDL)
        # Rows of an earlier call in the same transaction (seeding, backfills) are still here.
        cursor.execute("DELETE FROM ingest_stage")
        cursor.execute(_NEXT_BATCH_SQL)
        batch_id = cursor.fetchone()[0]
        with cursor.cursor.copy(_COPY_SQL) as copy:
            for row in rows:
                copy.write_row(row)
        params = {"assistant": assistant.pk, "batch": batch_id, "source": source}
        cursor.execute(_INSERT_SQL, params)
        created = cursor.fetchone()
        inserted = created[0] if created else 0
        stalled: list[int] = []
        if inserted < len(rows):  # read before commit empties the staging table
            cursor.execute(_UNENRICHED_OF_DUPLICATES_SQL, params)
            stalled = [row[0] for row in cursor.fetchall()]
    for stalled_id in stalled:  # idempotent: a batch enriched meanwhile is skipped by the task
        _enqueue_on_commit(stalled_id)
    if created is None:  # every event was a duplicate: no new batch
        return 0, None
    _enqueue_on_commit(batch_id)
    return inserted, batch_id


def _enqueue_on_commit(batch_id: int) -> None:
    transaction.on_commit(lambda: task_enqueue(ENRICH_BATCH_TASK, batch_id))


def events_ingest(
    *, assistant: Assistant, events: Sequence[Any], source: str = "batch", limits: Limits | None = None
) -> IngestResult:
    """Validate and durably store a batch; valid events are kept even when others are rejected.

    ``limits`` lets trusted internal callers (demo seeding, backfills) accept older timestamps
    than the public API does; the HTTP views never pass it.
    """
    rows, rejected = events_validate(events, limits=limits)
    with transaction.atomic():
        inserted, batch_id = rows_store(assistant=assistant, rows=rows, source=source)
    return IngestResult(accepted=inserted, duplicates=len(rows) - inserted, rejected=rejected, batch_id=batch_id)


def browser_events_ingest(*, assistant: Assistant, events: Sequence[Any]) -> IngestResult:
    """``events_ingest`` for a publishable key: events outside its scope are rejected by index
    (with why), the rest go through the same validation and durable write."""
    in_scope: list[int] = []
    refused: list[dict[str, Any]] = []
    for index, event in enumerate(events):
        if errors := browser_scope_errors(event):
            event_id = event.get("id")
            refused.append(
                {"index": index, "id": event_id if isinstance(event_id, str | int) else None, "errors": errors}
            )
        else:
            in_scope.append(index)
    result = events_ingest(assistant=assistant, events=[events[i] for i in in_scope], source="browser")
    for rejection in result.rejected:
        rejection["index"] = in_scope[rejection["index"]]
    result.rejected = sorted([*refused, *result.rejected], key=lambda r: r["index"])
    return result


def batch_lock(*, batch_id: int) -> IngestBatch | None:
    """The batch row, locked until the caller's transaction ends (enrichment runs once at a time)."""
    return IngestBatch.objects.select_for_update().filter(pk=batch_id).first()


def batch_mark_enriched(*, batch: IngestBatch) -> None:
    """Mark the batch enriched; takes effect when the caller's enrichment transaction commits."""
    IngestBatch.objects.filter(pk=batch.pk).update(enriched_at=timezone.now(), attempts=batch.attempts + 1)


def raw_events_content_replace(*, rows: Sequence[tuple[int, str]]) -> int:
    """Replace ``payload.content`` of raw events, e.g. by its masked form: ``(raw event id, text)`` rows.

    Only the one key changes, in SQL: the rest of the payload is never read back into Python.
    """
    content = sql.SQL("jsonb_set({target}.payload, '{{content}}', to_jsonb({staged}.content))").format(
        target=TARGET, staged=STAGED
    )
    return rows_update(model=RawEvent, columns=[Staged("content", "text")], rows=rows, assign={"payload": content})


def raw_events_payload_replace(*, rows: Sequence[tuple[int, dict[str, Any]]]) -> int:
    """Replace whole raw-event payloads: ``(raw event id, payload)`` rows."""
    return rows_update(model=RawEvent, columns=["payload"], rows=rows)


def stale_batches_requeue() -> int:
    """Queue again every batch accepted long ago and still not enriched (lost message, dead worker)."""
    cutoff = timezone.now() - timedelta(seconds=settings.INGEST_REQUEUE_AFTER_SECONDS)
    ids = list(
        IngestBatch.objects.filter(enriched_at__isnull=True, received_at__lt=cutoff)
        .order_by("id")
        .values_list("id", flat=True)[:10_000]
    )
    for batch_id in ids:
        task_enqueue(ENRICH_BATCH_TASK, batch_id)
    return len(ids)


def raw_events_prune(*, now: datetime | None = None) -> int:
    """Delete raw events that can no longer be replayed (DESIGN.md: raw events are a transit store).

    An event is kept while a client retry of it would still be accepted (``INGEST_MAX_AGE_DAYS``
    plus a day of margin), because its row is what makes the retry a duplicate; and always while
    its batch is not enriched. The enriched record keeps everything the product reads.
    """
    cutoff = (now or timezone.now()) - timedelta(days=settings.INGEST_MAX_AGE_DAYS + 1)
    deleted, _ = RawEvent.objects.filter(ts__lt=cutoff, batch__enriched_at__isnull=False).delete()
    IngestBatch.objects.filter(enriched_at__isnull=False, events__isnull=True).delete()
    return deleted


# --- Retention and erasure (called by compliance; this app is the one writer of its tables) ----


def raw_events_delete_enriched_before(*, before: datetime) -> int:
    """Delete raw events older than ``before`` whose batch is enriched (a pending one is an
    accepted event not yet in the record: deleting it would lose it)."""
    return RawEvent.objects.filter(ts__lt=before, batch__enriched_at__isnull=False).delete()[0]


def raw_events_delete_for_end_user(*, user_id: str, conversation_keys: Sequence[tuple[int, str]]) -> int:
    """Erasure: delete an end user's raw events, by user id and by (assistant id, client
    conversation id), since some events of their conversations may carry no user id."""
    match = Q(user_id=user_id)
    for assistant_id, external_id in conversation_keys:
        match |= Q(assistant_id=assistant_id, conversation_id=external_id)
    return RawEvent.objects.filter(match).delete()[0]


def otlp_join_user_hash(user_id: str) -> str:
    """Keyed hash of an end user's id on OTLP join rows: erasure finds them without storing the id."""
    key = f"tessera-otlp-join:{settings.SECRET_KEY}".encode()
    return hmac.new(key, user_id.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


def otlp_join_delete_before(*, before: datetime) -> int:
    """Retention: delete OTLP join rows (held, encrypted, unmasked halves) written before ``before``."""
    return OtlpJoinState.objects.filter(created_at__lt=before).delete()[0]


def otlp_join_delete_for_end_user(*, user_id: str, conversation_keys: Sequence[tuple[int, str]]) -> int:
    """Erasure: delete an end user's OTLP join rows — their spans, and every row of a trace one of
    their spans or raw events belongs to (parked log records carry no user id of their own).

    Call before ``raw_events_delete_for_end_user``: the trace ids are read from the raw events."""
    digest = otlp_join_user_hash(user_id)
    traces = set(OtlpJoinState.objects.filter(user_hash=digest).values_list("assistant_id", "trace_id"))
    raw = Q(user_id=user_id)
    for assistant_id, external_id in conversation_keys:
        raw |= Q(assistant_id=assistant_id, conversation_id=external_id)
    traces |= {
        (assistant_id, trace)
        for assistant_id, trace in RawEvent.objects.filter(raw, payload__metadata__has_key="otlp_trace_id").values_list(
            "assistant_id", "payload__metadata__otlp_trace_id"
        )
        if isinstance(trace, str)
    }
    match = Q(user_hash=digest)
    for assistant_id, trace in traces:
        match |= Q(assistant_id=assistant_id, trace_id=trace)
    return OtlpJoinState.objects.filter(match).delete()[0]


def langfuse_traces_delete_before(*, before: datetime) -> int:
    """Retention: forget where Langfuse traces landed (scores for them then get a 404) by age."""
    return LangfuseTrace.objects.filter(created_at__lt=before).delete()[0]


def langfuse_traces_delete_for_end_user(*, user_id: str, conversation_keys: Sequence[tuple[int, str]]) -> int:
    """Erasure: the end user's Langfuse trace records, by user id and by their conversations."""
    match = Q(user_id=user_id)
    for assistant_id, external_id in conversation_keys:
        match |= Q(assistant_id=assistant_id, conversation_id=external_id)
    return LangfuseTrace.objects.filter(match).delete()[0]
