from dataclasses import asdict

from celery import shared_task

from apps.compliance.retention import retention_apply
from apps.core.tenancy import dispatch_per_tenant


@shared_task
def apply_retention() -> dict[str, int]:
    """One organization's retention, in the schema the task was sent from."""
    return asdict(retention_apply())


@shared_task
def apply_retention_all_tenants() -> dict[str, str]:
    """Beat entry point (public schema): one ``apply_retention`` task per organization."""
    return dispatch_per_tenant(apply_retention)
