"""Sensitive values in dimension fields (feature, variant, model, user profile) are masked in the
raw payload and every column they are copied to (issue 10, item 3), on both ingestion paths."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson

from apps.conversations.models import Action, Conversation, Message
from apps.detection.models import MaskAction
from apps.detection.services import masking_policy_get
from apps.ingestion.models import RawEvent
from tests.fixtures.events import iso
from tests.helpers import columns_containing, otlp_span, otlp_traces

EMAIL = "lena.schmidt@example.com"
PHONE = "+44 20 7946 0111"
CARD = "4000 0566 5566 5556"


def _events(conversation: str) -> list[dict]:
    common = {"conversation_id": conversation, "user_id": "u-dim"}
    return [
        {
            **common,
            "id": f"{conversation}-1",
            "type": "message",
            "timestamp": iso(),
            "message_id": f"{conversation}-m1",
            "role": "user",
            "content": "Where is my parcel?",
            "feature": f"callback {PHONE}",
            "variant": EMAIL,
            "user": {"locale": "en-GB", "department": f"Sales ({EMAIL})", "region": f"card {CARD}"},
        },
        {
            **common,
            "id": f"{conversation}-2",
            "type": "message",
            "timestamp": iso(timedelta(seconds=1)),
            "message_id": f"{conversation}-m2",
            "role": "assistant",
            "content": "It ships today.",
            "model": f"gpt-4o for {EMAIL}",
            "feature": f"callback {PHONE}",
        },
        {
            **common,
            "id": f"{conversation}-3",
            "type": "action",
            "timestamp": iso(timedelta(seconds=2)),
            "message_id": f"{conversation}-m2",
            "action": "copy",
            "feature": f"callback {PHONE}",
        },
    ]


def test_dimension_values_are_masked_everywhere(post_events) -> None:
    assert post_events(_events("c-dim")).json()["accepted"] == 3
    for needle in (EMAIL, PHONE, CARD, "7946 0111"):
        assert columns_containing(needle) == [], needle
    conversation = Conversation.objects.get(external_id="c-dim")
    assert (
        conversation.feature,
        conversation.variant,
        conversation.user_department,
        conversation.user_region,
        conversation.user_locale,
    ) == ("callback [PHONE]", "[EMAIL]", "Sales ([EMAIL])", "card **** 5556", "en-GB")
    answer = Message.objects.get(external_id="c-dim-m2")
    assert (answer.model, answer.feature) == ("gpt-4o for [EMAIL]", "callback [PHONE]")
    assert Action.objects.get(conversation=conversation).feature == "callback [PHONE]"
    raw = RawEvent.objects.get(event_id="c-dim-1").payload
    assert (raw["feature"], raw["variant"], raw["user"]["department"]) == (
        "callback [PHONE]",
        "[EMAIL]",
        "Sales ([EMAIL])",
    )
    assert raw["content"] == "Where is my parcel?"


def test_clean_dimensions_are_untouched_and_policy_keep_is_respected(post_events) -> None:
    policy = masking_policy_get()
    policy.actions = {"EMAIL": MaskAction.KEEP}
    policy.save()
    post_events(_events("c-keep"))
    conversation = Conversation.objects.get(external_id="c-keep")
    assert (conversation.variant, conversation.user_locale, conversation.feature) == (
        EMAIL,
        "en-GB",
        "callback [PHONE]",
    )


def test_otlp_dimension_attributes_are_masked(post_otlp, assistant) -> None:
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    attrs = {
        "gen_ai.operation.name": "chat",
        "gen_ai.conversation.id": "c-otlp-dim",
        "user.id": "u-otlp-dim",
        "gen_ai.response.model": "gpt-4o-mini",
        "tessera.feature": f"callback {PHONE}",
        "tessera.user.department": EMAIL,
        "gen_ai.input.messages": orjson.dumps([{"role": "user", "content": "hello"}]).decode(),
        "gen_ai.output.messages": orjson.dumps([{"role": "assistant", "content": "hi"}]).decode(),
    }
    span = otlp_span(
        trace_id="5b8efff798038103d269b633813fc60c", span_id="b7ad6b7169203331", start=start, end=start, attrs=attrs
    )
    assert post_otlp(otlp_traces(span).SerializeToString()).status_code == 200
    conversation = Conversation.objects.get(external_id="c-otlp-dim")
    assert (conversation.feature, conversation.user_department) == ("callback [PHONE]", "[EMAIL]")
    for needle in (EMAIL, PHONE):
        assert columns_containing(needle) == [], needle
