"""Employee-privacy mode: cuts of fewer than k people are suppressed for every role but compliance.

The world, all on assistant A, every conversation one user message and one output accepted (copy):

user   day     lang  intent   conversations
u1-u5  Mon 1   en    billing  1 each
u6-u9  Mon 1   es    refund   1 each
u1     Tue 2   en    billing  3
u2,u3  Tue 2   en    billing  1 each

By language over June: en has 5 people (u1-u5) -> shown; es has 4 (u6-u9) -> suppressed at k = 5.
By day: Mon 1 has 9 people -> shown; Tue 2 has 3 people (u1-u3, 5 conversations) -> suppressed.
By intent: billing = the en users (5) -> shown; refund = the es users (4) -> suppressed.
"""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.analytics.engine import metric_query, people_bounds
from apps.analytics.privacy import (
    analytics_settings_get,
    analytics_settings_update,
    metric_query_for,
    reads_cached,
    suppression_reason,
)
from apps.analytics.services import rollups_rebuild
from apps.audit.models import AuditEntry
from apps.core.exceptions import NotPermittedError
from apps.nlp.models import Intent
from tests.factories import ActionFactory, AssistantFactory, ConversationFactory, MessageFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)
JUN = {"date_from": date(2026, 6, 1), "date_to": date(2026, 6, 30)}


@pytest.fixture
def world(alpha):
    a = AssistantFactory()
    billing = Intent.objects.create(assistant=a, label="billing")
    refund = Intent.objects.create(assistant=a, label="refund")
    n = 0

    def conv(user: str, day: int, lang: str, intent: Intent) -> None:
        nonlocal n
        n += 1
        start = datetime(2026, 6, day, 9, n, tzinfo=UTC)
        c = ConversationFactory(
            assistant=a, external_id=f"c{n}", user_id=user, started_at=start, last_event_at=start + timedelta(minutes=5),
            language=lang, intent=intent, user_messages=1,
        )  # fmt: skip
        MessageFactory(conversation=c, role="user", ts=start)
        out = MessageFactory(conversation=c, role="assistant", ts=start + timedelta(seconds=30))
        ActionFactory(message=out, action="copy", ts=out.ts + timedelta(seconds=5))

    for i in range(1, 6):
        conv(f"u{i}", 1, "en", billing)
    for i in range(6, 10):
        conv(f"u{i}", 1, "es", refund)
    for user in ("u1", "u1", "u1", "u2", "u3"):
        conv(user, 2, "en", billing)
    rollups_rebuild(now=NOW)
    return {"assistant": a, "billing": billing.pk, "refund": refund.pk}


def _rows(world, user, metric="acceptance_rate", **kw):
    kw = {**JUN, **kw}
    rows = metric_query_for(user=user, metric=metric, assistant_ids=[world["assistant"].pk], sample=1, **kw)
    return {(r.period, tuple(r.dims.values())): r for r in rows}


def _shown(row, value, numerator, denominator):
    assert (row.suppressed, row.suppressed_reason) == (False, "")
    assert (row.value, row.numerator, row.denominator) == (value, numerator, denominator)
    assert row.ci_low is not None


def _hidden(row, k=5):
    assert row.suppressed is True
    assert row.suppressed_reason == f"fewer than {k} people"
    assert (row.value, row.numerator, row.denominator, row.ci_low, row.ci_high) == (None,) * 5
    assert row.enough_data is False
    assert row.extra == {}


@pytest.mark.parametrize("role", ["viewer", "admin", "owner", "product", "cx"])
def test_a_cut_of_four_people_is_suppressed_and_five_are_shown(world, role) -> None:
    rows = _rows(world, UserFactory(roles=[role]), group_by=["language"])
    assert set(rows) == {(None, ("en",)), (None, ("es",))}
    _shown(rows[(None, ("en",))], 1.0, 10, 10)  # 10 en outputs (5 on Mon, 5 on Tue), all accepted
    _hidden(rows[(None, ("es",))])


def test_people_not_conversations_decide(world) -> None:
    rows = _rows(world, UserFactory(roles=["viewer"]), metric="conversations", interval="day")
    assert rows[(date(2026, 6, 1), ())].value == 9.0  # 9 people
    _hidden(rows[(date(2026, 6, 2), ())])  # 5 conversations, but only u1, u2, u3


def test_active_users_count_themselves(world) -> None:
    rows = _rows(world, UserFactory(roles=["viewer"]), metric="active_users", group_by=["language"])
    assert rows[(None, ("en",))].value == 5.0
    _hidden(rows[(None, ("es",))])


def test_cuts_by_intent_count_the_people_of_the_intent(world) -> None:
    rows = _rows(world, UserFactory(roles=["viewer"]), metric="success_rate", group_by=["intent"])
    assert rows[(None, (world["billing"],))].suppressed is False
    assert rows[(None, (world["billing"],))].denominator == 10  # ended conversations about billing
    _hidden(rows[(None, (world["refund"],))])
    viewer = UserFactory(roles=["viewer"])
    filtered = _rows(world, viewer, metric="success_rate", filters={"intent": world["refund"]})
    _hidden(filtered[(None, ())])


