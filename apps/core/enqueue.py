"""Queue a Celery task by its registered name.

A lower app hands work to an app above it this way (ingestion → conversations' enrichment)
without importing it. ``app.send_task`` would do that but ignores ``CELERY_TASK_ALWAYS_EAGER``:
the demo without Redis would queue into the void. A signature resolves the registered task and
calls its ``apply_async``, which runs it in process when eager and sends it (with the tenant
schema, via the tenant-aware app) otherwise.
"""

from __future__ import annotations

from celery import current_app, signature
from celery.result import AsyncResult


def task_enqueue(name: str, *args: object) -> AsyncResult:
    app = current_app
    if name not in app.tasks:
        # Task modules are discovered lazily (when a worker boots); outside a worker load them
        # now, so eager mode finds the task instead of falling back to a bare send_task.
        app.loader.import_default_modules()
    return signature(name, args=args, app=app).delay()
