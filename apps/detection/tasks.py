"""Detection's Celery tasks: ids in, one service call, safe to retry."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from apps.detection.shadow.services import egress_import_run


@shared_task(bind=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def egress_import(self: object, import_id: int) -> dict[str, int]:
    """Run one uploaded egress import (tenant-aware: it runs in the schema it was sent from).

    Idempotent: a finished import is left as it is, and an unfinished one starts over, since its
    usage is committed in one transaction at the end.
    """
    record = egress_import_run(import_id=import_id)
    return {"lines": record.lines, "ai_requests": record.ai_requests}
