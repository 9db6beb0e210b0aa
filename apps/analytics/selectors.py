"""Metric reads (METRICS.md); each metric is implemented once, here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Exists, OuterRef, Q

from apps.analytics.definitions import (
    EDIT_ACTION,
    REJECT_ACTIONS,
    Rate,
    ended_q,
    escalated_q,
    min_sample,
    resolved_q,
)
from apps.analytics.engine import MetricRow, metric_query
from apps.analytics.services import day_start, tenant_today
from apps.conversations.models import Action, Conversation, Feedback, Message

UNKNOWN_LANGUAGE = "unknown"


@dataclass(frozen=True)
class LanguageRow:
    language: str
    conversations: int  # conversations started in the window (ended or not)
    success: Rate  # resolved / ended conversations
    rephrase: Rate  # rephrasing user messages / user messages with a previous user message


# Before any conversation a tenant can have sent (events are at most 30 days old when accepted).
_EPOCH = date(2000, 1, 1)


def success_and_rephrase_by_language(
    *,
    assistant_id: int,
    date_from: date | None = None,
    date_to: date | None = None,
    sample: int | None = None,
) -> list[LanguageRow]:
    """METRICS.md "success rate per language" and "rephrase rate", cut by the detected language
    of each conversation's first user message, for conversations started in the window (default:
    all of them). Read from the engine, which implements both metrics once, over the rollups."""
    floor = min_sample() if sample is None else sample
    first, last = date_from or _EPOCH, date_to or tenant_today()

    def by_language(metric: str) -> dict[str, MetricRow]:
        rows = metric_query(
            metric=metric, assistant_ids=[assistant_id], date_from=first, date_to=last, group_by=["language"]
        )
        return {row.dims["language"]: row for row in rows}

    volume = {language: int(row.value or 0) for language, row in by_language("conversations").items()}
    success, rephrase = by_language("success_rate"), by_language("rephrase_rate")

    def rate(row: MetricRow | None) -> Rate:
        return Rate(int(row.numerator or 0), int(row.denominator or 0), floor) if row else Rate(0, 0, floor)

    rows = [
        LanguageRow(
            language=language or UNKNOWN_LANGUAGE,
            conversations=n,
            success=rate(success.get(language)),
            rephrase=rate(rephrase.get(language)),
        )
        for language, n in volume.items()
        if n
    ]
    return sorted(rows, key=lambda row: (-row.conversations, row.language))


# The conversations "behind" a finding: the cut's conversations that show the problem itself.
_PROBLEM_PREDICATES = {
    "success_rate": lambda now: Q(ended_q(now=now)) & ~Q(resolved_q()),
    "self_service_resolution_rate": lambda now: Q(ended_q(now=now)) & ~(Q(resolved_q()) & ~Q(escalated_q())),
    "escalation_rate": lambda now: Q(escalated_q()),
    "rephrase_rate": lambda now: Q(Exists(Message.objects.filter(conversation=OuterRef("pk"), is_rephrase=True))),
    "thumbs_up_rate": lambda now: Q(Exists(Feedback.objects.filter(conversation=OuterRef("pk"), thumb="down"))),
    "acceptance_rate": lambda now: Q(
        Exists(Action.objects.filter(conversation=OuterRef("pk"), action__in=(*REJECT_ACTIONS, EDIT_ACTION)))
    ),
    "regeneration_rate": lambda now: Q(Exists(Action.objects.filter(conversation=OuterRef("pk"), action="regenerate"))),
}


def conversation_ids_sample(
    *,
    assistant_id: int,
    date_from: date,
    date_to: date,
    filters: Mapping[str, str] | None = None,
    problem: str | None = None,
    now: datetime | None = None,
    limit: int = 20,
) -> list[int]:
    """Ids of up to ``limit`` conversations of a metric cut, newest first: started on the days
    [date_from, date_to] of the tenant's time zone, with the cut's dimension values (``''`` = none,
    as in the rollups; ``feature``/``variant`` match the conversation or any of its messages), and —
    with ``problem`` naming a metric slug — only those that show what the finding is about (not
    resolved, escalated, rephrased, rated down, rejected, regenerated)."""
    lo, hi = day_start(date_from), day_start(date_to + timedelta(days=1))  # the rollups' day boundaries
    qs = Conversation.objects.filter(assistant_id=assistant_id, started_at__gte=lo, started_at__lt=hi)
    for dim, value in (filters or {}).items():
        if dim in ("language", "department"):
            column = "language" if dim == "language" else "user_department"
            qs = (
                qs.filter(**{column: value})
                if value
                else qs.filter(Q(**{column: ""}) | Q(**{f"{column}__isnull": True}))
            )
        elif dim in ("feature", "variant"):
            on_message = Exists(Message.objects.filter(conversation=OuterRef("pk"), **{dim: value}))
            qs = qs.filter(Q(**{dim: value}) | Q(on_message)) if value else qs
        else:
            raise ValueError(f"no conversation column for the dimension {dim!r}")
    if problem is not None:
        qs = qs.filter(_PROBLEM_PREDICATES[problem](now))
    return list(qs.order_by("-started_at", "-id").values_list("id", flat=True)[:limit])
