"""Which conversation and user a GenAI span belongs to, resolved from its trace."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from apps.ingestion.otlp.decode import SpanRecord

CONVERSATION_KEYS = ("gen_ai.conversation.id", "session.id", "traceloop.association.properties.session_id")
USER_KEYS = ("user.id", "traceloop.association.properties.user_id", "enduser.id")
# Not GenAI conventions: Tessera's own optional attributes so OTLP clients can send what the
# JSON API's feature/variant/user fields carry (A/B variants, locale for language metrics).
FEATURE_KEY = "tessera.feature"
VARIANT_KEY = "tessera.variant"
USER_PROFILE_KEYS = {
    "locale": "tessera.user.locale",
    "department": "tessera.user.department",
    "region": "tessera.user.region",
}


@dataclass
class GenAiSpan:
    """A GenAI span with the identities resolved from its trace (what the log join needs later)."""

    span: SpanRecord
    conversation_id: str
    user_id: str
    feature: str | None = None
    variant: str | None = None
    user: dict[str, str] = field(default_factory=dict)


def is_genai(span: SpanRecord) -> bool:
    return any(key.startswith("gen_ai.") for key in span.attrs) or any(
        event.name.startswith("gen_ai.") for event in span.events
    )


def _lineage(span: SpanRecord, by_id: dict[tuple[str, str], SpanRecord], trace: list[SpanRecord]) -> list[dict]:
    """Attribute sets to search for ids: the span, its ancestors, the rest of its trace, its resource.

    Apps put ``gen_ai.conversation.id`` / ``user.id`` on their own (ancestor) span; when the
    parent chain is broken by a span not in this request, another span of the trace may still
    hold them.
    """
    chain: list[SpanRecord] = []
    seen: set[str] = set()
    current: SpanRecord | None = span
    while current is not None and current.span_id not in seen:
        chain.append(current)
        seen.add(current.span_id)
        current = by_id.get((current.trace_id, current.parent_span_id)) if current.parent_span_id else None
    rest = sorted((s for s in trace if s.span_id not in seen), key=lambda s: s.start_ns)
    return [s.attrs for s in chain] + [s.attrs for s in rest] + [span.resource]


def _first(attr_sets: Sequence[dict], keys: Sequence[str]) -> str | None:
    for key in keys:  # key order first: gen_ai.conversation.id anywhere beats session.id nearby
        for attrs in attr_sets:
            value = attrs.get(key)
            if isinstance(value, int | float) and not isinstance(value, bool):
                value = str(value)
            if isinstance(value, str) and value.strip():
                return value
    return None


def resolve_spans(spans: Sequence[SpanRecord]) -> list[GenAiSpan]:
    """The GenAI spans of a request with conversation and user resolved; other spans dropped."""
    by_id = {(s.trace_id, s.span_id): s for s in spans}
    traces: dict[str, list[SpanRecord]] = {}
    for span in spans:
        traces.setdefault(span.trace_id, []).append(span)
    resolved: list[GenAiSpan] = []
    for span in spans:
        if not is_genai(span):
            continue
        lineage = _lineage(span, by_id, traces[span.trace_id])
        user = {name: value for name, key in USER_PROFILE_KEYS.items() if (value := _first(lineage, [key]))}
        resolved.append(
            GenAiSpan(
                span=span,
                # No ids anywhere: one conversation is one trace (DESIGN.md).
                conversation_id=_first(lineage, CONVERSATION_KEYS) or span.trace_id,
                user_id=_first(lineage, USER_KEYS) or f"anonymous-{span.trace_id}",
                feature=_first(lineage, [FEATURE_KEY]),
                variant=_first(lineage, [VARIANT_KEY]),
                user=user,
            )
        )
    return resolved
