"""Enrichment step: find sensitive data and mask it everywhere it is stored.

Runs first among ``settings.ENRICHMENT_STEPS`` inside the batch's transaction, so no other step,
page or API ever reads unmasked content, and a failure rolls the batch back whole. Review cases
are compliance's: its own enrichment step runs next and reads the findings written here.

Kept apart from ``services.py`` because it loads the spaCy pipeline: the web process (pages,
API) imports detection's services and selectors, never this module, and so never loads spaCy.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import connection, models
from django.db.models import Q
from django.db.models.fields.json import KeyTextTransform
from django.utils import timezone
from psycopg import sql

from apps.conversations.models import Message
from apps.conversations.services import dimensions_replace, feedback_comments_replace, messages_content_replace
from apps.core.bulk import rows_insert
from apps.core.tenancy import current_schema
from apps.detection.findings import Finding
from apps.detection.masking import SEVERITY, MaskedSpan, finding_hash_key, mask_text, value_hash
from apps.detection.models import MaskAction, MessageScan, SensitiveFinding, SuppressionRule, VaultEntry
from apps.detection.pipeline import findings_for_text
from apps.detection.sensitive import LRUWindowCache, detect_cached
from apps.detection.services import masking_policy_get
from apps.detection.shadow.signal_services import external_mentions_scan, unregistered_models_scan
from apps.detection.vault import vault_encrypt_many
from apps.ingestion.models import RawEvent
from apps.ingestion.services import raw_events_content_replace, raw_events_payload_replace

if TYPE_CHECKING:
    pass

logger = logging.getLogger(__name__)

# NER results per window of text, kept across the batches a worker process enriches: canned
# answers and templated requests repeat, and a window NER has seen is not run again. Keyed by
# a digest of the window (no content is kept), bounded (flat memory), and per process, like
# the models themselves: nothing is shared between processes.
_NER_WINDOWS = LRUWindowCache()
# Findings per whole text, the same way (a digest, offsets and types only): texts recur across
# batches too (on the demo mix a quarter of each batch's distinct texts were scanned before).
_SCANNED_TEXTS = LRUWindowCache()


# The GIL switch interval while a prefetch runs beside the build (Python's default is 5 ms).
# The build's thread spends its time waiting for PostgreSQL; when a statement returns it must
# take the GIL back from the detecting thread, which by default could keep it 5 ms per
# statement. 0.5 ms makes that wait negligible and costs the detecting thread nothing
# measurable (it only yields when the other thread asks).
PREFETCH_SWITCH_INTERVAL = 0.0005
_prefetcher: ThreadPoolExecutor | None = None


def _prefetch_executor() -> ThreadPoolExecutor:
    """One thread per process, made on first use (in a prefork worker: after the fork)."""
    global _prefetcher
    if _prefetcher is None:
        _prefetcher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tessera-detect")
    return _prefetcher


def _forget_prefetcher() -> None:
    # A forked child has no copy of its parent's threads: an executor made before the fork would
    # queue work no thread runs, and the join would wait for ever. The child makes its own.
    global _prefetcher
    _prefetcher = None
    _PREFETCHING.clear()


os.register_at_fork(after_in_child=_forget_prefetcher)


def sensitive_prefetch(*, batch_id: int) -> Callable[[], None]:
    """ENRICHMENT_PREFETCH entry point: detect the batch's message texts on a thread while its
    build runs and ``sensitive_enrich_step`` reads what it needs; returns the join.

    Detection is a pure function of the text, and this only fills the per-process caches
    ``messages_scan`` reads (a raw event and the message built from it hold the same text);
    ``messages_scan`` waits for it before it detects, so its findings are the same."""
    texts = list(
        dict.fromkeys(
            content
            for content in RawEvent.objects.filter(batch_id=batch_id, type="message")
            .annotate(content=_CONTENT)
            .values_list("content", flat=True)
            if isinstance(content, str) and content
        )
    )
    if not texts:
        return lambda: None
    previous = sys.getswitchinterval()
    sys.setswitchinterval(PREFETCH_SWITCH_INTERVAL)
    future = _prefetch_executor().submit(detect_cached, texts, results=_SCANNED_TEXTS, windows=_NER_WINDOWS)
    done = False
    key = _prefetch_key(batch_id)

    def join() -> None:
        nonlocal done
        if done:
            return
        try:
            future.result()
        finally:
            done = True
            _PREFETCHING.pop(key, None)
            sys.setswitchinterval(previous)

    _PREFETCHING[key] = join
    return join


# The join of each batch's prefetch still running in this process, for ``messages_scan``; by
# schema too, since every organization numbers its batches from 1.
_PREFETCHING: dict[tuple[str, int], Callable[[], None]] = {}


def _prefetch_key(batch_id: int) -> tuple[str, int]:
    return current_schema(), batch_id


@dataclass(frozen=True)
class Suppressor:
    """The organization's suppression rules, loaded once per batch."""

    hashes: frozenset[tuple[str, str]]
    patterns: tuple[tuple[str, re.Pattern[str]], ...]

    @classmethod
    def load(cls) -> Suppressor:
        hashes: set[tuple[str, str]] = set()
        patterns: list[tuple[str, re.Pattern[str]]] = []
        for rule_type, rule_hash, pattern in SuppressionRule.objects.values_list("type", "value_hash", "pattern"):
            if rule_hash:
                hashes.add((rule_type, rule_hash))
            if pattern:
                patterns.append((rule_type, re.compile(pattern)))
        return cls(frozenset(hashes), tuple(patterns))

    def suppresses(self, finding_type: str, digest: str, value: str) -> bool:
        if (finding_type, digest) in self.hashes:
            return True
        return any(rule_type == finding_type and rx.fullmatch(value) for rule_type, rx in self.patterns)


