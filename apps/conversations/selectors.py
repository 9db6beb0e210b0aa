from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db.models import (
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    Max,
    Min,
    Prefetch,
    QuerySet,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Greatest, Least

from apps.accounts.models import User
from apps.conversations.models import Action, Conversation, Feedback, Message
from apps.registry.selectors import assistants_visible_to

# Bounds of a client-measured delay worth trusting (the browser snippet's ms_since_output): a
# negative value or one over a day is a broken clock or a tab left open, not a reaction time.
MS_SINCE_OUTPUT_MAX = 24 * 60 * 60 * 1000


def action_delay_seconds() -> Coalesce:
    """Seconds from the output an ``Action`` acts on to the action (null without a linked message).

    The one definition of an action's delay (METRICS.md, time to first action; the transcript's
    "n s after"): the client's ``ms_since_output`` when it sent a sane one — measured on the
    browser's monotonic clock, it is exact — else the action's timestamp minus its message's,
    which also carries network delay and the skew between the two senders' clocks. Use it on an
    ``Action`` queryset (``.annotate(delay=action_delay_seconds())``).
    """
    from_timestamps = Func(
        ExpressionWrapper(F("ts") - F("message__ts"), output_field=DurationField()),
        template="EXTRACT(EPOCH FROM %(expressions)s)",
        output_field=FloatField(),
    )
    measured = F("ms_since_output") / Value(1000.0)
    return Coalesce(Cast(measured, FloatField()), Cast(from_timestamps, FloatField()), output_field=FloatField())


def conversations_with_detail() -> QuerySet[Conversation]:
    return Conversation.objects.select_related("assistant").prefetch_related(
        Prefetch("messages", queryset=Message.objects.order_by("ts", "id")),
        Prefetch("actions", queryset=Action.objects.select_related("message").order_by("ts", "id")),
        Prefetch("feedback", queryset=Feedback.objects.select_related("message").order_by("ts", "id")),
    )


def conversation_for_assistant(*, assistant_id: int, external_id: str) -> Conversation | None:
    return conversations_with_detail().filter(assistant_id=assistant_id, external_id=external_id).first()


def conversations_for_user(*, user: User, external_id: str) -> QuerySet[Conversation]:
    return conversations_with_detail().filter(external_id=external_id, assistant__in=assistants_visible_to(user=user))


# --- Where the enriched record changed (for the apps that keep aggregates of it) ---------------


@dataclass(frozen=True)
class RecordSpan:
    """Rows of one assistant's enriched record changed between ``first`` and ``last``: every
    conversation concerned started, and every message of it was sent, within the span."""

    assistant_id: int
    first: datetime
    last: datetime


def _spans(conversations: QuerySet[Conversation], *group: str) -> list[RecordSpan]:
    # A conversation's events lie between its started_at and last_event_at when built from raw
    # events; the messages' own timestamps are included so a hand-written row is covered too.
    rows = (
        conversations.order_by()
        .values(*group)
        .annotate(
            span_first=Least(Min("started_at"), Min("messages__ts")),
            span_last=Greatest(Max("last_event_at"), Max("messages__ts")),
        )
        .values_list("assistant_id", "span_first", "span_last")
        .distinct()
    )
    return [RecordSpan(assistant_id, first, last) for assistant_id, first, last in rows]


def conversation_spans(*, conversation_ids: Sequence[int]) -> list[RecordSpan]:
    """One span per conversation (read them before the conversations are deleted)."""
    return _spans(Conversation.objects.filter(pk__in=list(conversation_ids)), "id", "assistant_id")


def assistant_spans(*, assistant_ids: Sequence[int]) -> list[RecordSpan]:
    """One span per assistant over its whole record (for a change to every conversation of it)."""
    return _spans(Conversation.objects.filter(assistant_id__in=list(assistant_ids)), "assistant_id")
