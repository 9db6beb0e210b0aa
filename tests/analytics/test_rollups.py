"""Rollup maintenance: incremental (the enrichment step) == rebuild, idempotent, late events."""

import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from apps.analytics.engine import metric_query
from apps.analytics.models import (
    ActiveUser,
    ConversationFact,
    ConversationRollup,
    DailyPeople,
    HistogramRollup,
    OutputFact,
    OutputRollup,
    UserFirstSeen,
)
from apps.analytics.services import (
    _batch_facts,
    _compiled,
    _conversation_facts,
    _output_facts,
    rollups_rebuild,
    rollups_refresh_ended,
    tenant_today,
)
from apps.compliance.retention import end_user_erase, retention_apply
from apps.conversations.models import Conversation, Message
from apps.conversations.services import batch_enrich, conversations_delete
from apps.detection.models import MaskingPolicy
from apps.ingestion.models import IngestBatch
from apps.nlp.services import intents_recluster
from tests.factories import ConversationFactory, MessageFactory
from tests.fixtures.events import at, iso, make_conversation
from tests.nlp.test_enrich_step import INTENT_TEXTS

pytestmark = pytest.mark.django_db

TABLES = (
    ConversationRollup, OutputRollup, HistogramRollup, ActiveUser, DailyPeople, UserFirstSeen, ConversationFact,
    OutputFact,
)  # fmt: skip


def snapshot() -> dict[str, list[tuple]]:
    out = {}
    for model in TABLES:
        fields = [f.attname for f in model._meta.concrete_fields if f.name != "id"]
        out[model.__name__] = sorted(model.objects.values_list(*fields))
    return out


def _late(conv: str, user: str, days: int) -> list[dict]:
    when = iso(-timedelta(days=days))
    return [
        {
            "id": f"{conv}-late-{days}",
            "type": "message",
            "timestamp": when,
            "conversation_id": conv,
            "user_id": user,
            "message_id": f"{conv}-late-{days}",
            "role": "user",
            "content": "Where is the VPN guide?",
        }
    ]


def test_incremental_equals_rebuild(post_events, assistant) -> None:
    assert post_events(make_conversation("c1", "u1") + make_conversation("c2", "u2")).status_code == 200
    # A second user's conversation with a regenerate and a thumbs-down, open (no outcome).
    events = make_conversation("c3", "u1")[:2]
    events.append({**make_conversation("c3", "u1")[2], "id": "c3-regen", "action": "regenerate"})
    assert post_events(events).status_code == 200
    # Late events: a 29-day-old conversation, and a message 29 days old moving c2's start day.
    assert post_events(_late("old", "u9", 29) + _late("c2", "u2", 29)).status_code == 200
    # The last batch enriched twice (a retried task).
    batch = IngestBatch.objects.order_by("-pk").first()
    IngestBatch.objects.filter(pk=batch.pk).update(enriched_at=None)
    batch_enrich(batch_id=batch.pk)
    incremental = snapshot()

    # The fixtures' events are stamped by tests/fixtures/events.py ``at``: their day, not the clock's.
    today = tenant_today(at())
    old = tenant_today(at(-timedelta(days=29)))
    conv_rows = {(r.day, r.feature): r for r in ConversationRollup.objects.all()}
    assert sum(r.conversations for r in conv_rows.values()) == 4
    # c2 started 29 days ago now: its start day moved out of today's row.
    assert sum(r.conversations for r in ConversationRollup.objects.filter(day=today)) == 2
    assert sum(r.conversations for r in ConversationRollup.objects.filter(day=old)) == 2
    assert sum(r.regenerations for r in OutputRollup.objects.all()) == 1
    assert UserFirstSeen.objects.count() == 3
    assert set(UserFirstSeen.objects.values_list("first_day", flat=True)) == {today, old}

    rollups_rebuild()
    assert snapshot() == incremental
    call_command("metrics_rebuild", "--org", "alpha", "--assistant", str(assistant.pk))
    assert snapshot() == incremental


def test_refresh_ended_folds_in_idle_conversations(assistant) -> None:
    now = timezone.now()
    conv = ConversationFactory(
        assistant=assistant, started_at=now - timedelta(minutes=40), last_event_at=now - timedelta(minutes=20)
    )
    MessageFactory(conversation=conv, role="user")
    Conversation.objects.filter(pk=conv.pk).update(user_messages=1)
    rollups_rebuild(now=now)
    assert ConversationRollup.objects.get().ended == 0
    rollups_refresh_ended(now=now + timedelta(minutes=5))  # watermark from the rebuild: nothing ended yet
    assert ConversationRollup.objects.get().ended == 0
    rollups_refresh_ended(now=now + timedelta(minutes=15))
    assert ConversationRollup.objects.get().ended == 1
    after = snapshot()
    rollups_rebuild(now=now + timedelta(minutes=15))
    assert snapshot() == after


