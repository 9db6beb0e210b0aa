"""The terms of METRICS.md ("Terms"), written once as query expressions every metric reuses.

- **ended**: an ``outcome`` event, or no event for ``ANALYTICS_CONVERSATION_IDLE_MINUTES``.
- **resolved**: an ``outcome: resolved`` event, or — when no outcome was sent — an accept action on
  the conversation's last output with no later reject action or escalation. An explicit
  ``escalated``/``abandoned`` outcome is the client's own verdict and wins over an earlier accept.
- **escalated**: an ``escalate`` action or ``outcome: escalated``.
- **abandoned** (before "ended, not resolved, not escalated" is applied): the last user turn was a
  rephrase, carried negative sentiment (the NLP app's threshold), or was followed by an
  ``abandon`` action.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from apps.conversations.models import Action, Conversation, Message
from apps.nlp.frustration import NEGATIVE_SENTIMENT

ACCEPT_ACTIONS = ("copy", "share", "save", "send", "apply")
REJECT_ACTIONS = ("dismiss", "regenerate", "abandon")
ESCALATE_ACTION = "escalate"
EDIT_ACTION = "edit"
ABANDON_ACTION = "abandon"


@dataclass(frozen=True)
class Rate:
    """A rate with its evidence; ``value`` is None below the minimum sample ("not enough data")."""

    numerator: int
    denominator: int
    min_sample: int

    @property
    def enough_data(self) -> bool:
        return self.denominator >= self.min_sample and self.denominator > 0

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.enough_data else None

    def display(self) -> str:
        if self.value is None:
            return f"not enough data (n={self.denominator})"
        return f"{self.value:.0%}"


def min_sample() -> int:
    return int(getattr(settings, "ANALYTICS_MIN_SAMPLE", 30))


def ended_q(*, now: datetime | None = None) -> Q:
    idle = timedelta(minutes=int(getattr(settings, "ANALYTICS_CONVERSATION_IDLE_MINUTES", 30)))
    return Q(outcome__isnull=False) | Q(last_event_at__lte=(now or timezone.now()) - idle)


def _accepted_last_output() -> Exists:
    last_output = (
        Message.objects.filter(conversation=OuterRef("conversation"), role="assistant")
        .order_by("-ts", "-id")
        .values("id")[:1]
    )
    later_rejection = Action.objects.filter(
        conversation=OuterRef("conversation"),
        ts__gt=OuterRef("ts"),
        action__in=(*REJECT_ACTIONS, ESCALATE_ACTION),
    )
    return Exists(
        Action.objects.filter(
            conversation=OuterRef("pk"), action__in=ACCEPT_ACTIONS, message_id=Subquery(last_output)
        ).filter(~Exists(later_rejection))
    )


def resolved_q() -> Q:
    return Q(outcome="resolved") | (Q(outcome__isnull=True) & Q(_accepted_last_output()))


def escalated_q() -> Q:
    return Q(outcome="escalated") | Q(
        Exists(Action.objects.filter(conversation=OuterRef("pk"), action=ESCALATE_ACTION))
    )


def abandon_signal_q() -> Q:
    """The last user turn was a rephrase, negative, or followed by an ``abandon`` action; combine
    with ended, not resolved and not escalated for METRICS.md's abandoned conversation."""

    def last_user(conversation: OuterRef) -> QuerySet[Message]:
        return Message.objects.filter(conversation=conversation, role="user").order_by("-ts", "-id")

    last_turn_signal = Message.objects.filter(pk=Subquery(last_user(OuterRef(OuterRef("pk"))).values("pk")[:1])).filter(
        Q(is_rephrase=True) | Q(sentiment__lte=NEGATIVE_SENTIMENT)
    )
    abandoned_after = Action.objects.filter(
        conversation=OuterRef("pk"),
        action=ABANDON_ACTION,
        ts__gte=Subquery(last_user(OuterRef("conversation")).values("ts")[:1]),
    )
    return Q(Exists(last_turn_signal)) | Q(Exists(abandoned_after))


def conversations_ended(*, now: datetime | None = None) -> QuerySet[Conversation]:
    return Conversation.objects.filter(ended_q(now=now))
