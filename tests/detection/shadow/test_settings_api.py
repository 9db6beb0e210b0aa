"""The shadow-AI settings over the API: identity map, catalog entries, policy (admin and compliance)."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from apps.audit.models import AuditEntry
from apps.detection.models import IdentityMapEntry, TenantAIService
from apps.detection.shadow.services import shadow_policy_get, tenant_catalog
from tests.factories import DepartmentFactory, UserFactory


@pytest.fixture
def officer(alpha):
    return UserFactory(roles=["compliance"])


def test_identity_map_replace_as_json_or_csv_keeps_valid_lines(alpha, alpha_client, officer) -> None:
    sales = DepartmentFactory(name="Sales")
    DepartmentFactory(name="HR")
    alpha_client.force_login(officer)
    body = "identity,department\nAlice,Sales\n10.1.0.0/16,hr\nbob,Legal\n10.300.0.1,Sales\nonly-one-column\n"
    response = alpha_client.post("/api/v1/shadow-ai/identity-map/", {"csv": body}, content_type="application/json")
    assert response.status_code == 200, response.content
    report = response.json()
    assert report["entries"] == 2
    assert report["rejected"] == [
        "line 4: unknown department 'Legal'",
        "line 5: not an IP address or network: '10.300.0.1'",
        "line 6: expected 'identity,department'",
    ]
    listed = alpha_client.get("/api/v1/shadow-ai/identity-map/").json()
    assert {(r["kind"], r["value"], r["department"]) for r in listed["results"]} == {
        ("user", "alice", "Sales"),
        ("cidr", "10.1.0.0/16", "HR"),
    }
    # The CSV itself as the body replaces the whole map.
    response = alpha_client.post("/api/v1/shadow-ai/identity-map/", "carol,Sales\n", content_type="text/csv")
    assert response.json() == {"entries": 1, "rejected": []}
    assert list(IdentityMapEntry.objects.values_list("value", "department_id")) == [("carol", sales.id)]
    assert AuditEntry.objects.filter(action="shadow_ai.identity_map.replace").count() == 2


def test_identity_map_of_only_bad_lines_changes_nothing(alpha, alpha_client, officer) -> None:
    DepartmentFactory(name="Sales")
    alpha_client.force_login(officer)
    alpha_client.post("/api/v1/shadow-ai/identity-map/", "alice,Sales\n", content_type="text/csv")
    response = alpha_client.post("/api/v1/shadow-ai/identity-map/", "alice;Sales\nbob;Sales\n", content_type="text/csv")
    assert response.status_code == 400
    assert response.json()["detail"].startswith("no valid line, the identity map is unchanged: line 1:")
    assert list(IdentityMapEntry.objects.values_list("value", flat=True)) == ["alice"]
    missing = alpha_client.post("/api/v1/shadow-ai/identity-map/", {}, content_type="application/json")
    assert missing.status_code == 400
    assert "csv" in missing.json()
    not_utf8 = alpha_client.post("/api/v1/shadow-ai/identity-map/", b"\xff\xfe\x00", content_type="text/csv")
    assert not_utf8.status_code == 400
    assert "UTF-8" in not_utf8.json()["detail"]


def test_identity_map_size_limit(alpha, alpha_client, officer) -> None:
    alpha_client.force_login(officer)
    huge = "x" * 2_000_001
    response = alpha_client.post("/api/v1/shadow-ai/identity-map/", {"csv": huge}, content_type="application/json")
    assert response.status_code == 400
    assert "2000000" in str(response.json())


def test_catalog_add_override_disable_and_delete(alpha, alpha_client, officer) -> None:
    alpha_client.force_login(officer)
    listed = alpha_client.get("/api/v1/shadow-ai/catalog/?limit=500").json()
    keys = {row["key"] for row in listed["results"]}
    assert {"openai-chatgpt", "anthropic-claude"} <= keys
    assert listed["count"] == len(tenant_catalog().services)

    new = {"vendor": "Acme", "product": "Acme Copilot", "category": "chat_assistant", "domains": ["copilot.acme.test"]}
    response = alpha_client.put("/api/v1/shadow-ai/catalog/acme-copilot/", new, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["sources"] == ["tenant"]
    assert response.json()["overridden"] is True
    assert tenant_catalog().match("eu.copilot.acme.test").key == "acme-copilot"

    incomplete = alpha_client.put(
        "/api/v1/shadow-ai/catalog/half-done/", {"vendor": "X"}, content_type="application/json"
    )
    assert incomplete.status_code == 400
    assert "needs vendor, product, category and at least one domain" in incomplete.json()["detail"]
    too_long = alpha_client.put(f"/api/v1/shadow-ai/catalog/{'k' * 81}/", new, content_type="application/json")
    assert too_long.status_code == 400
    assert too_long.json()["detail"] == "a catalog key is 1-80 letters, digits, '-' or '_'"
    bad = alpha_client.patch(
        "/api/v1/shadow-ai/catalog/openai-chatgpt/",
        {"risk": "extreme", "domains": ["not a domain"]},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert set(bad.json()) == {"risk"}

    raised = alpha_client.patch(
        "/api/v1/shadow-ai/catalog/openai-chatgpt/", {"risk": "high"}, content_type="application/json"
    )
    assert raised.json()["risk"] == "high"
    assert raised.json()["vendor"] == "OpenAI"
    off = alpha_client.patch(
        "/api/v1/shadow-ai/catalog/openai-chatgpt/", {"disabled": True}, content_type="application/json"
    )
    assert off.json()["disabled"] is True
    assert tenant_catalog().match("chatgpt.com") is None

    assert alpha_client.delete("/api/v1/shadow-ai/catalog/openai-chatgpt/").status_code == 204
    assert tenant_catalog().match("chatgpt.com").key == "openai-chatgpt"
    assert alpha_client.delete("/api/v1/shadow-ai/catalog/openai-chatgpt/").status_code == 404
    assert alpha_client.get("/api/v1/shadow-ai/catalog/no-such-key/").status_code == 404
    assert set(AuditEntry.objects.filter(action__startswith="shadow_ai.catalog").values_list("action", flat=True)) == {
        "shadow_ai.catalog.add",
        "shadow_ai.catalog.update",
        "shadow_ai.catalog.delete",
    }


def test_policy_read_and_update(alpha, alpha_client, officer) -> None:
    sales = DepartmentFactory(name="Sales")
    alpha_client.force_login(officer)
    assert alpha_client.get("/api/v1/shadow-ai/policy/").json()["pseudonymize_users"] is True
    response = alpha_client.patch(
        "/api/v1/shadow-ai/policy/",
        {"pseudonymize_users": False, "approved_vendors": {"OpenAI": [sales.id], "Anthropic": ["*"]}},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["approved_vendors"] == {"OpenAI": [sales.id], "Anthropic": ["*"]}
    policy = shadow_policy_get()
    assert policy.pseudonymize_users is False
    assert policy.approved_vendors["OpenAI"] == [sales.id]
    for bad in ({"OpenAI": [0]}, {"OpenAI": ["sales"]}, {"OpenAI": []}, {"": [sales.id]}, {"OpenAI": [True]}):
        refused = alpha_client.patch(
            "/api/v1/shadow-ai/policy/", {"approved_vendors": bad}, content_type="application/json"
        )
        assert refused.status_code == 400, bad
    unknown = alpha_client.patch(
        "/api/v1/shadow-ai/policy/", {"approved_vendors": {"OpenAI": [sales.id + 999]}}, content_type="application/json"
    )
    assert unknown.status_code == 400
    assert unknown.json()["detail"] == f"unknown department ids: {sales.id + 999}"
    assert shadow_policy_get().approved_vendors == {"OpenAI": [sales.id], "Anthropic": ["*"]}  # unchanged


def test_other_roles_and_other_tenants_get_nothing(alpha, beta, alpha_client, beta_client, officer) -> None:
    DepartmentFactory(name="Sales")
    alpha_client.force_login(officer)
    alpha_client.post("/api/v1/shadow-ai/identity-map/", "alice,Sales\n", content_type="text/csv")
    alpha_client.put(
        "/api/v1/shadow-ai/catalog/acme-copilot/",
        {"vendor": "Acme", "product": "Acme Copilot", "category": "chat_assistant", "domains": ["copilot.acme.test"]},
        content_type="application/json",
    )
    for role in ("owner", "product", "cx", "viewer"):
        alpha_client.force_login(UserFactory(roles=[role]))
        assert alpha_client.get("/api/v1/shadow-ai/identity-map/").status_code == 403
        assert alpha_client.get("/api/v1/shadow-ai/catalog/").status_code == 403
        assert alpha_client.get("/api/v1/shadow-ai/policy/").status_code == 403
        assert (
            alpha_client.patch(
                "/api/v1/shadow-ai/policy/", {"pseudonymize_users": False}, content_type="application/json"
            ).status_code
            == 403
        )
    assert shadow_policy_get().pseudonymize_users is True
    with schema_context(beta.schema_name):
        beta_officer = UserFactory(roles=["admin"])
        beta_client.force_login(beta_officer)
        assert beta_client.get("/api/v1/shadow-ai/identity-map/").json()["count"] == 0
        assert beta_client.get("/api/v1/shadow-ai/catalog/acme-copilot/").status_code == 404
        assert not TenantAIService.objects.exists()
