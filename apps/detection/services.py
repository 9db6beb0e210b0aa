"""Enrichment step: find sensitive data, mask it everywhere it is stored, open review cases.

Runs first among ``settings.ENRICHMENT_STEPS`` inside the batch's transaction, so no other step,
page or API ever reads unmasked content, and a failure rolls the batch back whole.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import Count, Max, Min, Q
from django.utils import timezone

from apps.compliance.models import CaseStatus, MaskAction, MaskingPolicy, ReviewCase, SuppressionRule, VaultEntry
from apps.compliance.services import masking_policy_get
from apps.compliance.vault import vault_encrypt_many
from apps.conversations.models import Conversation, Message
from apps.conversations.services import feedback_comments_replace, messages_content_replace
from apps.detection.findings import Finding
from apps.detection.masking import SEVERITY, MaskedSpan, finding_hash_key, mask_text, value_hash
from apps.detection.models import MessageScan, SensitiveFinding
from apps.detection.sensitive import detect
from apps.ingestion.models import RawEvent
from apps.ingestion.services import raw_events_content_replace, raw_events_payload_replace

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
    cases: int


def sensitive_enrich_step(*, batch_id: int, conversation_ids: list[int]) -> None:
    """ENRICHMENT_STEPS entry point (``fn(*, batch_id, conversation_ids)``); idempotent."""
    result = messages_scan(batch_id=batch_id, conversation_ids=conversation_ids)
    free_text_mask(batch_id=batch_id)
    # Counts only: matched values and content never reach a log line.
    logger.info(
        "sensitive scan batch=%s messages=%s findings=%s raw_events=%s cases=%s",
        batch_id,
        result.messages,
        result.findings,
        result.raw_events,
        result.cases,
    )


def messages_scan(*, batch_id: int, conversation_ids: list[int]) -> ScanResult:
    """Scan the not-yet-scanned messages of these conversations and the batch's raw message events."""
    if not conversation_ids:
        return ScanResult(0, 0, 0, 0)
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
    cases = cases_refresh(
        conversation_ids=sorted({f.conversation_id for f in findings if not f.suppressed}), policy=policy, now=now
    )
    return ScanResult(len(messages), len(findings), len(changed_raw), cases)


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
    now: object,
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


def cases_refresh(*, conversation_ids: list[int], policy: MaskingPolicy, now: object | None = None) -> int:
    """Open or update the review case of each conversation with unsuppressed findings at or above
    the threshold; a decided case reopens when new qualifying findings arrived. Returns how many
    cases were created or changed."""
    if not conversation_ids:
        return 0
    now = now or timezone.now()
    stats = {
        row["conversation_id"]: row
        for row in SensitiveFinding.objects.filter(
            conversation_id__in=conversation_ids, suppressed=False, severity__gte=policy.case_threshold
        )
        .values("conversation_id")
        .annotate(
            severity=Max("severity"),
            n=Count("id"),
            types=ArrayAgg("type", distinct=True, order_by="type"),
            first_seen=Min("message__ts"),
        )
    }
    if not stats:
        return 0
    existing = {c.conversation_id: c for c in ReviewCase.objects.filter(conversation_id__in=stats)}
    owners = {
        cid: (assistant_id, department_id)
        for cid, assistant_id, department_id in Conversation.objects.filter(
            id__in=[cid for cid in stats if cid not in existing]
        ).values_list("id", "assistant_id", "assistant__department_id")
    }
    created: list[ReviewCase] = []
    updated: list[ReviewCase] = []
    for cid, row in stats.items():
        case = existing.get(cid)
        if case is None:
            assistant_id, department_id = owners[cid]
            created.append(
                ReviewCase(
                    conversation_id=cid,
                    assistant_id=assistant_id,
                    department_id=department_id,
                    severity=row["severity"],
                    finding_types=row["types"],
                    finding_count=row["n"],
                    # A case's age runs from when the data was exposed, not from when a worker
                    # got to it: a backfill of old traffic must not look brand new in the queue.
                    created_at=row["first_seen"],
                    updated_at=now,
                )
            )
        elif (case.severity, case.finding_types, case.finding_count) != (row["severity"], row["types"], row["n"]):
            grew = row["n"] > case.finding_count
            case.severity, case.finding_types, case.finding_count = row["severity"], row["types"], row["n"]
            if grew and case.status != CaseStatus.OPEN:
                case.status = CaseStatus.OPEN  # new evidence the earlier decision did not cover
            case.updated_at = now
            updated.append(case)
    ReviewCase.objects.bulk_create(created)
    ReviewCase.objects.bulk_update(updated, ["severity", "finding_types", "finding_count", "status", "updated_at"])
    return len(created) + len(updated)


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
