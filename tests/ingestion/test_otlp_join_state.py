"""The OTLP join state holds no original in the clear, runs no code, and goes when it should.

Issue 10, item 4: log records that arrive before their span used to be kept pickled and unmasked
for an hour, swept only by beat, untouched by erasure and retention.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from django.utils import timezone

from apps.compliance.retention import end_user_erase, retention_apply
from apps.conversations.models import Conversation, Message
from apps.core import crypto
from apps.detection.models import MaskingPolicy
from apps.detection.services import masking_policy_get
from apps.ingestion.models import OtlpJoinState
from tests.factories import UserFactory
from tests.helpers import columns_containing, otlp_log, otlp_logs, otlp_span, otlp_traces

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
SPAN = "00f067aa0ba902b7"
CARD = "4111 1111 1111 1111"
EMAIL = "jane.roe@example.net"
PHONE = "+44 20 7946 0321"
QUESTION = f"My card {CARD} was charged twice, write to {EMAIL} or call {PHONE}."
ANSWER = f"I have noted {EMAIL} and will call {PHONE}."
NEEDLES = (CARD, "4111111111111111", EMAIL, PHONE, "7946 0321")


def _start() -> datetime:
    return datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)


def _span(conversation: str, user: str, *, trace: str = TRACE) -> Any:
    start = _start()
    return otlp_traces(
        otlp_span(
            trace_id=trace,
            span_id=SPAN,
            start=start,
            end=start + timedelta(milliseconds=500),
            attrs={
                "gen_ai.operation.name": "chat",
                "gen_ai.provider.name": "openai",
                "gen_ai.response.model": "gpt-4o-mini",
                "gen_ai.conversation.id": conversation,
                "user.id": user,
            },
        )
    )


def _logs(*, trace: str = TRACE) -> Any:
    start = _start()
    return otlp_logs(
        otlp_log(trace_id=trace, span_id=SPAN, event_name="gen_ai.user.message", at=start, body={"content": QUESTION}),
        otlp_log(
            trace_id=trace,
            span_id=SPAN,
            event_name="gen_ai.choice",
            at=start + timedelta(milliseconds=500),
            body={"index": 0, "message": {"role": "assistant", "content": ANSWER}},
        ),
    )


def _exchange(post_otlp, *, logs_first: bool, conversation: str, user: str = "u-join", trace: str = TRACE) -> None:
    halves = [(_span(conversation, user, trace=trace), "traces"), (_logs(trace=trace), "logs")]
    for message, signal in reversed(halves) if logs_first else halves:
        response = post_otlp(message.SerializeToString(), signal=signal)
        assert response.status_code == 200, response.content


@pytest.mark.parametrize("logs_first", [True, False])
def test_no_original_in_any_column_after_an_otlp_exchange(post_otlp, assistant, logs_first: bool) -> None:
    conversation = f"c-join-{uuid.uuid4().hex[:6]}"
    _exchange(post_otlp, logs_first=logs_first, conversation=conversation)
    messages = list(Message.objects.filter(conversation__external_id=conversation).values_list("role", "content"))
    assert messages == [
        ("user", "My card **** 1111 was charged twice, write to [EMAIL] or call [PHONE]."),
        ("assistant", "I have noted [EMAIL] and will call [PHONE]."),
    ]
    # Both halves are still held (a later export may extend the span's history) …
    assert OtlpJoinState.objects.count() == 2
    # … and neither they nor any other text, JSON or bytea column holds an original.
    for needle in NEEDLES:
        assert columns_containing(needle) == [], needle
    assert columns_containing("**** 1111") != []  # the scan is not vacuous


def test_join_rows_are_encrypted_json_not_pickle(post_otlp, assistant) -> None:
    post_otlp(_logs().SerializeToString(), signal="logs")
    row = OtlpJoinState.objects.get()
    assert row.key.startswith(f"otlp:logs:{assistant.pk}:")
    assert (row.assistant_id, row.trace_id, row.user_hash) == (assistant.pk, TRACE, "")
    held = orjson.loads(crypto.decrypt(row.payload))  # JSON inside the token: data, never code
    assert [item["event"]["name"] for item in held] == ["gen_ai.user.message", "gen_ai.choice"]
    assert QUESTION not in row.payload


def test_a_row_no_key_opens_costs_its_half_not_the_request(post_otlp, assistant) -> None:
    post_otlp(_logs().SerializeToString(), signal="logs")
    OtlpJoinState.objects.update(payload="not-a-fernet-token")
    response = post_otlp(_span("c-lost", "u-lost").SerializeToString())
    assert response.status_code == 200
    assert not Message.objects.filter(conversation__external_id="c-lost").exists()


def test_expired_rows_go_on_the_next_request_without_beat(post_otlp, assistant) -> None:
    post_otlp(_logs().SerializeToString(), signal="logs")
    OtlpJoinState.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    other = "0af7651916cd43dd8448eb211c80319c"
    # Any OTLP request of the organization sweeps; no periodic task runs here.
    assert post_otlp(_span("c-other", "u-other", trace=other).SerializeToString()).status_code == 200
    assert list(OtlpJoinState.objects.values_list("trace_id", flat=True)) == [other]


@pytest.mark.parametrize("logs_first", [True, False])
def test_erasure_deletes_the_users_join_rows(post_otlp, assistant, logs_first: bool) -> None:
    _exchange(post_otlp, logs_first=logs_first, conversation="c-erase", user="u-erase")
    other = "0af7651916cd43dd8448eb211c80319c"
    _exchange(post_otlp, logs_first=logs_first, conversation="c-keep", user="u-keep", trace=other)
    record = end_user_erase(actor=UserFactory(roles=["compliance"]), user_id="u-erase")
    assert record.counts["otlp_join_rows"] == 2
    assert set(OtlpJoinState.objects.values_list("trace_id", flat=True)) == {other}
    assert not Conversation.objects.filter(user_id="u-erase").exists()


def test_erasure_finds_parked_logs_of_a_trace_by_its_span_row(post_otlp, assistant) -> None:
    """A user's span whose events were all rejected has no raw event; its trace is still theirs."""
    post_otlp(_span("c-only-span", "u-span").SerializeToString())
    post_otlp(_logs().SerializeToString(), signal="logs")
    assert end_user_erase(actor=None, user_id="u-span").counts["otlp_join_rows"] == 2
    assert not OtlpJoinState.objects.exists()


def test_retention_deletes_join_rows_older_than_the_policy(post_otlp, assistant) -> None:
    post_otlp(_logs().SerializeToString(), signal="logs")
    MaskingPolicy.objects.filter(pk=masking_policy_get().pk).update(retention_days=1)
    assert retention_apply().otlp_join_rows_deleted == 0
    assert retention_apply(now=timezone.now() + timedelta(days=2)).otlp_join_rows_deleted == 1
    assert not OtlpJoinState.objects.exists()
