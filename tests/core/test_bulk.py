"""The shared bulk writer (COPY into a temp table, then UPDATE … FROM) on real tenant tables."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import FieldDoesNotExist
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from psycopg import sql

from apps.conversations.models import Conversation, Message
from apps.core.bulk import STAGED, TARGET, Staged, rows_insert, rows_update
from apps.ingestion.models import IngestBatch, RawEvent
from apps.nlp.models import Intent


@pytest.fixture
def messages(assistant) -> list[Message]:
    now = timezone.now()
    conversation = Conversation.objects.create(
        assistant=assistant, external_id="bulk", user_id="u1", started_at=now, last_event_at=now
    )
    return [
        Message.objects.create(
            conversation=conversation, external_id=f"m{n}", event_id=f"e{n}", role="user", content=f"text {n}", ts=now
        )
        for n in range(3)
    ]


def _columns(message_id: int) -> tuple:
    return Message.objects.values_list(
        "content", "language", "sentiment", "is_rephrase", "intent_id", "annotated_at"
    ).get(pk=message_id)


def test_sets_only_the_given_columns_of_the_given_rows(messages, assistant) -> None:
    first, second, untouched = messages
    intent = Intent.objects.create(assistant=assistant, label="reset password")
    at = timezone.now() - timedelta(hours=1)
    before = _columns(untouched.pk)

    updated = rows_update(
        model=Message,
        columns=["language", "sentiment", "is_rephrase", "intent", "annotated_at"],
        rows=[(first.pk, "de", -0.25, True, intent.pk, at), (second.pk, None, 0.5, None, None, at)],
    )

    assert updated == 2
    assert _columns(first.pk) == ("text 0", "de", -0.25, True, intent.pk, at)
    assert _columns(second.pk) == ("text 1", None, 0.5, None, None, at)
    assert _columns(untouched.pk) == before


def test_text_survives_copy_escaping(messages) -> None:
    tricky = "tab\there\nnew line \\ backslash \\N not null, «ünïcødé» 🙂, '; DROP TABLE x; --"
    rows_update(model=Message, columns=["content"], rows=[(messages[0].pk, tricky), (messages[1].pk, "")])
    assert Message.objects.get(pk=messages[0].pk).content == tricky
    assert Message.objects.get(pk=messages[1].pk).content == ""


def test_no_rows_runs_no_statement(messages) -> None:
    with CaptureQueriesContext(connection) as queries:
        assert rows_update(model=Message, columns=["content"], rows=[]) == 0
    assert len(queries) == 0


def test_same_table_twice_in_one_transaction_with_other_columns(messages) -> None:
    rows_update(model=Message, columns=["language"], rows=[(messages[0].pk, "fr")])
    rows_update(model=Message, columns=["sentiment", "content"], rows=[(messages[0].pk, 0.75, "bonjour")])
    assert Message.objects.values_list("language", "sentiment", "content").get(pk=messages[0].pk) == (
        "fr",
        0.75,
        "bonjour",
    )


def test_table_and_column_names_come_from_the_model(messages) -> None:
    with CaptureQueriesContext(connection) as queries:
        rows_update(model=Message, columns=["intent_id"], rows=[(messages[0].pk, None)])
    update = next(q["sql"] for q in queries if q["sql"].startswith("UPDATE"))
    assert update == (
        f'UPDATE "{Message._meta.db_table}" AS "target" SET "intent_id" = "staged"."intent_id" '
        f'FROM "bulk_{Message._meta.db_table}" AS "staged" WHERE "target"."id" = "staged"."id"'
    )


@pytest.fixture
def raw_events(assistant) -> list[RawEvent]:
    batch = IngestBatch.objects.create(assistant=assistant, accepted=2)
    now = timezone.now()
    return [
        RawEvent.objects.create(
            assistant=assistant,
            batch=batch,
            event_id=f"e{n}",
            type="message",
            ts=now,
            conversation_id="c",
            user_id="u",
            message_id=f"m{n}",
            payload={"role": "user", "content": f"card 4242 {n}", "metadata": {"k": [1, "v"]}},
        )
        for n in range(2)
    ]


def test_json_columns_are_adapted_like_the_orm(raw_events) -> None:
    payload = {"content": "x", "metadata": {"nested": [1, None, "é"]}, "n": 1.5}
    rows_update(model=RawEvent, columns=["payload"], rows=[(raw_events[0].pk, payload)])
    assert RawEvent.objects.get(pk=raw_events[0].pk).payload == payload
    assert RawEvent.objects.get(pk=raw_events[1].pk).payload["content"] == "card 4242 1"


def test_staged_value_feeds_an_expression(raw_events) -> None:
    expression = sql.SQL("jsonb_set({}.payload, '{{content}}', to_jsonb({}.content))").format(TARGET, STAGED)
    updated = rows_update(
        model=RawEvent,
        columns=[Staged("content", "text")],
        rows=[(raw_events[0].pk, "card **** 0")],
        assign={"payload": expression},
    )
    assert updated == 1
    assert RawEvent.objects.get(pk=raw_events[0].pk).payload == {
        "role": "user",
        "content": "card **** 0",
        "metadata": {"k": [1, "v"]},
    }
    assert RawEvent.objects.get(pk=raw_events[1].pk).payload["content"] == "card 4242 1"


def test_other_key_column(messages) -> None:
    rows_update(model=Message, key="event_id", columns=["language"], rows=[("e2", "it")])
    assert list(Message.objects.order_by("external_id").values_list("language", flat=True)) == [None, None, "it"]


@pytest.mark.parametrize(
    ("column", "error", "reason"),
    [("conversation_id_typo", FieldDoesNotExist, "no field named"), ("actions", ValueError, "not a concrete column")],
)
def test_unknown_or_reverse_columns_are_refused(messages, column, error, reason) -> None:
    before = _columns(messages[0].pk)
    with pytest.raises(error, match=reason):
        rows_update(model=Message, columns=[column], rows=[(messages[0].pk, 1)])
    assert _columns(messages[0].pk) == before


def test_insert_writes_the_given_values(messages) -> None:
    conversation = messages[0].conversation
    now = timezone.now()
    tricky = "tab\there\nnew line \\ backslash \\N, «ünïcødé» 🙂"

    inserted = rows_insert(
        model=Message,
        columns=["conversation_id", "external_id", "event_id", "role", "content", "ts", "sentiment", "intent"],
        rows=[
            (conversation.pk, "m10", "e10", "user", tricky, now, -0.5, None),
            (conversation.pk, "m11", "e11", "assistant", "", now, None, None),
        ],
    )

    assert inserted == 2
    stored = Message.objects.filter(external_id__in=["m10", "m11"]).order_by("external_id")
    assert list(stored.values_list("role", "content", "ts", "sentiment", "intent_id")) == [
        ("user", tricky, now, -0.5, None),
        ("assistant", "", now, None, None),
    ]
    assert Message.objects.filter(conversation=conversation).count() == 5


def test_insert_adapts_json_like_the_orm(raw_events) -> None:
    payload = {"content": "x", "metadata": {"nested": [1, None, "é"]}, "n": 1.5}
    first = raw_events[0]
    rows_insert(
        model=RawEvent,
        columns=[
            "batch",
            "assistant",
            "event_id",
            "type",
            "ts",
            "conversation_id",
            "user_id",
            "payload",
            "received_at",
        ],
        rows=[(first.batch_id, first.assistant_id, "copied", "message", first.ts, "c", "u", payload, first.ts)],
    )
    assert RawEvent.objects.get(event_id="copied").payload == payload


def test_insert_no_rows_runs_no_statement(messages) -> None:
    with CaptureQueriesContext(connection) as queries:
        assert rows_insert(model=Message, columns=["content"], rows=[]) == 0
    assert len(queries) == 0


def test_insert_missing_required_column_fails_and_writes_nothing(messages) -> None:
    conversation = messages[0].conversation
    with pytest.raises(IntegrityError), transaction.atomic():
        # ``ts`` is NOT NULL and has no database default: nothing fills it in.
        rows_insert(
            model=Message,
            columns=["conversation_id", "external_id", "event_id", "role", "content"],
            rows=[(conversation.pk, "m12", "e12", "user", "x")],
        )
    assert not Message.objects.filter(external_id="m12").exists()


def _temp_table_rows_estimate(name: str) -> float:
    """The planner's row count for a temporary table (-1 until it is analysed)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s AND relpersistence = 't'", [name])
        return cursor.fetchone()[0]


def test_staged_rows_are_analysed_so_the_join_follows_the_batch(messages) -> None:
    # Autovacuum never analyses temporary tables; unanalysed, the planner guessed ~1,000 staged
    # rows and hash-joined the whole target table (every raw event, per batch).
    rows_update(model=Message, columns=["content"], rows=[(m.pk, "x") for m in messages[:2]])
    assert _temp_table_rows_estimate(f"bulk_{Message._meta.db_table}") == 2
