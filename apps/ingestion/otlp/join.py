"""The cross-request join state of spans and log records (OtlpJoinState)."""

from __future__ import annotations

import pickle
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

# Spans and their log records are exported by separate processors, in separate requests, in
# either order. The join state is kept durably in the tenant's schema (OtlpJoinState): each
# GenAI span's resolved identities, and each span's log records. Whichever arrives second
# completes the join; mapping twice is harmless because event ids are deterministic.
_JOIN_TTL_SECONDS = getattr(settings, "OTLP_JOIN_TTL_SECONDS", 3600)


def join_get_many(keys: list[str]) -> dict[str, Any]:
    from apps.ingestion.models import OtlpJoinState

    rows = OtlpJoinState.objects.filter(key__in=keys, expires_at__gt=timezone.now()).values_list("key", "value")
    # Pickle is safe here: the bytes were written by this module into the tenant's own schema.
    return {key: pickle.loads(bytes(value)) for key, value in rows}  # noqa: S301


def join_set_many(values: dict[str, Any]) -> None:
    from apps.ingestion.models import OtlpJoinState

    expires = timezone.now() + timedelta(seconds=_JOIN_TTL_SECONDS)
    OtlpJoinState.objects.bulk_create(
        [OtlpJoinState(key=k, value=pickle.dumps(v), expires_at=expires) for k, v in values.items()],
        update_conflicts=True,
        unique_fields=["key"],
        update_fields=["value", "expires_at"],
    )


def join_state_sweep() -> int:
    """Delete expired join rows (log records whose span never came)."""
    from apps.ingestion.models import OtlpJoinState

    deleted, _ = OtlpJoinState.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted


def span_key(assistant_id: int, trace_id: str, span_id: str) -> str:
    return f"otlp:span:{assistant_id}:{trace_id}:{span_id}"


def logs_key(assistant_id: int, trace_id: str, span_id: str) -> str:
    return f"otlp:logs:{assistant_id}:{trace_id}:{span_id}"