@dataclass(frozen=True)
class ScanResult:
    messages: int
    findings: int
    raw_events: int


def sensitive_enrich_step(*, batch_id: int, conversation_ids: list[int]) -> None:
    """ENRICHMENT_STEPS entry point (``fn(*, batch_id, conversation_ids)``); idempotent."""
    # Before masking: a product name the NER takes for a person ("I asked Claude") is still there.
    external_mentions_scan(conversation_ids=conversation_ids)
    result = messages_scan(batch_id=batch_id, conversation_ids=conversation_ids)
    free_text_mask(batch_id=batch_id)
    dimensions_mask(batch_id=batch_id, conversation_ids=conversation_ids)
    # Telemetry that names a model the registry does not (docs/shadow-ai.md "More signals").
    unregistered_models_scan(batch_id=batch_id, conversation_ids=conversation_ids)
    # Counts only: matched values and content never reach a log line.
    logger.info(
        "sensitive scan batch=%s messages=%s findings=%s raw_events=%s",
        batch_id,
        result.messages,
        result.findings,
        result.raw_events,
    )


def messages_scan(*, batch_id: int, conversation_ids: list[int]) -> ScanResult:
    """Scan the not-yet-scanned messages of these conversations and the batch's raw message events."""
    if not conversation_ids:
        return ScanResult(0, 0, 0)
    now = timezone.now()
    policy = masking_policy_get()
    messages = list(
        Message.objects.filter(conversation_id__any=conversation_ids, scan__isnull=True).values_list(
            "id", "conversation_id", "conversation__assistant_id", "event_id", "content"
        )
    )
    raw = _raw_events_to_mask(batch_id=batch_id, conversation_ids=conversation_ids, messages=messages)
    prefetch = _PREFETCHING.get(_prefetch_key(batch_id))
    if prefetch is not None:
        prefetch()  # the texts' detection, started before the build (``sensitive_prefetch``)

    # Detect once per distinct text: a raw event and the message built from it hold the same text.
    texts = list(dict.fromkeys([m[4] for m in messages if m[4]] + [content for _, content in raw]))
    masked_by_text: dict[str, tuple[str, list[MaskedSpan]]] = {
        text: mask_text(text, found, policy.actions)
        for text, found in zip(texts, detect_cached(texts, results=_SCANNED_TEXTS, windows=_NER_WINDOWS), strict=True)
    }

    findings = _findings_build(messages=messages, masked_by_text=masked_by_text, now=now)
    rows_insert(model=SensitiveFinding, columns=FINDING_COLUMNS, rows=findings)
    _scans_insert(
        message_ids=[m[0] for m in messages],
        findings=[len(masked_by_text[m[4]][1]) if m[4] else 0 for m in messages],
        scanned_at=now,
    )
    changed_messages = [(m[0], masked_by_text[m[4]][0]) for m in messages if m[4] and masked_by_text[m[4]][1]]
    changed_raw = [(rid, masked_by_text[content][0]) for rid, content in raw if masked_by_text[content][1]]
    # Each table through its owner, one COPY + UPDATE however many rows changed.
    messages_content_replace(rows=changed_messages)
    raw_events_content_replace(rows=changed_raw)
    return ScanResult(len(messages), len(findings), len(changed_raw))


