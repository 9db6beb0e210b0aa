from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from apps.audit.models import AuditEntry
from apps.registry.models import ApiKey, Assistant, ReleaseAnnotation
from apps.registry.services import ForbiddenKeyError, api_key_authenticate
from tests.factories import AssistantFactory, ReleaseAnnotationFactory, issue_key

API = "/api/v1"
JSON = "application/json"


def _names(response) -> list[str]:
    return sorted(row["name"] for row in response.json()["results"])


# --- visibility ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("admin", ["HR Bot", "Sales Bot"]),
        ("compliance", ["HR Bot", "Sales Bot"]),
        ("owner", ["HR Bot"]),
        ("product", ["HR Bot"]),
        ("cx", ["HR Bot"]),
        ("viewer", ["HR Bot"]),
    ],
)
def test_list_is_scoped_by_role_and_department(login, role, expected) -> None:
    response = login(role).get(f"{API}/assistants/")
    assert response.status_code == 200
    assert _names(response) == expected


def test_list_filters_by_department_and_status(login, world) -> None:
    world.sales_bot.status = "approved"
    world.sales_bot.save()
    client = login("admin")
    assert _names(client.get(f"{API}/assistants/", {"department": world.hr.pk})) == ["HR Bot"]
    assert _names(client.get(f"{API}/assistants/", {"status": "approved"})) == ["Sales Bot"]


CHOICE_ERROR = "Select a valid choice. That choice is not one of the available choices."


@pytest.mark.parametrize(
    ("role", "params", "errors"),
    [
        ("admin", {"department": "abc"}, {"department": [CHOICE_ERROR]}),
        ("admin", {"department": "999999"}, {"department": [CHOICE_ERROR]}),
        # Another department's id is refused exactly like an unknown one (no oracle).
        ("owner", {"department": "SALES"}, {"department": [CHOICE_ERROR]}),
        (
            "admin",
            {"status": "sunset"},
            {"status": ["Select a valid choice. sunset is not one of the available choices."]},
        ),
    ],
)
def test_malformed_filter_is_a_precise_400(login, world, role, params, errors) -> None:
    params = {k: str(world.sales.pk) if v == "SALES" else v for k, v in params.items()}
    response = login(role).get(f"{API}/assistants/", params)
    assert response.status_code == 400
    assert response.json() == errors


def test_list_filters_are_in_the_openapi_schema(login) -> None:
    schema = login("admin").get("/api/schema/", {"format": "json"}).json()
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/assistants/"]["get"]["parameters"]}
    assert parameters["department"]["schema"] == {"type": "integer"}
    assert parameters["status"]["schema"]["enum"] == ["approved", "pilot", "retired"]


def test_retrieve_includes_department_and_active_key_count(login, world) -> None:
    issue_key(world.hr_bot)
    revoked = ApiKey.objects.get(assistant=world.hr_bot)
    issue_key(world.hr_bot)
    ApiKey.objects.filter(pk=revoked.pk).update(revoked_at="2025-01-01T00:00:00Z")
    body = login("owner").get(f"{API}/assistants/{world.hr_bot.pk}/").json()
    assert body["department"] == {"id": world.hr.pk, "name": "HR", "description": ""}
    assert body["keys_count"] == 1


def test_other_department_is_invisible(login, world) -> None:
    client = login("owner")
    assert client.get(f"{API}/assistants/{world.sales_bot.pk}/").status_code == 404
    response = client.patch(f"{API}/assistants/{world.sales_bot.pk}/", {"audience_size": 1}, content_type=JSON)
    assert response.status_code == 404
    assert client.post(f"{API}/assistants/{world.sales_bot.pk}/keys/", {}, content_type=JSON).status_code == 404
    assert client.get(f"{API}/assistants/{world.sales_bot.pk}/releases/").status_code == 404
    world.sales_bot.refresh_from_db()
    assert world.sales_bot.audience_size == 20
    assert not ApiKey.objects.filter(assistant=world.sales_bot).exists()


