from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.accounts.models import PersonalToken, Role, User
from apps.accounts.permissions import has_role
from apps.audit.services import audit_record
from apps.core.crypto import secret_hash, secret_matches
from apps.core.exceptions import ApplicationError, NotPermittedError
from apps.core.tenancy import current_schema
from apps.tenants.models import Organization
from apps.tenants.selectors import credential_issued_elsewhere
from apps.tenants.services import credential_route_add, organization_create, organization_validate

# Personal API tokens: ``tsp_`` + 12 hex (the visible key id) + 43 url-safe characters. The
# prefix differs from assistant ingestion keys (``tsk_live_``) so each authenticator claims only
# its own credentials: an ingestion key never reads as a user, a user token never ingests.
TOKEN_PREFIX = "tsp_"  # noqa: S105 -- a public marker, not a secret
TOKEN_ID_HEX = 12
TOKEN_LAST_USED_RESOLUTION = timedelta(minutes=1)  # don't write on every request


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


@dataclass(frozen=True)
class IssuedToken:
    token: PersonalToken
    plaintext: str  # shown once, never stored


@transaction.atomic
def token_create(*, actor: User | None, user: User, name: str = "", expires_at: datetime | None = None) -> IssuedToken:
    """Issue a personal API token for ``user``; the plaintext exists only in the result.

    ``actor`` is the user themself (the tokens page) or None for an operator's
    ``create_api_token`` command. Nobody else may mint a token: it would let them act as the user.
    """
    if actor is not None and actor.pk != user.pk:
        raise NotPermittedError("a personal API token can only be created by its owner")
    if not user.is_active:
        raise ApplicationError(f"user {user.email} is deactivated; a token would not work")
    if expires_at is not None and expires_at <= timezone.now():
        raise ApplicationError("the expiry date must be in the future")
    key_id = secrets.token_hex(TOKEN_ID_HEX // 2)
    prefix = f"{TOKEN_PREFIX}{key_id}"
    plaintext = f"{prefix}{secrets.token_urlsafe(32)}"
    salt = secrets.token_hex(8)
    token = PersonalToken.objects.create(
        user=user,
        name=name.strip()[:80],
        prefix=prefix,
        salt=salt,
        hashed=secret_hash(salt, plaintext),
        expires_at=expires_at,
    )
    credential_route_add(prefix=prefix, schema_name=current_schema())
    audit_record(
        actor=actor or "manage.py create_api_token",
        action="api_token.create",
        target=token,
        after={"prefix": prefix, "user": user.email, "name": token.name, "expires_at": expires_at},
    )
    return IssuedToken(token=token, plaintext=plaintext)


@transaction.atomic
def token_revoke(*, actor: User, token: PersonalToken) -> PersonalToken:
    """Revoke at once (the next request with it is refused); the owner or an admin may."""
    if actor.pk != token.user_id and not has_role(actor, Role.ADMIN):
        raise NotPermittedError("only the token's owner or an admin may revoke it")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action="api_token.revoke",
            target=token,
            after={"prefix": token.prefix, "user": token.user.email},
        )
    return token


class InvalidTokenError(ApplicationError):
    status_code = 401


class ForbiddenTokenError(ApplicationError):
    status_code = 403


def token_authenticate(plaintext: str) -> PersonalToken:
    """Return the usable token of the *current* schema, its user loaded, or raise a precise 401/403.

    401: malformed or unknown (what guessing produces; the caller counts these). 403: a real
    token that may not be used here — another organization's, revoked, expired, or its user
    deactivated.
    """
    plaintext = plaintext.strip()
    prefix = plaintext[: len(TOKEN_PREFIX) + TOKEN_ID_HEX]
    if not plaintext.startswith(TOKEN_PREFIX) or len(plaintext) < len(prefix) + 32:
        raise InvalidTokenError("malformed personal API token: expected 'Authorization: Bearer tsp_…'")
    token = PersonalToken.objects.select_related("user").filter(prefix=prefix).first()
    if token is None:
        if credential_issued_elsewhere(prefix=prefix, schema_name=current_schema()):
            raise ForbiddenTokenError("this token belongs to another organization; send it to that organization's host")
        raise InvalidTokenError("unknown personal API token")
    if not secret_matches(token.hashed, token.salt, plaintext):
        raise InvalidTokenError("unknown personal API token")
    now = timezone.now()
    if token.revoked_at is not None:
        raise ForbiddenTokenError(f"personal API token {token.prefix}… was revoked on {token.revoked_at:%Y-%m-%d}")
    if token.expires_at is not None and token.expires_at <= now:
        raise ForbiddenTokenError(f"personal API token {token.prefix}… expired on {token.expires_at:%Y-%m-%d}")
    if not token.user.is_active:
        raise ForbiddenTokenError(f"the user of token {token.prefix}… is deactivated")
    if token.last_used_at is None or now - token.last_used_at > TOKEN_LAST_USED_RESOLUTION:
        PersonalToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
