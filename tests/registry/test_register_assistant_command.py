import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django_tenants.utils import schema_context

from apps.registry.models import ApiKey, Assistant
from apps.registry.services import api_key_authenticate


def _run(**opts) -> list[str]:
    out = io.StringIO()
    call_command("register_assistant", stdout=out, **opts)
    return out.getvalue().strip().splitlines()


@pytest.mark.django_db
def test_register_assistant_creates_then_finds_and_prints_a_working_key(organizations) -> None:
    opts = {"org": "alpha", "department": "Ops", "name": "Ops bot", "vendor": "mistral", "model": "mistral-large"}
    first = _run(**opts)
    second = _run(**opts)
    assert "created" in first[0]
    assert "found" in second[0]
    key_one, key_two = first[-1], second[-1]
    assert key_one.startswith("tsk_live_")
    assert key_two.startswith("tsk_live_")
    assert key_one != key_two
    with schema_context("alpha"):
        assistant = Assistant.objects.get(name="Ops bot")
        assert (assistant.vendor, assistant.model, assistant.department.name) == ("mistral", "mistral-large", "Ops")
        assert ApiKey.objects.filter(assistant=assistant).count() == 2
        # Only a salted hash is stored: the plaintext appears in no column.
        for row in ApiKey.objects.filter(assistant=assistant).values():
            assert key_one not in str(row)
            assert key_two not in str(row)
        assert api_key_authenticate(key_one).assistant_id == assistant.pk
    connection.set_schema_to_public()


@pytest.mark.django_db
def test_register_assistant_unknown_org_is_a_clear_error(organizations) -> None:
    with pytest.raises(CommandError, match="no organization with slug 'nope'"):
        _run(org="nope", department="X", name="Y", vendor="v", model="m")
    with pytest.raises(CommandError, match="no organization"):
        _run(org="public", department="X", name="Y", vendor="v", model="m")
