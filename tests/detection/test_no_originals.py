"""No original outside the vault: after batch and feedback ingestion with planted values, no
column of the tenant schema and no captured log line (DEBUG included) holds any of them."""

from __future__ import annotations

import logging

from django.db import connection

from apps.detection.models import VaultEntry
from apps.detection.vault import vault_decrypt
from tests.factories import sensitive_events
from tests.fixtures.events import iso
from tests.helpers import scan_schema_for, scan_text_for

EMAIL = "planted.person@example.org"
PHONE = "+44 20 7946 0321"
CARD = "4539 1488 0343 6467"
IBAN = "DE89 3704 0044 0532 0130 00"
NAME = "Evelyn Marchetti"
PLANTED = [EMAIL, PHONE, CARD, "4539148803436467", IBAN, "DE89370400440532013000", NAME]


def test_planted_values_reach_only_the_vault(post_events, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    text = f"I am {NAME}; card {CARD}, IBAN {IBAN}, mail {EMAIL}, phone {PHONE}."
    events = [
        *sensitive_events("c-plant", "u-plant", text),
        {
            "id": "c-plant-f1",
            "type": "feedback",
            "timestamp": iso(),
            "conversation_id": "c-plant",
            "user_id": "u-plant",
            "message_id": "c-plant-m2",
            "rating": 1,
            "comment": f"Wrong! Refund {CARD} / {IBAN}, reach {EMAIL} or {PHONE}",
            "metadata": {"contact": {"email": EMAIL, "phone": PHONE}, "iban": IBAN, "note": f"from {NAME}"},
        },
    ]
    response = post_events(events)
    assert response.status_code == 200, response.content
    assert response.json()["accepted"] == len(events)
    assert scan_schema_for(connection.schema_name, PLANTED) == []
    assert scan_text_for(caplog.text, PLANTED) == []
    # Not vacuous: the enrichment ran (and logged), and the vault holds the originals.
    assert caplog.records
    vaulted = {vault_decrypt(entry) for entry in VaultEntry.objects.all()}
    assert {EMAIL, PHONE, CARD, IBAN, NAME} <= vaulted
    assert scan_schema_for(connection.schema_name, ["[EMAIL]"]) != []
