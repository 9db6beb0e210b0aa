"""Enrichment builds the enriched record from raw events and is idempotent."""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.conversations.models import Action, Conversation, Feedback, Message
from apps.conversations.services import (
    batch_enrich,
    conversations_annotate,
    conversations_build,
    messages_annotate,
)
from apps.conversations.tasks import enrich_batch
from apps.ingestion.models import IngestBatch
from apps.ingestion.services import ENRICH_BATCH_TASK, stale_batches_requeue
from config.celery import app as celery_app
from tests.ingestion.conftest import iso, make_conversation


def _snapshot() -> tuple:
    return (
        list(
            Conversation.objects.order_by("id").values_list(
                "external_id", "started_at", "last_event_at", "outcome", "user_messages", "assistant_messages"
            )
        ),
        list(Message.objects.order_by("id").values_list("external_id", "role", "content")),
        list(Action.objects.order_by("id").values_list("event_id", "action", "message_id")),
        list(Feedback.objects.order_by("id").values_list("event_id", "rating", "thumb")),
    )


def test_running_enrichment_again_changes_nothing(post_events) -> None:
    post_events(make_conversation("c1") + make_conversation("c2", user="u2"))
    before = _snapshot()
    batch = IngestBatch.objects.get()
    IngestBatch.objects.filter(pk=batch.pk).update(enriched_at=None)  # as if the task were retried
    batch_enrich(batch_id=batch.pk)
    batch_enrich(batch_id=batch.pk)
    assert _snapshot() == before
    assert Conversation.objects.count() == 2


def test_action_arriving_before_its_message_is_linked_later(post_events) -> None:
    events = make_conversation("late")
    answer, rest = events[1], events[2:]
    post_events([events[0], *rest])  # action + feedback refer to a message not yet sent
    action = Action.objects.get()
    assert action.message_id is None
    post_events([answer])
    action.refresh_from_db()
    assert action.message is not None
    assert action.message.external_id == "late-m2"
    assert Feedback.objects.get().message_id == action.message_id


def test_conversation_spanning_batches_keeps_earliest_start_and_latest_event(post_events) -> None:
    first = make_conversation("span")[:2]
    later = [
        {
            "id": "span-e9",
            "type": "message",
            "timestamp": iso(timedelta(minutes=5)),
            "conversation_id": "span",
            "user_id": "u1",
            "message_id": "span-m9",
            "role": "user",
            "content": "One more question",
        },
    ]
    post_events(later)
    post_events(first)
    conversation = Conversation.objects.get(external_id="span")
    assert conversation.started_at < conversation.last_event_at
    assert conversation.last_event_at.isoformat() == later[0]["timestamp"].replace("+00:00", "+00:00")
    assert (conversation.user_messages, conversation.assistant_messages) == (2, 1)


def test_later_outcome_wins_and_earlier_does_not_override(post_events) -> None:
    base = {"conversation_id": "o", "user_id": "u"}
    post_events(
        [{**base, "id": "o2", "type": "outcome", "timestamp": iso(timedelta(minutes=2)), "outcome": "escalated"}]
    )
    post_events([{**base, "id": "o1", "type": "outcome", "timestamp": iso(), "outcome": "resolved"}])
    assert Conversation.objects.get(external_id="o").outcome == "escalated"


def test_five_point_ratings_map_to_thumbs(post_events) -> None:
    base = {"type": "feedback", "timestamp": iso(), "conversation_id": "r", "user_id": "u"}
    post_events([{**base, "id": f"r{n}", "rating": n} for n in (1, 2, 3, 4, 5)])
    thumbs = dict(Feedback.objects.values_list("rating", "thumb"))
    assert thumbs == {"1": "down", "2": "down", "3": None, "4": "up", "5": "up"}


def test_ingestion_names_the_conversations_enrichment_task() -> None:
    assert enrich_batch.name == ENRICH_BATCH_TASK
    assert celery_app.tasks[ENRICH_BATCH_TASK] is enrich_batch._get_current_object()


