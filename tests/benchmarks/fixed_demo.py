"""The demo generator's traffic on a fixed seed and date, for the identity checks: the same
events every run, on every machine, whatever today is."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from apps.demo.generator import Batch


def fixed_demo_batches(events: int) -> Iterator[Batch]:
    from apps.demo.generator import Plan, demo_batches

    today = date(2026, 11, 30)
    plan = Plan(
        seed=20261130,
        today=today,
        now=datetime(2026, 11, 30, 12, tzinfo=UTC),
        anchor=today,
        days=90,
        events=events,
        batch_size=2000,
    )
    yield from demo_batches(plan)
