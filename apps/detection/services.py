"""Enrichment step: find sensitive data and mask it everywhere it is stored; the masking policy.

Runs first among ``settings.ENRICHMENT_STEPS`` inside the batch's transaction, so no other step,
page or API ever reads unmasked content, and a failure rolls the batch back whole. Review cases
are compliance's: its own enrichment step runs next and reads the findings written here.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from psycopg import sql

from apps.accounts.permissions import can_edit_masking_policy
from apps.audit.services import audit_record
from apps.conversations.models import Message
from apps.conversations.services import dimensions_replace, feedback_comments_replace, messages_content_replace
from apps.core.exceptions import ApplicationError, NotPermittedError
from apps.core.services import model_update
from apps.core.tenancy import current_schema
from apps.detection.findings import Finding
from apps.detection.masking import SEVERITY, MaskedSpan, finding_hash_key, mask_text, value_hash
from apps.detection.models import MaskAction, MaskingPolicy, MessageScan, SensitiveFinding, SuppressionRule, VaultEntry
from apps.detection.pipeline import findings_for_text
from apps.detection.sensitive import detect
from apps.detection.vault import vault_encrypt_many
from apps.ingestion.models import RawEvent
from apps.ingestion.services import raw_events_content_replace, raw_events_payload_replace

if TYPE_CHECKING:
    from apps.accounts.models import User

logger = logging.getLogger(__name__)


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
    result = messages_scan(batch_id=batch_id, conversation_ids=conversation_ids)
    free_text_mask(batch_id=batch_id)
    dimensions_mask(batch_id=batch_id, conversation_ids=conversation_ids)
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
        Message.objects.filter(conversation_id__in=conversation_ids, scan__isnull=True).values_list(
            "id", "conversation_id", "conversation__assistant_id", "event_id", "content"
        )
    )
    raw = _raw_events_to_mask(batch_id=batch_id, conversation_ids=conversation_ids, messages=messages)

    # Detect once per distinct text: a raw event and the message built from it hold the same text.
    texts = list(dict.fromkeys([m[4] for m in messages if m[4]] + [content for _, content in raw]))
    masked_by_text: dict[str, tuple[str, list[MaskedSpan]]] = {
        text: mask_text(text, found, policy.actions) for text, found in zip(texts, detect(texts), strict=True)
    }

    findings = _findings_build(messages=messages, masked_by_text=masked_by_text, now=now)
    SensitiveFinding.objects.bulk_create(findings)
    MessageScan.objects.bulk_create(
        [
            MessageScan(message_id=m[0], scanned_at=now, findings=len(masked_by_text.get(m[4], ("", []))[1]))
            for m in messages
        ],
        ignore_conflicts=True,
    )
    changed_messages = [(m[0], masked_by_text[m[4]][0]) for m in messages if m[4] and masked_by_text[m[4]][1]]
    changed_raw = [(rid, masked_by_text[content][0]) for rid, content in raw if masked_by_text[content][1]]
    # Each table through its owner, one COPY + UPDATE however many rows changed.
    messages_content_replace(rows=changed_messages)
    raw_events_content_replace(rows=changed_raw)
    return ScanResult(len(messages), len(findings), len(changed_raw))


def _raw_events_to_mask(
    *, batch_id: int, conversation_ids: list[int], messages: list[tuple[int, int, int, str, str]]
) -> list[tuple[int, str]]:
    """(raw event id, content) of the batch's message events, plus the raw events of any older
    unscanned message, minus those whose message was already scanned (a re-run)."""
    unscanned = {(m[2], m[3]) for m in messages}
    batch_rows = list(
        RawEvent.objects.filter(batch_id=batch_id, type="message").values_list(
            "id", "assistant_id", "event_id", "payload__content"
        )
    )
    scanned = set(
        Message.objects.filter(
            conversation_id__in=conversation_ids, scan__isnull=False, event_id__in=[r[2] for r in batch_rows]
        ).values_list("conversation__assistant_id", "event_id")
    )
    rows = {r[0]: r for r in batch_rows if (r[1], r[2]) not in scanned}
    if unscanned:
        for row in RawEvent.objects.filter(
            type="message", event_id__in=[key[1] for key in unscanned], assistant_id__in={key[0] for key in unscanned}
        ).values_list("id", "assistant_id", "event_id", "payload__content"):
            if (row[1], row[2]) in unscanned:
                rows[row[0]] = row
    return [(r[0], r[3]) for r in rows.values() if isinstance(r[3], str) and r[3]]


def _findings_build(
    *,
    messages: list[tuple[int, int, int, str, str]],
    masked_by_text: dict[str, tuple[str, list[MaskedSpan]]],
    now: datetime,
) -> list[SensitiveFinding]:
    suppressor = Suppressor.load()
    key = finding_hash_key()
    pending: list[tuple[SensitiveFinding, str | None]] = []
    for message_id, conversation_id, _assistant, _event, content in messages:
        if not content:
            continue
        for span in masked_by_text[content][1]:
            finding: Finding = span.finding
            digest = value_hash(finding.type, span.value, key=key)
            row = SensitiveFinding(
                message_id=message_id,
                conversation_id=conversation_id,
                type=finding.type,
                start=finding.start,
                end=finding.end,
                masked_start=span.masked_start,
                masked_end=span.masked_end,
                score=round(finding.score, 4),
                recognizer=finding.recognizer,
                action=span.action,
                severity=SEVERITY.get(finding.type, 2),
                value_hash=digest,
                masked_preview=span.preview,
                suppressed=suppressor.suppresses(finding.type, digest, span.value),
                created_at=now,
            )
            pending.append((row, span.value if span.action == MaskAction.MASK_AND_VAULT else None))
    to_vault = [(row, value) for row, value in pending if value is not None]
    if to_vault:
        entries = VaultEntry.objects.bulk_create(
            [VaultEntry(ciphertext=c) for c in vault_encrypt_many([value for _, value in to_vault])]
        )
        for (row, _), entry in zip(to_vault, entries, strict=True):
            row.vault = entry
    return [row for row, _ in pending]


def findings_by_message(*, conversation_id: int) -> dict[int, list[SensitiveFinding]]:
    grouped: dict[int, list[SensitiveFinding]] = defaultdict(list)
    for finding in SensitiveFinding.objects.filter(conversation_id=conversation_id).order_by("message_id", "start"):
        grouped[finding.message_id].append(finding)
    return grouped


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
    for text, found in zip(texts, detect(texts), strict=True):
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
        feedback = Feedback.objects.filter(event_id__in=[e for _, e in changed_comments]).values_list(
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
    for row in RawEvent.objects.filter(batch_id=batch_id).values_list(*keys):
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

POLICY_FIELDS = ("actions", "case_threshold", "retention_days", "four_eyes_unmask")


def masking_policy_get() -> MaskingPolicy:
    """The organization's policy row, created with the defaults on first use."""
    policy = MaskingPolicy.objects.order_by("id").first()
    if policy is None:
        policy, _ = MaskingPolicy.objects.get_or_create(id=1)
    return policy


