"""Retention (expire raw content after the policy's N days) and erasure of one end user.

Both keep what aggregates need: retention leaves conversations, messages (with their metadata,
timestamps and counts) and findings; only content, raw events and vaulted originals go.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from apps.accounts.models import Role
from apps.accounts.permissions import has_role
from apps.compliance.models import ErasureRecord, ReviewCase, VaultEntry
from apps.compliance.services import audit_record, masking_policy_get
from apps.conversations.models import Action, Conversation, Feedback, Message
from apps.core.exceptions import ApplicationError, NotPermittedError
from apps.detection.models import SensitiveFinding
from apps.ingestion.models import RawEvent

if TYPE_CHECKING:
    from apps.accounts.models import User

EXPIRED = "[expired]"


@dataclass(frozen=True)
class RetentionResult:
    messages_expired: int = 0
    feedback_comments_expired: int = 0
    raw_events_deleted: int = 0
    vault_entries_deleted: int = 0


@transaction.atomic
def retention_apply(*, now: datetime | None = None) -> RetentionResult:
    """Expire content older than the policy's ``retention_days`` (nothing when it is unset)."""
    days = masking_policy_get().retention_days
    if not days:
        return RetentionResult()
    cutoff = (now or timezone.now()) - timedelta(days=days)
    old_messages = Message.objects.filter(ts__lt=cutoff)
    vault_ids = list(
        SensitiveFinding.objects.filter(message__in=old_messages, vault__isnull=False).values_list(
            "vault_id", flat=True
        )
    )
    # Vault entries first: findings point at them with SET NULL, so afterwards no finding can
    # claim an original that is gone.
    vault_deleted = VaultEntry.objects.filter(pk__in=vault_ids).delete()[0] if vault_ids else 0
    messages_expired = old_messages.exclude(content=EXPIRED).update(content=EXPIRED)
    feedback_expired = Feedback.objects.filter(ts__lt=cutoff).exclude(comment="").update(comment="")
    # Only raw events already enriched: deleting a pending one would lose an accepted event.
    raw_deleted = RawEvent.objects.filter(ts__lt=cutoff, batch__enriched_at__isnull=False).delete()[0]
    result = RetentionResult(messages_expired, feedback_expired, raw_deleted, vault_deleted)
    if any(asdict(result).values()):
        audit_record(
            actor="system",
            action="retention.apply",
            target_type="compliance.maskingpolicy",
            target_id="retention",
            after={"retention_days": days, "cutoff": cutoff.isoformat(), **asdict(result)},
        )
    return result


def end_user_hash(user_id: str) -> str:
    """Keyed hash of an end-user id: the erasure record proves which id without keeping it."""
    key = f"tessera-erasure:{settings.SECRET_KEY}:{connection.schema_name}".encode()
    return hmac.new(key, user_id.encode(), hashlib.sha256).hexdigest()


@transaction.atomic
def end_user_erase(*, actor: User | None, user_id: str) -> ErasureRecord:
    """Delete everything stored about one end user (by the client's pseudonymous ``user_id``)."""
    if actor is not None and not has_role(actor, Role.ADMIN, Role.COMPLIANCE):
        raise NotPermittedError("only admins and compliance may erase an end user's data")
    if not user_id.strip():
        raise ApplicationError("user_id is required")
    conversations = Conversation.objects.filter(user_id=user_id)
    conversation_keys = list(conversations.values_list("assistant_id", "external_id"))
    findings = SensitiveFinding.objects.filter(conversation__in=conversations)
    vault_ids = list(findings.filter(vault__isnull=False).values_list("vault_id", flat=True))
    counts = {
        "conversations": conversations.count(),
        "messages": Message.objects.filter(conversation__in=conversations).count(),
        "actions": Action.objects.filter(conversation__in=conversations).count(),
        "feedback": Feedback.objects.filter(conversation__in=conversations).count(),
        "findings": findings.count(),
        "cases": ReviewCase.objects.filter(conversation__in=conversations).count(),
        "vault_entries": len(vault_ids),
    }
    raw = RawEvent.objects.filter(user_id=user_id)
    if conversation_keys:
        by_conversation = Q()
        for assistant_id, external_id in conversation_keys:
            by_conversation |= Q(assistant_id=assistant_id, conversation_id=external_id)
        raw = RawEvent.objects.filter(Q(user_id=user_id) | by_conversation)
    counts["raw_events"] = raw.delete()[0]  # nothing references raw events: the total is theirs
    VaultEntry.objects.filter(pk__in=vault_ids).delete()
    conversations.delete()  # cascades to messages, actions, feedback, findings, scans, cases
    label = str(getattr(actor, "email", None) or "system")
    record = ErasureRecord.objects.create(
        user_hash=end_user_hash(user_id), requested_by=actor, requested_by_label=label, counts=counts
    )
    audit_record(
        actor=actor or "system", action="user.erase", target=record, after={"user_hash": record.user_hash, **counts}
    )
    return record
