import gzip
from datetime import timedelta

import orjson
import pytest
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.conversations.models import Action, Conversation, Feedback, Message
from apps.ingestion.models import IngestBatch, RawEvent
from apps.registry.services import api_key_revoke
from tests.factories import AssistantFactory, UserFactory, issue_key
from tests.ingestion.conftest import iso, make_conversation


def _message(i: int, **over) -> dict:
    event = {
        "id": f"ev-{i}",
        "type": "message",
        "timestamp": iso(),
        "conversation_id": f"conv-{i % 50}",
        "user_id": f"user-{i % 20}",
        "message_id": f"msg-{i}",
        "role": "user" if i % 2 else "assistant",
        "content": f"message number {i}",
    }
    event.update(over)
    return event


def test_batch_is_stored_and_enriched(post_events, assistant) -> None:
    response = post_events(make_conversation())
    assert response.status_code == 200, response.content
    assert response.json() == {"accepted": 5, "duplicates": 0, "rejected": []}
    assert RawEvent.objects.filter(assistant=assistant).count() == 5

    conversation = Conversation.objects.get(assistant=assistant, external_id="c1")
    assert conversation.user_id == "u1"
    assert conversation.outcome == "resolved"
    assert conversation.user_locale == "en-US"
    assert conversation.variant == "prompt-a"
    assert (conversation.user_messages, conversation.assistant_messages) == (1, 1)
    answer = Message.objects.get(conversation=conversation, external_id="c1-m2")
    assert (answer.role, answer.latency_ms, answer.output_tokens, answer.model) == ("assistant", 812, 12, "gpt-4o-mini")
    assert str(answer.cost_usd) == "0.000400"
    action = Action.objects.get(conversation=conversation)
    assert (action.action, action.message_id) == ("copy", answer.id)
    feedback = Feedback.objects.get(conversation=conversation)
    assert (feedback.rating, feedback.thumb, feedback.comment, feedback.message_id) == ("up", "up", "thanks", answer.id)
    assert IngestBatch.objects.get().enriched_at is not None


def test_same_batch_twice_is_stored_once(post_events, assistant) -> None:
    events = make_conversation()
    assert post_events(events).json()["accepted"] == 5
    second = post_events(events)
    assert second.status_code == 200
    assert second.json() == {"accepted": 0, "duplicates": 5, "rejected": []}
    assert RawEvent.objects.count() == 5
    assert Message.objects.count() == 2
    assert Action.objects.count() == 1


def test_duplicate_ids_inside_one_batch_count_once(post_events) -> None:
    events = [_message(1), _message(1), _message(2)]
    assert post_events(events).json() == {"accepted": 2, "duplicates": 1, "rejected": []}


def test_three_bad_events_of_a_thousand_are_named_and_997_kept(post_events) -> None:
    events = [_message(i) for i in range(1000)]
    events[10] = _message(10, type="purchase")
    events[500] = _message(500, timestamp="yesterday")
    del events[999]["user_id"]
    body = post_events(events).json()
    assert body["accepted"] == 997
    assert body["duplicates"] == 0
    assert [(r["index"], r["id"]) for r in body["rejected"]] == [(10, "ev-10"), (500, "ev-500"), (999, "ev-999")]
    assert "unknown type 'purchase'" in body["rejected"][0]["errors"]["type"]
    assert "RFC 3339" in body["rejected"][1]["errors"]["timestamp"]
    assert body["rejected"][2]["errors"] == {"user_id": "required"}
    assert RawEvent.objects.count() == 997
    assert not RawEvent.objects.filter(event_id__in=["ev-10", "ev-500", "ev-999"]).exists()


@pytest.mark.parametrize(
    ("override", "field", "reason"),
    [
        # Callables: evaluated when the test runs, not at collection (a long suite ran past the window).
        (lambda: {"timestamp": (timezone.now() - timedelta(days=31)).isoformat()}, "timestamp", "older than 30 days"),
        (lambda: {"timestamp": (timezone.now() + timedelta(minutes=6)).isoformat()}, "timestamp", "in the future"),
        ({"timestamp": "2026-01-01T10:00:00"}, "timestamp", "time zone"),
        ({"content": "x" * 70_000}, "content", "longer than 65536"),
        ({"metadata": {"blob": "y" * 9000}}, "metadata", "larger than 8192 bytes"),
        ({"metadata": [1, 2]}, "metadata", "must be an object"),
        ({"role": "robot"}, "role", "one of"),
        ({"latency_ms": -5}, "latency_ms", "between 0 and"),
        ({"cost_usd": "free"}, "cost_usd", "number"),
        ({"user_id": "jane@example.com"}, "user_id", "e-mail"),
        ({"id": "x" * 200}, "id", "longer than 128"),
        ({"colour": "blue"}, "colour", "unknown field"),
        ({"user": {"locale": "en", "shoe_size": "9"}}, "user.shoe_size", "unknown field"),
    ],
)
def test_invalid_fields_are_rejected_with_field_and_reason(post_events, override, field, reason) -> None:
    override = override() if callable(override) else override
    body = post_events([_message(1, **override), _message(2)]).json()
    assert body["accepted"] == 1
    assert len(body["rejected"]) == 1
    assert reason in body["rejected"][0]["errors"][field]


