"""Reads of the registry, always scoped by who asks (apps.accounts.permissions decides)."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Count, Q, QuerySet

from apps.accounts.models import Role, User
from apps.accounts.permissions import has_role, member_department_ids, sees_all_assistants
from apps.registry.models import ApiKey, Assistant, Department, ReleaseAnnotation

__all__ = [
    "api_keys_of",
    "assistant_list",
    "assistant_stakeholders",
    "assistants_visible_to",
    "departments_manageable_by",
    "departments_visible_to",
    "releases_of",
]


def assistants_visible_to(*, user: User) -> QuerySet[Assistant]:
    qs = Assistant.objects.select_related("department")
    if not (user.is_authenticated and user.is_active and user.roles):
        return qs.none()
    if sees_all_assistants(user):
        return qs
    return qs.filter(department_id__in=member_department_ids(user))


def departments_visible_to(*, user: User) -> QuerySet[Department]:
    if not (user.is_authenticated and user.is_active and user.roles):
        return Department.objects.none()
    if sees_all_assistants(user):
        return Department.objects.all()
    return Department.objects.filter(id__in=member_department_ids(user))


def departments_manageable_by(*, user: User) -> QuerySet[Department]:
    """Departments in which ``user`` may register assistants (same rule as the services)."""
    if has_role(user, Role.ADMIN):
        return Department.objects.all()
    if has_role(user, Role.OWNER):
        return Department.objects.filter(id__in=member_department_ids(user))
    return Department.objects.none()


def assistant_list(*, user: User) -> QuerySet[Assistant]:
    """The assistants ``user`` may see with their active key count; the list's filters are
    ``apps.registry.filters.AssistantFilter``."""
    # Only active keys are counted: a revoked key no longer lets anything in.
    return assistants_visible_to(user=user).annotate(
        keys_count=Count("api_keys", filter=Q(api_keys__revoked_at__isnull=True))
    )


def api_keys_of(*, assistant: Assistant) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(assistant=assistant).select_related("created_by").order_by("-created_at", "-id")


def releases_of(*, assistant: Assistant) -> QuerySet[ReleaseAnnotation]:
    return ReleaseAnnotation.objects.filter(assistant=assistant).select_related("created_by")


def assistant_stakeholders(
    *, assistant: Assistant, department_roles: Sequence[str], org_wide_roles: Sequence[str] = (Role.ADMIN,)
) -> QuerySet[User]:
    """Active people who own something about ``assistant``: holders of ``org_wide_roles``, and
    members of its department holding one of ``department_roles`` (who to notify of its alerts)."""
    in_department = Q(roles__overlap=list(department_roles), departments=assistant.department_id)
    return (
        User.objects.filter(is_active=True)
        .filter(Q(roles__overlap=list(org_wide_roles)) | in_department)
        .distinct()
        .order_by("email")
    )
