from celery import shared_task
from django.db import OperationalError

from apps.conversations.services import batch_enrich


# Ingestion enqueues this by name (apps.ingestion.services.ENRICH_BATCH_TASK): it sits below us.
@shared_task(bind=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=10, acks_late=True)
def enrich_batch(self, batch_id: int) -> int:
    return batch_enrich(batch_id=batch_id)
