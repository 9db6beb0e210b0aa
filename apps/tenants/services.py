"""Creating organizations: schema and domain, idempotently (the first admin: accounts)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import DomainNameValidator
from django_tenants.utils import get_public_schema_name

from apps.core.exceptions import ApplicationError, ConflictError
from apps.tenants.models import ApiKeyRoute, Domain, Organization

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


def organization_validate(*, slug: str, name: str, domain: str) -> None:
    """Refuse bad arguments before anything is written (the caller may have more to check)."""
    validate_slug(slug.strip().lower())
    validate_domain(domain.strip().lower())
    if not name.strip():
        raise ApplicationError("name must not be empty")


def organization_create(*, slug: str, name: str, domain: str) -> OrganizationResult:
    """Create (or confirm) an organization with its schema and domain.

    Running it again with the same arguments changes nothing; conflicting arguments
    (a domain that belongs to another organization, a different domain for an existing
    slug) are refused with a message saying which. The first admin is the accounts app's
    business (``apps.accounts.services.organization_provision``).
    """
    organization_validate(slug=slug, name=name, domain=domain)
    slug = slug.strip().lower()
    domain = domain.strip().lower()
    name = name.strip()

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
    return OrganizationResult(organization=org, created=created)


def credential_route_add(*, prefix: str, schema_name: str) -> None:
    """Record which organization issued a credential prefix (the public routing index)."""
    ApiKeyRoute.objects.create(prefix=prefix, tenant=Organization.objects.get(schema_name=schema_name))
