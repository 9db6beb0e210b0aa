"""Review cases (opened from detection's findings, decided by compliance) and unmasking.

Every decision, look at flagged content and unmask is on the audit log (``apps.audit``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.postgres.aggregates import ArrayAgg
from django.db import transaction
from django.db.models import Count, Max, Min, QuerySet
from django.utils import timezone

from apps.accounts.permissions import can_decide_review_cases, can_unmask
from apps.audit.services import audit_record
from apps.compliance.models import CaseStatus, ReviewCase, UnmaskRequest, UnmaskStatus
from apps.conversations.models import Conversation
from apps.core.exceptions import ApplicationError, ConflictError, NotFoundError, NotPermittedError
from apps.detection.models import MaskingPolicy, SensitiveFinding
from apps.detection.services import masking_policy_get, suppression_rules_from_cases
from apps.detection.vault import vault_decrypt

if TYPE_CHECKING:
    from apps.accounts.models import User

logger = logging.getLogger(__name__)
MIN_REASON_CHARS = 5


# --- Review cases -------------------------------------------------------------------------------


def review_cases_enrich_step(*, batch_id: int, conversation_ids: list[int]) -> None:
    """ENRICHMENT_STEPS entry point, right after detection's scan in the same transaction: open or
    update the cases of the batch's conversations from the findings detection just stored."""
    changed = review_cases_refresh(conversation_ids=conversation_ids, policy=masking_policy_get())
    logger.info("review cases batch=%s cases=%s", batch_id, changed)


def review_cases_refresh(*, conversation_ids: list[int], policy: MaskingPolicy, now: datetime | None = None) -> int:
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
        suppression_rules_from_cases(
            actor=actor, case_by_conversation={c.conversation_id: c.pk for c in cases}, comment=comment
        )
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
    of this user for this finding (approved by someone else) granted less than
    ``UNMASK_APPROVAL_TTL_SECONDS`` ago; the approval is consumed here, so each reveal needs its
    own approval. Without one this raises ``FourEyesRequiredError`` and reveals nothing.
    """
    _require_unmasker(actor)
    request_id = None
    approved = None
    if masking_policy_get().four_eyes_unmask:
        approved = (
            _valid_approvals(finding=finding, requester=actor).select_for_update().order_by("-decided_at").first()
        )
        if approved is None:
            raise FourEyesRequiredError("this organization requires a second compliance user to approve an unmask")
        reason, request_id = approved.reason, approved.pk
    else:
        reason = _clean_reason(reason)
    vault = finding.vault  # no query when vault_id is NULL
    if vault is None:
        raise ApplicationError("the original of this finding was not kept (policy: mask without vault, or expired)")
    value = vault_decrypt(vault)
    if approved is not None:
        approved.status, approved.used_at = UnmaskStatus.USED, timezone.now()
        approved.save(update_fields=["status", "used_at"])
    audit_record(
        actor=actor,
        action="finding.unmask",
        target=finding,
        after={"type": finding.type, "conversation": finding.conversation_id, "approval": request_id},
        reason=reason,
    )
    return Unmasked(finding_id=finding.pk, type=finding.type, value=value)


def _valid_approvals(*, finding: SensitiveFinding, requester: User) -> QuerySet[UnmaskRequest]:
    """Approved, not yet used, and granted within the configured window."""
    since = timezone.now() - timedelta(seconds=settings.UNMASK_APPROVAL_TTL_SECONDS)
    return UnmaskRequest.objects.filter(
        finding=finding, requester=requester, status=UnmaskStatus.APPROVED, decided_at__gte=since
    )


@transaction.atomic
def unmask_request_create(*, actor: User, finding: SensitiveFinding, reason: str) -> UnmaskRequest:
    _require_unmasker(actor)
    reason = _clean_reason(reason)
    existing = (
        UnmaskRequest.objects.filter(finding=finding, requester=actor, status=UnmaskStatus.PENDING).first()
        or _valid_approvals(finding=finding, requester=actor).first()
    )
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
