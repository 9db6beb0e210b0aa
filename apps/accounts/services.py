from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django_tenants.utils import schema_context

from apps.accounts.models import Role, User
from apps.core.exceptions import ApplicationError
from apps.tenants.models import Organization
from apps.tenants.services import organization_create, organization_validate


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


@dataclass(frozen=True)
class ProvisionResult:
    organization: Organization
    created: bool
    admin_email: str
    admin_created: bool
    admin_password: str | None  # only when this call generated it; shown once


def organization_provision(
    *,
    slug: str,
    name: str,
    domain: str,
    admin_email: str,
    admin_password: str | None = None,
    admin_full_name: str = "Administrator",
) -> ProvisionResult:
    """Create (or confirm) an organization (tenants: schema, domain) and its first admin inside it.

    Idempotent like ``organization_create``: an existing admin keeps their password. Every
    argument is checked before anything is written.
    """
    organization_validate(slug=slug, name=name, domain=domain)
    if not admin_email or "@" not in admin_email:
        raise ApplicationError(f"invalid admin e-mail {admin_email!r}")
    org = organization_create(slug=slug, name=name, domain=domain)
    generated = secrets.token_urlsafe(12) if admin_password is None else None
    with schema_context(org.organization.schema_name), transaction.atomic():
        _, admin_created = user_ensure(
            email=admin_email, password=admin_password or generated, roles=[Role.ADMIN], full_name=admin_full_name
        )
    return ProvisionResult(
        organization=org.organization,
        created=org.created,
        admin_email=admin_email,
        admin_created=admin_created,
        admin_password=generated if admin_created else None,
    )
