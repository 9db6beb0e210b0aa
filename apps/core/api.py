"""The base classes every API view inherits (CONVENTIONS.md: one scoped base class).

Subclasses implement ``scoped_queryset()``; ``get_queryset`` is final so no view can return
rows its caller may not see (PostHog's ``safely_get_queryset`` idea).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import viewsets
from rest_framework.views import APIView


class ScopedViewSet(viewsets.GenericViewSet):
    def scoped_queryset(self) -> QuerySet:
        raise NotImplementedError(f"{type(self).__name__} must implement scoped_queryset()")

    def get_queryset(self) -> QuerySet:
        return self.scoped_queryset()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "get_queryset" in cls.__dict__:
            raise TypeError(f"{cls.__name__} overrides get_queryset; implement scoped_queryset() instead")


class ScopedAPIView(APIView):
    """For endpoints that are not model viewsets (ingestion, read-back); same exception handling."""
