"""Reads of recommendations and alerts, scoped by the assistants the caller may see."""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Q, QuerySet

from apps.accounts.models import User
from apps.accounts.permissions import has_role
from apps.analytics.decision_services import ORGANIZATION_ALERT_ROLES
from apps.analytics.models import Alert, DecisionRecord, DecisionStatus, Recommendation
from apps.registry.selectors import assistants_visible_to

D = TypeVar("D", bound=DecisionRecord)


def _visible(model: type[D], *, user: User, assistant_id: int | None, kind: str | None) -> QuerySet[D]:
    scope = Q(assistant__in=assistants_visible_to(user=user))
    if model is Alert and has_role(user, *ORGANIZATION_ALERT_ROLES):
        scope |= Q(assistant__isnull=True)  # organization-wide alerts (shadow-AI traffic)
    qs = model._default_manager.filter(scope).select_related("assistant")
    if assistant_id is not None:
        qs = qs.filter(assistant_id=assistant_id)
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def recommendations_visible_to(
    *, user: User, assistant_id: int | None = None, kind: str | None = None
) -> QuerySet[Recommendation]:
    """Every recommendation (any status) of the assistants ``user`` may see, newest first."""
    return _visible(Recommendation, user=user, assistant_id=assistant_id, kind=kind)


def recommendations_open_for(
    *, user: User, assistant_id: int | None = None, kind: str | None = None
) -> QuerySet[Recommendation]:
    return recommendations_visible_to(user=user, assistant_id=assistant_id, kind=kind).filter(
        status=DecisionStatus.OPEN
    )


def alerts_visible_to(*, user: User, assistant_id: int | None = None, kind: str | None = None) -> QuerySet[Alert]:
    """Every alert (any status) of the assistants ``user`` may see, newest first."""
    return _visible(Alert, user=user, assistant_id=assistant_id, kind=kind)


def alerts_open_for(*, user: User, assistant_id: int | None = None, kind: str | None = None) -> QuerySet[Alert]:
    return alerts_visible_to(user=user, assistant_id=assistant_id, kind=kind).filter(status=DecisionStatus.OPEN)
