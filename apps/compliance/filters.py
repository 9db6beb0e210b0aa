"""The compliance lists' filters, each declared once for its page, its API and the OpenAPI schema."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone

from apps.compliance.models import CaseStatus, ReviewCase
from apps.compliance.selectors import CASE_SORTS, compliance_users, conversation_cases
from apps.compliance.services import MESSAGE_ROLES
from apps.conversations.models import Conversation
from apps.core.filters import IntegerFilter
from apps.detection.findings import ENTITY_TYPES
from apps.detection.models import SensitiveFinding, Severity
from apps.detection.services import masking_policy_get
from apps.registry.models import Assistant, Department

TYPE_CHOICES = [(t, t) for t in ENTITY_TYPES]
DATE = forms.DateInput(attrs={"type": "date"})


class _DateRangeForm(forms.Form):
    """Each ``<x>_from`` must not come after its ``<x>_to``."""

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data  # what super().clean() returned; its stub allows None
        for name in [n for n in self.fields if n.endswith("_from")]:
            start, end = cleaned.get(name), cleaned.get(name[: -len("_from")] + "_to")
            if start and end and start > end:
                self.add_error(name[: -len("_from")] + "_to", "must be on or after the start date")
        return cleaned


def _conversation_filter(**kwargs: Any) -> django_filters.ModelChoiceFilter:
    # An id typed or linked, not a <select> of every conversation; an unknown id is refused.
    return django_filters.ModelChoiceFilter(
        queryset=Conversation.objects.all(), widget=forms.TextInput(attrs={"inputmode": "numeric"}), **kwargs
    )


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
        method="filter_type", choices=TYPE_CHOICES, widget=forms.HiddenInput, label="Type (alias of finding_type)"
    )
    assistant = django_filters.ModelChoiceFilter(
        queryset=Assistant.objects.order_by("name"), empty_label="Any assistant"
    )
    department = django_filters.ModelChoiceFilter(
        queryset=Department.objects.order_by("name"), empty_label="Any department"
    )
    assignee = django_filters.ModelChoiceFilter(
        queryset=lambda request: compliance_users(), empty_label="Anyone", null_label="Nobody"
    )
    sort = django_filters.ChoiceFilter(
        method="sort_by", choices=[(k, k.capitalize()) for k in CASE_SORTS], empty_label=None, label="Sort"
    )
    # Less used, and what the overview's links set: the page folds them under "More filters".
    older_than_days = IntegerFilter(method="filter_older_than", min_value=1, max_value=3650, label="Older than (days)")
    younger_than_days = IntegerFilter(
        method="filter_younger_than", min_value=1, max_value=3650, label="Younger than (days)"
    )
    severity = django_filters.ChoiceFilter(choices=Severity.choices, label="Severity exactly", empty_label="Any")
    opened_from = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__gte", widget=DATE, label="Opened from"
    )
    opened_to = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__lte", widget=DATE, label="Opened to"
    )
    decided_from = django_filters.DateFilter(
        field_name="decided_at", lookup_expr="date__gte", widget=DATE, label="Decided from"
    )
    decided_to = django_filters.DateFilter(
        field_name="decided_at", lookup_expr="date__lte", widget=DATE, label="Decided to"
    )
    user = django_filters.CharFilter(
        method="filter_user", max_length=128, label="End user", help_text="the pseudonymous user id"
    )
    conversation = _conversation_filter(method="filter_conversation", help_text="conversation id")

    MORE = (
        "older_than_days", "younger_than_days", "severity", "opened_from", "opened_to", "decided_from",
        "decided_to", "user", "conversation",
    )  # fmt: skip

    class Meta:
        model = ReviewCase
        fields: tuple[str, ...] = ()
        form = _DateRangeForm

    def filter_type(self, queryset: QuerySet[ReviewCase], name: str, value: str) -> QuerySet[ReviewCase]:
        return queryset.filter(finding_type=value)

    def filter_older_than(self, queryset: QuerySet[ReviewCase], name: str, value: int) -> QuerySet[ReviewCase]:
        return queryset.filter(created_at__lte=timezone.now() - timedelta(days=value))

    def filter_younger_than(self, queryset: QuerySet[ReviewCase], name: str, value: int) -> QuerySet[ReviewCase]:
        return queryset.filter(created_at__gt=timezone.now() - timedelta(days=value))

    def filter_user(self, queryset: QuerySet[ReviewCase], name: str, value: str) -> QuerySet[ReviewCase]:
        return queryset.filter(user_id=value)

    def filter_conversation(
        self, queryset: QuerySet[ReviewCase], name: str, value: Conversation
    ) -> QuerySet[ReviewCase]:
        return queryset.filter(pk__in=conversation_cases(conversation=value).values("pk"))

    def sort_by(self, queryset: QuerySet[ReviewCase], name: str, value: str) -> QuerySet[ReviewCase]:
        return queryset.order_by(*CASE_SORTS[value])


HANDLING = [
    ("case", "opens or feeds a case"),
    ("below", "below the case threshold"),
    ("suppressed", "suppressed (false positive)"),
]


class FindingFilter(django_filters.FilterSet):
    type = django_filters.ChoiceFilter(choices=TYPE_CHOICES, empty_label="Any type")
    severity = django_filters.ChoiceFilter(choices=Severity.choices, empty_label="Any severity")
    handling = django_filters.ChoiceFilter(
        method="filter_handling", choices=HANDLING, empty_label="Any", label="Handling"
    )
    role = django_filters.ChoiceFilter(
        field_name="message__role", choices=[(r, r) for r in MESSAGE_ROLES], label="Written by", empty_label="Anyone"
    )
    assistant = django_filters.ModelChoiceFilter(
        field_name="conversation__assistant",
        queryset=Assistant.objects.order_by("name"),
        empty_label="Any assistant",
        label="Assistant",
    )
    department = django_filters.ModelChoiceFilter(
        field_name="conversation__assistant__department",
        queryset=Department.objects.order_by("name"),
        empty_label="Any department",
        label="Department",
    )
    date_from = django_filters.DateFilter(
        field_name="conversation__started_at", lookup_expr="date__gte", label="From", widget=DATE
    )
    date_to = django_filters.DateFilter(
        field_name="conversation__started_at", lookup_expr="date__lte", label="To", widget=DATE
    )
    user = django_filters.CharFilter(field_name="conversation__user_id", max_length=128, label="End user")
    conversation = _conversation_filter()

    class Meta:
        model = SensitiveFinding
        fields: tuple[str, ...] = ()
        form = _DateRangeForm

    def filter_handling(
        self, queryset: QuerySet[SensitiveFinding], name: str, value: str
    ) -> QuerySet[SensitiveFinding]:
        threshold = masking_policy_get().case_threshold
        return queryset.filter(
            {
                "case": Q(severity__gte=threshold, suppressed=False),
                "below": Q(severity__lt=threshold),
                "suppressed": Q(suppressed=True),
            }[value]
        )
