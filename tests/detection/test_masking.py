"""Masking in the enrichment path: what is stored, what each role reads back, idempotency."""

from __future__ import annotations

import pytest

from apps.compliance.models import CaseStatus, ReviewCase
from apps.compliance.services import review_cases_enrich_step
from apps.conversations.models import Message
from apps.detection.enrichment import sensitive_enrich_step
from apps.detection.masking import mask_text, value_hash
from apps.detection.models import MaskAction, MessageScan, SensitiveFinding, SuppressionRule, VaultEntry
from apps.detection.sensitive import detect
from apps.detection.services import masking_policy_get
from apps.detection.vault import vault_decrypt
from apps.ingestion.models import RawEvent
from tests.factories import UserFactory, sensitive_events
from tests.helpers import columns_containing as _columns_containing

CARD = "4242 4242 4242 4242"
EMAIL = "maria.gonzalez@example.org"
PHONE = "+44 20 7946 0958"
NAME = "Maria Gonzalez"
TEXT = f"Hi, I am {NAME}. My card {CARD} was charged twice, mail me at {EMAIL} or call {PHONE}."
MASKED = "Hi, I am [PERSON]. My card **** 4242 was charged twice, mail me at [EMAIL] or call [PHONE]."


def test_original_is_in_no_stored_column(post_events) -> None:
    response = post_events(sensitive_events("c-pii", "u-pii", TEXT))
    assert response.status_code == 200, response.content
    assert response.json()["accepted"] == 3
    for needle in (CARD, "4242424242424242", EMAIL, PHONE, "7946 0958", NAME):
        assert _columns_containing(needle) == [], needle
    # The tables that should hold the masked form really do (the search above is not vacuous).
    assert Message.objects.get(external_id="c-pii-m1").content == MASKED
    raw = RawEvent.objects.get(event_id="c-pii-e1")
    assert raw.payload["content"] == MASKED
    assert _columns_containing("**** 4242") == [
        "conversations_message.content",
        "detection_sensitivefinding.masked_preview",
        "ingestion_rawevent.payload",
    ]


def test_findings_vault_and_case(post_events) -> None:
    post_events(sensitive_events("c-pii", "u-pii", TEXT))
    message = Message.objects.get(external_id="c-pii-m1")
    findings = list(SensitiveFinding.objects.filter(message=message).order_by("start"))
    assert [(f.type, f.masked_preview, f.action) for f in findings] == [
        ("PERSON", "[PERSON]", MaskAction.MASK_AND_VAULT),
        ("CREDIT_CARD", "**** 4242", MaskAction.MASK_AND_VAULT),
        ("EMAIL", "[EMAIL]", MaskAction.MASK_AND_VAULT),
        ("PHONE", "*** 58", MaskAction.MASK_AND_VAULT),
    ]
    assert [message.content[f.masked_start : f.masked_end] for f in findings] == [
        "[PERSON]",
        "**** 4242",
        "[EMAIL]",
        "[PHONE]",
    ]
    assert [vault_decrypt(f.vault) for f in findings] == [NAME, CARD, EMAIL, PHONE]
    assert findings[1].value_hash == value_hash("CREDIT_CARD", "4242424242424242")
    # The answer without sensitive data was scanned too, and found clean.
    assert MessageScan.objects.filter(message__conversation=message.conversation).count() == 2
    # One case per finding type at or above the threshold (the name is low: it opens none).
    cases = ReviewCase.objects.filter(conversation=message.conversation).order_by("finding_type")
    assert [(c.finding_type, c.severity, c.finding_count, c.status) for c in cases] == [
        ("CREDIT_CARD", 3, 1, CaseStatus.OPEN),
        ("EMAIL", 2, 1, CaseStatus.OPEN),
        ("PHONE", 2, 1, CaseStatus.OPEN),
    ]
    assert {(c.assistant_id, c.user_id) for c in cases} == {(message.conversation.assistant_id, "u-pii")}


def test_enrichment_is_idempotent(post_events) -> None:
    response = post_events(sensitive_events("c-pii", "u-pii", TEXT))
    message = Message.objects.get(external_id="c-pii-m1")
    batch_id = RawEvent.objects.get(event_id="c-pii-e1").batch_id
    before = (
        SensitiveFinding.objects.count(),
        VaultEntry.objects.count(),
        ReviewCase.objects.count(),
        list(Message.objects.values_list("content", flat=True).order_by("id")),
        list(RawEvent.objects.values_list("payload", flat=True).order_by("id")),
    )
    sensitive_enrich_step(batch_id=batch_id, conversation_ids=[message.conversation_id])
    review_cases_enrich_step(batch_id=batch_id, conversation_ids=[message.conversation_id])
    # A client retry of the same events is acknowledged as duplicates and changes nothing either.
    again = post_events(sensitive_events("c-pii", "u-pii", TEXT))
    assert again.json()["duplicates"] == response.json()["accepted"]
    after = (
        SensitiveFinding.objects.count(),
        VaultEntry.objects.count(),
        ReviewCase.objects.count(),
        list(Message.objects.values_list("content", flat=True).order_by("id")),
        list(RawEvent.objects.values_list("payload", flat=True).order_by("id")),
    )
    assert after == before


