"""Langfuse scores → feedback events. Pure: the trace each score names is looked up by the caller.

How a score becomes a rating (docs/integrations/langfuse.md):

- ``BOOLEAN`` (or a JSON boolean): true / 1 → ``up``, false / 0 → ``down``;
- ``NUMERIC``: from -1 to 1 it is a thumbs score (≥ 0.5 → ``up``, else ``down``; Langfuse's own
  user-feedback examples send 1 and 0, some apps -1); above 1 and up to 5 it is a 1-5 rating
  (rounded); anything else is refused;
- ``CATEGORICAL``: a thumbs-like label (``thumbs_up``, ``good``, ``positive``, ``down``, …) or
  ``"1"`` to ``"5"``; other labels are refused;
- ``TEXT`` and ``CORRECTION`` scores are refused: they are not a rating.

The comment is kept (at most 2,000 characters), the score's name goes to the metadata, and the
score id is the idempotency key (a retried score is a duplicate, not a second rating).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from apps.ingestion.otlp.dedup import id_digest
from apps.ingestion.otlp.mapping import _DOWN_LABELS, _UP_LABELS

COMMENT_MAX = 2000
_SHORT = 128


@dataclass(frozen=True)
class TraceRef:
    """Where a Langfuse trace's events were stored (a ``LangfuseTrace`` row, read by the caller)."""

    trace_id: str
    conversation_id: str
    user_id: str
    answer_message_id: str | None = None
    variant: str = ""


class ScoreError(ValueError):
    """A score that cannot become feedback; the message is shown to the client for that item."""


def score_rating(score: dict[str, Any]) -> str | int:
    """The score's value as our rating (``up``/``down`` or 1-5), or ScoreError saying why not."""
    kind = str(score.get("dataType") or "").upper()
    value = score.get("value")
    string_value = score.get("stringValue")
    if kind in {"TEXT", "CORRECTION"}:
        raise ScoreError(f"{kind} scores are not a rating; send NUMERIC, BOOLEAN or CATEGORICAL")
    if kind == "CATEGORICAL" or (not kind and isinstance(value, str)):
        label = value if isinstance(value, str) else string_value
        if not isinstance(label, str) or not label.strip():
            raise ScoreError("categorical score without a label")
        normalized = re.sub(r"[\s-]+", "_", label.strip().lower())
        if normalized in _UP_LABELS or normalized in {"like", "liked", "thumbs_up", "👍"}:
            return "up"
        if normalized in _DOWN_LABELS or normalized in {"dislike", "disliked", "thumbs_down", "👎"}:
            return "down"
        if normalized in {"1", "2", "3", "4", "5"}:
            return int(normalized)
        raise ScoreError(f"categorical label {label[:40]!r} is neither thumbs-like nor 1-5")
    if isinstance(value, bool):
        return "up" if value else "down"
    if not isinstance(value, int | float):
        raise ScoreError("value must be a number, a boolean or a category label")
    if kind == "BOOLEAN":
        if value not in (0, 1):
            raise ScoreError("boolean score must be 0 or 1")
        return "up" if value == 1 else "down"
    if -1 <= value <= 1:
        return "up" if value >= 0.5 else "down"
    if 1 < value <= 5:
        return round(value)
    raise ScoreError(f"numeric score {value} is outside -1..1 (thumbs) and 1..5 (rating)")


def score_event(score: dict[str, Any], *, trace: TraceRef, timestamp: str) -> dict[str, Any]:
    """One feedback event for a score of ``trace`` (raises ScoreError when it is not a rating)."""
    rating = score_rating(score)
    score_id = score.get("id")
    if isinstance(score_id, str | int) and str(score_id).strip():
        event_id = f"lf-score-{str(score_id).strip()[:100]}"
    else:  # no id: the same score sent twice is still one rating
        event_id = "lf-score-" + id_digest(trace.trace_id, score.get("observationId"), score.get("name"), rating)
    event: dict[str, Any] = {
        "id": event_id,
        "type": "feedback",
        "timestamp": timestamp,
        "conversation_id": trace.conversation_id,
        "user_id": trace.user_id,
        "rating": rating,
        "metadata": {"langfuse_trace_id": trace.trace_id[:_SHORT]},
    }
    name = score.get("name")
    if isinstance(name, str) and name:
        event["metadata"]["langfuse_score"] = name[:_SHORT]
    if trace.answer_message_id:
        event["message_id"] = trace.answer_message_id
    if trace.variant:
        event["variant"] = trace.variant[:_SHORT]
    comment = score.get("comment")
    if isinstance(comment, str) and comment.strip():
        event["comment"] = comment[:COMMENT_MAX]
    return event
