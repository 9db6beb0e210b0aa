"""OTLP services: map a request, complete the span/log-record join, store through ``events_ingest``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from apps.ingestion.otlp.decode import LogRef, SpanRecord, logs_from_request, spans_from_request
from apps.ingestion.otlp.dedup import log_fingerprint, unique_with_owner
from apps.ingestion.otlp.identities import resolve_spans
from apps.ingestion.otlp.join import join_state_sweep, logs_park, logs_parked, spans_park, spans_parked
from apps.ingestion.otlp.mapping import SpanEvents, map_spans
from apps.ingestion.services import IngestResult, events_ingest
from apps.registry.models import Assistant


@dataclass
class OtlpResult:
    rejected: int  # spans (traces) or log records (logs) whose events were rejected
    error_message: str
    ingest: IngestResult | None
    # The spans' events as mapped (rejected ones included): the Langfuse receiver records which
    # conversation and answer each trace landed on, for the scores that name the trace later.
    mapped: list[SpanEvents] = field(default_factory=list)
    span_errors: dict[int, str] = field(default_factory=dict)  # index in ``mapped`` → why refused


def _store(
    *, assistant: Assistant, mapped: Sequence[SpanEvents], source: str = "otlp"
) -> tuple[dict[int, str], str, IngestResult | None]:
    """Ingest the mapped events; returns why each span with rejected events was refused, and a summary."""
    events, owner = unique_with_owner(mapped)
    if not events:
        return {}, "", None
    result = events_ingest(assistant=assistant, events=events, source=source)
    bad: dict[int, str] = {}
    reasons: list[str] = []
    for rejected in result.rejected:
        span_index = owner[rejected["index"]]
        if span_index not in bad:
            errors = "; ".join(f"{k}: {v}" for k, v in rejected["errors"].items())
            bad[span_index] = errors
            reasons.append(f"span {mapped[span_index].span.span.span_id}: {errors}")
    message = " | ".join(reasons[:5]) + (f" (and {len(reasons) - 5} more)" if len(reasons) > 5 else "")
    return bad, message, result


def otlp_traces_ingest(*, assistant: Assistant, request: ExportTraceServiceRequest) -> OtlpResult:
    return otlp_spans_ingest(assistant=assistant, spans=spans_from_request(request))


def otlp_spans_ingest(
    *, assistant: Assistant, spans: Sequence[SpanRecord], join_logs: bool = True, source: str = "otlp"
) -> OtlpResult:
    """Decoded spans (from OTLP, or built by the Langfuse receiver) → stored events.

    ``join_logs=False`` for senders that never export GenAI log records (Langfuse's SDKs put
    everything on the span): nothing is parked for a partner that will not come.
    """
    join_state_sweep()  # expired halves go on the organization's next request, beat or not
    resolved = resolve_spans(spans)
    if not resolved:
        return OtlpResult(rejected=0, error_message="", ingest=None)
    logs: list[LogRef] = []
    if join_logs:
        aid = assistant.pk
        spans_park(assistant_id=aid, spans=resolved)
        parked = logs_parked(assistant_id=aid, pairs=[(s.span.trace_id, s.span.span_id) for s in resolved])
        logs = [ref for refs in parked.values() for ref in refs]
    mapped = map_spans(resolved, logs)
    bad, message, result = _store(assistant=assistant, mapped=mapped, source=source)
    return OtlpResult(rejected=len(bad), error_message=message, ingest=result, mapped=mapped, span_errors=bad)


def otlp_logs_ingest(*, assistant: Assistant, request: ExportLogsServiceRequest) -> OtlpResult:
    join_state_sweep()
    refs = [ref for ref in logs_from_request(request) if ref.span_id and ref.trace_id]
    if not refs:
        return OtlpResult(rejected=0, error_message="", ingest=None)
    aid = assistant.pk
    grouped: dict[tuple[str, str], list[LogRef]] = {}
    for ref in refs:
        grouped.setdefault((ref.trace_id, ref.span_id), []).append(ref)
    # Keep every span's records (not only the new ones): a span's history may be split over two
    # log exports, and positions are counted over all of them.
    known = logs_parked(assistant_id=aid, pairs=grouped)
    merged: dict[tuple[str, str], list[LogRef]] = {}
    for pair, new in grouped.items():
        existing = known.get(pair, [])
        fingerprints = {log_fingerprint(r) for r in existing}
        merged[pair] = existing + [r for r in new if log_fingerprint(r) not in fingerprints]
    logs_park(assistant_id=aid, logs=merged)

    found = spans_parked(assistant_id=aid, pairs=grouped)
    if not found:
        return OtlpResult(rejected=0, error_message="", ingest=None)  # parked until the span arrives
    spans = [found[pair] for pair in grouped if pair in found]
    logs = [ref for pair in grouped if pair in found for ref in merged[pair]]
    mapped = map_spans(spans, logs)
    bad, message, result = _store(assistant=assistant, mapped=mapped)
    bad_pairs = {(mapped[i].span.span.trace_id, mapped[i].span.span.span_id) for i in bad}
    rejected_records = sum(len(grouped[pair]) for pair in bad_pairs if pair in grouped)
    return OtlpResult(rejected=rejected_records, error_message=message, ingest=result)
