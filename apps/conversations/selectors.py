from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from apps.accounts.models import User
from apps.conversations.models import Action, Conversation, Feedback, Message
from apps.registry.selectors import assistants_visible_to


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
