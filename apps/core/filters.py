"""Helpers for the django-filter FilterSets that declare each list's filters once, for its page,
its API view (``DjangoFilterBackend``) and the OpenAPI schema."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet


class IntegerFilter(django_filters.NumberFilter):
    """A whole number (NumberFilter accepts decimals such as ``1.5`` days)."""

    field_class = forms.IntegerField


def filterset_rows(filterset: django_filters.FilterSet) -> QuerySet[Any]:
    """The filtered rows for a page: none at all when a value is invalid.

    A bound FilterSet's ``qs`` silently skips the fields that failed to validate, so
    ``?department=abc`` would list every department; the page shows the form's error instead.
    Unbound (no query string), the FilterSet's own queryset is the answer.
    """
    if filterset.is_bound and not filterset.is_valid():
        return filterset.queryset.none()
    return filterset.qs
