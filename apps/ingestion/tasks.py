from celery import shared_task

from apps.core.tenancy import dispatch_per_tenant
from apps.ingestion.otlp import join_state_sweep
from apps.ingestion.services import raw_events_prune, stale_batches_requeue


@shared_task
def requeue_stale_batches() -> int:
    """One organization's sweep: stale batches are re-sent, expired OTLP join rows dropped."""
    join_state_sweep()
    return stale_batches_requeue()


@shared_task
def requeue_stale_batches_all_tenants() -> dict[str, str]:
    """Beat entry point (public schema): one ``requeue_stale_batches`` task per organization."""
    return dispatch_per_tenant(requeue_stale_batches)


@shared_task
def prune_raw_events() -> int:
    """One organization's raw events past the replay window are dropped."""
    return raw_events_prune()


@shared_task
def prune_raw_events_all_tenants() -> dict[str, str]:
    """Beat entry point (daily): one ``prune_raw_events`` task per organization."""
    return dispatch_per_tenant(prune_raw_events)
