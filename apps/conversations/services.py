"""Enrich a batch of raw events: build conversations, messages, actions, feedback and outcomes,
then run the enrichment steps; and the writes other apps' steps make to the enriched record.

Set-based SQL, one statement per entity, every one idempotent (ON CONFLICT DO NOTHING, absolute
recounts, outcome updated only by a later-or-equal event), so a retried task changes nothing.
Ingestion's table is read, never written, here; its name comes from its model.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime

from django.conf import settings
from django.db import connection, models, transaction
from django.utils.module_loading import import_string
from psycopg import sql

from apps.conversations.models import Action, Conversation, Feedback, Message
from apps.conversations.selectors import MS_SINCE_OUTPUT_MAX, RecordSpan, conversation_spans
from apps.core.bulk import rows_update
from apps.ingestion.models import RawEvent
from apps.ingestion.services import batch_lock, batch_mark_enriched
from apps.registry.models import Assistant

_RAW = sql.Identifier(RawEvent._meta.db_table)


# Messages and outcome are counted here, in the one write of a conversation the batch creates:
# a second UPDATE of the rows just inserted cost the build a third of its database time, each
# one a new row version and entries in every index of the table. ``first_message`` marks what the
# message INSERT below stores: per message id, the earliest (ts, id) of its events. A new
# conversation has no other messages, so these are its absolute counts. A conversation that
# already existed keeps its counts here (they are recounted after the messages, ``_RECOUNT``),
# and takes the batch's latest outcome unless it holds a later one; ``xmax = 0`` tells the rows
# inserted from those updated (PostgreSQL locks an existing row, setting its xmax, before the
# update).
_CONVERSATIONS = """
INSERT INTO conversations_conversation AS c
    (assistant_id, external_id, user_id, started_at, last_event_at, variant, feature,
     user_locale, user_department, user_region, user_messages, assistant_messages, outcome, outcome_at, dims)
SELECT r.assistant_id, r.conversation_id,
       (array_agg(r.user_id ORDER BY r.ts))[1], min(r.ts), max(r.ts),
       (array_agg(r.payload->>'variant' ORDER BY r.ts) FILTER (WHERE r.payload ? 'variant'))[1],
       (array_agg(r.payload->>'feature' ORDER BY r.ts) FILTER (WHERE r.payload ? 'feature'))[1],
       (array_agg(r.payload->'user'->>'locale' ORDER BY r.ts) FILTER (WHERE r.payload->'user' ? 'locale'))[1],
       (array_agg(r.payload->'user'->>'department' ORDER BY r.ts) FILTER (WHERE r.payload->'user' ? 'department'))[1],
       (array_agg(r.payload->'user'->>'region' ORDER BY r.ts) FILTER (WHERE r.payload->'user' ? 'region'))[1],
       count(*) FILTER (WHERE r.first_message AND r.payload->>'role' = 'user'),
       count(*) FILTER (WHERE r.first_message AND r.payload->>'role' = 'assistant'),
       (array_agg(r.payload->>'outcome' ORDER BY r.ts DESC, r.id DESC) FILTER (WHERE r.type = 'outcome'))[1],
       max(r.ts) FILTER (WHERE r.type = 'outcome'),
       '{{}}'::jsonb
FROM (
    SELECT r.*, r.type = 'message' AND row_number() OVER (
               PARTITION BY r.assistant_id, r.conversation_id, r.type, r.message_id ORDER BY r.ts, r.id
           ) = 1 AS first_message
    FROM {raw} r WHERE r.batch_id = %(batch)s
) r
GROUP BY r.assistant_id, r.conversation_id
ON CONFLICT (assistant_id, external_id) DO UPDATE SET
    started_at = LEAST(c.started_at, EXCLUDED.started_at),
    last_event_at = GREATEST(c.last_event_at, EXCLUDED.last_event_at),
    variant = COALESCE(c.variant, EXCLUDED.variant),
    feature = COALESCE(c.feature, EXCLUDED.feature),
    user_locale = COALESCE(c.user_locale, EXCLUDED.user_locale),
    user_department = COALESCE(c.user_department, EXCLUDED.user_department),
    user_region = COALESCE(c.user_region, EXCLUDED.user_region),
    outcome = CASE WHEN EXCLUDED.outcome_at >= COALESCE(c.outcome_at, '-infinity') THEN EXCLUDED.outcome ELSE c.outcome END,
    outcome_at = CASE WHEN EXCLUDED.outcome_at >= COALESCE(c.outcome_at, '-infinity') THEN EXCLUDED.outcome_at
                      ELSE c.outcome_at END
