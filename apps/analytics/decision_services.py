"""Writes of recommendations and alerts: de-duplicated upserts, and resolve/dismiss (audited).

A finding is identified by its fingerprint (kind, assistant, dims). While one is open, the rule
firing again refreshes its evidence instead of adding a row; it stays until someone resolves or
dismisses it. After *resolve* the next occurrence opens a new row (it came back); after
*dismiss* the same fingerprint stays quiet for ``ANALYTICS_DISMISS_QUIET_DAYS`` (default 30),
so "not useful" is not re-raised by the next nightly run.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Generic, TypeVar

import orjson
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.accounts.models import Role, User
from apps.accounts.permissions import can_view_assistant, has_role
from apps.analytics.models import (
    Alert,
    AlertKind,
    DecisionRecord,
    DecisionStatus,
    Recommendation,
    RecommendationKind,
)
from apps.analytics.rules import Decision
from apps.audit.services import audit_record
from apps.core.exceptions import ConflictError, NotPermittedError
from apps.core.services import model_update
from apps.registry.models import Assistant

D = TypeVar("D", bound=DecisionRecord)

# Roles that act on findings (issue 11: the owner of the assistant's department, product, cx,
# admin); each only for assistants they can see.
ACTING_ROLES = (Role.ADMIN, Role.OWNER, Role.PRODUCT, Role.CX)
# Alerts about the whole organization rather than one assistant (shadow-AI traffic), and the
# roles that receive, see and close them (DESIGN.md: compliance "watch shadow AI").
ORGANIZATION_ALERT_KINDS = frozenset({AlertKind.AI_TRAFFIC_SPIKE})
ORGANIZATION_ALERT_ROLES = (Role.ADMIN, Role.COMPLIANCE)
# A sample of the conversations behind a finding, for the "see conversations" link.
MAX_CONVERSATION_IDS = 20


@dataclass(frozen=True)
class UpsertResult(Generic[D]):
    """``record`` is the open row (new or refreshed) — or, when ``suppressed``, the recently
    dismissed row that kept this finding quiet (left unchanged)."""

    record: D
    created: bool
    suppressed: bool = False


def decision_fingerprint(*, kind: str, assistant_id: int | None, dims: Mapping[str, Any]) -> str:
    payload = orjson.dumps({"kind": kind, "assistant": assistant_id, "dims": dims}, option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(payload).hexdigest()


def _json(value: Mapping[str, Any]) -> dict[str, Any]:
    # NaN/inf become null and numpy numbers plain ones: JSONB accepts neither as they are.
    return dict(
        orjson.loads(orjson.dumps(value, option=orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS, default=str))
    )


def _dismiss_quiet_period() -> timedelta:
    return timedelta(days=int(getattr(settings, "ANALYTICS_DISMISS_QUIET_DAYS", 30)))


def _upsert(
    model: type[D],
    *,
    assistant: Assistant | None,
    kind: str,
    dims: Mapping[str, Any],
    evidence: Mapping[str, Any],
    summary: str,
    conversation_ids: Sequence[int],
) -> UpsertResult[D]:
    now = timezone.now()
    dims_json = _json(dims)
    fingerprint = decision_fingerprint(kind=kind, assistant_id=assistant.pk if assistant else None, dims=dims_json)
    data = {
        "evidence": _json({**evidence, "conversation_ids": list(conversation_ids)[:MAX_CONVERSATION_IDS]}),
        "summary": summary,
        "last_seen_at": now,
    }
    with transaction.atomic():
        open_row = (
            model._default_manager.select_for_update()
            .filter(fingerprint=fingerprint, status=DecisionStatus.OPEN)
            .first()
        )
        if open_row is None:
            quiet = (
                model._default_manager.filter(
                    fingerprint=fingerprint,
                    status=DecisionStatus.DISMISSED,
                    resolved_at__gte=now - _dismiss_quiet_period(),
                )
                .order_by("-resolved_at")
                .first()
            )
            if quiet is not None:
                return UpsertResult(record=quiet, created=False, suppressed=True)
            try:
                # A savepoint: a concurrent run may have opened the same finding a moment ago.
                with transaction.atomic():
                    row = model._default_manager.create(
                        assistant=assistant, kind=kind, dims=dims_json, fingerprint=fingerprint, **data
                    )
                return UpsertResult(record=row, created=True)
            except IntegrityError:
                open_row = model._default_manager.select_for_update().get(
                    fingerprint=fingerprint, status=DecisionStatus.OPEN
                )
        model_update(instance=open_row, fields=list(data), data=data)
        return UpsertResult(record=open_row, created=False)


def recommendation_upsert(
    *,
    assistant: Assistant,
    kind: str,
    dims: Mapping[str, Any],
    evidence: Mapping[str, Any],
    summary: str = "",
    conversation_ids: Sequence[int] = (),
) -> UpsertResult[Recommendation]:
    if kind not in RecommendationKind.values:
        raise ValueError(f"not a recommendation kind: {kind}")
    return _upsert(
        Recommendation,
        assistant=assistant,
        kind=kind,
        dims=dims,
        evidence=evidence,
        summary=summary,
        conversation_ids=conversation_ids,
    )


def alert_upsert(
    *,
    assistant: Assistant | None,
    kind: str,
    dims: Mapping[str, Any],
    evidence: Mapping[str, Any],
    summary: str = "",
    conversation_ids: Sequence[int] = (),
) -> UpsertResult[Alert]:
    if kind not in AlertKind.values:
        raise ValueError(f"not an alert kind: {kind}")
    if assistant is None and kind not in ORGANIZATION_ALERT_KINDS:
        raise ValueError(f"a {kind} alert belongs to an assistant")
    return _upsert(
        Alert,
        assistant=assistant,
        kind=kind,
        dims=dims,
        evidence=evidence,
        summary=summary,
        conversation_ids=conversation_ids,
    )


def decision_record(
    *, assistant: Assistant, decision: Decision, conversation_ids: Sequence[int] = ()
) -> UpsertResult[Recommendation] | UpsertResult[Alert] | None:
    """Store a rule's decision when it fired (as a recommendation or an alert, by its kind)."""
    if not decision.fired:
        return None
    upsert = alert_upsert if decision.kind in AlertKind.values else recommendation_upsert
    return upsert(
        assistant=assistant,
        kind=decision.kind,
        dims=decision.dims,
        evidence=decision.evidence,
        summary=decision.summary,
        conversation_ids=conversation_ids,
    )