def test_days_are_in_the_tenant_time_zone(assistant, settings) -> None:
    settings.TIME_ZONE = "America/New_York"
    start = datetime(2026, 6, 2, 2, 0, tzinfo=UTC)  # 22:00 on June 1 in New York
    conv = ConversationFactory(assistant=assistant, started_at=start, last_event_at=start, outcome="resolved")
    MessageFactory(conversation=conv, role="user", ts=start)
    rollups_rebuild(now=start + timedelta(hours=1))
    assert list(ConversationRollup.objects.values_list("day", flat=True)) == [date(2026, 6, 1)]
    assert list(ActiveUser.objects.values_list("day", flat=True)) == [date(2026, 6, 1)]
    assert tenant_today(start) == date(2026, 6, 1)


# --- Changes to the enriched record outside a batch (RECORD_CHANGE_HOOKS) ---------------------


def _counts(assistant, metric: str, group_by: tuple[str, ...] = ()) -> dict:
    rows = metric_query(
        metric=metric,
        assistant_ids=[assistant.pk],
        date_from=tenant_today() - timedelta(days=30),
        date_to=tenant_today(),
        group_by=group_by,
    )
    return {tuple(r.dims.values()): r.value for r in rows}


def test_reclustering_refreshes_the_rollups_by_intent(post_events, assistant) -> None:
    texts = [text for _ in range(4) for group in INTENT_TEXTS.values() for text in group]
    events = [
        {
            "id": f"ask-{n}",
            "type": "message",
            # Every other conversation three days back: the refresh must reach more than one day.
            "timestamp": iso(timedelta(days=-3 * (n % 2), seconds=n)),
            "conversation_id": f"ask-{n}",
            "user_id": f"u{n % 9}",
            "message_id": f"ask-{n}",
            "role": "user",
            "content": text,
        }
        for n, text in enumerate(texts)
    ]
    assert post_events(events).status_code == 200
    # Nothing clustered yet: all 72 conversations are without an intent (0).
    assert _counts(assistant, "conversations", ("intent",)) == {(0,): 72}

    assert intents_recluster(assistant_id=assistant.pk) >= 3
    by_intent = Counter(intent or 0 for intent in Conversation.objects.values_list("intent_id", flat=True))
    assert len(by_intent) >= 3
    assert sum(by_intent.values()) == 72
    assert _counts(assistant, "conversations", ("intent",)) == {(k,): v for k, v in by_intent.items()}
    refreshed = snapshot()
    rollups_rebuild()
    assert snapshot() == refreshed


def test_erasure_refreshes_the_rollups_of_the_deleted_conversations(post_events, assistant) -> None:
    gone_days_ago = 20
    events = (
        make_conversation("e1", "u-gone") + make_conversation("e2", "u-stays") + _late("e3", "u-gone", gone_days_ago)
    )
    assert post_events(events).status_code == 200
    assert (_counts(assistant, "conversations"), _counts(assistant, "active_users")) == ({(): 3}, {(): 2})
    old_day = tenant_today(at(-timedelta(days=gone_days_ago)))
    assert ActiveUser.objects.filter(day=old_day).count() == 1
    assert UserFirstSeen.objects.count() == 2

    end_user_erase(actor=None, user_id="u-gone")
    assert (_counts(assistant, "conversations"), _counts(assistant, "active_users")) == ({(): 1}, {(): 1})
    # The erased user's day-20 activity and first-seen row went with the conversations.
    assert not ActiveUser.objects.filter(day=old_day).exists()
    assert not ConversationRollup.objects.filter(day=old_day).exists()
    assert UserFirstSeen.objects.count() == 1
    erased = snapshot()
    rollups_rebuild()
    assert snapshot() == erased


def test_retention_expiry_leaves_the_rollups_as_a_rebuild_makes_them(post_events, assistant) -> None:
    assert post_events(make_conversation("r1", "u1") + _late("r2", "u2", 20)).status_code == 200
    before = snapshot()
    MaskingPolicy.objects.update(retention_days=10)
    assert retention_apply().messages_expired == 1  # r2's message: content only, counts stay
    assert Message.objects.filter(content="[expired]").count() == 1
    assert snapshot() == before
    rollups_rebuild()
    assert snapshot() == before


def test_deleting_a_users_first_conversation_moves_their_first_day(post_events, assistant) -> None:
    # u1 first came 12 days ago and again today; u2 only today. Deleting u1's old conversation
    # refreshes only the old day: u1's first day (that day) is recounted over their history.
    events = make_conversation("k1", "u1") + make_conversation("k2", "u2") + _late("k0", "u1", 12)
    assert post_events(events).status_code == 200
    today, old = tenant_today(at()), tenant_today(at(-timedelta(days=12)))
    assert sorted(UserFirstSeen.objects.values_list("first_day", flat=True)) == [old, today]

    conversations_delete(
        conversation_ids=list(Conversation.objects.filter(external_id="k0").values_list("pk", flat=True))
    )
    assert sorted(UserFirstSeen.objects.values_list("first_day", flat=True)) == [today, today]
    assert not ActiveUser.objects.filter(day=old).exists()
    deleted = snapshot()
    rollups_rebuild()
    assert snapshot() == deleted


# --- Random batches: the merged differences equal a rebuild, table by table ---------------------