RETURNING c.id, c.xmax = 0
"""

_JOIN = """
FROM {raw} r
JOIN conversations_conversation c ON c.assistant_id = r.assistant_id AND c.external_id = r.conversation_id
"""

_MESSAGES = f"""
INSERT INTO conversations_message
    (conversation_id, external_id, event_id, role, content, ts, model, variant, feature,
     latency_ms, input_tokens, output_tokens, cost_usd)
SELECT c.id, r.message_id, r.event_id, r.payload->>'role', COALESCE(r.payload->>'content', ''), r.ts,
       r.payload->>'model', r.payload->>'variant', r.payload->>'feature',
       (r.payload->>'latency_ms')::int, (r.payload->>'input_tokens')::int, (r.payload->>'output_tokens')::int,
       (r.payload->>'cost_usd')::numeric
{_JOIN}
WHERE r.batch_id = %(batch)s AND r.type = 'message'
ORDER BY r.ts, r.id
ON CONFLICT (conversation_id, external_id) DO NOTHING
"""

# metadata.ms_since_output is kept only when it is a JSON number within the sane bounds of
# selectors.MS_SINCE_OUTPUT_MAX; anything else leaves the delay to the timestamps.
_ACTIONS = f"""
INSERT INTO conversations_action
    (conversation_id, message_id, message_external_id, event_id, action, ts, feature, ms_since_output)
SELECT c.id, m.id, r.message_id, r.event_id, r.payload->>'action', r.ts, r.payload->>'feature',
       CASE WHEN jsonb_typeof(r.payload->'metadata'->'ms_since_output') = 'number'
             AND (r.payload->'metadata'->>'ms_since_output')::numeric BETWEEN 0 AND {MS_SINCE_OUTPUT_MAX}
            THEN round((r.payload->'metadata'->>'ms_since_output')::numeric)::bigint END
{_JOIN}
LEFT JOIN conversations_message m ON m.conversation_id = c.id AND m.external_id = r.message_id
WHERE r.batch_id = %(batch)s AND r.type = 'action'
ON CONFLICT (conversation_id, event_id) DO NOTHING
"""

_FEEDBACK = f"""
INSERT INTO conversations_feedback (conversation_id, message_id, message_external_id, event_id, rating, thumb, comment, ts)
SELECT c.id, m.id, r.message_id, r.event_id, r.payload->>'rating',
       CASE WHEN r.payload->>'rating' IN ('up', '4', '5') THEN 'up'
            WHEN r.payload->>'rating' IN ('down', '1', '2') THEN 'down' END,
       COALESCE(r.payload->>'comment', ''), r.ts
{_JOIN}
LEFT JOIN conversations_message m ON m.conversation_id = c.id AND m.external_id = r.message_id
WHERE r.batch_id = %(batch)s AND r.type = 'feedback'
ON CONFLICT (conversation_id, event_id) DO NOTHING
"""

# Actions/feedback may arrive before the message they refer to (another batch, a retry).
_RELINK = """
UPDATE {table} x SET message_id = m.id
FROM conversations_message m
WHERE x.message_id IS NULL AND x.conversation_id = ANY(%(conversations)s)
  AND m.conversation_id = x.conversation_id AND m.external_id = x.message_external_id