def test_other_tenants_assistant_ids_are_404(login, world, beta) -> None:
    with schema_context(beta.schema_name):
        foreign = AssistantFactory(id=900_001, name="Beta Bot")
        foreign_key = ApiKey.objects.count()
    assert not Assistant.objects.filter(pk=foreign.pk).exists()
    client = login("admin")
    assert client.get(f"{API}/assistants/{foreign.pk}/").status_code == 404
    assert client.patch(f"{API}/assistants/{foreign.pk}/", {"name": "x"}, content_type=JSON).status_code == 404
    assert client.post(f"{API}/assistants/{foreign.pk}/keys/", {}, content_type=JSON).status_code == 404
    assert client.get(f"{API}/assistants/{foreign.pk}/releases/").status_code == 404
    with schema_context(beta.schema_name):
        assert Assistant.objects.get(pk=foreign.pk).name == "Beta Bot"
        assert ApiKey.objects.count() == foreign_key


def test_api_keys_do_not_authenticate_registry_api(alpha_client, world) -> None:
    key = issue_key(world.hr_bot)
    response = alpha_client.get(f"{API}/assistants/", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code in (401, 403)
    assert "results" not in response.json()


# --- create / update -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "department", "status"),
    [
        ("admin", "sales", 201),
        ("owner", "hr", 201),
        ("product", "hr", 403),
        ("cx", "hr", 403),
        ("viewer", "hr", 403),
        ("compliance", "hr", 403),
    ],
)
def test_create_permission_matrix(login, world, role, department, status) -> None:
    dept = getattr(world, department)
    payload = {"department": dept.pk, "name": "New Bot", "vendor": "anthropic", "model": "claude-sonnet-4"}
    response = login(role).post(f"{API}/assistants/", payload, content_type=JSON)
    assert response.status_code == status, response.content
    created = Assistant.objects.filter(name="New Bot", department=dept)
    assert created.exists() == (status == 201)
    if status == 201:
        assert response.json()["department"]["id"] == dept.pk
        assert response.json()["keys_count"] == 0
    else:
        assert "detail" in response.json()


def test_create_in_invisible_department_is_a_precise_400(login, world) -> None:
    payload = {"department": world.sales.pk, "name": "Sneaky", "vendor": "openai", "model": "gpt-4o"}
    response = login("owner").post(f"{API}/assistants/", payload, content_type=JSON)
    assert response.status_code == 400
    assert response.json() == {"department": [f"no department with id {world.sales.pk} that you can see"]}
    assert not Assistant.objects.filter(name="Sneaky").exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("audience_size", -1, "Ensure this value is greater than or equal to 0."),
        ("hourly_cost", "-0.01", "Ensure this value is greater than or equal to 0."),
        ("fixed_monthly_cost", "-5", "Ensure this value is greater than or equal to 0."),
        ("price_per_1k_tokens", "-1", "Ensure this value is greater than or equal to 0."),
        ("deflection_share", "1.5", "Ensure this value is less than or equal to 1."),
        ("deflection_share", "-0.1", "Ensure this value is greater than or equal to 0."),
        ("status", "live", '"live" is not a valid choice.'),
    ],
)
def test_validation_errors_name_field_and_reason(login, world, field, value, message) -> None:
    payload = {"department": world.hr.pk, "name": "Bad Bot", "vendor": "openai", "model": "gpt-4o", field: value}
    response = login("owner").post(f"{API}/assistants/", payload, content_type=JSON)
    assert response.status_code == 400
    assert response.json() == {field: [message]}
    assert not Assistant.objects.filter(name="Bad Bot").exists()
    # Same rules on update; nothing changes.
    response = login("owner").patch(f"{API}/assistants/{world.hr_bot.pk}/", {field: value}, content_type=JSON)
    assert response.status_code == 400
    assert response.json() == {field: [message]}
    assert Assistant.objects.get(pk=world.hr_bot.pk).audience_size == 10


def test_duplicate_name_is_refused(login, world) -> None:
    payload = {"department": world.hr.pk, "name": "HR Bot", "vendor": "openai", "model": "gpt-4o"}
    response = login("owner").post(f"{API}/assistants/", payload, content_type=JSON)
    assert response.status_code == 400
    assert response.json() == {"detail": "department 'HR' already has an assistant named 'HR Bot'"}
    AssistantFactory(department=world.hr, name="Other")
    response = login("owner").patch(f"{API}/assistants/{world.hr_bot.pk}/", {"name": "Other"}, content_type=JSON)
    assert response.status_code == 400
    assert "already exists" in str(response.json())
    assert Assistant.objects.get(pk=world.hr_bot.pk).name == "HR Bot"