_CONVERSATIONS = {f"rc{n}": f"ru{n % 5}" for n in range(12)}  # conversation -> its user (users share days)
_QUESTIONS = (
    "How do I reset my password?",
    "Where is the VPN guide?",
    "Wie setze ich mein Passwort zurück?",
    "Comment réinitialiser mon mot de passe ?",
    "That did not work, how do I reset my password?",
)


def _random_batch(rng: random.Random, n: int) -> list[dict]:
    """Events of random kinds for a few of the conversations: new conversations, more turns, late
    events up to 9 days old (moving a start day or a first day, across midnight), outputs of two
    variants and features, actions (regenerations, edits, accepts, rejects), ratings, outcomes,
    departments and a custom dimension that change between events."""
    events = []
    for k in range(rng.randint(3, 12)):
        conversation = rng.choice(list(_CONVERSATIONS))
        days = rng.choice((0, 0, 0, 1, 2, 5, 9))
        # Recent events are minutes old: no conversation ends by inactivity while the test runs.
        late = timedelta(days=days, hours=rng.randint(0, 20)) if days else timedelta(0)
        event: dict = {
            "id": f"rb{n}-{k}",
            "timestamp": iso(-late + timedelta(seconds=rng.randint(0, 300))),
            "conversation_id": conversation,
            "user_id": _CONVERSATIONS[conversation],
        }
        answer = f"{conversation}-a{rng.randint(0, 2)}"
        kind = rng.choices(("question", "answer", "action", "feedback", "outcome"), weights=(4, 4, 4, 2, 1))[0]
        if kind == "question":
            event |= {"type": "message", "role": "user", "message_id": event["id"], "content": rng.choice(_QUESTIONS)}
        elif kind == "answer":
            event |= {
                "type": "message", "role": "assistant", "message_id": answer, "content": "Open Settings.",
                "variant": rng.choice(("prompt-a", "prompt-b")), "feature": rng.choice(("chat", "search")),
                "latency_ms": rng.randint(50, 20_000), "input_tokens": rng.randint(1, 90),
                "output_tokens": rng.randint(1, 90),
            }  # fmt: skip
        elif kind == "action":
            action = rng.choice(("copy", "edit", "regenerate", "regenerate", "regenerate", "dismiss", "escalate"))
            event |= {"type": "action", "message_id": answer, "action": action}
        elif kind == "feedback":
            event |= {"type": "feedback", "message_id": answer, "rating": rng.choice(("up", "down"))}
        else:
            event |= {"type": "outcome", "outcome": rng.choice(("resolved", "escalated", "abandoned"))}
        if rng.random() < 0.3:
            event["user"] = {"department": rng.choice(("Sales", "IT"))}
        if rng.random() < 0.3:
            event["metadata"] = {"plan": rng.choice(("pro", "free"))}
        events.append(event)
    return events


class _RollbackError(Exception):
    pass


def _rebuilt() -> dict[str, list[tuple]]:
    try:
        with transaction.atomic():
            rollups_rebuild()
            rebuilt = snapshot()
            raise _RollbackError
    except _RollbackError:
        return rebuilt


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_batches_merged_equal_a_rebuild(post_events, assistant, seed) -> None:
    assistant.metric_dimensions = ["plan"]
    assistant.save()
    rng = random.Random(seed)
    sent: list[list[dict]] = []
    for n in range(10):
        roll = rng.random()
        if sent and roll < 0.15:
            assert post_events(rng.choice(sent)).status_code == 200  # re-sent: every event a duplicate
        elif sent and roll < 0.3:
            # The last batch enriched again (a retried task): its conversations' facts are recomputed.
            batch = IngestBatch.objects.order_by("-pk").first()
            IngestBatch.objects.filter(pk=batch.pk).update(enriched_at=None)
            batch_enrich(batch_id=batch.pk)
        else:
            sent.append(_random_batch(rng, n))
            assert post_events(sent[-1]).status_code == 200
        # Compared with a rebuild that is then rolled back: the next batch meets the incremental
        # rows, so differences could accumulate.
        assert _rebuilt() == snapshot(), f"batch {n}"
    assert ConversationRollup.objects.count() > 1
    assert ActiveUser.objects.values("day").distinct().count() > 1


@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Asia/Kolkata"])
def test_a_batchs_fact_queries_are_those_compiled_for_it(alpha, settings, zone) -> None:
    """The batch step reuses fact queries compiled once, with the batch's ids and "now" swapped
    in: the SQL must be what compiling them for the batch gives, whatever the ids, the time zone
    and the moment."""
    settings.TIME_ZONE = zone
    rng = random.Random(zone)
    with connection.cursor() as cursor:
        for _ in range(5):
            batch = sorted(rng.sample(range(1, 10**9), rng.randint(1, 40)))
            now = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(
                seconds=rng.randint(0, 10**8), microseconds=rng.randint(0, 999_999)
            )
            conversations, outputs = _batch_facts(batch, now)
            assert conversations.as_string(cursor.connection) == _compiled(
                _conversation_facts(Q(pk__any=batch), now)
            ).as_string(cursor.connection)
            assert outputs.as_string(cursor.connection) == _compiled(
                _output_facts(Q(conversation_id__any=batch))
            ).as_string(cursor.connection)
