"""NLP enrichment on the enriched record: real detectors, real database, through the real API."""

from datetime import timedelta

import pytest
from django_tenants.utils import schema_context

from apps.analytics.selectors import success_and_rephrase_by_language
from apps.conversations.models import Conversation, Message
from apps.nlp.models import Intent, IntentModelState
from apps.nlp.services import intents_recluster, nlp_enrich_step
from tests.fixtures.events import iso

pytestmark = pytest.mark.django_db


def _user(conv: str, n: int, text: str, **extra) -> dict:
    return {
        "id": f"{conv}-u{n}",
        "type": "message",
        "timestamp": iso(timedelta(seconds=10 * n)),
        "conversation_id": conv,
        "user_id": f"user-{conv}",
        "message_id": f"{conv}-u{n}",
        "role": "user",
        "content": text,
        **extra,
    }


def _reply(conv: str, n: int, text: str = "Here is what I found.") -> dict:
    return {
        "id": f"{conv}-a{n}",
        "type": "message",
        "timestamp": iso(timedelta(seconds=10 * n + 3)),
        "conversation_id": conv,
        "user_id": f"user-{conv}",
        "message_id": f"{conv}-a{n}",
        "role": "assistant",
        "content": text,
    }


def _outcome(conv: str, outcome: str) -> dict:
    return {
        "id": f"{conv}-o",
        "type": "outcome",
        "timestamp": iso(timedelta(seconds=200)),
        "conversation_id": conv,
        "user_id": f"user-{conv}",
        "outcome": outcome,
    }


def test_user_messages_get_language_sentiment_and_rephrase_flags(post_events) -> None:
    post_events(
        [
            _user("es1", 1, "¿Cómo puedo restablecer mi contraseña del portal?"),
            _reply("es1", 1),
            _user("es1", 2, "No funciona, ¿cómo cambio la contraseña del portal?"),
            _reply("es1", 2),
            _user("es1", 3, "¿Y cuánto cuesta el plan premium para empresas?"),
            _outcome("es1", "abandoned"),
        ]
    )
    rows = list(Message.objects.filter(role="user").order_by("ts").values_list("language", "is_rephrase", "sentiment"))
    assert [r[0] for r in rows] == ["es", "es", "es"]
    assert [r[1] for r in rows] == [None, True, False]  # first has nothing to rephrase; third is a new topic
    assert all(-1 <= r[2] <= 1 for r in rows)
    assert Message.objects.filter(role="assistant", annotated_at__isnull=False).count() == 0
    conversation = Conversation.objects.get(external_id="es1")
    assert conversation.language == "es"
    assert conversation.frustration is not None


def test_the_users_locale_settles_a_close_language_tie(post_events) -> None:
    # "det er fint" is Norwegian and Danish alike; the event's user.locale tips it, and only
    # within the close group (a German locale does not make it German).
    post_events(
        [
            _user("dk", 1, "det er fint", user={"locale": "da-DK"}),
            _user("nb", 1, "det er fint", user={"locale": "nb-NO"}),
            _user("de", 1, "det er fint", user={"locale": "de-DE"}),
        ]
    )
    languages = dict(Message.objects.filter(role="user").values_list("conversation__external_id", "language"))
    assert languages == {"dk": "da", "nb": "no", "de": "no"}


def test_frustrated_conversation_scores_high_and_calm_one_low(post_events) -> None:
    post_events(
        [
            _user("angry", 1, "How do I export my invoices to CSV?"),
            _reply("angry", 1),
            _user("angry", 2, "That's wrong. How can I export invoices as a CSV file?"),
            _reply("angry", 2),
            _user("angry", 3, "THIS IS USELESS!!! I want to talk to a human"),
            {
                "id": "angry-f",
                "type": "feedback",
                "timestamp": iso(timedelta(seconds=40)),
                "conversation_id": "angry",
                "user_id": "user-angry",
                "message_id": "angry-a2",
                "rating": "down",
            },
            _user("calm", 1, "Thanks, can you summarise this meeting note for me?"),
            _reply("calm", 1),
        ]
    )
    angry = Conversation.objects.get(external_id="angry")
    calm = Conversation.objects.get(external_id="calm")
    assert angry.frustrated is True
    assert angry.frustration >= 0.5
    assert calm.frustrated is False
    assert calm.frustration < 0.5


def test_enrichment_step_is_idempotent(post_events) -> None:
    post_events([_user("idem", 1, "How do I reset my password?"), _user("idem", 2, "password reset steps?")])
    before = list(Message.objects.order_by("id").values_list("language", "sentiment", "rephrase_score", "annotated_at"))
    conv_before = list(Conversation.objects.values_list("language", "frustration", "frustrated"))
    ids = list(Conversation.objects.values_list("id", flat=True))
    nlp_enrich_step(batch_id=0, conversation_ids=ids)
    nlp_enrich_step(batch_id=0, conversation_ids=ids)
    after = list(Message.objects.order_by("id").values_list("language", "sentiment", "rephrase_score", "annotated_at"))
    assert after == before
    assert list(Conversation.objects.values_list("language", "frustration", "frustrated")) == conv_before