def test_stale_batch_is_requeued_by_name_and_enriched_in_eager_mode(post_events) -> None:
    post_events(make_conversation("stale"))
    batch = IngestBatch.objects.get()
    Conversation.objects.all().delete()  # as if the first task had never run
    IngestBatch.objects.filter(pk=batch.pk).update(enriched_at=None, received_at=timezone.now() - timedelta(hours=1))
    with override_settings(INGEST_REQUEUE_AFTER_SECONDS=60):
        assert stale_batches_requeue() == 1
    batch.refresh_from_db()
    assert batch.enriched_at is not None
    assert batch.attempts == 2
    assert Message.objects.filter(conversation__external_id="stale").count() == 2


def test_steps_may_write_annotation_columns_only(post_events) -> None:
    post_events(make_conversation("own"))
    message = Message.objects.get(role="user")
    before = list(Message.objects.order_by("id").values_list("id", "content", "language", "sentiment"))
    with pytest.raises(ValueError, match="not an annotation column"):
        messages_annotate(columns=["language", "content"], rows=[(message.pk, "xx", "changed")])
    with pytest.raises(ValueError, match="not an annotation column"):
        conversations_annotate(columns=["outcome"], rows=[(message.conversation_id, "resolved")])
    assert list(Message.objects.order_by("id").values_list("id", "content", "language", "sentiment")) == before
    assert Conversation.objects.get().outcome == "resolved"


def test_new_conversations_are_written_once_with_their_counts_and_outcome(post_events) -> None:
    # A batch's new conversations take their message counts and outcome in their INSERT: no
    # UPDATE rewrites the rows just written. A message id sent twice is stored (and counted) as
    # its earliest event says; the latest outcome wins.
    base = {"conversation_id": "once", "user_id": "u1"}
    said = {**base, "type": "message", "content": "Hi"}
    events = [
        {**said, "id": "e1", "timestamp": iso(), "message_id": "m1", "role": "user"},
        {**said, "id": "e2", "timestamp": iso(timedelta(seconds=1)), "message_id": "m1",
         "role": "assistant"},
        {**said, "id": "e3", "timestamp": iso(timedelta(seconds=2)), "message_id": "m2",
         "role": "assistant"},
        {**said, "id": "e4", "timestamp": iso(timedelta(seconds=3)), "message_id": "m3",
         "role": "assistant"},
        {**base, "id": "e5", "type": "outcome", "timestamp": iso(timedelta(seconds=5)), "outcome": "escalated"},
        {**base, "id": "e6", "type": "outcome", "timestamp": iso(timedelta(seconds=4)), "outcome": "resolved"},
    ]  # fmt: skip
    post_events(events)
    batch = IngestBatch.objects.get()
    Conversation.objects.all().delete()  # rebuilt from the raw events below
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        conversations_build(batch_id=batch.pk)
    updates = [q["sql"] for q in queries.captured_queries if "UPDATE conversations_conversation" in q["sql"]]
    assert updates == []
    conversation = Conversation.objects.get(external_id="once")
    assert (conversation.user_messages, conversation.assistant_messages) == (1, 2)
    assert conversation.outcome == "escalated"
    assert conversation.outcome_at is not None
    assert conversation.outcome_at.isoformat() == events[4]["timestamp"]
    assert list(Message.objects.order_by("external_id").values_list("external_id", "role")) == [
        ("m1", "user"),
        ("m2", "assistant"),
        ("m3", "assistant"),
    ]


def test_a_conversation_that_existed_is_recounted_and_keeps_a_later_outcome(post_events) -> None:
    base = {"conversation_id": "again", "user_id": "u1"}
    post_events(make_conversation("again")[:2])
    post_events(
        [{**base, "id": "late", "type": "outcome", "timestamp": iso(timedelta(minutes=5)), "outcome": "escalated"}]
    )
    post_events(
        [
            {**base, "id": "m3", "type": "message", "content": "And?", "timestamp": iso(timedelta(minutes=1)), "message_id": "m3",
             "role": "user"},
            {**base, "id": "early", "type": "outcome", "timestamp": iso(timedelta(minutes=2)), "outcome": "resolved"},
        ]
    )  # fmt: skip
    conversation = Conversation.objects.get(external_id="again")
    assert (conversation.user_messages, conversation.assistant_messages) == (2, 1)
    assert conversation.outcome == "escalated"
