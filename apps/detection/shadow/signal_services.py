"""Writes of the extra shadow-AI signals, run by detection's enrichment step on each batch.

- Unregistered model: the batch's telemetry (provider and model, as ingestion left them in the raw
  events: ``metadata.vendor`` from OTLP's ``gen_ai.provider.name``/``gen_ai.system``, ``model``
  from ``gen_ai.response.model``/``request.model`` or the batch API) against the assistant's
  registry entry → ``UnregisteredModelFinding`` per (assistant, vendor, model).
- External-AI mentions: the batch's user messages → ``ExternalAIMention`` (low severity, no case).

Both are called by ``detection.enrichment.sensitive_enrich_step`` inside the batch's transaction
(mentions before masking, telemetry after) and are idempotent: a batch's telemetry is counted once
(``SignalBatchScan``), messages are scanned for mentions once (before their ``MessageScan``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

import orjson
from django.db import connection
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.utils import timezone
from psycopg import sql

from apps.conversations.models import Conversation, Message
from apps.detection.models import ExternalAIMention, SignalBatchScan, UnregisteredModelFinding
from apps.detection.shadow.services import tenant_catalog
from apps.detection.shadow.signals import MentionMatcher, mention_names, telemetry_matches
from apps.ingestion.models import RawEvent
from apps.registry.models import Assistant

logger = logging.getLogger(__name__)

MAX_EXAMPLES = 10
# Where a batch-API client may name the provider in ``metadata`` (OTLP mapping writes ``vendor``).
VENDOR_METADATA_KEYS = ("vendor", "provider", "gen_ai.provider.name", "gen_ai.system")


# --- unregistered model -------------------------------------------------------------------------


@dataclass
class _Seen:
    reason: str
    registered_vendor: str
    registered_model: str
    count: int = 0
    first: datetime | None = None
    last: datetime | None = None
    conversations: list[int] = field(default_factory=list)


def _text(value: Any) -> str:
    return value.strip()[:128] if isinstance(value, str) else ""


def _event_vendor(metadata: dict[str, Any]) -> str:
    return next((_text(metadata.get(k)) for k in VENDOR_METADATA_KEYS if _text(metadata.get(k))), "")[:120]


def _any_event_mismatches(batch_id: int) -> bool:
    """Whether any message event of the batch, taken alone, does not fit its assistant.

    A span takes its provider from one event and its model from another, yet it can only
    mismatch when one of its events does (``test_a_span_mismatches_only_if_one_of_its_events_does``):
    a model that is not the registered one is so on the event that carries it, and a provider
    that is neither the registered one nor a platform is wrong whatever the model. So a batch
    whose events all fit, the common case, is settled from its few distinct (assistant,
    provider keys, model) values instead of every event read and grouped in Python.
    """
    keys = {
        f"vendor_key_{n}": KeyTransform(key, KeyTransform("metadata", "payload"))
        for n, key in enumerate(VENDOR_METADATA_KEYS)
    }
    combos = list(
        RawEvent.objects.filter(batch_id=batch_id, type="message")
        .order_by()
        .annotate(payload_model=KeyTextTransform("model", "payload"), **keys)
        .values_list("assistant_id", "payload_model", *keys)
        .distinct()
    )
    registered = {
        pk: (vendor, model)
        for pk, vendor, model in Assistant.objects.filter(pk__in={c[0] for c in combos}).values_list(
            "pk", "vendor", "model"
        )
    }
    for assistant_id, payload_model, *vendors in combos:
        registered_vendor, registered_model = registered[assistant_id]
        vendor = _event_vendor(dict(zip(VENDOR_METADATA_KEYS, vendors, strict=True)))
        model = _text(payload_model)
        if telemetry_matches(
            vendor=vendor, model=model, registered_vendor=registered_vendor, registered_model=registered_model
        ):
            return True
    return False


def unregistered_models_scan(*, batch_id: int, conversation_ids: list[int]) -> int:
    """Count the batch's spans (OTLP) or events (batch API) whose provider or model does not fit
    the assistant's registration. Returns how many (assistant, vendor, model) rows it touched."""
    _scan, created = SignalBatchScan.objects.get_or_create(batch_id=batch_id, defaults={"scanned_at": timezone.now()})
    if not created:
        return 0  # counted by an earlier run of this batch
    if not _any_event_mismatches(batch_id):
        return 0
    # One observation per span: OTLP puts the provider on every message of a span and the model
    # on its answer only; batch events are their own unit.
    spans: dict[tuple[int, str], dict[str, Any]] = {}
    # Only the two keys read below: the payload also holds the content, the bulk of each row.
    # The model as text (``->>``): ingestion only accepts a string there, no JSON decoding needed.
    for assistant_id, event_id, conversation, ts, metadata, payload_model in (
        RawEvent.objects.filter(batch_id=batch_id, type="message")
        .annotate(payload_model=KeyTextTransform("model", "payload"))
        .values_list("assistant_id", "event_id", "conversation_id", "ts", "payload__metadata", "payload_model")
    ):
        metadata = metadata if isinstance(metadata, dict) else {}
        vendor = _event_vendor(metadata)
        model = _text(payload_model)
        if not vendor and not model:
            continue
        unit = _text(metadata.get("otlp_span_id")) or event_id
        seen = spans.setdefault(
            (assistant_id, unit), {"vendor": "", "model": "", "conversation": conversation, "ts": ts}
        )
        seen["vendor"] = seen["vendor"] or vendor
        seen["model"] = seen["model"] or model
        seen["ts"] = max(seen["ts"], ts)
    if not spans:
        return 0
    assistants = {a.pk: a for a in Assistant.objects.filter(pk__in={a for a, _ in spans}).only("id", "vendor", "model")}
    conversation_pks = {
        (a, ext): pk
        for pk, a, ext in Conversation.objects.filter(pk__any=conversation_ids).values_list(
            "pk", "assistant_id", "external_id"
        )
    }
    found: dict[tuple[int, str, str], _Seen] = {}
    for (assistant_id, _unit), seen in sorted(spans.items(), key=lambda kv: kv[1]["ts"]):
        assistant = assistants[assistant_id]
        reason = telemetry_matches(
            vendor=seen["vendor"],
            model=seen["model"],
            registered_vendor=assistant.vendor,
            registered_model=assistant.model,
        )
        if not reason:
            continue
        key = (assistant_id, seen["vendor"].casefold(), seen["model"].casefold())
        row = found.setdefault(key, _Seen(reason, assistant.vendor, assistant.model))
        row.count += 1
        row.first = min(row.first or seen["ts"], seen["ts"])
        row.last = max(row.last or seen["ts"], seen["ts"])
        pk = conversation_pks.get((assistant_id, seen["conversation"]))
        if pk is not None and pk not in row.conversations and len(row.conversations) < MAX_EXAMPLES:
            row.conversations.append(pk)
    _unregistered_upsert(found)
    logger.info("unregistered models batch=%s rows=%s", batch_id, len(found))
    return len(found)


