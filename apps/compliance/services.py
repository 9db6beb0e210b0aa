"""The audit log: every change, view of sensitive content, unmask and decision is recorded here."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson
from django.db import transaction
from django.utils import timezone

from apps.accounts.permissions import can_decide_review_cases, can_edit_masking_policy, can_unmask
from apps.compliance.models import (
    AuditEntry,
    CaseStatus,
    MaskingPolicy,
    ReviewCase,
    SuppressionRule,
    UnmaskRequest,
    UnmaskStatus,
)
from apps.compliance.vault import vault_decrypt
from apps.core.exceptions import ApplicationError, ConflictError, NotFoundError, NotPermittedError

if TYPE_CHECKING:
    from apps.accounts.models import User
    from apps.detection.models import SensitiveFinding

GENESIS = "0" * 64
# One advisory lock id per schema serialises appends so two writers cannot fork the chain.
_AUDIT_LOCK_ID = 7_311_001
MIN_REASON_CHARS = 5


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
    from django.db import connection

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


# --- Masking policy ---------------------------------------------------------------------------

POLICY_FIELDS = ("actions", "case_threshold", "retention_days", "four_eyes_unmask")


def masking_policy_get() -> MaskingPolicy:
    """The organization's policy row, created with the defaults on first use."""
    policy = MaskingPolicy.objects.order_by("id").first()
    if policy is None:
        policy, _ = MaskingPolicy.objects.get_or_create(id=1)
    return policy


def _policy_snapshot(policy: MaskingPolicy) -> dict[str, Any]:
    return {name: getattr(policy, name) for name in POLICY_FIELDS}


@transaction.atomic
def masking_policy_update(*, actor: User, changes: dict[str, Any]) -> MaskingPolicy:
    if not can_edit_masking_policy(actor):
        raise NotPermittedError("only admins and compliance may change the masking policy")
    unknown = set(changes) - set(POLICY_FIELDS)
    if unknown:
        raise ApplicationError(f"unknown policy fields: {', '.join(sorted(unknown))}")
    policy = MaskingPolicy.objects.select_for_update().get(pk=masking_policy_get().pk)
    before = _policy_snapshot(policy)
    for name, value in changes.items():
        setattr(policy, name, value)
    policy.updated_by = actor
    policy.full_clean(exclude=["updated_by"])
    policy.save()
    after = _policy_snapshot(policy)
    if before != after:
        changed = [k for k in POLICY_FIELDS if before[k] != after[k]]
        audit_record(
            actor=actor,
            action="policy.update",
            target=policy,
            before={k: before[k] for k in changed},
            after={k: after[k] for k in changed},
        )
    return policy


# --- Review cases -------------------------------------------------------------------------------

DECISIONS = (CaseStatus.CONFIRMED_INCIDENT, CaseStatus.FALSE_POSITIVE, CaseStatus.ACCEPTED_RISK)


def _require_reviewer(actor: User) -> None:
    if not can_decide_review_cases(actor):
        raise NotPermittedError("only compliance users may work review cases")


@transaction.atomic
def review_case_decide(*, actor: User, case: ReviewCase, decision: str, comment: str) -> ReviewCase:
    """Close a case; a false positive suppresses its values so they never open a case again."""
    return review_cases_decide(actor=actor, case_ids=[case.pk], decision=decision, comment=comment)[0]


@transaction.atomic
def review_cases_decide(*, actor: User, case_ids: list[int], decision: str, comment: str) -> list[ReviewCase]:
    from apps.detection.models import SensitiveFinding

    _require_reviewer(actor)
    if decision not in DECISIONS:
        raise ApplicationError(f"decision must be one of: {', '.join(DECISIONS)}")
    comment = comment.strip()
    if not comment:
        raise ApplicationError("a decision needs a comment")
    cases = list(ReviewCase.objects.select_for_update().filter(pk__in=case_ids).order_by("id"))
    if len(cases) != len(set(case_ids)):
        raise NotFoundError("some of these cases do not exist")
    now = timezone.now()
    for case in cases:
        before = {"status": case.status}
        case.status, case.comment, case.decided_by, case.decided_at, case.updated_at = (
            decision,
            comment,
            actor,
            now,
            now,
        )
        audit_record(
            actor=actor,
            action="case.decide",
            target=case,
            before=before,
            after={"status": decision, "conversation": case.conversation_id},
            reason=comment,
        )
    ReviewCase.objects.bulk_update(cases, ["status", "comment", "decided_by", "decided_at", "updated_at"])
    if decision == CaseStatus.FALSE_POSITIVE:
        conversation_ids = [c.conversation_id for c in cases]
        findings = SensitiveFinding.objects.filter(conversation_id__in=conversation_ids, suppressed=False)
        by_case = {c.conversation_id: c for c in cases}
        rules = {
            (f.type, f.value_hash): SuppressionRule(
                type=f.type,
                value_hash=f.value_hash,
                comment=comment,
                source_case=by_case[f.conversation_id],
                created_by=actor,
            )
            for f in findings.only("type", "value_hash", "conversation_id")
        }
        SuppressionRule.objects.bulk_create(list(rules.values()), ignore_conflicts=True)
        findings.update(suppressed=True)
    return cases


