from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction

from apps.accounts.models import Role, User
from apps.core.exceptions import ApplicationError


def _clean_roles(roles: Sequence[str]) -> list[str]:
    valid = set(Role.values)
    unknown = sorted(set(roles) - valid)
    if unknown:
        raise ApplicationError(f"unknown role(s) {', '.join(unknown)}; valid roles: {', '.join(Role.values)}")
    # Keep the declared order so pages list roles consistently.
    return [role for role in Role.values if role in roles]


@transaction.atomic
def user_ensure(*, email: str, password: str | None, roles: Sequence[str], full_name: str = "") -> tuple[User, bool]:
    """Create the user in the current schema, or return the existing one untouched."""
    email = email.strip().lower()
    existing = User.objects.filter(email=email).first()
    if existing is not None:
        return existing, False
    clean = _clean_roles(roles)
    user = User.objects.create_user(
        email=email, password=password, roles=clean, full_name=full_name, is_staff=Role.ADMIN in clean
    )
    return user, True


@transaction.atomic
def user_set_roles(*, user: User, roles: Sequence[str]) -> User:
    user.roles = _clean_roles(roles)
    user.is_staff = Role.ADMIN in user.roles
    user.save(update_fields=["roles", "is_staff"])
    return user
