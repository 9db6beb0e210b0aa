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
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from apps.accounts.models import Role
from apps.accounts.permissions import has_role
from apps.audit.services import audit_record
from apps.compliance.models import ErasureRecord, ReviewCase
from apps.conversations.models import Action, Conversation, Feedback, Message
from apps.conversations.services import conversations_delete, feedback_comments_expire, messages_content_expire
from apps.core.exceptions import ApplicationError, NotPermittedError
from apps.core.tenancy import current_schema
from apps.detection.models import SensitiveFinding
from apps.detection.services import masking_policy_get, suppression_rules_unlink_cases, vault_entries_delete
from apps.ingestion.services import (
    langfuse_traces_delete_before,
    langfuse_traces_delete_for_end_user,
    otlp_join_delete_before,
    otlp_join_delete_for_end_user,
    raw_events_delete_enriched_before,
    raw_events_delete_for_end_user,
)

if TYPE_CHECKING:
    from apps.accounts.models import User

EXPIRED = "[expired]"


@dataclass(frozen=True)
class RetentionResult:
    messages_expired: int = 0
    feedback_comments_expired: int = 0
    raw_events_deleted: int = 0
    vault_entries_deleted: int = 0
    otlp_join_rows_deleted: int = 0
    langfuse_traces_deleted: int = 0


@transaction.atomic
def retention_apply(*, now: datetime | None = None) -> RetentionResult:
    """Expire content older than the policy's ``retention_days`` (nothing when it is unset)."""
    days = masking_policy_get().retention_days
    if not days:
        return RetentionResult()
    cutoff = (now or timezone.now()) - timedelta(days=days)
    vault_ids = list(
        SensitiveFinding.objects.filter(message__ts__lt=cutoff, vault__isnull=False).values_list("vault_id", flat=True)
    )
    # Vault entries first: findings point at them with SET NULL, so afterwards no finding can
    # claim an original that is gone.
    vault_deleted = vault_entries_delete(entry_ids=vault_ids)
    messages_expired = messages_content_expire(before=cutoff, placeholder=EXPIRED)
    feedback_expired = feedback_comments_expire(before=cutoff)
    # Only raw events already enriched: deleting a pending one would lose an accepted event.
    raw_deleted = raw_events_delete_enriched_before(before=cutoff)
    # Unmasked halves of OTLP joins (encrypted, normally gone within the hour): by age too.
    join_deleted = otlp_join_delete_before(before=cutoff)
    # Langfuse trace records hold the same pseudonymous ids as the raw events: by age too.
    traces_deleted = langfuse_traces_delete_before(before=cutoff)
    result = RetentionResult(
        messages_expired, feedback_expired, raw_deleted, vault_deleted, join_deleted, traces_deleted
    )
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
    key = f"tessera-erasure:{settings.SECRET_KEY}:{current_schema()}".encode()
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
    case_ids = list(ReviewCase.objects.filter(user_id=user_id).values_list("id", flat=True))
    counts = {
        "conversations": conversations.count(),
        "messages": Message.objects.filter(conversation__in=conversations).count(),
        "actions": Action.objects.filter(conversation__in=conversations).count(),
        "feedback": Feedback.objects.filter(conversation__in=conversations).count(),
        "findings": findings.count(),
        "cases": len(case_ids),
        "vault_entries": len(vault_ids),
    }
    # Before the raw events: the user's OTLP trace ids are read from them.
    counts["otlp_join_rows"] = otlp_join_delete_for_end_user(user_id=user_id, conversation_keys=conversation_keys)
    counts["langfuse_traces"] = langfuse_traces_delete_for_end_user(
        user_id=user_id, conversation_keys=conversation_keys
    )
    # Nothing references raw events: the total is theirs.
    counts["raw_events"] = raw_events_delete_for_end_user(user_id=user_id, conversation_keys=conversation_keys)
    vault_entries_delete(entry_ids=vault_ids)
    suppression_rules_unlink_cases(case_ids=case_ids)  # the rules stay; their source case goes
    # Cascades to messages, actions, feedback, findings, scans, cases.
    conversations_delete(conversation_ids=list(conversations.values_list("id", flat=True)))
    # Apps above this one keep rows by the user id itself (by dotted path: they sit above compliance).
    for name, path in settings.END_USER_ERASURE_STEPS.items():
        counts[name] = import_string(path)(user_id=user_id)
    label = str(getattr(actor, "email", None) or "system")
    record = ErasureRecord.objects.create(
        user_hash=end_user_hash(user_id), requested_by=actor, requested_by_label=label, counts=counts
    )
    audit_record(
        actor=actor or "system", action="user.erase", target=record, after={"user_hash": record.user_hash, **counts}
    )
    return record