@pytest.mark.parametrize(
    ("role", "status"),
    [("admin", 200), ("owner", 200), ("product", 403), ("cx", 403), ("viewer", 403), ("compliance", 403)],
)
def test_update_permission_matrix(login, world, role, status) -> None:
    url = f"{API}/assistants/{world.hr_bot.pk}/"
    response = login(role).patch(url, {"audience_size": 99}, content_type=JSON)
    assert response.status_code == status
    world.hr_bot.refresh_from_db()
    assert world.hr_bot.audience_size == (99 if status == 200 else 10)
    if status == 403:
        assert response.json() == {"detail": "only an admin or an owner of this assistant's department may change it"}


def test_owner_cannot_move_assistant_into_foreign_department(login, world) -> None:
    response = login("owner").patch(
        f"{API}/assistants/{world.hr_bot.pk}/", {"department": world.sales.pk}, content_type=JSON
    )
    assert response.status_code == 400
    assert response.json() == {"department": [f"no department with id {world.sales.pk} that you can see"]}
    world.hr_bot.refresh_from_db()
    assert world.hr_bot.department_id == world.hr.pk


def test_update_writes_audit_entry_with_before_and_after(login, world) -> None:
    response = login("owner").patch(
        f"{API}/assistants/{world.hr_bot.pk}/",
        {"audience_size": 25, "status": "approved", "deflection_share": "0.4"},
        content_type=JSON,
    )
    assert response.status_code == 200
    entry = AuditEntry.objects.filter(action="assistant.update").latest("id")
    assert entry.actor == world.users["owner"]
    assert entry.target_type == "registry.assistant"
    assert entry.target_id == str(world.hr_bot.pk)
    assert entry.before == {"audience_size": 10, "status": "pilot", "deflection_share": "1.000"}
    assert entry.after == {"audience_size": 25, "status": "approved", "deflection_share": "0.400"}


def test_create_writes_audit_entry(login, world) -> None:
    payload = {"department": world.hr.pk, "name": "Audited", "vendor": "mistral", "model": "mistral-large"}
    login("owner").post(f"{API}/assistants/", payload, content_type=JSON)
    entry = AuditEntry.objects.filter(action="assistant.register").latest("id")
    assert entry.actor_label == "reg-owner@alpha.test"
    assert entry.after["name"] == "Audited"
    assert entry.after["department"] == world.hr.pk


def test_put_is_not_offered(login, world) -> None:
    response = login("owner").put(f"{API}/assistants/{world.hr_bot.pk}/", {"name": "x"}, content_type=JSON)
    assert response.status_code == 405


# --- API keys --------------------------------------------------------------------------------


def test_key_is_shown_once_and_stored_hashed(login, world) -> None:
    client = login("owner")
    response = client.post(f"{API}/assistants/{world.hr_bot.pk}/keys/", {"name": "prod"}, content_type=JSON)
    assert response.status_code == 201
    body = response.json()
    plaintext = body["key"]
    assert plaintext.startswith("tsk_live_")
    assert plaintext.startswith(body["prefix"])
    assert body["name"] == "prod"
    assert body["revoked"] is False

    row = ApiKey.objects.filter(pk=body["id"]).values().get()
    assert all(plaintext not in str(value) for value in row.values())
    assert row["hashed"] != plaintext
    assert not AuditEntry.objects.filter(after__icontains=plaintext[len(body["prefix"]) :]).exists()
    assert api_key_authenticate(plaintext).pk == body["id"]

    listing = client.get(f"{API}/assistants/{world.hr_bot.pk}/keys/")
    assert listing.status_code == 200
    assert plaintext not in listing.content.decode()
    [listed] = listing.json()["results"]
    assert set(listed) == {
        "id",
        "prefix",
        "name",
        "kind",
        "allowed_origins",
        "rate_limit_per_minute",
        "created_at",
        "created_by",
        "last_used_at",
        "revoked",
        "revoked_at",
    }
    assert (listed["kind"], listed["allowed_origins"], listed["rate_limit_per_minute"]) == ("secret", [], None)
    assert listed["created_by"] == "reg-owner@alpha.test"


