"""Distinct users of multi-day windows from HyperLogLog sketches (apps/analytics/sketch.py)."""

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from django.db import connection

from apps.analytics import sketch
from apps.analytics.engine import metric_query
from apps.analytics.models import DailyPeople
from apps.analytics.privacy import metric_query_for
from apps.analytics.services import rollups_rebuild
from apps.analytics.sketch import sketches_fill
from tests.factories import AssistantFactory, ConversationFactory, MessageFactory


def _keys(n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(-(2**63), 2**63 - 1, size=n, dtype=np.int64)


def test_merging_sketches_is_the_sketch_of_the_union() -> None:
    a, b = _keys(3000, 1), _keys(5000, 2)
    merged = sketch.merge([sketch.registers(a.tolist()), sketch.registers(b.tolist())])
    assert merged.tobytes() == sketch.registers(np.concatenate([a, b]).tolist())
    # Merging is idempotent: a user in two days' sketches counts once.
    assert sketch.merge([sketch.registers(a.tolist())] * 3).tobytes() == sketch.registers(a.tolist())


@pytest.mark.parametrize("n", [0, 1, 7, 40, 2_000, 60_000, 250_000])
def test_estimates_are_within_three_standard_errors(n: int) -> None:
    estimate = sketch.estimate(sketch.merge([sketch.registers(_keys(n, n).tolist())]))
    assert abs(estimate - n) <= max(0.5, 3 * sketch.RELATIVE_ERROR * n)


@pytest.mark.parametrize("n", [1, 7, sketch.SPARSE_MAX, sketch.SPARSE_MAX + 1, 3_000])
def test_a_row_stores_its_keys_when_few_and_counts_as_its_registers(n: int) -> None:
    keys = _keys(n, n).tolist()
    stored = sketch.sketches_each([keys])[0]
    assert len(stored) == (8 * n if n <= sketch.SPARSE_MAX else sketch.M)
    # The same set in any order is stored alike: an incremental refresh and a rebuild agree.
    assert sketch.sketches_each([list(reversed(keys))])[0] == stored
    assert sketch.merge([stored]).tobytes() == sketch.registers(keys)


def test_rows_of_both_forms_merge_to_the_registers_of_the_union() -> None:
    few, many, overlap = _keys(40, 1).tolist(), _keys(5_000, 2).tolist(), _keys(40, 1).tolist()[:5]
    stored = sketch.sketches_each([few, many, overlap, _keys(3, 3).tolist()])
    assert [len(s) for s in stored] == [320, sketch.M, 40, 24]
    union = few + many + _keys(3, 3).tolist()
    assert sketch.merge(stored).tobytes() == sketch.registers(union)
    assert sketch.merge([memoryview(s) for s in stored]).tobytes() == sketch.registers(union)
    assert abs(sketch.estimate(sketch.merge(stored)) - len(set(union))) <= 3 * sketch.RELATIVE_ERROR * len(union)


# --- Through the engine -------------------------------------------------------------------------

START = date(2026, 6, 1)  # a Monday


def _world() -> list[int]:
    """60 users over three weeks on variants a and b, but for two on c; each comes on 1-3 days."""
    a = AssistantFactory()
    for u in range(60):
        for visit in range(1 + u % 3):
            day = START + timedelta(days=(u * 5 + visit * 6) % 21)
            at = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
            conv = ConversationFactory(
                assistant=a, user_id=f"u{u}", started_at=at, last_event_at=at, variant="c" if u < 2 else "ab"[u % 2]
            )
            MessageFactory(conversation=conv, role="user", ts=at)
    rollups_rebuild()
    return [a.pk]


def _values(rows) -> dict:
    return {(r.period, tuple(r.dims.values())): r.value for r in rows}


@pytest.mark.django_db
def test_sketched_active_users_match_the_exact_count_on_a_small_world(alpha, settings) -> None:
    assistants = _world()
    query = {
        "metric": "active_users",
        "assistant_ids": assistants,
        "date_from": START,
        "date_to": START + timedelta(days=20),
    }
    for shape in ({"interval": "week"}, {"interval": "all", "group_by": ["variant"]}, {"interval": "month"}):
        exact = metric_query(**query, **shape)
        assert not any(r.extra.get("approximate") for r in exact)  # under the size threshold: exact
        settings.ANALYTICS_SKETCH_MIN_USER_DAYS = 1
        sketched = metric_query(**query, **shape)
        settings.ANALYTICS_SKETCH_MIN_USER_DAYS = 20_000
        assert all(r.extra["approximate"] for r in sketched)
        # Two users may share a register (37 users: a 1-in-6 chance), so within one or 3 errors.
        approx, counted = _values(sketched), _values(exact)
        assert approx.keys() == counted.keys()
        assert all(abs(approx[k] - n) <= max(1, 3 * sketch.RELATIVE_ERROR * n) for k, n in counted.items())
        assert _values(metric_query(**query, **shape, exact=True)) == _values(exact)
    assert _values(metric_query(**query, interval="all"))[(None, ())] == 60.0  # exact again


@pytest.mark.django_db
def test_a_day_interval_and_a_missing_sketch_stay_exact(alpha, settings) -> None:
    assistants = _world()
    settings.ANALYTICS_SKETCH_MIN_USER_DAYS = 1
    query = {
        "metric": "active_users",
        "assistant_ids": assistants,
        "date_from": START,
        "date_to": START + timedelta(days=20),
    }
    assert not any(r.extra.get("approximate") for r in metric_query(**query, interval="day"))
    DailyPeople.objects.filter(pk=DailyPeople.objects.order_by("pk").first().pk).update(sketch=b"")
    assert not any(r.extra.get("approximate") for r in metric_query(**query, interval="week"))


@pytest.mark.django_db
def test_the_migration_fill_writes_the_sketches_a_refresh_writes(alpha) -> None:
    _world()
    written = sorted((r.day, r.variant, bytes(r.sketch)) for r in DailyPeople.objects.all())
    # Each row holds a few users: their keys, 8 bytes each.
    users = {(r.day, r.variant): r.users for r in DailyPeople.objects.all()}
    assert all(len(s) == 8 * users[day, variant] for day, variant, s in written)
    DailyPeople.objects.update(sketch=b"")
    with connection.cursor() as cursor:
        filled = sketches_fill(
            cursor, people=DailyPeople._meta.db_table, active="analytics_activeuser", everything=True
        )
    assert filled == len(written)
    assert sorted((r.day, r.variant, bytes(r.sketch)) for r in DailyPeople.objects.all()) == written


@pytest.mark.django_db
def test_privacy_decides_sketched_rows_by_the_exact_people_count(alpha, settings) -> None:
    assistants = _world()
    query = {
        "user": None, "metric": "active_users", "assistant_ids": assistants, "date_from": START,
        "date_to": START + timedelta(days=20), "interval": "all", "group_by": ["variant"],
    }  # fmt: skip
    exact = {r.dims["variant"]: r.suppressed for r in metric_query_for(**query)}
    assert exact == {"a": False, "b": False, "c": True}  # c has 2 people, under privacy's 5
    settings.ANALYTICS_SKETCH_MIN_USER_DAYS = 1
    rows = metric_query_for(**query)
    assert {r.dims["variant"]: r.suppressed for r in rows} == exact
    assert all(r.extra.get("approximate") for r in rows if not r.suppressed)
