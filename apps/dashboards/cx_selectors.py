"""Per-user reads of the enriched record for the customer-experience page and the user journey.

The metric engine answers rates over cuts of people; these pages also need lists of *people*
(who was frustrated repeatedly, what one person went through), which no rollup holds. They read
``Conversation`` rows directly, with METRICS.md's terms from ``apps.analytics.definitions`` (one
implementation of "resolved", "escalated", "ended", the abandon signal), and never message content.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import BooleanField, Case, Count, Exists, Max, Min, OuterRef, Q, QuerySet, Value, When

from apps.analytics.definitions import abandon_signal_q, ended_q, escalated_q, resolved_q
from apps.analytics.services import day_start, tenant_tz
from apps.conversations.models import Conversation, Message

# Engine dimensions (the filter bar's) and the conversation columns that carry them. The custom
# dimensions dim1..dim3 are not stored on conversations yet, like in the rollups.
CONVERSATION_COLUMNS = {
    "language": "language",
    "department": "user_department",
    "variant": "variant",
    "feature": "feature",
}
# How one conversation ended, in the order the labels are decided (an escalation is what a CX
# lead looks for, even when the client later sent "resolved").
OUTCOMES = ("escalated", "resolved", "open", "abandoned", "unresolved")
OUTCOME_LABELS = {
    "escalated": "escalated",
    "resolved": "resolved",
    "open": "still open",
    "abandoned": "abandoned",
    "unresolved": "ended unresolved",
}


def _conversations(
    *, assistant_ids: Sequence[int], date_from: date | None, date_to: date | None, filters: Mapping[str, Any]
) -> QuerySet[Conversation]:
    """Conversations of the assistants started on the days [date_from, date_to] of the tenant's
    time zone (the rollups' days), cut by the filter bar's dimensions that conversations carry."""
    qs = Conversation.objects.filter(assistant_id__in=assistant_ids)
    if date_from is not None:
        qs = qs.filter(started_at__gte=day_start(date_from))
    if date_to is not None:
        qs = qs.filter(started_at__lt=day_start(date_to + timedelta(days=1)))
    for dim, value in filters.items():
        column = CONVERSATION_COLUMNS.get(dim)
        if column is None:
            continue
        if dim in ("variant", "feature"):
            # As in the rollups: a conversation is in the cut when it or any of its messages is.
            on_message = Exists(Message.objects.filter(conversation=OuterRef("pk"), **{dim: value}))
            qs = qs.filter(Q(**{column: value}) | Q(on_message))
        else:
            qs = qs.filter(**{column: value})
    return qs


def ignored_filters(filters: Mapping[str, Any]) -> list[str]:
    """The filter bar's dimensions a per-user list cannot apply (the page says so)."""
    return sorted(set(filters) - set(CONVERSATION_COLUMNS))


# --- users showing repeated frustration --------------------------------------------------------


@dataclass(frozen=True)
class FrustratedUser:
    user_id: str  # pseudonymous, as sent by the assistant
    frustrated: int  # frustrated conversations in the range
    conversations: int  # all their conversations in the range
    last_seen: datetime  # their last event in the range, any conversation
    assistants: tuple[str, ...]  # where they were frustrated


def users_with_repeated_frustration(
    *,
    assistant_ids: Sequence[int],
    date_from: date,
    date_to: date,
    filters: Mapping[str, Any] | None = None,
    min_frustrated: int = 2,
) -> list[FrustratedUser]:
    """Users with at least ``min_frustrated`` frustrated conversations (``Conversation.frustrated``,
    METRICS.md: frustration score ≥ 0.5) started in the range: most frustrated first, then the
    most recently seen."""
    qs = _conversations(assistant_ids=assistant_ids, date_from=date_from, date_to=date_to, filters=filters or {})
    rows = (
        qs.order_by()
        .values("user_id")
        .annotate(
            n_frustrated=Count("id", filter=Q(frustrated=True)),
            n_conversations=Count("id"),
            last_seen=Max("last_event_at"),
            assistant_names=ArrayAgg(
                "assistant__name", filter=Q(frustrated=True), distinct=True, order_by="assistant__name"
            ),
        )
        .filter(n_frustrated__gte=min_frustrated)
        .order_by("-n_frustrated", "-last_seen", "user_id")
    )
    return [
        FrustratedUser(
            user_id=r["user_id"],
            frustrated=r["n_frustrated"],
            conversations=r["n_conversations"],
            last_seen=r["last_seen"],
            assistants=tuple(r["assistant_names"]),
        )
        for r in rows
    ]


# --- one user's journey -------------------------------------------------------------------------


@dataclass(frozen=True)
class JourneyConversation:
    id: int
    assistant_id: int
    assistant: str
    started_at: datetime
    last_event_at: datetime
    user_messages: int
    outcome: str  # one of OUTCOMES
    frustration: float | None  # 0..1, None until the NLP step scored it
    frustrated: bool
    ratings_up: int
    ratings_down: int
    ratings: int  # all ratings (a 3 of 5 is neither up nor down)
    language: str
    intent: str

    @property
    def outcome_label(self) -> str:
        return OUTCOME_LABELS[self.outcome]


def _flag(q: Q) -> Case:
    return Case(When(q, then=Value(True)), default=Value(False), output_field=BooleanField())


def user_first_day(*, user_id: str, assistant_ids: Sequence[int]) -> date | None:
    """The day (tenant time zone) of the user's first conversation with these assistants, or None
    when they have none: the journey's default start, and its existence check."""
    first = Conversation.objects.filter(user_id=user_id, assistant_id__in=assistant_ids).aggregate(
        first=Min("started_at")
    )["first"]
    return None if first is None else first.astimezone(tenant_tz()).date()


def user_conversations(
    *,
    user_id: str,
    assistant_ids: Sequence[int],
    date_from: date | None = None,
    date_to: date | None = None,
    filters: Mapping[str, Any] | None = None,
    now: datetime | None = None,
    limit: int | None = None,
) -> list[JourneyConversation]:
    """One user's conversations with these assistants, oldest first: how each ended and what the
    user felt (frustration score, ratings). Content (messages, comments) is never read."""
    qs = _conversations(
        assistant_ids=assistant_ids, date_from=date_from, date_to=date_to, filters=filters or {}
    ).filter(user_id=user_id)
    qs = (
        qs.annotate(
            is_escalated=_flag(escalated_q()),
            is_resolved=_flag(resolved_q()),
            is_ended=_flag(ended_q(now=now)),
            has_abandon_signal=_flag(abandon_signal_q()),
            n_up=Count("feedback", filter=Q(feedback__thumb="up"), distinct=True),
            n_down=Count("feedback", filter=Q(feedback__thumb="down"), distinct=True),
            n_ratings=Count("feedback", distinct=True),
        )
        .select_related("assistant", "intent")
        .order_by("started_at", "id")
    )
    if limit is not None:
        qs = qs[:limit]
    return [
        JourneyConversation(
            id=c.pk,
            assistant_id=c.assistant_id,
            assistant=c.assistant.name,
            started_at=c.started_at,
            last_event_at=c.last_event_at,
            user_messages=c.user_messages,
            outcome=_outcome(c),
            frustration=c.frustration,
            frustrated=bool(c.frustrated),
            ratings_up=c.n_up,
            ratings_down=c.n_down,
            ratings=c.n_ratings,
            language=c.language or "",
            intent=c.intent.label if c.intent is not None else "",
        )
        for c in qs
    ]


def _outcome(c: Any) -> str:
    if c.is_escalated:
        return "escalated"
    if c.is_resolved:
        return "resolved"
    if not c.is_ended:
        return "open"
    # METRICS.md: ended, not resolved, not escalated, and the last user turn signals it.
    return "abandoned" if c.has_abandon_signal else "unresolved"
