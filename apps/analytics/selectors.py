"""Metric reads (METRICS.md); each metric is implemented once, here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Q, QuerySet

from apps.analytics.definitions import Rate, conversations_ended, min_sample, resolved_q
from apps.conversations.models import Conversation, Message

UNKNOWN_LANGUAGE = "unknown"


@dataclass(frozen=True)
class LanguageRow:
    language: str
    conversations: int  # conversations started in the window (ended or not)
    success: Rate  # resolved / ended conversations
    rephrase: Rate  # rephrasing user messages / user messages with a previous user message


def _in_window(qs: QuerySet[Conversation], date_from: date | None, date_to: date | None) -> QuerySet[Conversation]:
    if date_from is not None:
        qs = qs.filter(started_at__date__gte=date_from)
    if date_to is not None:
        qs = qs.filter(started_at__date__lte=date_to)
    return qs


def success_and_rephrase_by_language(
    *,
    assistant_id: int,
    date_from: date | None = None,
    date_to: date | None = None,
    now: datetime | None = None,
    sample: int | None = None,
) -> list[LanguageRow]:
    """METRICS.md "success rate per language" and "rephrase rate", cut by the detected language
    of each conversation's first user message, for conversations started in the window."""
    floor = min_sample() if sample is None else sample
    started = _in_window(Conversation.objects.filter(assistant_id=assistant_id), date_from, date_to)
    volume = {r["language"]: r["n"] for r in started.values("language").annotate(n=Count("id"))}
    success = {
        r["language"]: r
        for r in _in_window(conversations_ended(now=now).filter(assistant_id=assistant_id), date_from, date_to)
        .values("language")
        .annotate(ended=Count("id"), resolved=Count("id", filter=resolved_q()))
    }
    # The detector scores a user message only against earlier user messages, so a score exists
    # exactly when the message has a previous user message (the rephrase-rate denominator).
    rephrases = {
        r["conversation__language"]: r
        for r in Message.objects.filter(conversation__in=started, role="user", rephrase_score__isnull=False)
        .values("conversation__language")
        .annotate(n=Count("id"), rephrased=Count("id", filter=Q(is_rephrase=True)))
    }
    rows = []
    for language, n in volume.items():
        s = success.get(language, {"ended": 0, "resolved": 0})
        r = rephrases.get(language, {"n": 0, "rephrased": 0})
        rows.append(
            LanguageRow(
                language=language or UNKNOWN_LANGUAGE,
                conversations=n,
                success=Rate(s["resolved"], s["ended"], floor),
                rephrase=Rate(r["rephrased"], r["n"], floor),
            )
        )
    return sorted(rows, key=lambda row: (-row.conversations, row.language))
