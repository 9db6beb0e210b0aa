from celery import shared_task

from apps.analytics.services import rollups_refresh_ended
from apps.core.tenancy import dispatch_per_tenant


@shared_task
def refresh_ended_rollups() -> int:
    """One organization: refresh the rollup days of conversations that ended by inactivity."""
    return rollups_refresh_ended()


@shared_task
def refresh_ended_rollups_all_tenants() -> dict[str, str]:
    """Beat entry point (public schema): one ``refresh_ended_rollups`` task per organization."""
    return dispatch_per_tenant(refresh_ended_rollups)
