"""Every metric of the engine against values computed by hand from the small world below.

The enriched rows are written with factories (not produced by the code under test), the rollups
are rebuilt from them, and each expected number is derived in the comments from the table here:

conv  user day        lang/dept     variant outcome    user msgs (rephrase, sentiment)   outputs and actions
c1    u1   Mon Jun 1  en Sales      a       resolved   2 (2nd scored, not a rephrase)    o1b none; o1 copy @2s, lat 800/300
c2    u2   Mon Jun 1  en Sales      a       -          1                                 o2 edit @10s + copy @12s, lat 1200
c3    u3   Mon Jun 1  es Support    b       escalated  3 (2nd, 3rd rephrases)            o3 regenerate x3 @5-7s, lat 400
c4    u1   Tue Jun 2  es Support    b       -          2 (2nd rephrase)                  o4 dismiss @30s
c5    u4   Mon Jun 8  en Sales      a       -          1 (sentiment -0.8)                none
c7    u1   Tue Jun 9  en Sales      a       resolved   1                                 none
c6    u2   Tue Jun 30 en Sales      a       - (open)   1                                 o6 copy @1s
Ratings: c1 up, c2 "4", c3 down, c4 "3". c3 is frustrated. Tokens: o1 100/50 ($0.01), o2 200/100 (no cost).
"""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from apps.analytics.engine import METRICS, metric_query, wilson
from apps.analytics.services import rollups_rebuild
from apps.conversations.models import Feedback
from tests.factories import ActionFactory, AssistantFactory, ConversationFactory, MessageFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)
JUN = (date(2026, 6, 1), date(2026, 6, 30))


def _at(day: int) -> datetime:
    return datetime(2026, 6, day, 12, 0, tzinfo=UTC)


def _conv(a, ext, user, start, lang, variant, *, outcome=None, users=(), frustrated=False, open_=False):
    conv = ConversationFactory(
        assistant=a,
        external_id=ext,
        user_id=user,
        started_at=start,
        last_event_at=NOW - timedelta(minutes=5) if open_ else start + timedelta(minutes=30),
        language=lang,
        user_department="Sales" if lang == "en" else "Support",
        variant=variant,
        outcome=outcome,
        frustrated=frustrated,
        user_messages=len(users) or 1,
    )
    for i, (score, rephrase, sentiment) in enumerate(users or [(None, None, None)]):
        MessageFactory(
            conversation=conv,
            role="user",
            ts=start + timedelta(minutes=i),
            rephrase_score=score,
            is_rephrase=rephrase,
            sentiment=sentiment,
        )
    return conv


def _output(conv, minute, *, latency=None, tokens=(None, None), cost=None, actions=()):
    out = MessageFactory(
        conversation=conv,
        role="assistant",
        ts=conv.started_at + timedelta(minutes=minute, seconds=10),
        latency_ms=latency,
        input_tokens=tokens[0],
        output_tokens=tokens[1],
        cost_usd=cost,
    )
    for action, after in actions:
        ActionFactory(message=out, action=action, ts=out.ts + timedelta(seconds=after))
    return out


def _rating(conv, rating, thumb):
    Feedback.objects.create(
        conversation=conv, event_id=f"fb-{conv.external_id}", rating=rating, thumb=thumb, ts=conv.started_at
    )


