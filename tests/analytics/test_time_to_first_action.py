"""Time to first action uses the client's exact ``metadata.ms_since_output`` when it is sane.

Events go through the real API and enrichment; each action's server timestamp is deliberately far
from what the client measured, so which of the two was used shows in every number:

output  first action  server delay  ms_since_output         delay used
o1      copy          20 s          2500                    2.5 s (client; instant accept)
o2      dismiss       4 s           -5 (negative)           4 s   (timestamps)
o3      copy          1 s           90,000,000 (> 24 h)     1 s   (timestamps; instant accept)
o4      share         10 s          7000                    7 s   (client)
o5      edit          8 s           "6000" (a string)       8 s   (timestamps)

Whole seconds 2, 4, 1, 7, 8 -> sorted 1 2 4 7 8: nearest-rank median 4, p90 8; instant accepts
(an accept action under 3 s) o1 and o3 -> 2 of 5 = 0.4. The server timestamps alone would have
given 20, 4, 1, 10, 8 -> median 8 and one instant accept.
"""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from apps.analytics.engine import metric_query
from apps.analytics.services import rollups_rebuild
from apps.conversations.models import Action
from apps.conversations.selectors import action_delay_seconds
from apps.dashboards.selectors import transcript
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

OUTPUTS: list[tuple[str, str, int, Any]] = [
    ("o1", "copy", 20, 2500),
    ("o2", "dismiss", 4, -5),
    ("o3", "copy", 1, 90_000_000),
    ("o4", "share", 10, 7000),
    ("o5", "edit", 8, "6000"),
]


def _events(start) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    for i, (out, action, server_s, ms) in enumerate(OUTPUTS):
        conv, shown = f"ttfa-{out}", start + timedelta(minutes=i)
        base = {"conversation_id": conv, "user_id": f"u-{out}"}
        events += [
            {**base, "id": f"{out}-q", "type": "message", "timestamp": shown.isoformat(), "message_id": f"{out}-q",
             "role": "user", "content": "Which plan fits a team of five?"},
            {**base, "id": f"{out}-a", "type": "message", "timestamp": shown.isoformat(), "message_id": out,
             "role": "assistant", "content": "The Team plan."},
            {**base, "id": f"{out}-act", "type": "action", "message_id": out, "action": action,
             "timestamp": (shown + timedelta(seconds=server_s)).isoformat(),
             "metadata": {"ms_since_output": ms, "first_action": True, "source": "tessera-browser/0.1.0"}},
        ]  # fmt: skip
    return events


@pytest.fixture
def sent(post_events, assistant):
    start = timezone.now().replace(microsecond=0) - timedelta(minutes=30)
    response = post_events(_events(start))
    assert response.status_code == 200, response.content
    assert response.json()["accepted"] == 15
    rollups_rebuild(assistant_ids=[assistant.pk])
    return assistant


def test_enrichment_keeps_only_a_sane_ms_since_output(sent) -> None:
    kept = dict(Action.objects.values_list("message_external_id", "ms_since_output"))
    assert kept == {"o1": 2500, "o2": None, "o3": None, "o4": 7000, "o5": None}
    delays = dict(Action.objects.annotate(d=action_delay_seconds()).values_list("message_external_id", "d"))
    assert delays == {"o1": 2.5, "o2": 4.0, "o3": 1.0, "o4": 7.0, "o5": 8.0}


def test_metric_uses_the_client_delay_when_sane(sent) -> None:
    today = timezone.localdate()
    rows = metric_query(
        metric="time_to_first_action",
        assistant_ids=[sent.pk],
        date_from=today - timedelta(days=1),
        date_to=today + timedelta(days=1),
        interval="all",
        sample=1,
    )
    assert len(rows) == 1
    row = rows[0]
    assert (row.value, row.extra["p90"], row.denominator) == (4, 8, 5)
    assert row.extra["instant_accepts"] == 2
    assert row.extra["instant_accept_share"] == pytest.approx(0.4)


def test_transcript_shows_the_same_delay(sent) -> None:
    conversation = Action.objects.get(message_external_id="o1").conversation
    view = transcript(conversation=conversation, viewer=UserFactory(roles=["admin"]))
    (answer,) = [turn for turn in view.turns if turn.message.role == "assistant"]
    assert [a.seconds_after for a in answer.actions] == [2.5]
