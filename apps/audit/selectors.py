"""Reads of the audit log."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet

from apps.audit.models import AuditEntry


def audit_entries(
    *,
    action: str = "",
    actor: str = "",
    target_type: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[AuditEntry]:
    qs = AuditEntry.objects.order_by("-id")
    if action:
        qs = qs.filter(action=action)
    if actor:
        # actor_label, not the FK: entries of deleted users and of "system" stay findable.
        qs = qs.filter(actor_label__icontains=actor)
    if target_type:
        qs = qs.filter(target_type=target_type)
    if date_from:
        qs = qs.filter(created_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(created_at__date__lte=date_to)
    return qs


def audit_actions() -> list[str]:
    return list(AuditEntry.objects.order_by("action").values_list("action", flat=True).distinct())


def audit_target_types() -> list[str]:
    return list(AuditEntry.objects.order_by("target_type").values_list("target_type", flat=True).distinct())
