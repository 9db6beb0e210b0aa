"""OTLP services: map a request, complete the span/log-record join, store through ``events_ingest``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from apps.ingestion.otlp.decode import LogRef, logs_from_request, spans_from_request
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


def _store(*, assistant: Assistant, mapped: Sequence[SpanEvents]) -> tuple[set[int], str, IngestResult | None]:
    """Ingest the mapped events; returns the indexes of spans with rejected events and why."""
    events, owner = unique_with_owner(mapped)
    if not events:
        return set(), "", None
    result = events_ingest(assistant=assistant, events=events, source="otlp")
    bad: set[int] = set()
    reasons: list[str] = []
    for rejected in result.rejected:
        span_index = owner[rejected["index"]]
        if span_index not in bad:
            bad.add(span_index)
            errors = "; ".join(f"{k}: {v}" for k, v in rejected["errors"].items())
            reasons.append(f"span {mapped[span_index].span.span.span_id}: {errors}")
    message = " | ".join(reasons[:5]) + (f" (and {len(reasons) - 5} more)" if len(reasons) > 5 else "")
    return bad, message, result


def otlp_traces_ingest(*, assistant: Assistant, request: ExportTraceServiceRequest) -> OtlpResult:
    join_state_sweep()  # expired halves go on the organization's next request, beat or not
    resolved = resolve_spans(spans_from_request(request))
    if not resolved:
        return OtlpResult(rejected=0, error_message="", ingest=None)
    aid = assistant.pk
    spans_park(assistant_id=aid, spans=resolved)
    parked = logs_parked(assistant_id=aid, pairs=[(s.span.trace_id, s.span.span_id) for s in resolved])
    logs = [ref for refs in parked.values() for ref in refs]
    bad, message, result = _store(assistant=assistant, mapped=map_spans(resolved, logs))
    return OtlpResult(rejected=len(bad), error_message=message, ingest=result)


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
