"""The audit log: every change, view of sensitive content, unmask and decision is recorded here.

Its own low-level app (right above accounts) so every app that changes something can record it
without depending on compliance, which sits near the top of the house.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import orjson
from django.db import connection, transaction
from django.utils import timezone

from apps.audit.models import AuditEntry

GENESIS = "0" * 64
# One advisory lock id per schema serialises appends so two writers cannot fork the chain.
_AUDIT_LOCK_ID = 7_311_001


def _digest(*, prev_hash: str, fields: dict[str, Any]) -> str:
    payload = orjson.dumps(fields, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS, default=str)
    return hashlib.sha256(prev_hash.encode() + payload).hexdigest()


def _entry_fields(entry: AuditEntry) -> dict[str, Any]:
    return {
        "created_at": entry.created_at.isoformat(),
        "actor_label": entry.actor_label,
        "action": entry.action,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "before": entry.before,
        "after": entry.after,
        "reason": entry.reason,
    }


@transaction.atomic
def audit_record(
    *,
    actor: Any,
    action: str,
    target: Any | None = None,
    target_type: str = "",
    target_id: str = "",
    before: dict | None = None,
    after: dict | None = None,
    reason: str = "",
) -> AuditEntry:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_AUDIT_LOCK_ID])
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target_id or str(target.pk)
    actor_obj = actor if getattr(actor, "pk", None) else None
    entry = AuditEntry(
        created_at=timezone.now(),
        actor=actor_obj,
        actor_label=str(getattr(actor, "email", None) or actor or "system"),
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        target_label=str(target)[:254] if target is not None else "",
        before=orjson.loads(orjson.dumps(before, default=str)) if before is not None else None,
        after=orjson.loads(orjson.dumps(after, default=str)) if after is not None else None,
        reason=reason,
    )
    last = AuditEntry.objects.order_by("-id").values_list("hash", flat=True).first()
    entry.prev_hash = last or GENESIS
    entry.hash = _digest(prev_hash=entry.prev_hash, fields=_entry_fields(entry))
    entry.save()
    return entry


@dataclass(frozen=True)
class ChainReport:
    entries: int
    ok: bool
    first_bad_id: int | None
    problem: str


def audit_chain_verify() -> ChainReport:
    prev = GENESIS
    count = 0
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        count += 1
        if entry.prev_hash != prev:
            return ChainReport(count, False, entry.id, "prev_hash does not match the entry before (deleted entry?)")
        if _digest(prev_hash=prev, fields=_entry_fields(entry)) != entry.hash:
            return ChainReport(count, False, entry.id, "content does not match its hash (edited entry?)")
        prev = entry.hash
    return ChainReport(count, True, None, "")
