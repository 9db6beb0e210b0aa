"""Shadow-AI settings page: identity map, log-user privacy, the organization's catalog entries —
each change through its service (audited), bad input a 400 that keeps what was typed."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from apps.audit.models import AuditEntry
from apps.detection.models import IdentityMapEntry, TenantAIService
from apps.detection.shadow.services import shadow_policy_get, tenant_catalog
from tests.conftest import ALPHA
from tests.factories import DepartmentFactory, UserFactory

pytestmark = pytest.mark.django_db
URL = "/dashboards/shadow-ai/settings/"


def _client(role: str) -> Client:
    client = Client(HTTP_HOST=ALPHA["domain"])
    client.force_login(UserFactory(roles=[role]))
    return client


@pytest.fixture
def departments(alpha) -> None:
    DepartmentFactory(name="Sales")
    DepartmentFactory(name="Engineering")


@pytest.mark.parametrize("role", ["owner", "product", "cx", "viewer"])
def test_only_admin_and_compliance_open_the_settings(departments, role: str) -> None:
    assert _client(role).get(URL).status_code == 403
    assert _client(role).post(URL, {"form": "policy"}).status_code == 403


def test_the_identity_map_is_replaced_from_pasted_csv_and_bad_lines_are_listed(departments) -> None:
    client = _client("compliance")
    text = (
        "identity,department\njdoe,Sales\n10.20.0.0/16,Engineering\nCORP\\asmith,sales\nbob,Finance\n10.1.2.300,Sales\n"
    )
    response = client.post(URL, {"form": "identity_map", "csv": text})
    assert response.status_code == 200  # some lines were rejected: shown, not a redirect
    body = response.content.decode()
    assert "Identity map replaced: 3 entries, 2 lines rejected" in body
    assert "line 5: unknown department &#x27;Finance&#x27;" in body
    assert "line 6:" in body
    assert sorted(IdentityMapEntry.objects.values_list("value", "department__name")) == [
        ("10.20.0.0/16", "Engineering"),
        ("corp\\asmith", "Sales"),  # the domain is kept; matching also tries the bare name
        ("jdoe", "Sales"),
    ]
    assert AuditEntry.objects.filter(action="shadow_ai.identity_map.replace").count() == 1


def test_the_identity_map_from_a_file_replaces_the_previous_one(departments) -> None:
    client = _client("admin")
    client.post(URL, {"form": "identity_map", "csv": "jdoe,Sales\n"})
    upload = SimpleUploadedFile("map.csv", "\ufeffidentity,department\nmmiller,Engineering\n".encode())
    response = client.post(URL, {"form": "identity_map", "file": upload})
    assert response.status_code == 302
    assert list(IdentityMapEntry.objects.values_list("value", flat=True)) == ["mmiller"]
    assert b"1 entry" in client.get(URL).content


def test_an_empty_or_binary_identity_map_is_a_400_and_changes_nothing(departments) -> None:
    client = _client("admin")
    client.post(URL, {"form": "identity_map", "csv": "jdoe,Sales\n"})
    empty = client.post(URL, {"form": "identity_map", "csv": "  "})
    assert empty.status_code == 400
    assert b"Paste the map or choose a CSV file." in empty.content
    binary = client.post(URL, {"form": "identity_map", "file": SimpleUploadedFile("x.csv", b"\xff\xfe\x00bad")})
    assert binary.status_code == 400
    assert b"The file is not UTF-8 text." in binary.content
    wrong_file = client.post(URL, {"form": "identity_map", "csv": "jdoe;Sales\nmmiller;Sales\n"})
    assert wrong_file.status_code == 400
    assert b"No valid line: the identity map is unchanged." in wrong_file.content
    assert b"line 1: expected" in wrong_file.content  # the reasons are listed
    assert list(IdentityMapEntry.objects.values_list("value", flat=True)) == ["jdoe"]


def test_pseudonymization_is_turned_off_and_on_audited(departments) -> None:
    client = _client("compliance")
    assert shadow_policy_get().pseudonymize_users is True
    assert client.post(URL, {"form": "policy"}).status_code == 302  # unchecked box = off
    assert shadow_policy_get().pseudonymize_users is False
    assert client.post(URL, {"form": "policy", "pseudonymize_users": "on"}).status_code == 302
    assert shadow_policy_get().pseudonymize_users is True
    assert AuditEntry.objects.filter(action="shadow_ai.policy.update").count() == 2


def test_a_new_catalog_entry_matches_and_an_override_changes_only_what_it_sets(departments) -> None:
    client = _client("admin")
    new = {
        "form": "catalog",
        "key": "acme-gpt",
        "vendor": "Acme",
        "product": "Acme GPT",
        "category": "chat_assistant",
        "risk": "high",
        "domains": "gpt.acme.example",
    }
    assert client.post(URL, new).status_code == 302
    assert tenant_catalog().match("chat.gpt.acme.example").key == "acme-gpt"
    shared = tenant_catalog().match("chatgpt.com")
    assert shared is not None
    override = client.post(URL, {"form": "catalog", "key": shared.key, "risk": "low"})
    assert override.status_code == 302
    after = tenant_catalog().match("chatgpt.com")
    assert (after.key, after.risk, after.vendor) == (shared.key, "low", shared.vendor)
    assert client.post(URL, {"form": "catalog", "key": "acme-gpt", "disabled": "on"}).status_code == 302
    assert tenant_catalog().match("chat.gpt.acme.example") is None
    assert set(TenantAIService.objects.values_list("key", flat=True)) == {"acme-gpt", shared.key}
    assert AuditEntry.objects.filter(action__startswith="shadow_ai.catalog.").count() == 3


def test_an_incomplete_new_entry_is_a_400_with_the_reason_and_keeps_the_input(departments) -> None:
    client = _client("admin")
    response = client.post(URL, {"form": "catalog", "key": "half-done", "vendor": "Half"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "a new catalog entry needs vendor, product, category and at least one domain" in body
    assert 'value="Half"' in body
    bad_rule = client.post(
        URL,
        {"form": "catalog", "key": "x-ai", "vendor": "X", "product": "X", "category": "chat_assistant", "domains": "*"},
    )
    assert bad_rule.status_code == 400
    assert not TenantAIService.objects.exists()