def test_the_step_scores_conversations_as_reading_its_annotations_back_would(post_events) -> None:
    # nlp_enrich_step scores conversations from the annotations it has just written, in memory;
    # conversations_score reads them from the database: both must agree exactly.
    from apps.nlp.services import conversations_score

    post_events(
        [
            _user("back", 1, "How do I export my invoices to CSV?"),
            _user("back", 2, "That's wrong. How can I export invoices as a CSV file?"),
            _user("back", 3, "THIS IS USELESS!!! I want to talk to a human"),
            _user("back2", 1, "ok"),
            _user("back2", 2, "merci, ça marche très bien"),
        ]
    )
    columns = ("external_id", "language", "frustration", "frustrated", "intent_id")
    written = sorted(Conversation.objects.values_list(*columns))
    conversations_score(conversation_ids=list(Conversation.objects.values_list("id", flat=True)))
    assert sorted(Conversation.objects.values_list(*columns)) == written
    assert Conversation.objects.get(external_id="back").frustrated is True


def test_rephrase_across_batches_compares_with_earlier_messages(post_events) -> None:
    post_events([_user("split", 1, "how do I reset my password")])
    post_events([_user("split", 2, "password reset steps?")])
    assert Message.objects.get(external_id="split-u2").is_rephrase is True


def test_enrichment_stays_in_its_tenant(post_events, beta) -> None:
    post_events([_user("mine", 1, "How do I reset my password?")])
    with schema_context(beta.schema_name):
        assert not Message.objects.exists()
        assert not Conversation.objects.exists()


def test_language_query_shows_the_gap(post_events) -> None:
    events = []
    for i in range(6):
        events += [
            _user(f"en{i}", 1, "How do I update my billing address?"),
            _reply(f"en{i}", 1),
            _outcome(f"en{i}", "resolved"),
        ]
        events += [
            _user(f"es{i}", 1, "¿Cómo actualizo mi dirección de facturación?"),
            _reply(f"es{i}", 1),
            _user(f"es{i}", 2, "No entiendo, ¿cómo cambio la dirección de facturación?"),
            _outcome(f"es{i}", "escalated" if i else "resolved"),
        ]
    post_events(events)
    assistant_id = Conversation.objects.first().assistant_id
    # Real enrichment end to end; six conversations per language is below the minimum sample, so
    # the rates themselves are "not enough data" and the counts carry the evidence.
    rows = {r.language: r for r in success_and_rephrase_by_language(assistant_id=assistant_id)}
    assert (rows["en"].success.numerator, rows["en"].success.denominator) == (6, 6)
    assert (rows["es"].success.numerator, rows["es"].success.denominator) == (1, 6)
    assert (rows["es"].rephrase.numerator, rows["es"].rephrase.denominator) == (6, 6)
    assert rows["en"].rephrase.denominator == 0  # no second user message to compare
    assert rows["es"].success.value is None


INTENT_TEXTS = {
    "password": [
        "How do I reset my password?",
        "I forgot my password",
        "password reset link not working",
        "can't log in, need a new password",
        "reset password please",
        "change my password",
    ],
    "refund": [
        "I want a refund for my order",
        "how do I get my money back",
        "refund status for order",
        "request a refund",
        "when will my refund arrive",
        "refund for a damaged item",
    ],
    "invoice": [
        "where can I download my invoice",
        "send me the invoice for March",
        "invoice is missing VAT",
        "need a copy of my invoice",
        "invoice PDF download",
        "wrong amount on my invoice",
    ],
}


def test_intents_are_clustered_named_assigned_and_keep_ids(post_events) -> None:
    events = []
    n = 0
    for _ in range(4):
        for texts in INTENT_TEXTS.values():
            for text in texts:
                n += 1
                events.append(_user(f"i{n}", 1, text))
    post_events(events)
    assistant_id = Conversation.objects.first().assistant_id
    assert intents_recluster(assistant_id=assistant_id) >= 3
    labels = " | ".join(Intent.objects.filter(assistant_id=assistant_id, active=True).values_list("label", flat=True))
    for word in ("password", "refund", "invoice"):
        assert word in labels, labels
    password_intents = set(Message.objects.filter(content__icontains="password").values_list("intent_id", flat=True))
    assert len(password_intents - {None}) == 1
    first_ids = set(Intent.objects.filter(assistant_id=assistant_id, active=True).values_list("id", flat=True))

    # A new message lands in the existing intent without re-clustering.
    post_events([_user("new", 1, "I need to reset my password again")])
    assert Message.objects.get(external_id="new-u1").intent_id in password_intents
    assert IntentModelState.objects.get(assistant_id=assistant_id).new_since_fit == 1

    intents_recluster(assistant_id=assistant_id)
    second_ids = set(Intent.objects.filter(assistant_id=assistant_id, active=True).values_list("id", flat=True))
    assert first_ids & second_ids == first_ids  # persisting clusters keep their ids
