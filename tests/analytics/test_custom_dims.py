"""Custom metric dimensions end to end: the registry declares metadata keys, the enriched record
keeps their (masked) values, the rollups slice by them as dim1..dim3.

Hand-computed world (one batch, all today; the assistant declares ["plan", "channel"]):

conv  metadata per event (in time order)                    dim1 (plan)   dim2 (channel)  action on the answer
c1    {plan: pro, channel: web}, {plan: free}               pro           web             copy (accept)
c2    {plan: pro}                                           pro           ''              dismiss (reject)
c3    {plan: ""}, {plan: "free"}, {plan: "pro"}             free          ''              copy (accept)
c4    {plan: 42}                                            42            ''              copy (accept)
c5    {plan: "x" * 200, channel: {"nested": 1}}             "x" * 128     ''              dismiss (reject)
c6    none                                                  ''            ''              copy (accept)
c7    {plan: <an e-mail>}                                   its mask      ''              copy (accept)

Acceptance (accepted / outputs with an action) by dim1: pro 1/2, free 1/1, 42 1/1, x*128 0/1,
'' 1/1, the mask 1/1; filtered to dim1 = pro: 1/2; by dim2: web 1/1 (c1), '' 4/6 (c3 c4 c6 c7 of c2..c7).
"""

import pytest
from django.db import connection

from apps.analytics.engine import metric_query
from apps.analytics.models import ConversationRollup, OutputRollup
from apps.analytics.services import rollups_rebuild, tenant_today
from apps.conversations.models import Conversation
from tests.analytics.test_rollups import snapshot
from tests.fixtures.events import at, make_conversation
from tests.helpers import scan_schema_for

pytestmark = pytest.mark.django_db

EMAIL = "jane.plan-owner@example.com"


def _conv(conv: str, metadata: list[dict], action: str = "copy") -> list[dict]:
    """make_conversation's question, answer and action, with ``metadata`` on its first events."""
    events = make_conversation(conv, f"u-{conv}")[:3]
    events[2] = {**events[2], "action": action}
    for event, meta in zip(events, metadata, strict=False):
        event["metadata"] = meta
    return events


@pytest.fixture
def world(assistant, post_events):
    assistant.metric_dimensions = ["plan", "channel"]
    assistant.save()
    events = [
        *_conv("c1", [{"plan": "pro", "channel": "web"}, {"plan": "free"}]),
        *_conv("c2", [{"plan": "pro"}], action="dismiss"),
        *_conv("c3", [{"plan": ""}, {"plan": "free"}, {"plan": "pro"}]),
        *_conv("c4", [{"plan": 42}]),
        *_conv("c5", [{"plan": "x" * 200, "channel": {"nested": 1}}], action="dismiss"),
        *_conv("c6", []),
        *_conv("c7", [{"plan": EMAIL}]),
    ]
    assert post_events(events).status_code == 200
    return assistant


def _acceptance(assistant, **kwargs) -> dict[tuple, tuple]:
    today = tenant_today(at())  # the events' day (tests/fixtures/events.py), not the clock's
    rows = metric_query(
        metric="acceptance_rate", assistant_ids=[assistant.pk], date_from=today, date_to=today, **kwargs
    )
    return {tuple(r.dims.values()): (r.numerator, r.denominator) for r in rows}


def test_conversations_keep_the_first_value_of_each_declared_key(world) -> None:
    dims = dict(Conversation.objects.values_list("external_id", "dims"))
    assert dims["c1"] == {"plan": "pro", "channel": "web"}
    assert dims["c2"] == {"plan": "pro"}
    assert dims["c3"] == {"plan": "free"}
    assert dims["c4"] == {"plan": "42"}
    assert dims["c5"] == {"plan": "x" * 128}
    assert dims["c6"] == {}
    assert dims["c7"]["plan"] != EMAIL
    assert "example.com" not in dims["c7"]["plan"]


def test_an_email_in_a_dimension_is_stored_masked_only(world) -> None:
    assert scan_schema_for(connection.schema_name, [EMAIL]) == []
    assert EMAIL not in set(ConversationRollup.objects.values_list("dim1", flat=True))


def test_acceptance_by_dim1_and_dim2(world) -> None:
    mask = Conversation.objects.get(external_id="c7").dims["plan"]
    assert _acceptance(world, group_by=["dim1"]) == {
        ("pro",): (1, 2),
        ("free",): (1, 1),
        ("42",): (1, 1),
        ("x" * 128,): (0, 1),
        ("",): (1, 1),
        (mask,): (1, 1),
    }
    assert _acceptance(world, filters={"dim1": "pro"}) == {(): (1, 2)}
    assert _acceptance(world, group_by=["dim2"]) == {("web",): (1, 1), ("",): (4, 6)}
    assert ConversationRollup.objects.filter(dim1="pro").values_list("dim2", flat=True).distinct().count() == 2


def test_a_later_batch_keeps_the_first_value_and_incremental_equals_rebuild(world, post_events) -> None:
    late = make_conversation("c2", "u-c2", prefix="c2b")[:1]
    late[0]["metadata"] = {"plan": "enterprise", "channel": "app"}
    assert post_events(late).status_code == 200
    assert Conversation.objects.get(external_id="c2").dims == {"plan": "pro", "channel": "app"}
    incremental = snapshot()
    assert OutputRollup.objects.filter(dim1="pro", dim2="app").exists()
    rollups_rebuild()
    assert snapshot() == incremental


def test_rollups_follow_the_declared_order(world) -> None:
    world.metric_dimensions = ["channel", "plan"]
    world.save()
    rollups_rebuild()
    assert _acceptance(world, group_by=["dim1", "dim2"])[("web", "pro")] == (1, 1)
