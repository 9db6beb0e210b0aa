from celery import shared_task

from apps.core.tenancy import for_each_tenant
from apps.ingestion.otlp import join_state_sweep
from apps.ingestion.services import raw_events_prune, stale_batches_requeue


def _sweep(_schema: str) -> int:
    join_state_sweep()
    return stale_batches_requeue()


@shared_task
def requeue_stale_batches_all_tenants() -> dict[str, int]:
    """Beat entry point (public schema): each tenant's stale batches are re-sent in its schema,
    and expired OTLP join rows are dropped."""
    return for_each_tenant(_sweep)


@shared_task
def prune_raw_events_all_tenants() -> dict[str, int]:
    """Beat entry point (daily): drop raw events past the replay window, per tenant."""
    return for_each_tenant(lambda _schema: raw_events_prune())
