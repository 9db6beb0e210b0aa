"""Review cases (opened from detection's findings, decided by compliance) and unmasking.

Every decision, look at flagged content and unmask is on the audit log (``apps.audit``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.postgres.aggregates import ArrayAgg
from django.db import transaction
from django.db.models import Count, Max, Min, Q, QuerySet
from django.utils import timezone

from apps.accounts.permissions import can_decide_review_cases, can_unmask
from apps.audit.services import audit_record
from apps.compliance.models import (
    AutoCloseRule,
    CaseStatus,
    ReviewCase,
    SavedQueueView,
    UnmaskRequest,
    UnmaskStatus,
)
from apps.compliance.selectors import auto_close_rules, case_findings_map
from apps.core.exceptions import ApplicationError, ConflictError, NotFoundError, NotPermittedError
from apps.detection.findings import ENTITY_TYPES
from apps.detection.models import MaskingPolicy, SensitiveFinding
from apps.detection.services import masking_policy_get, suppression_rules_from_cases
from apps.detection.vault import vault_decrypt
from apps.registry.models import Assistant

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
    """Open or update the review case of each (assistant, end user, finding type) that these
    conversations' unsuppressed findings at or above the threshold belong to. A case counts the
    group's findings in all of that user's conversations with that assistant.

    Auto-close rules (``AutoCloseRule``) apply here: a new case whose findings a rule covers
    entirely is created decided by the rule; a decided case reopens only when findings no rule
    covers arrived. Both are audited. Returns how many cases were created or changed."""
    if not conversation_ids:
        return 0
    now = now or timezone.now()
    qualifying = SensitiveFinding.objects.filter(suppressed=False, severity__gte=policy.case_threshold)
    touched = set(
        qualifying.filter(conversation_id__any=conversation_ids)
        .values_list("conversation__assistant_id", "conversation__user_id", "type")
        .distinct()
    )
    if not touched:
        return 0
    rules = auto_close_rules()
    stats = _group_stats(qualifying, touched, rules)
    existing = {
        (c.assistant_id, c.user_id, c.finding_type): c
        for c in ReviewCase.objects.filter(
            assistant_id__any={a for a, _, _ in touched}, user_id__any={u for _, u, _ in touched}
        )
    }
    departments = dict(Assistant.objects.filter(id__in={a for a, _, _ in touched}).values_list("id", "department_id"))
    created: list[ReviewCase] = []
    updated: list[ReviewCase] = []
    applied: list[tuple[ReviewCase, AutoCloseRule, int]] = []  # (open or reopened case, rule, findings it covered)
    reopened: list[ReviewCase] = []
    for key, row in stats.items():
        case = existing.get(key)
        rule = next((r for i, r in enumerate(rules) if row[f"rule{i}"]), None)
        if case is None:
            assistant_id, user_id, finding_type = key
            closed = rule is not None and row["reviewable"] == 0
            case = ReviewCase(
                conversation_id=row["conversations_in_order"][0],
                assistant_id=assistant_id,
                department_id=departments[assistant_id],
                user_id=user_id,
                finding_type=finding_type,
                severity=row["severity"],
                finding_count=row["n"],
                conversation_count=row["conversations"],
                reviewable_count=row["reviewable"],
                # A case's age runs from when the data was exposed, not from when a worker got to
                # it: a backfill of old traffic must not look brand new in the queue.
                created_at=row["first_seen"],
                updated_at=now,
            )
            if closed and rule is not None:
                case.status, case.auto_rule, case.decided_at = rule.decision, rule, now
                case.comment = f"Closed by auto-close rule #{rule.pk}: {rule.comment}"
            created.append(case)
            continue
        counts = (row["severity"], row["n"], row["conversations"], row["reviewable"])
        if (case.severity, case.finding_count, case.conversation_count, case.reviewable_count) == counts:
            continue
        newly_covered = (row["n"] - row["reviewable"]) - (case.finding_count - case.reviewable_count)
        if row["reviewable"] > case.reviewable_count and case.status != CaseStatus.OPEN:
            case.status, case.auto_rule = CaseStatus.OPEN, None  # new evidence the decision did not cover
            reopened.append(case)
        elif newly_covered > 0 and rule is not None:
            applied.append((case, rule, newly_covered))
        case.severity, case.finding_count, case.conversation_count, case.reviewable_count = counts
        case.updated_at = now
        updated.append(case)
    # Two batches of one person enriched at once may both open the group's case: the later
    # insert updates the counts of the first instead of failing the batch.
    ReviewCase.objects.bulk_create(
        created,
        update_conflicts=True,
        unique_fields=["assistant", "user_id", "finding_type"],
        update_fields=["severity", "finding_count", "conversation_count", "reviewable_count", "updated_at"],
    )
    ReviewCase.objects.bulk_update(
        updated,
        ["severity", "finding_count", "conversation_count", "reviewable_count", "status", "auto_rule", "updated_at"],
    )
    _audit_rules(closed=[c for c in created if c.auto_rule is not None], applied=applied, reopened=reopened)
    return len(created) + len(updated)


def _rule_q(rule: AutoCloseRule) -> Q:
    q = Q(type=rule.finding_type, message__role=rule.message_role)
    return q & Q(conversation__assistant_id=rule.assistant_id) if rule.assistant_id else q


def _group_stats(
    qualifying: QuerySet[SensitiveFinding], touched: set[tuple[int, str, str]], rules: list[AutoCloseRule]
) -> dict[tuple[int, str, str], dict[str, Any]]:
    """Per touched group: severity, findings, conversations, first exposure, the conversations in
    order of exposure, findings no rule covers (``reviewable``) and findings each rule covers."""
    covered_by_any = Q(pk__in=[])
    per_rule: dict[str, Any] = {}
    for i, rule in enumerate(rules):
        covered_by_any |= _rule_q(rule)
        per_rule[f"rule{i}"] = Count("id", filter=_rule_q(rule))
    rows = (
        qualifying.filter(
            conversation__assistant_id__any={a for a, _, _ in touched},
            conversation__user_id__any={u for _, u, _ in touched},
        )
        .values("conversation__assistant_id", "conversation__user_id", "type")
        .annotate(
            severity=Max("severity"),
            n=Count("id"),
            reviewable=Count("id", filter=~covered_by_any),
            conversations=Count("conversation_id", distinct=True),
            first_seen=Min("message__ts"),
            conversations_in_order=ArrayAgg("conversation_id", order_by=("message__ts", "id")),
            **per_rule,
        )
        .order_by()
    )
    # The filter above is a superset (every pair of a touched assistant and a touched user).
    stats: dict[tuple[int, str, str], dict[str, Any]] = {}
    for row in rows:
        key = (row["conversation__assistant_id"], row["conversation__user_id"], row["type"])
        if key in touched:
            stats[key] = dict(row)
    return stats


def _audit_rules(
    *,
    closed: list[ReviewCase],
    applied: list[tuple[ReviewCase, AutoCloseRule, int]],
    reopened: list[ReviewCase],
) -> None:
    for case in closed:
        rule = case.auto_rule
        assert rule is not None  # closed cases are the ones a rule decided
        audit_record(
            actor="system",
            action="case.auto_close",
            target=case,
            after={"status": case.status, "rule": rule.pk, "type": case.finding_type, "findings": case.finding_count},
            reason=rule.comment,
        )
    for case, rule, covered in applied:
        audit_record(
            actor="system",
            action="case.auto_rule_applied",
            target=case,
            after={"status": case.status, "rule": rule.pk, "findings_covered": covered},
            reason=rule.comment,
        )
    for case in reopened:
        audit_record(
            actor="system",
            action="case.reopen",
            target=case,
            after={"status": case.status, "reviewable": case.reviewable_count},
            reason="new findings no decision covered",
        )


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
        case.auto_rule = None  # a person decided
        audit_record(
            actor=actor,
            action="case.decide",
            target=case,
            before=before,
            after={"status": decision, "conversation": case.conversation_id},
            reason=comment,
        )
    ReviewCase.objects.bulk_update(cases, ["status", "comment", "decided_by", "decided_at", "auto_rule", "updated_at"])
    if decision == CaseStatus.FALSE_POSITIVE:
        suppression_rules_from_cases(actor=actor, case_by_finding=case_findings_map(cases=cases), comment=comment)
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


# --- Auto-close rules and saved queue views ---------------------------------------------------

MESSAGE_ROLES = ("user", "assistant", "system", "tool")


@transaction.atomic
def auto_close_rule_create(
    *,
    actor: User,
    finding_type: str,
    message_role: str,
    assistant: Assistant | None,
    decision: str,
    comment: str,
) -> AutoCloseRule:
    """A rule deciding future findings of a type written by a role (audited); it applies to
    findings enriched from now on, never to cases already open."""
    _require_reviewer(actor)
    if finding_type not in ENTITY_TYPES:
        raise ApplicationError(f"finding_type must be one of: {', '.join(ENTITY_TYPES)}")
    if message_role not in MESSAGE_ROLES:
        raise ApplicationError(f"message_role must be one of: {', '.join(MESSAGE_ROLES)}")
    if decision not in (CaseStatus.ACCEPTED_RISK, CaseStatus.FALSE_POSITIVE):
        raise ApplicationError("decision must be accepted_risk or false_positive")
    comment = comment.strip()
    if not comment:
        raise ApplicationError("a rule needs a comment: it is the reason on every case it closes")
    if AutoCloseRule.objects.filter(finding_type=finding_type, message_role=message_role, assistant=assistant).exists():
        raise ConflictError("a rule for this type, role and assistant exists already; delete it first")
    rule = AutoCloseRule.objects.create(
        finding_type=finding_type,
        message_role=message_role,
        assistant=assistant,
        decision=decision,
        comment=comment,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="auto_close_rule.create",
        target=rule,
        after=_rule_fields(rule),
        reason=comment,
    )
    return rule


@transaction.atomic
def auto_close_rule_delete(*, actor: User, rule: AutoCloseRule) -> None:
    """Stop applying a rule; the cases it closed stay closed (their comment names the rule)."""
    _require_reviewer(actor)
    audit_record(actor=actor, action="auto_close_rule.delete", target=rule, before=_rule_fields(rule))
    rule.delete()


def _rule_fields(rule: AutoCloseRule) -> dict[str, Any]:
    return {
        "finding_type": rule.finding_type,
        "message_role": rule.message_role,
        "assistant": rule.assistant_id,
        "decision": rule.decision,
    }


def queue_view_save(*, actor: User, name: str, query: str) -> SavedQueueView:
    """Save (or overwrite, by name) one of the actor's own queue views. The caller validated
    ``query`` with the queue's FilterSet."""
    name = name.strip()
    if not name:
        raise ApplicationError("a saved view needs a name")
    view, _ = SavedQueueView.objects.update_or_create(user=actor, name=name[:80], defaults={"query": query})
    return view


def queue_view_delete(*, actor: User, view: SavedQueueView) -> None:
    if view.user_id != actor.pk:
        raise NotFoundError("no such saved view")  # another person's views are not even named
    view.delete()


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
