"""gunicorn settings shared by ``make run`` (scripts/run.sh) and the Docker web role.

Only hooks live here; the command lines keep their flags. ``post_worker_init`` rather than
``post_fork``: it runs in the same forked worker just after it loaded the Django application and
before it accepts a request, so the settings tell whether this process enriches at all.
"""

from __future__ import annotations

from typing import Any


def post_worker_init(worker: Any) -> None:
    """Without a broker this worker runs enrichment itself: load its NLP models now."""
    from django.conf import settings

    if settings.NLP_WARM_UP and settings.CELERY_TASK_ALWAYS_EAGER:
        from apps.nlp.warmup import warm_up

        seconds = warm_up()
        worker.log.info("NLP models loaded in %.1f s", sum(seconds.values()))
