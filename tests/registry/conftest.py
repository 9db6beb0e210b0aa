"""A small organization: HR and Sales, one assistant each, one user per role (members of HR)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from apps.accounts.models import User
from apps.registry.models import Assistant, Department
from tests.factories import AssistantFactory, DepartmentFactory, UserFactory


@dataclass
class World:
    hr: Department
    sales: Department
    hr_bot: Assistant
    sales_bot: Assistant
    users: dict[str, User]


@pytest.fixture
def world(alpha) -> World:
    hr = DepartmentFactory(name="HR")
    sales = DepartmentFactory(name="Sales")
    hr_bot = AssistantFactory(department=hr, name="HR Bot", audience_size=10)
    sales_bot = AssistantFactory(department=sales, name="Sales Bot", audience_size=20)
    users = {
        role: UserFactory(email=f"reg-{role}@alpha.test", roles=[role])
        for role in ("admin", "owner", "product", "cx", "compliance", "viewer")
    }
    # Everyone but the org-wide roles belongs to HR only.
    hr.members.add(users["owner"], users["product"], users["cx"], users["viewer"])
    return World(hr=hr, sales=sales, hr_bot=hr_bot, sales_bot=sales_bot, users=users)


@pytest.fixture
def login(alpha_client: Client, world: World):
    def _login(role: str) -> Client:
        alpha_client.force_login(world.users[role])
        return alpha_client

    return _login