@transaction.atomic
def review_cases_assign(*, actor: User, case_ids: list[int], assignee: User | None) -> int:
    _require_reviewer(actor)
    if assignee is not None and not can_decide_review_cases(assignee):
        raise ApplicationError("cases can only be assigned to compliance users")
    cases = list(ReviewCase.objects.select_for_update().filter(pk__in=case_ids))
    for case in cases:
        audit_record(
            actor=actor,
            action="case.assign",
            target=case,
            before={"assignee": case.assignee_id},
            after={"assignee": assignee.pk if assignee else None},
        )
    return ReviewCase.objects.filter(pk__in=[c.pk for c in cases]).update(assignee=assignee, updated_at=timezone.now())


def conversation_sensitive_view_record(*, actor: User, conversation_id: int, via: str) -> None:
    """Every look by compliance at a flagged conversation is on the record."""
    audit_record(
        actor=actor,
        action="conversation.view_sensitive",
        target_type="conversations.conversation",
        target_id=str(conversation_id),
        after={"via": via},
    )


# --- Unmasking ----------------------------------------------------------------------------------


class FourEyesRequiredError(ApplicationError):
    status_code = 409


@dataclass(frozen=True)
class Unmasked:
    finding_id: int
    type: str
    value: str  # the original: render it to the one requester, never log or store it


def _require_unmasker(actor: User) -> None:
    if not can_unmask(actor):
        raise NotPermittedError("only compliance users may unmask content")


def _clean_reason(reason: str) -> str:
    reason = reason.strip()
    if len(reason) < MIN_REASON_CHARS:
        raise ApplicationError(f"give a reason of at least {MIN_REASON_CHARS} characters to unmask")
    return reason


@transaction.atomic
def finding_unmask(*, actor: User, finding: SensitiveFinding, reason: str = "") -> Unmasked:
    """Decrypt one finding's original value for a compliance user, with a reason, on the record.

    Under a four-eyes policy the reason and the go-ahead come from an approved ``UnmaskRequest``
    of this user for this finding (approved by someone else); without one this raises
    ``FourEyesRequiredError`` and reveals nothing.
    """
    _require_unmasker(actor)
    request_id = None
    if masking_policy_get().four_eyes_unmask:
        approved = (
            UnmaskRequest.objects.filter(finding=finding, requester=actor, status=UnmaskStatus.APPROVED)
            .order_by("-decided_at")
            .first()
        )
        if approved is None:
            raise FourEyesRequiredError("this organization requires a second compliance user to approve an unmask")
        reason, request_id = approved.reason, approved.pk
    else:
        reason = _clean_reason(reason)
    if finding.vault_id is None:
        raise ApplicationError("the original of this finding was not kept (policy: mask without vault, or expired)")
    value = vault_decrypt(finding.vault)
    audit_record(
        actor=actor,
        action="finding.unmask",
        target=finding,
        after={"type": finding.type, "conversation": finding.conversation_id, "approval": request_id},
        reason=reason,
    )
    return Unmasked(finding_id=finding.pk, type=finding.type, value=value)


@transaction.atomic
def unmask_request_create(*, actor: User, finding: SensitiveFinding, reason: str) -> UnmaskRequest:
    _require_unmasker(actor)
    reason = _clean_reason(reason)
    existing = UnmaskRequest.objects.filter(
        finding=finding, requester=actor, status__in=(UnmaskStatus.PENDING, UnmaskStatus.APPROVED)
    ).first()
    if existing is not None:
        return existing
    request = UnmaskRequest.objects.create(finding=finding, requester=actor, reason=reason)
    audit_record(
        actor=actor,
        action="finding.unmask_request",
        target=request,
        after={"finding": finding.pk, "conversation": finding.conversation_id},
        reason=reason,
    )
    return request


@transaction.atomic
def unmask_request_decide(*, actor: User, request: UnmaskRequest, approve: bool) -> UnmaskRequest:
    _require_unmasker(actor)
    request = UnmaskRequest.objects.select_for_update().get(pk=request.pk)
    if request.requester_id == actor.pk:
        raise NotPermittedError("a second compliance user must approve this request, not its requester")
    if request.status != UnmaskStatus.PENDING:
        raise ConflictError(f"this request is already {request.status}")
    request.status = UnmaskStatus.APPROVED if approve else UnmaskStatus.REJECTED
    request.approved_by, request.decided_at = actor, timezone.now()
    request.save(update_fields=["status", "approved_by", "decided_at"])
    audit_record(
        actor=actor,
        action="finding.unmask_approve" if approve else "finding.unmask_reject",
        target=request,
        after={"finding": request.finding_id, "requester": request.requester_id},
        reason=request.reason,
    )
    return request
