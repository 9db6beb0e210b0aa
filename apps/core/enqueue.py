"""Queue a Celery task by its registered name.

A lower app hands work to an app above it this way (ingestion → conversations' enrichment)
without importing it. ``app.send_task`` alone would do that but ignores
``CELERY_TASK_ALWAYS_EAGER``: the demo without Redis would queue into the void. A signature
calls the registered task's ``apply_async`` when this process knows the task (in process when
eager) and falls back to ``send_task`` when it does not; both carry the tenant schema.
"""

from __future__ import annotations

from celery import current_app, signature
from celery.result import AsyncResult

from apps.core.background import background_submit


def task_enqueue(name: str, *args: object) -> AsyncResult | None:
    """Queue task ``name``; ``None`` when it went to this process's background thread."""
    app = current_app
    if app.conf.task_always_eager and background_submit(name, args):
        return None
    if app.conf.task_always_eager and name not in app.tasks:
        # Task modules are discovered lazily (when a worker boots): load them, so eager mode
        # runs the task instead of falling back to send_task. A web process with a broker
        # needs only the name and stays free of the other apps' task modules.
        app.loader.import_default_modules()
    return signature(name, args=args, app=app).delay()