@pytest.fixture
def world(alpha):
    a = AssistantFactory(
        price_per_1k_tokens=Decimal("0.002"),
        minutes_saved_per_task=6,
        hourly_cost=50,
        cost_per_human_contact=5,
        deflection_share=Decimal("0.5"),
        fixed_monthly_cost=300,
        audience_size=20,
        launched_on=date(2026, 6, 1),
    )
    c1 = _conv(a, "c1", "u1", _at(1), "en", "a", outcome="resolved", users=[(None, None, None), (0.2, False, None)])
    _output(c1, 1, latency=300)
    _output(c1, 2, latency=800, tokens=(100, 50), cost=Decimal("0.01"), actions=[("copy", 2)])
    _rating(c1, "up", "up")
    c2 = _conv(a, "c2", "u2", _at(1), "en", "a")
    _output(c2, 1, latency=1200, tokens=(200, 100), actions=[("edit", 10), ("copy", 12)])
    _rating(c2, "4", "up")
    c3 = _conv(
        a, "c3", "u3", _at(1), "es", "b", outcome="escalated", frustrated=True,
        users=[(None, None, None), (0.9, True, None), (0.95, True, None)],
    )  # fmt: skip
    _output(c3, 1, latency=400, actions=[("regenerate", 5), ("regenerate", 6), ("regenerate", 7)])
    _rating(c3, "down", "down")
    c4 = _conv(a, "c4", "u1", _at(2), "es", "b", users=[(None, None, None), (0.9, True, None)])
    _output(c4, 2, actions=[("dismiss", 30)])
    _rating(c4, "3", None)
    _conv(a, "c5", "u4", _at(8), "en", "a", users=[(None, None, -0.8)])
    _conv(a, "c7", "u1", _at(9), "en", "a", outcome="resolved")
    c6 = _conv(a, "c6", "u2", NOW - timedelta(minutes=10), "en", "a", open_=True)
    _output(c6, 0, actions=[("copy", 1)])
    rollups_rebuild(now=NOW)
    return a


def q(world, metric, *, span=JUN, **kw):
    return metric_query(metric=metric, assistant_ids=[world.pk], date_from=span[0], date_to=span[1], sample=1, **kw)


def one(world, metric, **kw):
    rows = q(world, metric, **kw)
    assert len(rows) == 1, rows
    return rows[0]


def nd(row):
    return (row.numerator, row.denominator)


def test_registry_lists_every_metric_of_the_issue() -> None:
    assert set(METRICS) == {
        "conversations", "active_users", "new_users", "acceptance_rate", "signal_coverage", "edit_rate",
        "regeneration_rate", "thumbs_up_rate", "rephrase_rate", "escalation_rate", "self_service_resolution_rate",
        "success_rate", "abandonment_rate", "frustration_rate", "turns_per_conversation", "latency_ms", "tokens",
        "cost_usd", "time_to_first_action", "drop_off", "return_rate_7d", "return_rate_30d", "retention_cohorts",
        "day1_adoption", "value_usd", "roi",
    }  # fmt: skip


def test_conversations_by_interval_and_filter(world) -> None:
    assert one(world, "conversations").value == 7
    weeks = q(world, "conversations", interval="week")
    assert [(r.period, r.value) for r in weeks] == [
        (date(2026, 6, 1), 4),
        (date(2026, 6, 8), 2),
        (date(2026, 6, 29), 1),
    ]
    days = q(world, "conversations", interval="day")
    assert [(r.period.day, r.value) for r in days] == [(1, 3), (2, 1), (8, 1), (9, 1), (30, 1)]
    assert [(r.period, r.value) for r in q(world, "conversations", interval="month")] == [(date(2026, 6, 1), 7)]
    assert one(world, "conversations", filters={"language": "es"}).value == 2
    assert one(world, "conversations", span=(date(2026, 6, 2), date(2026, 6, 8))).value == 2


def test_active_and_new_users(world) -> None:
    assert one(world, "active_users").value == 4  # u1..u4
    assert [(r.period.day, r.value) for r in q(world, "active_users", interval="week")] == [(1, 3), (8, 2), (29, 1)]
    assert [(r.period.day, r.value) for r in q(world, "active_users", interval="day")][:2] == [(1, 3), (2, 1)]
    by_variant = {r.dims["variant"]: r.value for r in q(world, "active_users", group_by=["variant"])}
    assert by_variant == {"a": 3, "b": 2}  # a: u1 u2 u4; b: u3 u1
    assert one(world, "new_users").value == 4
    assert [(r.period.day, r.value) for r in q(world, "new_users", interval="week")] == [(1, 3), (8, 1)]
    assert one(world, "new_users", span=(date(2026, 6, 2), date(2026, 6, 30))).value == 1  # u4 only


def test_new_users_from_first_days_equal_the_active_rows_path(world) -> None:
    # Without cuts, new users are counted from UserFirstSeen alone; a filter on every variant
    # takes the general path (active rows joined to first days): the same numbers.
    for interval in ("day", "week", "month", "all"):
        fast = [(r.period, r.dims, r.value) for r in q(world, "new_users", interval=interval)]
        general = [
            (r.period, r.dims, r.value)
            for r in q(world, "new_users", interval=interval, filters={"variant": ["a", "b"]})
        ]
        assert fast == general
    by_assistant = q(world, "new_users", group_by=["assistant"], interval="week")
    assert [(r.period.day, r.dims, r.value) for r in by_assistant] == [
        (1, {"assistant": world.pk}, 3),
        (8, {"assistant": world.pk}, 1),
    ]


