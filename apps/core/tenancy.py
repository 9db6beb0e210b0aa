"""Helpers for code that must run once per organization (periodic dispatchers, commands)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

from django_tenants.utils import get_public_schema_name, get_tenant_model, schema_context

T = TypeVar("T")


def iter_tenant_schemas() -> Iterator[str]:
    model = get_tenant_model()
    yield from (
        model.objects.exclude(schema_name=get_public_schema_name())
        .order_by("schema_name")
        .values_list("schema_name", flat=True)
    )


def for_each_tenant(fn: Callable[[str], T]) -> dict[str, T]:
    """Run ``fn(schema_name)`` inside each organization's schema; never in public."""
    results: dict[str, T] = {}
    for schema in list(iter_tenant_schemas()):
        with schema_context(schema):
            results[schema] = fn(schema)
    return results
