"""The audit log: every change, view of sensitive content, unmask and decision is recorded here.

Its own low-level app (right above accounts) so every app that changes something can record it
without depending on compliance, which sits near the top of the house.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import connection, transaction
from django.utils import timezone

from apps.audit.models import AuditEntry

if TYPE_CHECKING:
    from django.db.models import Model

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
    actor: AbstractBaseUser | str | None,
    action: str,
    target: Model | None = None,
    target_type: str = "",
    target_id: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEntry:
    """Append one entry to the organization's hash chain.

    ``actor`` is the user who acted, or a label ("system") for work no user started. Typed by
    Django's user base class: the audit log sits below accounts so every app may record.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_AUDIT_LOCK_ID])
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target_id or str(target.pk)
    actor_id = actor.pk if isinstance(actor, AbstractBaseUser) and actor.pk else None
    entry = AuditEntry(
        created_at=timezone.now(),
        actor_id=actor_id,
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
