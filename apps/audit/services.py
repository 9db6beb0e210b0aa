"""The audit log: every change, view of sensitive content, unmask and decision is recorded here.

Its own low-level app (right above accounts) so every app that changes something can record it
without depending on compliance, which sits near the top of the house.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import connection, transaction
from django.utils import timezone

from apps.audit.models import AuditEntry
from apps.core.exceptions import ApplicationError
from apps.core.services import model_update

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


def settings_update_audited(
    *,
    instance: Model,
    actor: AbstractBaseUser,
    fields: Sequence[str],
    changes: Mapping[str, Any],
    action: str,
    what: str = "fields",
) -> dict[str, tuple[Any, Any]]:
    """Apply ``changes`` to a settings row (only ``fields``), record who changed it and audit the
    difference as ``action``; nothing is written or audited when nothing changed. The row's
    ``updated_by`` is set when it has one. Callers check the permission first."""
    unknown = set(changes) - set(fields)
    if unknown:
        raise ApplicationError(f"unknown {what}: {', '.join(sorted(unknown))}")
    changed = model_update(instance=instance, fields=fields, data=changes)
    if changed:
        if any(f.name == "updated_by" for f in instance._meta.get_fields()):
            instance.updated_by = actor  # type: ignore[attr-defined]  # checked just above
            instance.save(update_fields=["updated_by"])
        audit_record(
            actor=actor,
            action=action,
            target=instance,
            before={k: before for k, (before, _) in changed.items()},
            after={k: after for k, (_, after) in changed.items()},
        )
    return changed