def _unregistered_upsert(found: dict[tuple[int, str, str], _Seen]) -> None:
    """INSERT … ON CONFLICT adds the counts: two batches of one assistant may run concurrently."""
    if not found:
        return
    table = sql.Identifier(UnregisteredModelFinding._meta.db_table)
    statement = sql.SQL(
        "INSERT INTO {t} (assistant_id, vendor, model, registered_vendor, registered_model, reason, first_seen, "
        "last_seen, count, example_conversation_ids) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb) "
        "ON CONFLICT (assistant_id, vendor, model) DO UPDATE SET "
        "count = {t}.count + EXCLUDED.count, "
        "first_seen = LEAST({t}.first_seen, EXCLUDED.first_seen), "
        "last_seen = GREATEST({t}.last_seen, EXCLUDED.last_seen), "
        "registered_vendor = EXCLUDED.registered_vendor, registered_model = EXCLUDED.registered_model, "
        "reason = EXCLUDED.reason, "
        "example_conversation_ids = (SELECT COALESCE(jsonb_agg(v ORDER BY o), '[]'::jsonb) FROM ("
        "  SELECT v, min(o) AS o FROM jsonb_array_elements({t}.example_conversation_ids "
        "  || EXCLUDED.example_conversation_ids) WITH ORDINALITY AS e(v, o) GROUP BY v ORDER BY min(o) LIMIT {n}) s)"
    ).format(t=table, n=sql.Literal(MAX_EXAMPLES))
    rows = [
        (
            assistant_id,
            vendor,
            model,
            seen.registered_vendor,
            seen.registered_model,
            seen.reason,
            seen.first,
            seen.last,
            seen.count,
            orjson.dumps(seen.conversations).decode(),
        )
        for (assistant_id, vendor, model), seen in sorted(found.items())
    ]
    with connection.cursor() as cursor:
        cursor.executemany(statement.as_string(cursor.connection), rows)


# --- external-AI mentions -----------------------------------------------------------------------


@lru_cache(maxsize=16)
def _matcher(names: tuple[tuple[str, str], ...]) -> MentionMatcher:
    return MentionMatcher(dict(names))


def mention_matcher() -> MentionMatcher:
    """The organization's matcher (its own catalog entries included), compiled once per name set."""
    return _matcher(tuple(sorted(mention_names(tenant_catalog()).items())))


def external_mentions_scan(*, conversation_ids: list[int]) -> int:
    """Store the mentions in the not-yet-scanned user messages of these conversations (only users'
    words count: an answer citing "OpenAI's policy" is the assistant talking). Runs before the
    sensitive-data scan masks them, so offsets are into the text as received (like
    ``SensitiveFinding.start``), and a re-run finds those messages scanned and adds nothing."""
    if not conversation_ids:
        return 0
    matcher = mention_matcher()
    now = timezone.now()
    rows = []
    for message_id, conversation_id, content in Message.objects.filter(
        conversation_id__any=conversation_ids, role="user", scan__isnull=True
    ).values_list("id", "conversation_id", "content"):
        for mention in matcher.find(content):
            rows.append(
                ExternalAIMention(
                    message_id=message_id,
                    conversation_id=conversation_id,
                    service_key=mention.service_key,
                    name=mention.name[:80],
                    cue=mention.cue,
                    start=mention.start,
                    end=mention.end,
                    created_at=now,
                )
            )
    ExternalAIMention.objects.bulk_create(rows, ignore_conflicts=True)
    logger.info("external AI mentions=%s", len(rows))  # counts only: never a message's words
    return len(rows)