@pytest.mark.parametrize(
    ("event", "field"),
    [
        ({"type": "action", "action": "like"}, "action"),
        ({"type": "action", "action": "copy", "message_id": None}, "message_id"),
        ({"type": "feedback", "rating": 7}, "rating"),
        ({"type": "feedback", "rating": True}, "rating"),
        ({"type": "outcome", "outcome": "won"}, "outcome"),
    ],
)
def test_type_specific_fields_are_checked(post_events, event, field) -> None:
    base = {"id": "t1", "timestamp": iso(), "conversation_id": "c", "user_id": "u", "message_id": "m"}
    body = post_events([{**base, **event}]).json()
    assert body["accepted"] == 0
    assert field in body["rejected"][0]["errors"]


def test_more_than_1000_events_is_413_and_stores_nothing(post_events) -> None:
    response = post_events([_message(i) for i in range(1001)])
    assert response.status_code == 413
    assert "1001 events" in response.json()["detail"]
    assert RawEvent.objects.count() == 0


def test_body_over_5_mb_is_413(post_events) -> None:
    events = [_message(i, content="z" * 60_000) for i in range(90)]
    response = post_events(events)
    assert response.status_code == 413
    assert "limit is 5242880 bytes" in response.json()["detail"]
    assert RawEvent.objects.count() == 0


def test_malformed_bodies_are_400(alpha_client, api_key) -> None:
    for body, message in [(b"{not json", "not valid JSON"), (b'{"events": 3}', '{"events": [...]}'), (b"[]", "")]:
        response = alpha_client.post(
            "/api/v1/events", data=body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {api_key}"
        )
        assert response.status_code == 400
        assert message in response.json()["detail"]


def test_gzip_body_is_accepted(alpha_client, api_key, django_capture_on_commit_callbacks) -> None:
    body = gzip.compress(orjson.dumps({"events": make_conversation()}))
    with django_capture_on_commit_callbacks(execute=True):
        response = alpha_client.post(
            "/api/v1/events",
            data=body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {api_key}",
            HTTP_CONTENT_ENCODING="gzip",
        )
    assert response.json()["accepted"] == 5


def test_missing_and_unknown_keys_are_401(alpha_client, post_events) -> None:
    response = alpha_client.post("/api/v1/events", data=b'{"events": []}', content_type="application/json")
    assert response.status_code == 401
    assert post_events(make_conversation(), key="tsk_live_000000000000" + "a" * 32).status_code == 401
    assert post_events(make_conversation(), key="garbage").status_code == 401
    assert RawEvent.objects.count() == 0


def test_revoked_key_is_403(post_events, assistant, api_key) -> None:
    from apps.registry.models import ApiKey

    admin = UserFactory(roles=["admin"])
    api_key_revoke(actor=admin, api_key=ApiKey.objects.get(assistant=assistant))
    response = post_events(make_conversation())
    assert response.status_code == 403
    assert "revoked" in response.json()["detail"]
    assert RawEvent.objects.count() == 0


def test_key_of_another_organization_is_403_on_this_host(post_events, beta) -> None:
    with schema_context(beta.schema_name):
        beta_key = issue_key(AssistantFactory(name="Beta bot"))
    response = post_events(make_conversation(), key=beta_key)
    assert response.status_code == 403
    assert "another organization" in response.json()["detail"]
    assert RawEvent.objects.count() == 0
    with schema_context(beta.schema_name):
        assert RawEvent.objects.count() == 0


def test_rotation_two_keys_work_at_once(post_events, assistant, api_key) -> None:
    second = issue_key(assistant)
    assert post_events(make_conversation("a"), key=api_key).json()["accepted"] == 5
    assert post_events(make_conversation("b"), key=second).json()["accepted"] == 5


def test_backlog_over_bound_is_429_with_retry_after(post_events, assistant) -> None:
    IngestBatch.objects.create(assistant=assistant, accepted=50)
    cache.clear()
    with override_settings(INGEST_MAX_BACKLOG_EVENTS=10, INGEST_RETRY_AFTER_SECONDS=17):
        response = post_events(make_conversation())
    cache.clear()
    assert response.status_code == 429
    assert response["Retry-After"] == "17"
    assert RawEvent.objects.count() == 0


def test_last_used_at_is_recorded(post_events, assistant) -> None:
    from apps.registry.models import ApiKey

    post_events(make_conversation())
    assert ApiKey.objects.get(assistant=assistant).last_used_at is not None


def test_two_ingests_in_one_transaction_do_not_leak_rows_between_assistants(alpha) -> None:
    from django.db import transaction

    from apps.ingestion.services import events_ingest

    first, second = AssistantFactory(name="First"), AssistantFactory(name="Second")
    with transaction.atomic():
        assert events_ingest(assistant=first, events=make_conversation("one")).accepted == 5
        assert events_ingest(assistant=second, events=make_conversation("two")).accepted == 5
    assert RawEvent.objects.filter(assistant=first).count() == 5
    assert set(RawEvent.objects.filter(assistant=second).values_list("conversation_id", flat=True)) == {"two"}


def test_raw_events_past_the_replay_window_are_pruned_and_nothing_else(post_events, assistant) -> None:
    from datetime import timedelta

    from apps.ingestion.services import raw_events_prune

    post_events(make_conversation("old"))
    post_events(make_conversation("recent"))
    pending = IngestBatch.objects.create(assistant=assistant, accepted=0)  # not yet enriched
    RawEvent.objects.filter(conversation_id="recent").update(batch=pending)
    later = timezone.now() + timedelta(days=31)  # "old" is now 31+ days old; "recent" too, but unenriched
    assert raw_events_prune(now=later) == 5
    assert set(RawEvent.objects.values_list("conversation_id", flat=True)) == {"recent"}
    assert Conversation.objects.filter(external_id="old").exists()  # the enriched record stays
    assert Message.objects.filter(conversation__external_id="old").count() == 2
    assert raw_events_prune(now=timezone.now()) == 0