def test_keep_and_mask_without_vault_follow_the_policy(post_events) -> None:
    policy = masking_policy_get()
    policy.actions = {"EMAIL": MaskAction.KEEP, "PHONE": MaskAction.MASK, "PERSON": MaskAction.KEEP}
    policy.save()
    post_events(sensitive_events("c-pol", "u-pol", TEXT))
    message = Message.objects.get(external_id="c-pol-m1")
    assert (
        message.content == f"Hi, I am {NAME}. My card **** 4242 was charged twice, mail me at {EMAIL} or call [PHONE]."
    )
    by_type = {f.type: f for f in SensitiveFinding.objects.filter(message=message)}
    assert by_type["PHONE"].vault_id is None
    assert by_type["EMAIL"].vault_id is None
    assert by_type["CREDIT_CARD"].vault_id is not None
    assert _columns_containing(PHONE) == []


def test_suppressed_value_opens_no_case_but_is_still_masked(post_events) -> None:
    SuppressionRule.objects.create(type="CREDIT_CARD", value_hash=value_hash("CREDIT_CARD", CARD))
    SuppressionRule.objects.create(type="EMAIL", pattern=r".*@example\.org")
    post_events(sensitive_events("c-sup", "u-sup", f"Test card {CARD}, reply to {EMAIL}"))
    message = Message.objects.get(external_id="c-sup-m1")
    assert message.content == "Test card **** 4242, reply to [EMAIL]"
    assert sorted(SensitiveFinding.objects.filter(message=message).values_list("type", "suppressed")) == [
        ("CREDIT_CARD", True),
        ("EMAIL", True),
    ]
    assert not ReviewCase.objects.filter(conversation=message.conversation).exists()


def test_below_threshold_findings_open_no_case(post_events) -> None:
    post_events(sensitive_events("c-low", "u-low", "Please ask Maria Gonzalez in the Lisbon office."))
    message = Message.objects.get(external_id="c-low-m1")
    assert SensitiveFinding.objects.filter(message=message, type="PERSON").exists()
    assert not ReviewCase.objects.exists()


@pytest.mark.parametrize("role", ["product", "cx", "viewer", "compliance"])
def test_read_back_api_shows_masked_text_to_every_role(post_events, alpha_client, assistant, role) -> None:
    post_events(sensitive_events("c-api", "u-api", TEXT))
    user = UserFactory(roles=[role])
    assistant.department.members.add(user)
    alpha_client.force_login(user)
    response = alpha_client.get("/api/v1/conversations/c-api")
    assert response.status_code == 200
    body = response.content.decode()
    assert response.json()["messages"][0]["content"] == MASKED
    for needle in (CARD, EMAIL, PHONE, NAME):
        assert needle not in body


def test_mask_text_offsets_follow_earlier_replacements() -> None:
    text = f"{EMAIL} then {CARD}"
    masked, spans = mask_text(text, detect([text])[0], {})
    assert masked == "[EMAIL] then **** 4242"
    assert [masked[s.masked_start : s.masked_end] for s in spans] == ["[EMAIL]", "**** 4242"]


def test_feedback_comments_and_metadata_are_masked_too(post_events) -> None:
    from apps.conversations.models import Feedback
    from tests.fixtures.events import iso

    events = [
        *sensitive_events("c-fb", "u-fb", "Where is my parcel?"),
        {
            "id": "c-fb-f1",
            "type": "feedback",
            "timestamp": iso(),
            "conversation_id": "c-fb",
            "user_id": "u-fb",
            "rating": "down",
            "comment": f"Useless. Call me on {PHONE} or write to {EMAIL}",
        },
        {
            "id": "c-fb-x1",
            "type": "outcome",
            "timestamp": iso(),
            "conversation_id": "c-fb",
            "user_id": "u-fb",
            "outcome": "abandoned",
            "metadata": {"crm": {"contact": EMAIL, "note": f"card {CARD}"}, "n": 3},
        },
    ]
    assert post_events(events).json()["accepted"] == len(events)
    for needle in (EMAIL, PHONE, CARD):
        assert _columns_containing(needle) == [], needle
    assert Feedback.objects.get(event_id="c-fb-f1").comment == "Useless. Call me on [PHONE] or write to [EMAIL]"
    metadata = RawEvent.objects.get(event_id="c-fb-x1").payload["metadata"]
    assert metadata == {"crm": {"contact": "[EMAIL]", "note": "card **** 4242"}, "n": 3}