def _require_may_act(actor: User, record: DecisionRecord) -> None:
    if record.assistant_id is None:  # an organization-wide alert: its recipients act on it
        if not has_role(actor, *ORGANIZATION_ALERT_ROLES):
            raise NotPermittedError("only an admin or a compliance officer may close an organization-wide alert")
        return
    if not (has_role(actor, *ACTING_ROLES) and can_view_assistant(actor, record.assistant)):
        raise NotPermittedError("only an admin, or an owner, product or cx member of this assistant's department may")


def _close(model: type[D], *, actor: User, record: D, status: str, reason: str) -> D:
    _require_may_act(actor, record)
    label = model._meta.model_name
    with transaction.atomic():
        locked = model._default_manager.select_for_update().get(pk=record.pk)
        if locked.status != DecisionStatus.OPEN:
            raise ConflictError(f"this {label} is already {locked.status}")
        changed = model_update(
            instance=locked,
            fields=["status", "resolved_at", "resolved_by"],
            data={"status": status, "resolved_at": timezone.now(), "resolved_by": actor},
        )
        verb = "resolve" if status == DecisionStatus.RESOLVED else "dismiss"
        audit_record(
            actor=actor,
            action=f"{label}.{verb}",
            target=locked,
            before={field: old for field, (old, _new) in changed.items()},
            after={field: new for field, (_old, new) in changed.items()},
            reason=reason,
        )
    return locked


def recommendation_resolve(*, actor: User, recommendation: Recommendation, reason: str = "") -> Recommendation:
    return _close(Recommendation, actor=actor, record=recommendation, status=DecisionStatus.RESOLVED, reason=reason)


def recommendation_dismiss(*, actor: User, recommendation: Recommendation, reason: str = "") -> Recommendation:
    return _close(Recommendation, actor=actor, record=recommendation, status=DecisionStatus.DISMISSED, reason=reason)


def alert_resolve(*, actor: User, alert: Alert, reason: str = "") -> Alert:
    return _close(Alert, actor=actor, record=alert, status=DecisionStatus.RESOLVED, reason=reason)


def alert_dismiss(*, actor: User, alert: Alert, reason: str = "") -> Alert:
    return _close(Alert, actor=actor, record=alert, status=DecisionStatus.DISMISSED, reason=reason)
