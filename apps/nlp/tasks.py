from celery import shared_task

from apps.core.tenancy import dispatch_per_tenant
from apps.nlp.services import intents_recluster, intents_recluster_due


@shared_task(acks_late=True)
def recluster_intents(assistant_id: int) -> int:
    return intents_recluster(assistant_id=assistant_id)


@shared_task
def recluster_due_intents() -> int:
    """One organization: queue a re-clustering for every assistant with enough new data."""
    due = intents_recluster_due()
    for assistant_id in due:
        recluster_intents.delay(assistant_id)
    return len(due)


@shared_task
def recluster_intents_all_tenants() -> dict[str, str]:
    """Beat entry point (public schema): one ``recluster_due_intents`` task per organization."""
    return dispatch_per_tenant(recluster_due_intents)