def test_output_rates(world) -> None:
    # 6 outputs; with an accept/edit/reject action: o1 o2 o3 o4 o6 = 5; accepted without edit: o1 o6.
    acc = one(world, "acceptance_rate")
    assert nd(acc) == (2, 5)
    assert acc.value == pytest.approx(0.4)
    assert (acc.ci_low, acc.ci_high) == (pytest.approx(0.1176, abs=1e-4), pytest.approx(0.7693, abs=1e-4))
    assert nd(one(world, "signal_coverage")) == (5, 6)
    assert nd(one(world, "edit_rate")) == (1, 5)
    by_variant = {r.dims["variant"]: nd(r) for r in q(world, "acceptance_rate", group_by=["variant"])}
    assert by_variant == {"a": (2, 3), "b": (0, 2)}
    # Tasks: conversations with outputs c1 c2 c3 c4 c6 = 5; regenerations 3, all in c3.
    regen = one(world, "regeneration_rate")
    assert nd(regen) == (3, 5)
    assert regen.value == pytest.approx(0.6)
    assert regen.extra["tasks_regen3"] == 1
    assert regen.extra["share_regen3"] == pytest.approx(0.2)
    assert regen.extra["median_at_least_3"] is False


def test_default_minimum_sample_is_not_enough_data(world) -> None:
    row = metric_query(metric="acceptance_rate", assistant_ids=[world.pk], date_from=JUN[0], date_to=JUN[1])[0]
    assert nd(row) == (2, 5)
    assert row.value is None
    assert row.enough_data is False


def test_conversation_rates(world) -> None:
    # Ended: c1 c2 c3 c4 c5 c7 (c6 is open). Resolved: c1 c7 (outcome), c2 (accept on the last output).
    assert nd(one(world, "success_rate")) == (3, 6)
    assert nd(one(world, "escalation_rate")) == (1, 6)
    assert nd(one(world, "self_service_resolution_rate")) == (3, 6)
    # Abandoned: c4 (last turn a rephrase), c5 (negative last turn); c3 escalated does not count.
    assert nd(one(world, "abandonment_rate")) == (2, 6)
    assert nd(one(world, "frustration_rate")) == (1, 7)
    # Scored user messages: c1#2, c3#2, c3#3, c4#2; rephrases: c3 x2, c4.
    assert nd(one(world, "rephrase_rate")) == (3, 4)
    # Ratings: up, "4", down, "3" -> 2 up of 4.
    assert nd(one(world, "thumbs_up_rate")) == (2, 4)
    by_language = {r.dims["language"]: nd(r) for r in q(world, "success_rate", group_by=["language"])}
    assert by_language == {"en": (3, 4), "es": (0, 2)}
    rephrase = {r.dims["language"]: nd(r) for r in q(world, "rephrase_rate", group_by=["language"])}
    assert rephrase == {"en": (0, 1), "es": (3, 3)}


def test_distributions(world) -> None:
    # User messages per conversation: 2 1 3 2 1 1 1 -> mean 11/7, nearest-rank p50 1, p90 3.
    turns = one(world, "turns_per_conversation")
    assert turns.value == pytest.approx(11 / 7)
    assert turns.extra == {"p50": 1, "p90": 3}
    # Latency 300 400 800 1200 -> p50 400, p95 1200.
    lat = one(world, "latency_ms")
    assert (lat.value, lat.extra["p95"], lat.denominator) == (400, 1200, 4)
    # First action after 2, 10, 5, 30, 1 s -> median 5, p90 30; instant accepts o1 (2 s), o6 (1 s).
    ttfa = one(world, "time_to_first_action")
    assert (ttfa.value, ttfa.extra["p90"]) == (5, 30)
    assert ttfa.extra["instant_accepts"] == 2
    assert ttfa.extra["instant_accept_share"] == pytest.approx(0.4)
    # Abandoned c4 (2 user turns), c5 (1).
    drop = one(world, "drop_off")
    assert drop.extra["histogram"] == {"1": 1, "2": 1}
    assert drop.value == 1
    assert drop.denominator == 2


