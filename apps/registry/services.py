from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from apps.accounts.models import User
from apps.core.exceptions import ApplicationError
from apps.registry.models import Department


@transaction.atomic
def department_ensure(*, name: str, description: str = "") -> Department:
    name = name.strip()
    if not name:
        raise ApplicationError("department name must not be empty")
    department, _ = Department.objects.get_or_create(name=name, defaults={"description": description})
    return department


@transaction.atomic
def department_add_members(*, department: Department, users: Iterable[User]) -> None:
    department.members.add(*users)
