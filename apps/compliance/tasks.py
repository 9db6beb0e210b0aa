from dataclasses import asdict

from celery import shared_task

from apps.compliance.retention import retention_apply
from apps.core.tenancy import for_each_tenant


def _retention(_schema: str) -> dict[str, int]:
    return asdict(retention_apply())


@shared_task
def apply_retention_all_tenants() -> dict[str, dict[str, int]]:
    """Beat entry point (public schema): each organization's retention runs in its own schema."""
    return for_each_tenant(_retention)
