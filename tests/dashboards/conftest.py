"""A small organization with hand-countable traffic for the dashboard pages.

assistant   dept   days (June 2026)   conversations
HR bot      HR     1-10               2 per day, users h0..h9 (h{day-1} and h{(day) % 10}); the first of each
                                      day resolved (its output copied), the second abandoned (dismissed)
Sales bot   Sales  1-5                1 per day, user s{day}, resolved (copied)

So over June 1-30: HR bot 20 conversations, 10 users, success 10/20; Sales bot 5 conversations,
5 users, success 5/5; together 25 conversations, 15 users. Every conversation ended by NOW.
Users: one per role; owner, product, cx and viewer belong to HR only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from apps.accounts.models import User
from apps.analytics.services import rollups_rebuild
from apps.registry.models import Assistant, Department
from tests.conftest import ALPHA
from tests.factories import (
    ActionFactory,
    AssistantFactory,
    ConversationFactory,
    DepartmentFactory,
    MessageFactory,
    UserFactory,
)

NOW = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)
JUNE = {"from": "2026-06-01", "to": "2026-06-30"}
ROLES = ("admin", "owner", "product", "cx", "compliance", "viewer")


@dataclass
class DashWorld:
    hr: Department
    sales: Department
    hr_bot: Assistant
    sales_bot: Assistant
    users: dict[str, User]

    def client(self, role: str) -> Client:
        client = Client(HTTP_HOST=ALPHA["domain"])
        client.force_login(self.users[role])
        return client


def _conversation(assistant: Assistant, start: datetime, user: str, action: str, variant: str = "a") -> None:
    conv = ConversationFactory(
        assistant=assistant,
        user_id=user,
        started_at=start,
        last_event_at=start + timedelta(minutes=2),
        variant=variant,
        language="en",
        user_department="Staff",
        user_messages=1,
    )
    MessageFactory(conversation=conv, role="user", ts=start)
    output = MessageFactory(conversation=conv, role="assistant", ts=start + timedelta(seconds=10), latency_ms=300)
    ActionFactory(message=output, action=action, ts=output.ts + timedelta(seconds=2))


@pytest.fixture
def dash_world(alpha, settings) -> DashWorld:
    settings.ANALYTICS_MIN_SAMPLE = 5
    hr, sales = DepartmentFactory(name="HR"), DepartmentFactory(name="Sales")
    hr_bot = AssistantFactory(department=hr, name="HR bot")
    sales_bot = AssistantFactory(department=sales, name="Sales bot")
    for day in range(1, 11):
        start = datetime(2026, 6, day, 9, 0, tzinfo=UTC)
        _conversation(hr_bot, start, f"h{day - 1}", "copy")
        _conversation(hr_bot, start + timedelta(hours=2), f"h{day % 10}", "dismiss")
    for day in range(1, 6):
        _conversation(sales_bot, datetime(2026, 6, day, 10, 0, tzinfo=UTC), f"s{day}", "copy")
    rollups_rebuild(now=NOW)
    users = {role: UserFactory(email=f"dash-{role}@alpha.test", roles=[role]) for role in ROLES}
    hr.members.add(users["owner"], users["product"], users["cx"], users["viewer"])
    return DashWorld(hr=hr, sales=sales, hr_bot=hr_bot, sales_bot=sales_bot, users=users)