def _scan_column(name: str) -> sql.Identifier:
    field = MessageScan._meta.get_field(name)
    if not isinstance(field, models.Field) or field.column is None:
        raise ValueError(f"MessageScan.{name} is not a column")
    return sql.Identifier(field.column)


_INSERT_SCANS = sql.SQL(
    "INSERT INTO {table} ({message}, {scanned_at}, {findings}) "
    "SELECT unnest(%s::bigint[]), %s, unnest(%s::integer[]) ON CONFLICT DO NOTHING"
).format(
    table=sql.Identifier(MessageScan._meta.db_table),
    message=_scan_column("message"),
    scanned_at=_scan_column("scanned_at"),
    findings=_scan_column("findings"),
)


def _scans_insert(*, message_ids: list[int], findings: list[int], scanned_at: datetime) -> None:
    """Mark messages scanned: one statement with two arrays (a batch is a thousand-odd rows,
    which ``bulk_create`` would compile into a parameter per value)."""
    if message_ids:
        with connection.cursor() as cursor:
            cursor.execute(_INSERT_SCANS, [message_ids, scanned_at, findings])


# A message event's content as text (``payload->>'content'``): ingestion only accepts a string
# there, and reading it as JSON would decode every message body in Python for nothing.
_CONTENT = KeyTextTransform("content", "payload")


def _raw_events_to_mask(
    *, batch_id: int, conversation_ids: list[int], messages: list[tuple[int, int, int, str, str]]
) -> list[tuple[int, str]]:
    """(raw event id, content) of the batch's message events, plus the raw events of any older
    unscanned message, minus those whose message was already scanned (a re-run)."""
    unscanned = {(m[2], m[3]) for m in messages}
    batch_rows = list(
        RawEvent.objects.filter(batch_id=batch_id, type="message")
        .annotate(content=_CONTENT)
        .values_list("id", "assistant_id", "event_id", "content")
    )
    # A raw event builds one message: an event whose message is among the unscanned ones cannot
    # also have a scanned one. Only the others (a re-run, a repeated message id) are looked up,
    # so a first run (every event's message unscanned) asks the database nothing here.
    others = [r[2] for r in batch_rows if (r[1], r[2]) not in unscanned]
    scanned = (
        set(
            Message.objects.filter(
                conversation_id__any=conversation_ids, scan__isnull=False, event_id__any=others
            ).values_list("conversation__assistant_id", "event_id")
        )
        if others
        else set()
    )
    rows = {r[0]: r for r in batch_rows if (r[1], r[2]) not in scanned}
    # Unscanned messages built from an earlier batch (rare: a batch that failed after the
    # build): their raw events are not among this batch's.
    unscanned -= {(r[1], r[2]) for r in batch_rows}
    if unscanned:
        for row in (
            RawEvent.objects.filter(
                type="message",
                event_id__any=[key[1] for key in unscanned],
                assistant_id__any={key[0] for key in unscanned},
            )
            .annotate(content=_CONTENT)
            .values_list("id", "assistant_id", "event_id", "content")
        ):
            if (row[1], row[2]) in unscanned:
                rows[row[0]] = row
    return [(r[0], r[3]) for r in rows.values() if isinstance(r[3], str) and r[3]]


