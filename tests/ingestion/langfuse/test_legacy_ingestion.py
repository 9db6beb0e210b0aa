"""``POST /api/public/ingestion`` with a recorded Langfuse batch: 207 per item, good items kept."""

from __future__ import annotations

from apps.conversations.models import Conversation, Feedback
from apps.ingestion.models import LangfuseTrace, RawEvent
from apps.registry.models import ReleaseAnnotation
from tests.ingestion.langfuse.conftest import load_fixture

TRACE = "4c1f0a1e-6a3b-4f7e-9f55-0f6c1d2e3a01"


def test_recorded_batch_answers_207_per_item_and_keeps_every_valid_item(post_langfuse, assistant) -> None:
    payload = load_fixture("legacy_ingestion_batch.json")
    response = post_langfuse("ingestion", payload)

    assert response.status_code == 207
    body = response.json()
    assert [s["id"] for s in body["successes"]] == [
        "evt-trace-1",
        "evt-span-1",
        "evt-gen-1",
        "evt-event-1",
        "evt-gen-2-create",
        "evt-gen-2-update",
        "evt-span-1-update",
        "evt-score-1",
        "evt-score-unknown-trace",  # parked until its trace arrives
    ]
    assert {s["status"] for s in body["successes"]} == {201}
    errors = {e["id"]: (e["status"], e["message"]) for e in body["errors"]}
    assert set(errors) == {
        "evt-bad-type",
        "",  # the item without an id, and the string item
        "evt-gen-no-trace",
        "evt-no-body",
        "evt-score-text",
        "evt-gen-too-old",
    }
    assert len(body["errors"]) == 7
    assert errors["evt-bad-type"][0] == 400
    assert "unknown 'trace-delete'" in errors["evt-bad-type"][1]
    assert errors["evt-gen-no-trace"] == (400, "body.id and body.traceId: required for a generation")
    assert errors["evt-no-body"] == (400, "body: required, an object")
    assert errors["evt-score-text"][0] == 400
    assert "TEXT scores are not a rating" in errors["evt-score-text"][1]
    assert errors["evt-gen-too-old"][0] == 400
    assert "timestamp" in errors["evt-gen-too-old"][1]

    conversation = Conversation.objects.get(assistant=assistant)
    assert (conversation.external_id, conversation.user_id, conversation.variant) == (
        "sess-legacy-42",
        "emp-7f3a",
        "prompt-v7",
    )
    roles = list(conversation.messages.order_by("ts", "id").values_list("role", "content"))
    assert roles == [
        ("system", "You are the IT helpdesk assistant."),
        ("user", "My VPN keeps disconnecting every few minutes."),
        ("assistant", "Switch the VPN client to TCP mode under Settings → Connection, then reconnect."),
        ("user", "That fixed it, thanks! Can I keep TCP mode permanently?"),
        ("assistant", "Yes — TCP mode is supported permanently; it is only slightly slower on video calls."),
    ]
    answer = conversation.messages.get(content__startswith="Yes")
    assert (answer.model, answer.variant) == ("gpt-4o-mini", "prompt-v7")
    feedback = Feedback.objects.get(conversation=conversation)
    assert (feedback.rating, feedback.comment, feedback.message_id) == ("up", "Clear and it worked", answer.pk)
    raw = RawEvent.objects.filter(assistant=assistant, type="message", payload__role="user").first()
    assert raw is not None
    assert raw.payload["metadata"]["tags"] == ["helpdesk", "prod"]
    assert raw.payload["metadata"]["langfuse"] == {"channel": "teams", "tenant_region": "eu"}
    assert raw.payload["metadata"]["release"] == "2026.11.3"
    assert list(ReleaseAnnotation.objects.filter(assistant=assistant).values_list("text", flat=True)) == [
        "Release 2026.11.3"
    ]
    assert list(LangfuseTrace.objects.filter(assistant=assistant).values_list("trace_id", flat=True)) == [TRACE]

    # The exporter retries the whole batch: nothing is stored twice, the release is not annotated again.
    again = post_langfuse("ingestion", payload)
    assert again.status_code == 207
    assert len(again.json()["successes"]) == 9
    assert RawEvent.objects.filter(assistant=assistant).count() == 6
    assert ReleaseAnnotation.objects.filter(assistant=assistant).count() == 1
    assert Feedback.objects.filter(conversation=conversation).count() == 1


def _gen(item_id: str, kind: str, body: dict, ts: str) -> dict:
    return {"id": item_id, "type": kind, "timestamp": ts, "body": body}


def test_generation_update_in_a_later_request_completes_the_parked_generation(post_langfuse, assistant) -> None:
    from tests.ingestion.conftest import iso

    trace = {"id": "t-split", "sessionId": "s-split", "userId": "u-split"}
    history = [
        {"role": "user", "content": "Where is the printer on floor 3?"},
        {"role": "assistant", "content": "Next to the kitchen."},
        {"role": "user", "content": "And the colour one?"},
    ]
    first = post_langfuse(
        "ingestion",
        {
            "batch": [
                _gen("e1", "trace-create", trace, iso()),
                _gen("e2", "generation-create", {"id": "g1", "traceId": "t-split", "input": history}, iso()),
            ]
        },
    )
    assert first.status_code == 207
    assert len(first.json()["successes"]) == 2
    conversation = Conversation.objects.get(assistant=assistant, external_id="s-split")
    assert conversation.messages.count() == 3  # the history; the answer has not come yet

    update = {"id": "g1", "traceId": "t-split", "output": {"role": "assistant", "content": "Room 3.14."}}
    second = post_langfuse("ingestion", {"batch": [_gen("e3", "generation-update", update, iso())]})
    assert second.status_code == 207
    assert second.json()["errors"] == []
    contents = list(conversation.messages.order_by("ts", "id").values_list("role", "content"))
    assert contents[-1] == ("assistant", "Room 3.14.")
    assert conversation.messages.count() == 4  # the history was not stored a second time


def test_body_that_is_not_a_batch_is_400_and_too_many_items_413(post_langfuse, settings) -> None:
    response = post_langfuse("ingestion", {"events": []})
    assert response.status_code == 400
    assert response.json()["message"] == 'body must be a JSON object {"batch": [...]}'
    settings.INGEST_MAX_EVENTS = 2
    response = post_langfuse("ingestion", {"batch": [{}, {}, {}]})
    assert response.status_code == 413


def test_erasure_and_retention_delete_the_trace_records(post_langfuse, assistant) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from apps.compliance.retention import end_user_erase, retention_apply
    from apps.detection.services import masking_policy_get
    from tests.ingestion.conftest import iso

    for trace, user in (("t-erase", "u-erase"), ("t-keep", "u-keep")):
        batch = [
            {"id": f"{trace}-1", "type": "trace-create", "timestamp": iso(), "body": {"id": trace, "userId": user}},
            {
                "id": f"{trace}-2",
                "type": "generation-create",
                "timestamp": iso(),
                "body": {"id": f"{trace}-g", "traceId": trace, "input": "q", "output": "a"},
            },
        ]
        assert post_langfuse("ingestion", {"batch": batch}).json()["errors"] == []
    assert end_user_erase(actor=None, user_id="u-erase").counts["langfuse_traces"] == 1
    assert list(LangfuseTrace.objects.values_list("trace_id", flat=True)) == ["t-keep"]

    policy = masking_policy_get()
    policy.retention_days = 1
    policy.save()
    assert retention_apply(now=timezone.now() + timedelta(days=2)).langfuse_traces_deleted == 1
    assert not LangfuseTrace.objects.exists()
