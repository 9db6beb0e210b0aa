"""Assistant.metric_dimensions: up to three distinct metadata keys, via the API and the form."""

from __future__ import annotations

import pytest

from apps.audit.models import AuditEntry
from apps.registry.models import Assistant
from tests.registry.test_pages import _form

API = "/api/v1"
JSON = "application/json"


def _create(login, world, dims):
    payload = {"department": world.hr.pk, "name": "Dim Bot", "vendor": "v", "model": "m", "metric_dimensions": dims}
    return login("owner").post(f"{API}/assistants/", payload, content_type=JSON)


def test_declared_keys_are_stored_in_order_and_returned(login, world) -> None:
    response = _create(login, world, ["plan", "channel", "tier_2"])
    assert response.status_code == 201, response.content
    assert response.json()["metric_dimensions"] == ["plan", "channel", "tier_2"]
    assert Assistant.objects.get(name="Dim Bot").metric_dimensions == ["plan", "channel", "tier_2"]
    body = login("owner").get(f"{API}/assistants/{world.hr_bot.pk}/").json()
    assert body["metric_dimensions"] == []


@pytest.mark.parametrize(
    "dims",
    [
        ["a", "b", "c", "d"],  # more than three
        ["plan", "plan"],  # not unique
        ["Plan"],  # upper case
        ["1plan"],  # starts with a digit
        ["plan-type"],  # not an identifier
        ["p" * 33],  # longer than 32
        [""],
        "plan",  # not a list
    ],
)
def test_invalid_keys_are_a_400_on_the_field(login, world, dims) -> None:
    response = _create(login, world, dims)
    assert response.status_code == 400, response.content
    assert list(response.json()) == ["metric_dimensions"]
    assert not Assistant.objects.filter(name="Dim Bot").exists()
    patch = login("owner").patch(f"{API}/assistants/{world.hr_bot.pk}/", {"metric_dimensions": dims}, content_type=JSON)
    assert patch.status_code == 400
    assert Assistant.objects.get(pk=world.hr_bot.pk).metric_dimensions == []


def test_update_is_audited(login, world) -> None:
    response = login("owner").patch(
        f"{API}/assistants/{world.hr_bot.pk}/", {"metric_dimensions": ["plan"]}, content_type=JSON
    )
    assert response.status_code == 200, response.content
    assert Assistant.objects.get(pk=world.hr_bot.pk).metric_dimensions == ["plan"]
    entry = AuditEntry.objects.filter(action="assistant.update", target_id=str(world.hr_bot.pk)).get()
    assert entry.before == {"metric_dimensions": []}
    assert entry.after == {"metric_dimensions": ["plan"]}


def test_form_takes_comma_separated_keys(login, world) -> None:
    client = login("owner")
    response = client.post("/registry/new/", _form(world, metric_dimensions=" plan, channel "))
    assert response.status_code == 302
    created = Assistant.objects.get(name="Onboarding Helper")
    assert created.metric_dimensions == ["plan", "channel"]
    page = client.get(f"/registry/{created.pk}/edit/")
    assert 'value="plan, channel"' in page.content.decode()
    response = client.post("/registry/new/", _form(world, name="Other", metric_dimensions="a, b, c, d"))
    assert response.status_code == 200
    assert "at most 3 metadata keys" in response.content.decode()
    assert not Assistant.objects.filter(name="Other").exists()
