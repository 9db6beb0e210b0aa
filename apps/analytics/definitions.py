"""The terms of METRICS.md ("Terms"), written once as query expressions every metric reuses.

- **ended**: an ``outcome`` event, or no event for ``ANALYTICS_CONVERSATION_IDLE_MINUTES``.
- **resolved**: an ``outcome: resolved`` event, or — when no outcome was sent — an accept action on
  the conversation's last output with no later reject action or escalation. An explicit
  ``escalated``/``abandoned`` outcome is the client's own verdict and wins over an earlier accept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from apps.conversations.models import Action, Conversation, Message

ACCEPT_ACTIONS = ("copy", "share", "save", "send", "apply")
REJECT_ACTIONS = ("dismiss", "regenerate", "abandon")
ESCALATE_ACTION = "escalate"


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


def conversations_ended(*, now: datetime | None = None) -> QuerySet[Conversation]:
    return Conversation.objects.filter(ended_q(now=now))
