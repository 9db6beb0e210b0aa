"""The assistant list's filters, declared once for the page, the API and the OpenAPI schema."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet

from apps.accounts.models import User
from apps.registry.models import Assistant, AssistantStatus, Department
from apps.registry.selectors import departments_visible_to


def _visible_departments(request: Any) -> QuerySet[Department]:
    # Choices are the caller's departments: another department's id is "not one of the available
    # choices" (400), the same answer as an id that does not exist, so ids are no oracle.
    user = getattr(request, "user", None)
    if not isinstance(user, User):  # schema generation has no caller
        return Department.objects.none()
    return departments_visible_to(user=user).order_by("name")


class AssistantFilter(django_filters.FilterSet):
    department = django_filters.ModelChoiceFilter(
        queryset=_visible_departments, empty_label="All departments", help_text="only this department (id)"
    )
    status = django_filters.ChoiceFilter(
        choices=AssistantStatus.choices, empty_label="Any status", help_text="only this status"
    )

    class Meta:
        model = Assistant
        fields = ("department", "status")
