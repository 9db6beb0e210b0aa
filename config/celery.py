"""Tenant-aware Celery app: every task carries the schema it was sent from."""

import os
import sys
from pathlib import Path

from celery.signals import worker_process_init
from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

# A Celery worker's parent process imports every task module, then forks its pool children.
# Lingua, once loaded, holds thread-pool state a forked child cannot use: a child hangs in its
# first Lingua call (seen: `make run`'s workers stuck in warm-up). So Celery's own processes
# (worker parent, beat) do not load the language models when apps.nlp.language is imported
# (NLP_LOAD_AT_IMPORT, default on elsewhere); each pool child loads them in warm_up_nlp below.
if Path(sys.argv[0]).name == "celery" or sys.argv[0].endswith(os.path.join("celery", "__main__.py")):
    os.environ.setdefault("NLP_LOAD_AT_IMPORT", "0")

app = CeleryApp("tessera")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def warm_up_nlp(**_: object) -> None:
    """Each pool child loads the NLP models before its first task (settings.NLP_WARM_UP)."""
    from django.conf import settings

    if settings.NLP_WARM_UP:
        from apps.nlp.warmup import warm_up

        warm_up()
