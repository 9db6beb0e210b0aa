"""Helpers for code that must run once per organization (periodic dispatchers, commands)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from celery import Task
from django.db import connection
from django_tenants.utils import get_public_schema_name, get_tenant_model, schema_context


def iter_tenant_schemas() -> Iterator[str]:
    model = get_tenant_model()
    yield from (
        model.objects.exclude(schema_name=get_public_schema_name())
        .order_by("schema_name")
        .values_list("schema_name", flat=True)
    )


def dispatch_per_tenant(task: Task, *args: Any, **kwargs: Any) -> dict[str, str]:
    """Enqueue ``task(*args, **kwargs)`` once per organization; returns the task id per schema.

    Each task is sent while its organization's schema is active, so the tenant-aware Celery app
    runs it in that schema (never in public), and one organization's failure fails only its own
    task: the others still run, and each is retried or reported on its own.
    """
    # Without a broker (tests, a demo without Redis) the task runs right here, and with
    # eager_propagates its exception would end the loop; throw=False keeps the failure in that
    # task's own result, as a worker would. Celery still logs it with its traceback.
    options: dict[str, Any] = {"throw": False} if task.app.conf.task_always_eager else {}
    sent: dict[str, str] = {}
    for schema in list(iter_tenant_schemas()):
        with schema_context(schema):
            sent[schema] = task.apply_async(args=args, kwargs=kwargs, **options).id
    return sent


def current_schema() -> str:
    """The schema the connection is set to (django-tenants adds ``schema_name`` to the wrapper,
    which the stubs' ``BaseDatabaseWrapper`` does not know)."""
    return str(getattr(connection, "schema_name", get_public_schema_name()))
