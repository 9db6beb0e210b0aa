"""Tenant-aware Celery app: every task carries the schema it was sent from."""

import os

from celery.signals import worker_process_init
from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

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