def test_filters_narrow_the_people_too(world) -> None:
    viewer = UserFactory(roles=["viewer"])
    _hidden(_rows(world, viewer, filters={"language": "es"})[(None, ())])
    _shown(_rows(world, viewer, filters={"language": "en"})[(None, ())], 1.0, 10, 10)


def test_compliance_sees_every_cut(world) -> None:
    rows = _rows(world, UserFactory(roles=["compliance"]), group_by=["language"])
    _shown(rows[(None, ("es",))], 1.0, 4, 4)
    assert _rows(world, UserFactory(roles=["compliance", "viewer"]), group_by=["language"])[(None, ("es",))].value


def test_privacy_mode_off_shows_every_cut(world) -> None:
    admin = UserFactory(roles=["admin"])
    analytics_settings_update(actor=admin, changes={"privacy_mode": False})
    _shown(_rows(world, UserFactory(roles=["viewer"]), group_by=["language"])[(None, ("es",))], 1.0, 4, 4)


def test_k_is_a_setting(world) -> None:
    admin = UserFactory(roles=["admin"])
    analytics_settings_update(actor=admin, changes={"min_people": 4})
    _shown(_rows(world, admin, group_by=["language"])[(None, ("es",))], 1.0, 4, 4)
    analytics_settings_update(actor=admin, changes={"min_people": 6})
    _hidden(_rows(world, admin, group_by=["language"])[(None, ("en",))], k=6)


def test_a_page_reads_each_cut_once_and_nothing_outlives_it(world, django_assert_num_queries) -> None:
    viewer = UserFactory(roles=["viewer"])
    with reads_cached():
        first = _rows(world, viewer, group_by=["language"])
        with django_assert_num_queries(0):
            again = _rows(world, viewer, group_by=["language"])
        # Another metric of the same cut reads its own rows (what the bare engine reads), not the
        # settings and the people behind the cut again.
        with CaptureQueriesContext(connection) as engine_only:
            metric_query(metric="edit_rate", assistant_ids=[world["assistant"].pk], group_by=["language"], **JUN)
        with CaptureQueriesContext(connection) as cached:
            _rows(world, viewer, metric="edit_rate", group_by=["language"])
        assert len(cached) == len(engine_only)
    assert again == first
    _shown(again[(None, ("en",))], 1.0, 10, 10)
    _hidden(again[(None, ("es",))])
    # Outside the block every read is fresh: k raised to 6 hides the 5 en people at once.
    analytics_settings_update(actor=UserFactory(roles=["admin"]), changes={"min_people": 6})
    _hidden(_rows(world, viewer, group_by=["language"])[(None, ("en",))], k=6)


def test_bounds_decide_most_cuts_and_people_are_counted_in_between(world) -> None:
    # Per (day, cut) users: Mon 1 en 5, Mon 1 es 4, Tue 2 en 3. A cut has at least the largest of
    # its counts and at most their sum: June by language is en (5, 8) and es (4, 4); all of June
    # is (5, 12).
    june = {"assistant_ids": [world["assistant"].pk], **JUN}
    assert people_bounds(group_by=["language"], **june) == {(None, ("en",)): (5, 8), (None, ("es",)): (4, 4)}
    assert people_bounds(**june) == {(None, ()): (5, 12)}
    admin = UserFactory(roles=["admin"])
    analytics_settings_update(actor=admin, changes={"min_people": 6})
    # k = 6 lies between the bounds of all of June: its 9 people are counted, and it is shown.
    _shown(_rows(world, admin)[(None, ())], 1.0, 14, 14)
    # en is between too (5 <= 6 <= 8): counted, 5 people, hidden; es (at most 4) needs no count.
    rows = _rows(world, admin, group_by=["language"])
    _hidden(rows[(None, ("en",))], k=6)
    _hidden(rows[(None, ("es",))], k=6)


def test_settings_default_to_privacy_on_with_five_people(alpha) -> None:
    current = analytics_settings_get()
    assert (current.privacy_mode, current.min_people) == (True, 5)
    assert suppression_reason(5) == "fewer than 5 people"


def test_only_admins_change_the_settings_and_it_is_audited(alpha) -> None:
    for role in ("viewer", "owner", "product", "cx", "compliance"):
        with pytest.raises(NotPermittedError):
            analytics_settings_update(actor=UserFactory(roles=[role]), changes={"privacy_mode": False})
    assert analytics_settings_get().privacy_mode is True
    assert not AuditEntry.objects.filter(action="analytics_settings.update").exists()

    admin = UserFactory(roles=["admin"])
    updated = analytics_settings_update(actor=admin, changes={"privacy_mode": False, "min_people": 10})
    assert (updated.privacy_mode, updated.min_people, updated.updated_by) == (False, 10, admin)
    entry = AuditEntry.objects.get(action="analytics_settings.update")
    assert (entry.actor, entry.before, entry.after) == (
        admin,
        {"privacy_mode": True, "min_people": 5},
        {"privacy_mode": False, "min_people": 10},
    )


def test_invalid_settings_are_refused(alpha) -> None:
    admin = UserFactory(roles=["admin"])
    with pytest.raises(ValidationError):
        analytics_settings_update(actor=admin, changes={"min_people": 1})
    with pytest.raises(Exception, match="unknown analytics settings: time_zone"):
        analytics_settings_update(actor=admin, changes={"time_zone": "UTC"})
    assert analytics_settings_get().min_people == 5
