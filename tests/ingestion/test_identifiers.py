"""Identifiers are pseudonymous: an id that is an e-mail, phone or card number is refused.

Issue 10, item 3: identifiers are stored and shown unmasked (they are what conversations are
grouped and looked up by), so personal data in them must be refused at the door — on the batch
path and the OTLP path alike (both go through ``validate_event``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse

from apps.ingestion.models import RawEvent
from apps.ingestion.validation import Limits, personal_data_in_id, validate_event
from tests.helpers import otlp_span, otlp_traces
from tests.ingestion.conftest import iso

PERSONAL = [
    ("maria.gonzalez@example.org", "an e-mail address"),
    ("+44 20 7946 0958", "a phone number"),
    ("+14155552671", "a phone number"),
    ("(415) 555-2671", "a phone number"),
    ("415-555-2671", "a phone number"),
    ("020 7946 0958", "a phone number"),
    ("06 12 34 56 78", "a phone number"),
    ("4242 4242 4242 4242", "a payment card number"),
    ("4242424242424242", "a payment card number"),
    ("378282246310005", "a payment card number"),
]
# Ids clients really use: plain digits (database keys, snowflakes), uuids, dates, prefixed keys.
PSEUDONYMOUS = [
    "u-123",
    "123456",
    "12345678",
    "0612345678",
    "1700000000123",
    "1234567890123456",  # 16 digits, not Luhn-valid
    "550e8400-e29b-41d4-a716-446655440000",
    "2024-01-15",
    "30 06 2024",
    "10.0.0.1",
    "c-2024-001",
    "anonymous-5b8efff798038103d269b633813fc60c",
]


@pytest.mark.parametrize(("value", "kind"), PERSONAL)
def test_personal_data_in_an_id_is_named(value: str, kind: str) -> None:
    assert personal_data_in_id(value) == kind


@pytest.mark.parametrize("value", PSEUDONYMOUS)
def test_pseudonymous_ids_pass(value: str) -> None:
    assert personal_data_in_id(value) is None


LIMITS = Limits(
    content_max_chars=1000, metadata_max_bytes=1000, max_age=timedelta(days=30), max_future=timedelta(minutes=5)
)


@pytest.mark.parametrize("field", ["user_id", "conversation_id", "message_id"])
@pytest.mark.parametrize(("value", "kind"), PERSONAL[::3])
def test_validator_rejects_each_identifier_field(field: str, value: str, kind: str) -> None:
    event = {
        "id": "e1",
        "type": "message",
        "timestamp": datetime.now(UTC).isoformat(),
        "conversation_id": "c1",
        "user_id": "u1",
        "message_id": "m1",
        "role": "user",
        "content": "hello",
        field: value,
    }
    row, errors = validate_event(event, now=datetime.now(UTC), limits=LIMITS)
    assert row is None
    assert errors == {field: f"looks like {kind}; send a pseudonymous id instead"}


def test_batch_api_rejects_only_the_event_with_a_personal_id(post_events) -> None:
    base = {"type": "message", "timestamp": iso(), "role": "user", "content": "hi", "conversation_id": "c-id"}
    events = [
        {**base, "id": "e1", "user_id": "u-ok", "message_id": "m1"},
        {**base, "id": "e2", "user_id": "+44 20 7946 0958", "message_id": "m2"},
        {**base, "id": "e3", "user_id": "u-ok", "message_id": "4242 4242 4242 4242"},
    ]
    body = post_events(events).json()
    assert body["accepted"] == 1
    assert [(r["index"], r["errors"]) for r in body["rejected"]] == [
        (1, {"user_id": "looks like a phone number; send a pseudonymous id instead"}),
        (2, {"message_id": "looks like a payment card number; send a pseudonymous id instead"}),
    ]
    assert list(RawEvent.objects.values_list("event_id", flat=True)) == ["e1"]


def test_otlp_span_with_a_phone_as_user_id_is_rejected(post_otlp, assistant) -> None:
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    attrs = {
        "gen_ai.operation.name": "chat",
        "gen_ai.conversation.id": "c-otlp-id",
        "user.id": "+1 415 555 2671",
        "gen_ai.input.messages": orjson.dumps([{"role": "user", "content": "hi"}]).decode(),
    }
    span_request = otlp_traces(
        otlp_span(
            trace_id="5b8efff798038103d269b633813fc60c", span_id="b7ad6b7169203331", start=start, end=start, attrs=attrs
        )
    )
    response = post_otlp(span_request.SerializeToString())
    assert response.status_code == 200
    partial = ExportTraceServiceResponse.FromString(response.content).partial_success
    assert partial.rejected_spans == 1
    assert "user_id: looks like a phone number" in partial.error_message
    assert not RawEvent.objects.exists()