"""

# Absolute counts of the conversations that existed before the batch (see ``_CONVERSATIONS``).
_RECOUNT = """
UPDATE conversations_conversation c SET
    user_messages = s.user_messages, assistant_messages = s.assistant_messages
FROM (
    SELECT m.conversation_id,
           count(*) FILTER (WHERE m.role = 'user') AS user_messages,
           count(*) FILTER (WHERE m.role = 'assistant') AS assistant_messages
    FROM conversations_message m WHERE m.conversation_id = ANY(%(conversations)s)
    GROUP BY m.conversation_id
) s
WHERE c.id = s.conversation_id
"""


def _compose(template: str, **names: sql.Composable) -> sql.Composed:
    return sql.SQL(template).format(**names)


_BUILD_CONVERSATIONS = _compose(_CONVERSATIONS, raw=_RAW)
_BUILD_MESSAGES = _compose(_MESSAGES, raw=_RAW)
_BUILD_ACTIONS = _compose(_ACTIONS, raw=_RAW)
_BUILD_FEEDBACK = _compose(_FEEDBACK, raw=_RAW)
_RELINK_ACTIONS = _compose(_RELINK, table=sql.Identifier(Action._meta.db_table))
_RELINK_FEEDBACK = _compose(_RELINK, table=sql.Identifier(Feedback._meta.db_table))


def conversations_build(*, batch_id: int) -> list[int]:
    """Apply one raw-event batch to the enriched record; returns the touched conversation ids.

    Runs inside the caller's transaction.
    """
    params = {"batch": batch_id}
    with connection.cursor() as cursor:
        cursor.execute(_BUILD_CONVERSATIONS, params)
        rows = cursor.fetchall()
        if not rows:
            return []
        touched = [conversation_id for conversation_id, _ in rows]
        existing = [conversation_id for conversation_id, inserted in rows if not inserted]
        cursor.execute(_BUILD_MESSAGES, params)
        cursor.execute(_BUILD_ACTIONS, params)
        cursor.execute(_BUILD_FEEDBACK, params)
        if existing:
            # Only a conversation that existed can hold an action or feedback that waits for a
            # message, or messages from other batches. Arrays, not a temporary table: the planner
            # sizes ``= ANY(array)`` by its elements, with no ANALYZE of its own.
            cursor.execute(_RELINK_ACTIONS, {"conversations": existing})
            cursor.execute(_RELINK_FEEDBACK, {"conversations": existing})
            cursor.execute(_RECOUNT, {"conversations": existing})
    return touched


DIM_VALUE_MAX = 128  # like the other dimension columns

# Per conversation of the batch and declared key, the value of the earliest event whose metadata
# holds a non-empty string or number under that key; a value kept by an earlier batch stays
# (``new || old``: the right operand wins), like variant and feature. The keys come first
# (MATERIALIZED): when no assistant declares any, the batch's events are not read at all, where
# the planner had joined them to each assistant before finding no key (7 ms a batch).
_DIMS = """
WITH keys AS MATERIALIZED (
    SELECT a.id AS assistant_id, k.key
    FROM {assistant} a CROSS JOIN LATERAL jsonb_array_elements_text(a.metric_dimensions) AS k(key)
    WHERE jsonb_typeof(a.metric_dimensions) = 'array'
),
vals AS (
    SELECT DISTINCT ON (r.assistant_id, r.conversation_id, k.key)
           r.assistant_id, r.conversation_id, k.key, left(r.payload->'metadata'->>k.key, %(max)s) AS value
    FROM {raw} r JOIN keys k ON k.assistant_id = r.assistant_id
    WHERE r.batch_id = %(batch)s
      AND jsonb_typeof(r.payload->'metadata'->k.key) IN ('string', 'number')
      AND r.payload->'metadata'->>k.key <> ''
    ORDER BY r.assistant_id, r.conversation_id, k.key, r.ts, r.id
),
found AS (
    SELECT assistant_id, conversation_id, jsonb_object_agg(key, value) AS dims
    FROM vals GROUP BY assistant_id, conversation_id
)
UPDATE conversations_conversation c SET dims = f.dims || c.dims
FROM found f
WHERE c.assistant_id = f.assistant_id AND c.external_id = f.conversation_id AND c.dims IS DISTINCT FROM f.dims || c.dims
"""
_FILL_DIMS = _compose(_DIMS, raw=_RAW, assistant=sql.Identifier(Assistant._meta.db_table))


def conversation_dims_fill(*, batch_id: int) -> int:
    """Copy the values of each assistant's declared metric dimensions (``metadata`` keys) from the
    batch's raw events into ``Conversation.dims``; returns how many conversations changed.

    Not part of ``conversations_build``: it must read the metadata after detection masked it in
    the raw payload (``free_text_mask``), so an e-mail sent as ``metadata.plan`` is copied as its
    placeholder. The rollup step calls it before it aggregates. Idempotent.
    """
    with connection.cursor() as cursor:
        cursor.execute(_FILL_DIMS, {"batch": batch_id, "max": DIM_VALUE_MAX})
        return cursor.rowcount


# --- Retention and erasure (called by compliance; this app is the one writer of its tables) ----


def messages_content_expire(*, before: datetime, placeholder: str) -> int:
    """Replace the content of messages older than ``before``; timestamps, metadata and counts stay."""
    return Message.objects.filter(ts__lt=before).exclude(content=placeholder).update(content=placeholder)


def feedback_comments_expire(*, before: datetime) -> int:
    """Blank the comments of feedback older than ``before``; the ratings stay."""
    return Feedback.objects.filter(ts__lt=before).exclude(comment="").update(comment="")


@transaction.atomic
def conversations_delete(*, conversation_ids: Sequence[int]) -> int:
    """Delete conversations with everything that cascades from them (messages, actions, feedback,
    and the rows other apps declared as belonging to a conversation), then announce where the
    record changed (``record_change_notify``). Returns how many rows went."""
    if not conversation_ids:
        return 0
    spans = conversation_spans(conversation_ids=conversation_ids)  # unreadable once deleted
    deleted = Conversation.objects.filter(pk__in=list(conversation_ids)).delete()[0]
    record_change_notify(spans=spans)
    return deleted


def record_change_notify(*, spans: Sequence[RecordSpan]) -> None:
    """Run ``settings.RECORD_CHANGE_HOOKS`` for a change to the enriched record made outside an
    enrichment batch (a deletion, a re-clustering), in the caller's transaction.

    Apps above keep aggregates of the record (analytics' rollups); a batch refreshes them as its
    last enrichment step, and this is the same hand-off for every other writer. The hooks are
    named by dotted path, like ``ENRICHMENT_STEPS``, because this app may not import them.
    Content-only changes (retention's expiry, masking) aggregate nothing and announce nothing.
    """
    if not spans:
        return
    for hook in [import_string(path) for path in settings.RECORD_CHANGE_HOOKS]:
        hook(spans=spans)


def batch_enrich(*, batch_id: int) -> int:
    """Enrich one batch; safe to run twice or concurrently (the batch row is locked).

    First the enriched record is built from the raw events, then every step named in
    ``settings.ENRICHMENT_STEPS`` runs in order on the touched conversations, in the same
    transaction (a failed step rolls the batch back and the task retries it whole). Order
    matters: sensitive-data masking comes before anything that reads content.
    """
    with transaction.atomic():
        batch = batch_lock(batch_id=batch_id)
        if batch is None or batch.enriched_at is not None:
            return 0
        with batch_prefetched(batch_id=batch_id):
            touched = conversations_build(batch_id=batch_id)
            for step in enrichment_steps():
                step(batch_id=batch_id, conversation_ids=touched)
        batch_mark_enriched(batch=batch)
    return len(touched)


@contextlib.contextmanager
def batch_prefetched(*, batch_id: int) -> Iterator[None]:
    """Every ``settings.ENRICHMENT_PREFETCH`` started on entry and awaited on exit.

    A prefetch computes, off the database, what a step will need from the batch's raw events
    (sensitive-data detection of its texts) on a thread of its own, while this thread waits for
    the build's statements and the step's own reads: the worker's core is not idle while the
    database works. It only fills per-process caches (the step that needs it waits for it
    first), so the steps give the same results whether or not it ran. Awaiting it again on exit
    costs nothing; if the build or a step fails it is still awaited, and its own error, if any,
    never hides theirs.
    """
    joins = [start(batch_id=batch_id) for start in enrichment_prefetches()]
    try:
        yield
    except BaseException:
        for join in joins:
            with contextlib.suppress(Exception):
                join()
        raise
    for join in joins:
        join()


def enrichment_steps() -> list[Callable[..., None]]:
    return [import_string(path) for path in settings.ENRICHMENT_STEPS]


def enrichment_prefetches() -> list[Callable[..., Callable[[], None]]]:
    return [import_string(path) for path in settings.ENRICHMENT_PREFETCH]


# Columns of the enriched record that enrichment steps fill in after the build; anything else
# (ids, content, counts) is this app's own business.
MESSAGE_ANNOTATIONS = frozenset({"language", "sentiment", "rephrase_score", "is_rephrase", "intent_id", "annotated_at"})
CONVERSATION_ANNOTATIONS = frozenset({"language", "frustration", "frustrated", "intent_id"})


def _annotations_check(columns: Sequence[str], allowed: frozenset[str]) -> None:
    unknown = set(columns) - allowed
    if unknown:
        raise ValueError(f"not an annotation column: {sorted(unknown)}")


def messages_annotate(*, columns: Sequence[str], rows: Sequence[tuple[object, ...]]) -> int:
    """Set annotation ``columns`` of messages from ``(message id, *values)`` rows (one COPY + UPDATE)."""
    _annotations_check(columns, MESSAGE_ANNOTATIONS)
    return rows_update(model=Message, columns=columns, rows=rows)


def conversations_annotate(*, columns: Sequence[str], rows: Sequence[tuple[object, ...]]) -> int:
    """Set annotation ``columns`` of conversations from ``(conversation id, *values)`` rows."""
    _annotations_check(columns, CONVERSATION_ANNOTATIONS)
    return rows_update(model=Conversation, columns=columns, rows=rows)


def messages_content_replace(*, rows: Sequence[tuple[int, str]]) -> int:
    """Replace message texts, e.g. by their masked form: ``(message id, new content)`` rows."""
    return rows_update(model=Message, columns=["content"], rows=rows)


def feedback_comments_replace(*, rows: Sequence[tuple[int, str]]) -> int:
    """Replace feedback comments, e.g. by their masked form: ``(feedback id, new comment)`` rows."""
    return rows_update(model=Feedback, columns=["comment"], rows=rows)


# Dimension columns: free strings a client sends to slice metrics by (feature, variant, model,
# user profile). Detection masks sensitive values in them (issue 10, item 3).
DIMENSION_FIELDS: dict[type[models.Model], tuple[str, ...]] = {
    Conversation: ("variant", "feature", "user_locale", "user_department", "user_region"),
    Message: ("model", "variant", "feature"),
    Action: ("feature",),
}


def dimensions_replace(*, conversation_ids: Sequence[int], replacements: Mapping[str, str]) -> int:
    """Replace dimension values equal to a key of ``replacements`` (e.g. by their masked form) in
    these conversations, their messages and actions. One UPDATE per column and value: sensitive
    dimension values are rare, and none means no query at all."""
    if not conversation_ids or not replacements:
        return 0
    changed = 0
    for model, fields in DIMENSION_FIELDS.items():
        rows = model._default_manager.filter(
            **({"id__in": conversation_ids} if model is Conversation else {"conversation_id__in": conversation_ids})
        )
        for field in fields:
            max_length = getattr(model._meta.get_field(field), "max_length", None)
            for old, new in replacements.items():
                changed += rows.filter(**{field: old}).update(**{field: new[:max_length]})
    return changed