# The columns of a ``SensitiveFinding`` row as ``_findings_build`` writes them.
FINDING_COLUMNS = (
    "message_id",
    "conversation_id",
    "type",
    "start",
    "end",
    "masked_start",
    "masked_end",
    "score",
    "recognizer",
    "action",
    "severity",
    "value_hash",
    "masked_preview",
    "suppressed",
    "created_at",
    "vault_id",
)


def _findings_build(
    *,
    messages: list[tuple[int, int, int, str, str]],
    masked_by_text: dict[str, tuple[str, list[MaskedSpan]]],
    now: datetime,
) -> list[tuple[object, ...]]:
    """``SensitiveFinding`` rows (values of ``FINDING_COLUMNS``) of the messages' masked spans,
    each vaulted value stored first (the row points at its ``VaultEntry``)."""
    suppressor = Suppressor.load()
    key = finding_hash_key()
    rows: list[tuple[object, ...]] = []
    to_vault: list[tuple[int, str]] = []  # (position in rows, value)
    for message_id, conversation_id, _assistant, _event, content in messages:
        if not content:
            continue
        for span in masked_by_text[content][1]:
            finding: Finding = span.finding
            digest = value_hash(finding.type, span.value, key=key)
            if span.action == MaskAction.MASK_AND_VAULT:
                to_vault.append((len(rows), span.value))
            rows.append(
                (
                    message_id,
                    conversation_id,
                    finding.type,
                    finding.start,
                    finding.end,
                    span.masked_start,
                    span.masked_end,
                    round(finding.score, 4),
                    finding.recognizer,
                    str(span.action),
                    SEVERITY.get(finding.type, 2),
                    digest,
                    span.preview,
                    suppressor.suppresses(finding.type, digest, span.value),
                    now,
                    None,
                )
            )
    if to_vault:
        entries = VaultEntry.objects.bulk_create(
            [VaultEntry(ciphertext=c) for c in vault_encrypt_many([value for _, value in to_vault])]
        )
        for (position, _), entry in zip(to_vault, entries, strict=True):
            rows[position] = (*rows[position][:-1], entry.pk)
    return rows


def _strings(value: object, out: list[str]) -> None:
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, dict):
        for item in value.values():
            _strings(item, out)
    elif isinstance(value, list):
        for item in value:
            _strings(item, out)


def _replace(value: object, masked: dict[str, str]) -> object:
    if isinstance(value, str):
        return masked.get(value, value)
    if isinstance(value, dict):
        return {k: _replace(v, masked) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace(v, masked) for v in value]
    return value


