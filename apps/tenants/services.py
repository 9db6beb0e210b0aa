"""Creating organizations: schema, domain and first admin, idempotently."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import DomainNameValidator
from django.db import transaction
from django_tenants.utils import get_public_schema_name, schema_context

from apps.core.exceptions import ApplicationError, ConflictError
from apps.tenants.models import Domain, Organization

SLUG_RE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
# Names that would collide with PostgreSQL's own schemas or with hosts we serve ourselves.
RESERVED_SLUGS = frozenset(
    {"public", "www", "admin", "api", "app", "static", "media", "mail", "tessera", "information_schema", "default"}
)
_domain_validator = DomainNameValidator(accept_idna=False)


@dataclass(frozen=True)
class OrganizationResult:
    organization: Organization
    created: bool
    admin_email: str
    admin_created: bool
    admin_password: str | None  # only when this call generated it; shown once


def validate_slug(slug: str) -> None:
    if not SLUG_RE.match(slug):
        raise ApplicationError(
            f"invalid slug {slug!r}: use 2-40 characters, lowercase letters, digits or '_', starting with a letter"
        )
    if slug in RESERVED_SLUGS or slug.startswith("pg_"):
        raise ApplicationError(f"slug {slug!r} is reserved; choose another")


def validate_domain(domain: str) -> None:
    try:
        _domain_validator(domain)
    except ValidationError as exc:
        raise ApplicationError(f"invalid domain {domain!r}: not a valid host name") from exc
    first_label = domain.split(".")[0]
    if first_label in RESERVED_SLUGS:
        raise ApplicationError(f"domain {domain!r} uses the reserved name {first_label!r}")


def public_tenant_ensure() -> Organization:
    """The public tenant routes the operator site (``PUBLIC_DOMAIN``)."""
    public, _ = Organization.objects.get_or_create(
        schema_name=get_public_schema_name(), defaults={"name": "Tessera operators"}
    )
    Domain.objects.get_or_create(domain=settings.PUBLIC_DOMAIN, defaults={"tenant": public, "is_primary": True})
    return public


def organization_create(
    *,
    slug: str,
    name: str,
    domain: str,
    admin_email: str,
    admin_password: str | None = None,
    admin_full_name: str = "Administrator",
) -> OrganizationResult:
    """Create (or confirm) an organization with its schema, domain and first admin.

    Running it again with the same arguments changes nothing; conflicting arguments
    (a domain that belongs to another organization, a different domain for an existing
    slug) are refused with a message saying which.
    """
    from apps.accounts.services import user_ensure

    slug = slug.strip().lower()
    domain = domain.strip().lower()
    name = name.strip()
    validate_slug(slug)
    validate_domain(domain)
    if not name:
        raise ApplicationError("name must not be empty")
    if not admin_email or "@" not in admin_email:
        raise ApplicationError(f"invalid admin e-mail {admin_email!r}")

    public_tenant_ensure()
    owner = Domain.objects.filter(domain=domain).select_related("tenant").first()
    if owner is not None and owner.tenant.schema_name != slug:
        raise ConflictError(f"domain {domain!r} already belongs to organization {owner.tenant.schema_name!r}")

    org = Organization.objects.filter(schema_name=slug).first()
    created = org is None
    if org is None:
        # Schema creation runs migrations outside any transaction of ours.
        org = Organization(schema_name=slug, name=name)
        org.save()
    elif org.name != name:
        raise ConflictError(f"organization {slug!r} already exists with the name {org.name!r}")
    if owner is None:
        if not created and org.domains.exists():
            existing = ", ".join(org.domains.values_list("domain", flat=True))
            raise ConflictError(
                f"organization {slug!r} already exists with domain(s) {existing}; refusing to add {domain!r}"
            )
        Domain.objects.create(domain=domain, tenant=org, is_primary=True)

    generated = None
    if admin_password is None:
        generated = secrets.token_urlsafe(12)
    with schema_context(slug), transaction.atomic():
        _, admin_created = user_ensure(
            email=admin_email, password=admin_password or generated, roles=["admin"], full_name=admin_full_name
        )
    return OrganizationResult(
        organization=org,
        created=created,
        admin_email=admin_email,
        admin_created=admin_created,
        admin_password=generated if admin_created else None,
    )
