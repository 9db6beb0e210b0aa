"""Reads of review cases and their conversations."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, QuerySet

from apps.accounts.models import User
from apps.compliance.models import ReviewCase, UnmaskRequest, UnmaskStatus
from apps.conversations.models import Message
from apps.detection.models import SensitiveFinding
from apps.detection.selectors import findings_by_message

# --- Review cases -------------------------------------------------------------------------------

CASE_SORTS = {
    "newest": ("-created_at", "-id"),
    "oldest": ("created_at", "id"),
    "severity": ("-severity", "-created_at", "-id"),
    "findings": ("-finding_count", "-created_at", "-id"),
}


def review_cases() -> QuerySet[ReviewCase]:
    """The queue, newest first; its filters are ``apps.compliance.filters.CaseFilter``. Callers
    check the role first (``can_read_review_cases``): cases are org-wide."""
    return ReviewCase.objects.select_related("assistant", "department", "assignee", "conversation").order_by(
        *CASE_SORTS["newest"]
    )


def compliance_users() -> QuerySet[User]:
    """Who may be assigned a case."""
    return User.objects.filter(roles__contains=["compliance"], is_active=True).order_by("email")


def review_case_counts() -> dict[str, int]:
    return dict(ReviewCase.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n"))


@dataclass(frozen=True)
class Segment:
    text: str
    finding: SensitiveFinding | None = None


@dataclass(frozen=True)
class MessageView:
    message: Message
    segments: list[Segment]
    findings: list[SensitiveFinding]


def case_messages(*, case: ReviewCase) -> list[MessageView]:
    """The conversation's (masked) messages cut into plain and highlighted segments."""
    grouped = findings_by_message(conversation_id=case.conversation_id)
    views: list[MessageView] = []
    for message in Message.objects.filter(conversation_id=case.conversation_id).order_by("ts", "id"):
        found = grouped.get(message.pk, [])
        segments: list[Segment] = []
        cursor = 0
        for finding in found:
            if finding.masked_start < cursor or finding.masked_end > len(message.content):
                continue  # content expired by retention: the offsets no longer apply
            segments.append(Segment(message.content[cursor : finding.masked_start]))
            segments.append(Segment(message.content[finding.masked_start : finding.masked_end], finding))
            cursor = finding.masked_end
        segments.append(Segment(message.content[cursor:]))
        views.append(MessageView(message=message, segments=[s for s in segments if s.text], findings=found))
    return views


def unmask_requests_pending() -> QuerySet[UnmaskRequest]:
    return UnmaskRequest.objects.filter(status=UnmaskStatus.PENDING).select_related(
        "requester", "finding", "finding__conversation__review_case"
    )
