"""The demo organization: departments and one login per role (traffic comes from ingestion)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django_tenants.utils import schema_context

from apps.accounts.services import user_ensure
from apps.registry.services import department_add_members, department_ensure
from apps.tenants.models import Organization
from apps.tenants.services import organization_create

DEMO_SLUG = "demo"
DEMO_DOMAIN = "demo.localhost"
DEMO_PASSWORD = "demo-pass-123"  # noqa: S105 - published demo login, demo org only
DEPARTMENTS = ("Customer Support", "Sales", "HR", "Engineering", "Marketing")


@dataclass(frozen=True)
class DemoLogin:
    email: str
    roles: tuple[str, ...]
    departments: tuple[str, ...]
    full_name: str


DEMO_LOGINS = (
    DemoLogin("admin@demo.localhost", ("admin",), (), "Ada Admin"),
    DemoLogin("owner@demo.localhost", ("owner",), ("Customer Support", "Engineering"), "Owen Owner"),
    DemoLogin("product@demo.localhost", ("product",), DEPARTMENTS, "Priya Product"),
    DemoLogin("cx@demo.localhost", ("cx",), ("Customer Support", "Sales"), "Carlos CX"),
    DemoLogin("compliance@demo.localhost", ("compliance",), (), "Chloe Compliance"),
    DemoLogin("viewer@demo.localhost", ("viewer",), ("HR",), "Victor Viewer"),
)


def demo_org_ensure() -> Organization:
    result = organization_create(
        slug=DEMO_SLUG,
        name="Demo Company",
        domain=DEMO_DOMAIN,
        admin_email=DEMO_LOGINS[0].email,
        admin_password=DEMO_PASSWORD,
    )
    with schema_context(DEMO_SLUG), transaction.atomic():
        departments = {name: department_ensure(name=name) for name in DEPARTMENTS}
        for login in DEMO_LOGINS:
            user, _ = user_ensure(
                email=login.email, password=DEMO_PASSWORD, roles=login.roles, full_name=login.full_name
            )
            for name in login.departments:
                department_add_members(department=departments[name], users=[user])
    return result.organization
