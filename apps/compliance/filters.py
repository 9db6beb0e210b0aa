"""The review queue's filters, declared once for the page, the API and the OpenAPI schema."""

from __future__ import annotations

from datetime import timedelta

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from apps.compliance.models import CaseStatus, ReviewCase
from apps.compliance.selectors import CASE_SORTS, compliance_users
from apps.core.filters import IntegerFilter
from apps.detection.findings import ENTITY_TYPES
from apps.detection.models import Severity
from apps.registry.models import Assistant, Department

TYPE_CHOICES = [(t, t) for t in ENTITY_TYPES]


class CaseFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=CaseStatus.choices, empty_label="Any status")
    min_severity = django_filters.ChoiceFilter(
        field_name="severity", lookup_expr="gte", label="Severity", empty_label="Any severity",
        choices=[(s.value, f"{s.label} and up") for s in Severity if s > 0],
    )  # fmt: skip
    finding_type = django_filters.ChoiceFilter(
        method="filter_type", choices=TYPE_CHOICES, label="Type", empty_label="Any type"
    )
    # The API's older name of finding_type, kept so existing clients stay filtered (hidden on the page).
    type = django_filters.ChoiceFilter(
        method="filter_type", choices=TYPE_CHOICES, widget=forms.HiddenInput, help_text="alias of finding_type"
    )
    assistant = django_filters.ModelChoiceFilter(
        queryset=Assistant.objects.order_by("name"), empty_label="Any assistant"
    )
    department = django_filters.ModelChoiceFilter(
        queryset=Department.objects.order_by("name"), empty_label="Any department"
    )
    older_than_days = IntegerFilter(method="filter_older_than", min_value=1, max_value=3650, label="Older than (days)")
    assignee = django_filters.ModelChoiceFilter(
        queryset=lambda request: compliance_users(), empty_label="Anyone", null_label="Nobody"
    )
    sort = django_filters.ChoiceFilter(
        method="sort_by", choices=[(k, k.capitalize()) for k in CASE_SORTS], empty_label=None
    )

    class Meta:
        model = ReviewCase
        fields: tuple[str, ...] = ()

    def filter_type(self, queryset: QuerySet[ReviewCase], name: str, value: str) -> QuerySet[ReviewCase]:
        return queryset.filter(finding_types__contains=[value])

    def filter_older_than(self, queryset: QuerySet[ReviewCase], name: str, value: int) -> QuerySet[ReviewCase]:
        return queryset.filter(created_at__lt=timezone.now() - timedelta(days=value))

    def sort_by(self, queryset: QuerySet[ReviewCase], name: str, value: str) -> QuerySet[ReviewCase]:
        return queryset.order_by(*CASE_SORTS[value])
