"""Reads of the public schema's tenancy tables."""

from __future__ import annotations

from django.conf import settings

from apps.core.tenancy import current_schema
from apps.tenants.models import ApiKeyRoute, Domain


def credential_issued_elsewhere(*, prefix: str, schema_name: str) -> bool:
    """Whether another organization issued this credential prefix (for a precise 403 on the wrong host).

    Only the routing index is read: the credential itself is never verified outside its schema.
    """
    return ApiKeyRoute.objects.filter(prefix=prefix).exclude(tenant__schema_name=schema_name).exists()


def organization_base_url(*, schema_name: str | None = None) -> str:
    """The organization's public address (its primary domain through ``TESSERA_PUBLIC_URL_TEMPLATE``),
    for URLs people copy or click outside the current request (snippets, e-mails)."""
    schema = schema_name or current_schema()
    domain = (
        Domain.objects.filter(tenant__schema_name=schema)
        .order_by("-is_primary", "id")
        .values_list("domain", flat=True)
        .first()
    )
    return str(settings.TESSERA_PUBLIC_URL_TEMPLATE.format(domain=domain or "localhost")).rstrip("/")
