"""Reads of accounts: personal API tokens (the user's own; an admin sees the organization's)."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.accounts.models import PersonalToken, Role, User
from apps.accounts.permissions import has_role


def tokens_of(*, user: User) -> QuerySet[PersonalToken]:
    return PersonalToken.objects.filter(user=user).order_by("-created_at")


def tokens_revocable_by(*, user: User) -> QuerySet[PersonalToken]:
    """Tokens ``user`` may revoke: their own, or every one of the organization for an admin."""
    qs = PersonalToken.objects.select_related("user").order_by("-created_at")
    if has_role(user, Role.ADMIN):
        return qs
    return qs.filter(user=user)


def tokens_active_of_others(*, admin: User) -> QuerySet[PersonalToken]:
    """For an admin's overview: other people's tokens that are not revoked (empty for non-admins)."""
    return tokens_revocable_by(user=admin).exclude(user=admin).filter(revoked_at__isnull=True)
