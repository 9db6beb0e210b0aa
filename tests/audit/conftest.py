from __future__ import annotations

import pytest

from apps.audit.models import AuditEntry
from apps.audit.services import audit_record
from apps.registry.services import assistant_update
from tests.registry.conftest import World, login, world  # noqa: F401 - shared fixtures


@pytest.fixture
def changes(world: World) -> list[AuditEntry]:  # noqa: F811 - the fixture imported above
    owner = world.users["owner"]
    assistant_update(actor=owner, assistant=world.hr_bot, audience_size=11)
    assistant_update(actor=owner, assistant=world.hr_bot, status="approved")
    audit_record(
        actor="=cmd|' /C calc'!A0",
        action="policy.change",
        target_type="compliance.policy",
        target_id="1",
        after={"note": '=HYPERLINK("http://evil")'},
    )
    return list(AuditEntry.objects.order_by("id"))
