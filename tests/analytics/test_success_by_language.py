"""Success and rephrase rate per language against values computed by hand from METRICS.md.

The rows are written directly with factories (not produced by the code under test), so each
expected count below can be checked by reading this file.
"""

from datetime import UTC, datetime, timedelta

import pytest

from apps.analytics.selectors import success_and_rephrase_by_language
from apps.analytics.services import rollups_rebuild
from tests.factories import ActionFactory, AssistantFactory, ConversationFactory, MessageFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
IDLE = NOW - timedelta(hours=2)  # last event long enough ago: ended by the 30-minute rule
RECENT = NOW - timedelta(minutes=5)  # still open


def _conv(assistant, language: str, *, outcome: str | None = None, last_event_at: datetime = IDLE, **kw):
    return ConversationFactory(
        assistant=assistant,
        language=language,
        outcome=outcome,
        started_at=last_event_at - timedelta(minutes=10),
        last_event_at=last_event_at,
        **kw,
    )


def _outputs(conv, n: int = 2) -> list:
    return [
        MessageFactory(conversation=conv, role="assistant", ts=conv.started_at + timedelta(minutes=i + 1))
        for i in range(n)
    ]


def _act(message, action: str, after_s: int = 10):
    return ActionFactory(message=message, action=action, ts=message.ts + timedelta(seconds=after_s))


@pytest.fixture
def assistant(alpha):
    a = AssistantFactory()
    # English: 35 started, 33 ended, 23 resolved.
    for _ in range(20):
        _conv(a, "en", outcome="resolved")  # resolved by outcome
    for _ in range(5):
        _conv(a, "en", outcome="escalated")  # ended, not resolved
    for _ in range(3):  # no outcome, accept on the last output, nothing after: resolved
        _act(_outputs(_conv(a, "en"))[-1], "copy")
    for _ in range(2):  # accept on the last output, then a regenerate: not resolved
        last = _outputs(_conv(a, "en"))[-1]
        _act(last, "copy", 10)
        _act(last, "regenerate", 20)
    first, _last = _outputs(_conv(a, "en"))  # accept on an earlier output only: not resolved
    _act(first, "copy")
    last = _outputs(_conv(a, "en"))[-1]  # accept then escalate: not resolved
    _act(last, "apply", 10)
    _act(last, "escalate", 20)
    last = _outputs(_conv(a, "en", outcome="abandoned"))[-1]  # explicit outcome wins over the accept
    _act(last, "share")
    for _ in range(2):  # open conversations: outside the denominator even though accepted
        _act(_outputs(_conv(a, "en", last_event_at=RECENT))[-1], "copy")
    # Rephrases, English: 30 second user messages, 12 of them rephrases; first messages have no score.
    convs = list(a.conversations.filter(language="en").order_by("id")[:30])
    for i, conv in enumerate(convs):
        MessageFactory(conversation=conv, role="user", ts=conv.started_at)
        MessageFactory(
            conversation=conv,
            role="user",
            ts=conv.started_at + timedelta(minutes=3),
            rephrase_score=0.9 if i < 12 else 0.1,
            is_rephrase=i < 12,
        )
    # Spanish: 10 ended, 4 resolved — below the minimum sample of 30.
    for i in range(10):
        _conv(a, "es", outcome="resolved" if i < 4 else "escalated")
    # No detected language: 1 conversation, shown as "unknown".
    _conv(a, None, outcome="resolved")
    rollups_rebuild(now=NOW)  # the metrics read the rollups, refreshed as of NOW
    return a


def test_success_and_rephrase_per_language_match_hand_counts(assistant) -> None:
    rows = {r.language: r for r in success_and_rephrase_by_language(assistant_id=assistant.pk)}
    en = rows["en"]
    assert en.conversations == 35
    assert (en.success.numerator, en.success.denominator) == (23, 33)
    assert en.success.value == pytest.approx(23 / 33)
    assert (en.rephrase.numerator, en.rephrase.denominator) == (12, 30)
    assert en.rephrase.value == pytest.approx(0.4)


def test_below_the_minimum_sample_is_not_enough_data(assistant) -> None:
    rows = {r.language: r for r in success_and_rephrase_by_language(assistant_id=assistant.pk)}
    es = rows["es"]
    assert (es.success.numerator, es.success.denominator) == (4, 10)
    assert es.success.value is None
    assert not es.success.enough_data
    assert es.success.display() == "not enough data (n=10)"
    assert es.rephrase.denominator == 0
    assert es.rephrase.value is None
    assert rows["unknown"].success.denominator == 1
    # A lower floor turns the same counts into a value, never 0% or 100% by default.
    low = {r.language: r for r in success_and_rephrase_by_language(assistant_id=assistant.pk, sample=5)}
    assert low["es"].success.value == pytest.approx(0.4)


def test_rows_ordered_by_volume_and_window_filters(assistant) -> None:
    rows = success_and_rephrase_by_language(assistant_id=assistant.pk)
    assert [r.language for r in rows] == ["en", "es", "unknown"]
    day = IDLE.date()
    assert success_and_rephrase_by_language(assistant_id=assistant.pk, date_from=day + timedelta(days=1)) == []
    in_window = success_and_rephrase_by_language(assistant_id=assistant.pk, date_from=day, date_to=day)
    assert sum(r.conversations for r in in_window) == 46


def test_other_assistants_are_not_counted(assistant) -> None:
    other = AssistantFactory()
    for _ in range(40):
        _conv(other, "en", outcome="escalated")
    rollups_rebuild(now=NOW)
    rows = {r.language: r for r in success_and_rephrase_by_language(assistant_id=assistant.pk)}
    assert rows["en"].success.denominator == 33
