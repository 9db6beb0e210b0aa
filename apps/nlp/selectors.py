from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q

from apps.conversations.models import Conversation, Message


@dataclass(frozen=True)
class LanguageRow:
    language: str
    conversations: int
    resolved_rate: float
    user_messages: int
    rephrase_rate: float | None


def success_and_rephrase_by_language(*, assistant_id: int) -> list[LanguageRow]:
    """Success (resolved / conversations with an outcome) and rephrase rate per detected
    conversation language (METRICS.md "success rate per language", "rephrase rate")."""
    conversations = (
        Conversation.objects.filter(assistant_id=assistant_id, outcome__isnull=False)
        .values("language")
        .annotate(n=Count("id"), resolved=Count("id", filter=Q(outcome="resolved")))
    )
    rephrases = (
        Message.objects.filter(conversation__assistant_id=assistant_id, role="user", rephrase_score__isnull=False)
        .values("conversation__language")
        .annotate(n=Count("id"), rephrased=Count("id", filter=Q(is_rephrase=True)))
    )
    rephrase_by_language = {r["conversation__language"]: r for r in rephrases}
    rows = []
    for c in conversations:
        r = rephrase_by_language.get(c["language"])
        rows.append(
            LanguageRow(
                language=c["language"] or "unknown",
                conversations=c["n"],
                resolved_rate=c["resolved"] / c["n"],
                user_messages=r["n"] if r else 0,
                rephrase_rate=(r["rephrased"] / r["n"]) if r and r["n"] else None,
            )
        )
    return sorted(rows, key=lambda row: -row.conversations)
