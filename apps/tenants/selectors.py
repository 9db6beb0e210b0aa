"""Reads of the public schema's tenancy tables."""

from __future__ import annotations

from apps.tenants.models import ApiKeyRoute


def credential_issued_elsewhere(*, prefix: str, schema_name: str) -> bool:
    """Whether another organization issued this credential prefix (for a precise 403 on the wrong host).

    Only the routing index is read: the credential itself is never verified outside its schema.
    """
    return ApiKeyRoute.objects.filter(prefix=prefix).exclude(tenant__schema_name=schema_name).exists()
