from celery import shared_task

from apps.core.tenancy import for_each_tenant
from apps.nlp.services import intents_recluster, intents_recluster_due


@shared_task(acks_late=True)
def recluster_intents(assistant_id: int) -> int:
    return intents_recluster(assistant_id=assistant_id)


def _dispatch(_schema: str) -> int:
    due = intents_recluster_due()
    for assistant_id in due:
        recluster_intents.delay(assistant_id)
    return len(due)


@shared_task
def recluster_intents_all_tenants() -> dict[str, int]:
    """Beat entry point: queue a re-clustering for every assistant with enough new data."""
    return for_each_tenant(_dispatch)