def test_tokens_and_cost(world) -> None:
    tokens = one(world, "tokens")
    assert tokens.value == 450
    assert tokens.extra == {"input_tokens": 300, "output_tokens": 150}
    # o1's own cost + o2's 300 tokens x $0.002 / 1k.
    assert one(world, "cost_usd").value == pytest.approx(0.0106)


def test_return_rates_and_cohorts(world) -> None:
    # Weeks: Jun 1 {u1 u2 u3}, Jun 8 {u4 u1}, Jun 29 {u2}; only u1 returns (Jun 1 -> Jun 8).
    weekly = [(r.period.day, nd(r)) for r in q(world, "return_rate_7d", interval="week")]
    assert weekly == [(1, (1, 3)), (8, (0, 2)), (29, (0, 1))]
    assert nd(one(world, "return_rate_7d")) == (1, 6)
    # Variant a only: Jun 1 {u1 u2}, Jun 8 {u4 u1}, Jun 29 {u2}; u1 returns.
    assert nd(one(world, "return_rate_7d", filters={"variant": "a"})) == (1, 5)
    # 30-day periods from May 10: May 10-Jun 8 {u1..u4}, then Jun 9-Jul 8 {u1 u2}: 2 of 4 return.
    periods = q(world, "return_rate_30d", span=(date(2026, 5, 10), JUN[1]), interval="month")
    assert [(r.period, nd(r)) for r in periods] == [(date(2026, 5, 10), (2, 4)), (date(2026, 6, 9), (0, 2))]
    cohorts = q(world, "retention_cohorts")
    assert [(r.period.day, nd(r)) for r in cohorts] == [(1, (1, 3)), (8, (0, 1))]
    assert cohorts[0].extra["active"] == {1: 1, 4: 1}  # u1 in week +1, u2 in week +4


def test_a_grouped_return_rate_counts_a_return_within_the_same_cut(world) -> None:
    # Variant b: Jun 1 {u3 u1}; u1 comes back on Jun 8 and 9, but to variant a: not a return to b.
    # Each grouped row equals the query filtered to its value.
    grouped = {r.dims["variant"]: nd(r) for r in q(world, "return_rate_7d", group_by=["variant"])}
    assert grouped == {"a": (1, 5), "b": (0, 2)}
    for variant, counts in grouped.items():
        assert nd(one(world, "return_rate_7d", filters={"variant": variant})) == counts


def test_day1_adoption(world) -> None:
    row = one(world, "day1_adoption")
    assert nd(row) == (3, 20)
    assert row.value == pytest.approx(0.15)


def test_value_and_roi(world) -> None:
    # value = 3 resolved x 6/60 h x $50 + 3 self-served x $5 x 0.5 = 15 + 7.5
    value = one(world, "value_usd")
    assert value.value == pytest.approx(22.5)
    assert value.extra["value_per_active_user"] == pytest.approx(22.5 / 4)
    roi = one(world, "roi", group_by=["assistant"])
    assert roi.dims == {"assistant": world.pk}
    cost = 300 + 0.0106  # a full month of the fixed cost + model cost
    assert roi.extra["cost_usd"] == pytest.approx(cost)
    assert roi.value == pytest.approx((22.5 - cost) / cost)
    half = one(world, "roi", span=(date(2026, 6, 1), date(2026, 6, 15)))  # c6 and its cost fall outside
    assert half.extra["fixed_cost_usd"] == pytest.approx(150)
    assert half.extra["model_cost_usd"] == pytest.approx(0.0106)


def test_unknown_dimension_is_refused(world) -> None:
    with pytest.raises(ValueError, match="cannot be cut"):
        q(world, "roi", group_by=["language"])
    with pytest.raises(ValueError, match="interval"):
        q(world, "conversations", interval="year")


def test_wilson_matches_the_textbook_formula() -> None:
    low, high = wilson(12, 30)  # 0.4 +- : Wilson 95% (0.2459, 0.5767)
    assert (low, high) == (pytest.approx(0.2459, abs=1e-4), pytest.approx(0.5767, abs=1e-4))
    assert wilson(0, 0) == (None, None)