def free_text_mask(*, batch_id: int) -> int:
    """Mask feedback comments and ``metadata`` strings of the batch (raw events and Feedback).

    Users write personal data into comments too, and clients into metadata. These texts open no
    review case and keep no vault copy: they are masked by type (what the policy says to keep
    stays), which is enough for "the original remains in no stored column". Re-running finds
    only placeholders, so it changes nothing.
    """
    from apps.conversations.models import Feedback

    policy = masking_policy_get()
    rows = list(
        RawEvent.objects.filter(batch_id=batch_id)
        .filter(Q(payload__has_key="comment") | Q(payload__has_key="metadata"))
        .values_list("id", "type", "assistant_id", "event_id", "payload")
    )
    if not rows:
        return 0
    texts: list[str] = []
    for *_ignored, payload in rows:
        _strings({k: payload.get(k) for k in ("comment", "metadata")}, texts)
    texts = list(dict.fromkeys(t for t in texts if t))
    masked: dict[str, str] = {}
    for text, found in zip(texts, detect_cached(texts, results=_SCANNED_TEXTS, windows=_NER_WINDOWS), strict=True):
        if found:
            new_text, spans = mask_text(text, found, policy.actions)
            if spans and new_text != text:
                masked[text] = new_text
    if not masked:
        return 0
    changed_raw = []
    changed_comments: dict[tuple[int, str], str] = {}
    for rid, etype, assistant_id, event_id, payload in rows:
        updated = dict(payload)
        for key in ("comment", "metadata"):
            if key in updated:
                updated[key] = _replace(updated[key], masked)
        if updated != payload:
            changed_raw.append((rid, updated))
            if etype == "feedback" and updated.get("comment") != payload.get("comment"):
                changed_comments[(assistant_id, event_id)] = updated["comment"]
    raw_events_payload_replace(rows=changed_raw)
    if changed_comments:
        feedback = Feedback.objects.filter(event_id__any=[e for _, e in changed_comments]).values_list(
            "id", "conversation__assistant_id", "event_id"
        )
        feedback_comments_replace(
            rows=[
                (fid, changed_comments[(assistant_id, event_id)])
                for fid, assistant_id, event_id in feedback
                if (assistant_id, event_id) in changed_comments
            ]
        )
    return len(changed_raw)


# Where the dimension fields live in an event's payload (feature, variant, model, user profile).
DIMENSION_PATHS: tuple[tuple[str, ...], ...] = (
    ("feature",),
    ("variant",),
    ("model",),
    ("user", "department"),
    ("user", "region"),
    ("user", "locale"),
)


def dimensions_mask(*, batch_id: int, conversation_ids: list[int]) -> int:
    """Mask sensitive values in the batch's dimension fields, in the raw payload and the record.

    Dimensions are labels to slice metrics by, yet clients put an e-mail in ``user.department``
    or a card number in ``feature``. They run through the pattern recognizers (not NER: "Sales"
    or "Human Resources" is a department, not an organization to hide), are masked by type per
    the policy like comments and metadata (no case, no vault copy), and replaced everywhere they
    were copied to: the raw events (ingestion's service) and conversations, messages and actions
    (conversations' service). Returns how many raw events changed; re-running changes nothing.
    """
    keys = ["__".join(("payload", *path)) for path in DIMENSION_PATHS]
    values: set[str] = set()
    # Distinct combinations only: a batch repeats the same few features and profiles.
    for row in RawEvent.objects.filter(batch_id=batch_id).values_list(*keys).distinct():
        values.update(v for v in row if isinstance(v, str) and v)
    if not values:
        return 0
    actions = masking_policy_get().actions
    masked: dict[str, str] = {}
    for value in sorted(values):
        found = findings_for_text(value, [])
        if found:
            new_value, spans = mask_text(value, found, actions)
            if spans and new_value != value:
                masked[value] = new_value
    if not masked:
        return 0
    changed_raw = []
    for rid, payload in RawEvent.objects.filter(batch_id=batch_id).values_list("id", "payload"):
        updated = dict(payload)
        for key in ("feature", "variant", "model"):
            if isinstance(updated.get(key), str) and updated[key] in masked:
                updated[key] = masked[updated[key]]
        if isinstance(updated.get("user"), dict):
            updated["user"] = {k: masked.get(v, v) if isinstance(v, str) else v for k, v in updated["user"].items()}
        if updated != payload:
            changed_raw.append((rid, updated))
    raw_events_payload_replace(rows=changed_raw)
    dimensions_replace(conversation_ids=conversation_ids, replacements=masked)
    return len(changed_raw)


# --- Masking policy ---------------------------------------------------------------------------