@transaction.atomic
def masking_policy_update(*, actor: User, changes: dict[str, Any]) -> MaskingPolicy:
    if not can_edit_masking_policy(actor):
        raise NotPermittedError("only admins and compliance may change the masking policy")
    unknown = set(changes) - set(POLICY_FIELDS)
    if unknown:
        raise ApplicationError(f"unknown policy fields: {', '.join(sorted(unknown))}")
    policy = MaskingPolicy.objects.select_for_update().get(pk=masking_policy_get().pk)
    changed = model_update(instance=policy, fields=POLICY_FIELDS, data=changes)
    if changed:
        policy.updated_by = actor
        policy.save(update_fields=["updated_by"])
        audit_record(
            actor=actor,
            action="policy.update",
            target=policy,
            before={k: before for k, (before, _) in changed.items()},
            after={k: after for k, (_, after) in changed.items()},
        )
    return policy


# --- Suppression rules and the vault, written for compliance's decisions and retention ---------


@transaction.atomic
def suppression_rules_from_cases(*, actor: User, case_by_conversation: dict[int, int], comment: str) -> int:
    """Suppress every value found in these conversations (a false-positive decision): one rule per
    (type, value hash), pointing at the deciding case, and the findings themselves marked
    suppressed. ``case_by_conversation`` maps conversation id to review case id. Returns how many
    findings were suppressed."""
    findings = SensitiveFinding.objects.filter(conversation_id__in=list(case_by_conversation), suppressed=False)
    rules = {
        (f.type, f.value_hash): SuppressionRule(
            type=f.type,
            value_hash=f.value_hash,
            comment=comment,
            source_case_id=case_by_conversation[f.conversation_id],
            created_by=actor,
        )
        for f in findings.only("type", "value_hash", "conversation_id")
    }
    SuppressionRule.objects.bulk_create(list(rules.values()), ignore_conflicts=True)
    return findings.update(suppressed=True)


def suppression_rules_unlink_cases(*, case_ids: Sequence[int]) -> int:
    """Forget deleted review cases as rule sources (what ``on_delete=SET_NULL`` did before the
    rules moved below compliance); the rules themselves stay in force."""
    if not case_ids:
        return 0
    return SuppressionRule.objects.filter(source_case_id__in=list(case_ids)).update(source_case_id=None)


def vault_entries_delete(*, entry_ids: Sequence[int]) -> int:
    """Delete vaulted originals (retention, erasure); findings pointing at them keep a null vault.

    A deleted row's ciphertext stays on disk as a dead tuple until the table is vacuumed, so a
    VACUUM of the vault follows the commit (docs/compliance.md, "Erasure and dead tuples").
    """
    if not entry_ids:
        return 0
    deleted = VaultEntry.objects.filter(pk__in=list(entry_ids)).delete()[0]
    if deleted:
        schema = current_schema()
        transaction.on_commit(lambda: vault_vacuum(schema=schema))
    return deleted


def vault_vacuum_statement(*, schema: str) -> sql.Composed:
    return sql.SQL("VACUUM {}.{}").format(sql.Identifier(schema), sql.Identifier(VaultEntry._meta.db_table))


def vault_vacuum(*, schema: str) -> bool:
    """Best effort: VACUUM the vault table so deleted originals do not linger as dead tuples.

    VACUUM cannot run inside a transaction block; called there (a caller's outer atomic block,
    a transaction-wrapped test) it is skipped and autovacuum remains the fallback. A failure is
    logged, never raised: the erasure itself has already committed.
    """
    if connection.in_atomic_block:
        logger.info("vault vacuum skipped: inside a transaction (autovacuum will reclaim) schema=%s", schema)
        return False
    try:
        with connection.cursor() as cursor:
            cursor.execute(vault_vacuum_statement(schema=schema))
    except DatabaseError as exc:
        logger.warning("vault vacuum failed schema=%s: %s", schema, type(exc).__name__)
        return False
    logger.info("vault vacuumed schema=%s", schema)
    return True
