"""``field__any=[...]`` (apps.core.lookups): the same rows as ``__in``, sent as one array parameter."""

from __future__ import annotations

import pytest
from django.db import DataError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.conversations.models import Conversation, Message


@pytest.fixture
def conversations(assistant) -> list[Conversation]:
    now = timezone.now()
    made = []
    for n in range(4):
        conversation = Conversation.objects.create(
            assistant=assistant, external_id=f"any{n}", user_id=f"u{n}", started_at=now, last_event_at=now
        )
        Message.objects.create(
            conversation=conversation, external_id="m", event_id=f"e{n}", role="user" if n % 2 else "assistant",
            content=f"text {n}", ts=now,
        )  # fmt: skip
        made.append(conversation)
    return made


def test_matches_the_same_rows_as_in_for_keys_foreign_keys_and_text(conversations) -> None:
    ids = [c.pk for c in conversations[1:3]]
    assert set(Conversation.objects.filter(pk__any=ids)) == set(Conversation.objects.filter(pk__in=ids))
    assert sorted(Message.objects.filter(conversation_id__any=ids).values_list("event_id", flat=True)) == ["e1", "e2"]
    assert Message.objects.filter(conversation__any=ids).count() == 2
    assert sorted(Message.objects.filter(event_id__any=["e0", "e3", "nope"]).values_list("event_id", flat=True)) == [
        "e0",
        "e3",
    ]
    # Sets and generators are lists too; an empty list matches nothing (as ``__in=[]``).
    assert Conversation.objects.filter(pk__any={conversations[0].pk}).count() == 1
    assert Conversation.objects.filter(pk__any=(c.pk for c in conversations)).count() == 4
    assert not Conversation.objects.filter(pk__any=[]).exists()
    assert Conversation.objects.exclude(pk__any=ids).count() == 2


def test_sends_one_parameter_however_long_the_list(conversations) -> None:
    many = [c.pk for c in conversations] + list(range(10**9, 10**9 + 5000))
    with CaptureQueriesContext(connection) as queries:
        assert Message.objects.filter(conversation_id__any=many).count() == 4
    (query,) = queries.captured_queries
    assert "= ANY(" in query["sql"]
    assert " IN (" not in query["sql"]
    sql, params = Message.objects.filter(conversation_id__any=many).query.sql_with_params()
    assert sql.count("%s") == 1
    assert len(params) == 1


def test_a_value_the_column_cannot_hold_is_refused_before_the_database(conversations) -> None:
    with pytest.raises(ValueError, match="expected a number"):
        list(Message.objects.filter(conversation_id__any=["x"]))
    with pytest.raises(TypeError, match="list of values"):
        list(Message.objects.filter(event_id__any="e1"))


def test_integer_ids_go_as_one_array_literal_and_match_like_in(conversations) -> None:
    ids = [c.pk for c in conversations[:2]]
    _, params = Message.objects.filter(conversation_id__any=ids).query.sql_with_params()
    assert params == ("{" + ",".join(map(str, ids)) + "}",)
    assert (
        Message.objects.filter(conversation_id__any=ids).count()
        == Message.objects.filter(conversation_id__in=ids).count()
    )
    # Not plain ints (a bool, a numeric string): prepared one by one by the field, as before.
    _, params = Message.objects.filter(conversation_id__any=[ids[0], "7"]).query.sql_with_params()
    assert params == ([ids[0], 7],)
    _, params = Conversation.objects.filter(pk__any=[True]).query.sql_with_params()
    assert params == ([1],)


def test_an_id_beyond_the_column_type_is_refused_by_the_database(conversations) -> None:
    with pytest.raises(DataError), transaction.atomic():
        list(Message.objects.filter(conversation_id__any=[2**70]))
