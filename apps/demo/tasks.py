from celery import shared_task
from django.db import connection

from apps.accounts.models import User
from apps.registry.models import Department


@shared_task
def tenant_snapshot() -> dict:
    """What the worker sees from inside a task: used by ops checks and the isolation tests."""
    return {
        "schema": connection.schema_name,
        "users": sorted(User.objects.values_list("email", flat=True)),
        "departments": sorted(Department.objects.values_list("name", flat=True)),
    }