@pytest.mark.parametrize("role", ["product", "cx", "viewer", "compliance"])
def test_read_only_roles_cannot_create_or_revoke_keys(login, world, role) -> None:
    key = issue_key(world.hr_bot)
    existing = ApiKey.objects.get(assistant=world.hr_bot)
    client = login(role)
    assert client.get(f"{API}/assistants/{world.hr_bot.pk}/keys/").status_code == 200
    assert client.post(f"{API}/assistants/{world.hr_bot.pk}/keys/", {}, content_type=JSON).status_code == 403
    assert client.post(f"{API}/assistants/{world.hr_bot.pk}/keys/{existing.pk}/revoke/").status_code == 403
    assert ApiKey.objects.filter(assistant=world.hr_bot).count() == 1
    assert api_key_authenticate(key).revoked_at is None


def test_revoke_key(login, world) -> None:
    key = issue_key(world.hr_bot)
    api_key = ApiKey.objects.get(assistant=world.hr_bot)
    response = login("owner").post(f"{API}/assistants/{world.hr_bot.pk}/keys/{api_key.pk}/revoke/")
    assert response.status_code == 200
    assert response.json()["revoked"] is True
    with pytest.raises(ForbiddenKeyError):
        api_key_authenticate(key)
    assert AuditEntry.objects.filter(action="api_key.revoke", target_id=str(api_key.pk)).count() == 1
    # Revoking again is harmless and not audited twice.
    assert login("owner").post(f"{API}/assistants/{world.hr_bot.pk}/keys/{api_key.pk}/revoke/").status_code == 200
    assert AuditEntry.objects.filter(action="api_key.revoke", target_id=str(api_key.pk)).count() == 1


def test_key_of_another_assistant_cannot_be_revoked_through_this_one(login, world) -> None:
    issue_key(world.sales_bot)
    sales_key = ApiKey.objects.get(assistant=world.sales_bot)
    response = login("owner").post(f"{API}/assistants/{world.hr_bot.pk}/keys/{sales_key.pk}/revoke/")
    assert response.status_code == 404
    sales_key.refresh_from_db()
    assert sales_key.revoked_at is None


# --- releases and departments ----------------------------------------------------------------


def test_release_annotations_list_and_create(login, world) -> None:
    ReleaseAnnotationFactory(assistant=world.hr_bot, text="Initial prompt")
    client = login("owner")
    url = f"{API}/assistants/{world.hr_bot.pk}/releases/"
    response = client.post(url, {"date": "2025-03-01", "kind": "model", "text": "gpt-4o → gpt-4.1"}, content_type=JSON)
    assert response.status_code == 201
    assert response.json()["created_by"] == "reg-owner@alpha.test"
    texts = [row["text"] for row in client.get(url).json()["results"]]
    assert texts == ["gpt-4o → gpt-4.1", "Initial prompt"] or set(texts) == {"gpt-4o → gpt-4.1", "Initial prompt"}
    assert AuditEntry.objects.filter(action="release.annotate").count() == 1


def test_release_validation_and_permissions(login, world) -> None:
    url = f"{API}/assistants/{world.hr_bot.pk}/releases/"
    response = login("owner").post(url, {"date": "2025-03-01", "kind": "vibes", "text": "x"}, content_type=JSON)
    assert response.status_code == 400
    assert response.json() == {"kind": ['"vibes" is not a valid choice.']}
    response = login("viewer").post(url, {"date": "2025-03-01", "kind": "prompt", "text": "x"}, content_type=JSON)
    assert response.status_code == 403
    assert not ReleaseAnnotation.objects.exists()


@pytest.mark.parametrize(
    ("role", "expected"),
    [("admin", ["HR", "Sales"]), ("compliance", ["HR", "Sales"]), ("owner", ["HR"]), ("viewer", ["HR"])],
)
def test_departments_are_scoped(login, world, role, expected) -> None:
    response = login(role).get(f"{API}/departments/")
    assert response.status_code == 200
    assert [d["name"] for d in response.json()["results"]] == expected
    status = 200 if "Sales" in expected else 404
    assert login(role).get(f"{API}/departments/{world.sales.pk}/").status_code == status


def test_schema_documents_registry_endpoints(login, world) -> None:
    response = login("admin").get("/api/schema/")
    assert response.status_code == 200
    text = response.content.decode()
    for path in ("/api/v1/assistants/", "/api/v1/assistants/{assistant_pk}/keys/", "/api/v1/departments/"):
        assert path in text
