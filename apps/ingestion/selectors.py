"""Reads of the ingestion tables for pages (the write path never reads through here)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Max, Min

from apps.ingestion.models import IngestBatch
from apps.registry.models import Assistant


@dataclass(frozen=True)
class Arrivals:
    """Whether an assistant's events have arrived: by any path (batch API, OTLP, Langfuse, seed)."""

    first_at: datetime | None
    last_at: datetime | None
    batches: int

    @property
    def arrived(self) -> bool:
        return self.first_at is not None


def arrivals_of(*, assistant: Assistant) -> Arrivals:
    # Batches, not raw events: a batch row exists exactly when an accepted request stored at
    # least one new event, and there are far fewer of them to aggregate.
    row = IngestBatch.objects.filter(assistant=assistant).aggregate(
        first_at=Min("received_at"), last_at=Max("received_at"), batches=Count("id")
    )
    return Arrivals(first_at=row["first_at"], last_at=row["last_at"], batches=row["batches"])
