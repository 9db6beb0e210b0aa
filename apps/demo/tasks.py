from celery import shared_task

from apps.accounts.models import User
from apps.core.tenancy import current_schema
from apps.registry.models import Department


@shared_task
def tenant_snapshot() -> dict:
    """What the worker sees from inside a task: used by ops checks and the isolation tests."""
    return {
        "schema": current_schema(),
        "users": sorted(User.objects.values_list("email", flat=True)),
        "departments": sorted(Department.objects.values_list("name", flat=True)),
    }
