from __future__ import annotations

import pytest

from apps.audit.models import AuditEntry
from apps.registry.models import ApiKey, Assistant, ReleaseAnnotation
from tests.factories import issue_key

HTMX = {"HTTP_HX_REQUEST": "true"}
VALID = {
    "name": "Onboarding Helper",
    "purpose": "Answers new joiners",
    "vendor": "anthropic",
    "model": "claude-sonnet-4",
    "status": "pilot",
    "audience_size": "120",
    "launched_on": "",
    "minutes_saved_per_task": "4",
    "hourly_cost": "55",
    "cost_per_human_contact": "6.5",
    "deflection_share": "0.7",
    "fixed_monthly_cost": "300",
    "price_per_1k_tokens": "0.003",
}


def _form(world, **changes: str) -> dict[str, str]:
    return {**VALID, "department": str(world.hr.pk), **changes}


def test_list_shows_only_visible_assistants(login, world) -> None:
    issue_key(world.hr_bot)
    html = login("owner").get("/registry/").content.decode()
    assert "HR Bot" in html
    assert "Sales Bot" not in html
    assert "New assistant" in html
    admin_html = login("admin").get("/registry/").content.decode()
    assert "HR Bot" in admin_html
    assert "Sales Bot" in admin_html


def test_list_filter_returns_table_partial_for_htmx(login, world) -> None:
    world.sales_bot.status = "approved"
    world.sales_bot.save()
    response = login("admin").get("/registry/", {"status": "approved"}, HTTP_HX_TARGET="assistant-table", **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="assistant-table"')
    assert "Sales Bot" in html
    assert "HR Bot" not in html
    # A department the user cannot see is not a valid filter choice: ignored, not leaked.
    owner_html = login("owner").get("/registry/", {"department": world.sales.pk}).content.decode()
    assert "Sales Bot" not in owner_html


@pytest.mark.parametrize("department", ["abc", "999999", "SALES"])
def test_malformed_filter_shows_its_error_and_lists_nothing(login, world, department) -> None:
    value = str(world.sales.pk) if department == "SALES" else department
    for htmx in ({}, {"HTTP_HX_TARGET": "assistant-table", **HTMX}):
        response = login("owner").get("/registry/", {"department": value}, **htmx)
        html = response.content.decode()
        assert response.status_code == 200
        assert "Filter not applied, nothing is listed" in html
        assert "<p>Department: Select a valid choice. That choice is not one of the available choices.</p>" in html
        assert "HR Bot" not in html  # never the unfiltered list
        assert "Sales Bot" not in html


def test_viewer_sees_no_edit_controls(login, world) -> None:
    issue_key(world.hr_bot)
    html = login("viewer").get(f"/registry/{world.hr_bot.pk}/").content.decode()
    assert "HR Bot" in html
    assert "tsk_live_" in html  # the prefix list is visible
    assert f"/registry/{world.hr_bot.pk}/edit/" not in html
    assert "Create key" not in html
    assert "Revoke" not in html
    assert "Add release" not in html
    assert "New assistant" not in login("viewer").get("/registry/").content.decode()


def test_owner_sees_edit_controls(login, world) -> None:
    issue_key(world.hr_bot)
    html = login("owner").get(f"/registry/{world.hr_bot.pk}/").content.decode()
    assert f"/registry/{world.hr_bot.pk}/edit/" in html
    assert "Create key" in html
    assert "hx-confirm=" in html
    assert "Add release" in html


def test_other_department_detail_is_404(login, world) -> None:
    client = login("owner")
    assert client.get(f"/registry/{world.sales_bot.pk}/").status_code == 404
    assert client.post(f"/registry/{world.sales_bot.pk}/edit/", _form(world, name="x")).status_code == 404
    assert client.post(f"/registry/{world.sales_bot.pk}/keys/").status_code == 404


@pytest.mark.parametrize("role", ["viewer", "product", "cx", "compliance"])
def test_unauthorized_posts_are_refused_and_change_nothing(login, world, role) -> None:
    issue_key(world.hr_bot)
    key = ApiKey.objects.get(assistant=world.hr_bot)
    audit_before = AuditEntry.objects.count()
    client = login(role)
    pk = world.hr_bot.pk
    assert client.get(f"/registry/{pk}/edit/").status_code == 403
    assert client.post(f"/registry/{pk}/edit/", _form(world, name="Hijacked")).status_code == 403
    assert client.post(f"/registry/{pk}/keys/", {"name": "x"}).status_code == 403
    assert client.post(f"/registry/{pk}/keys/{key.pk}/revoke/").status_code == 403
    assert (
        client.post(f"/registry/{pk}/releases/", {"date": "2025-01-01", "kind": "prompt", "text": "x"}).status_code
        == 403
    )
    assert (
        client.post(f"/registry/{pk}/validate/", _form(world), HTTP_HX_TRIGGER_NAME="name", **HTMX).status_code == 403
    )
    assert client.get("/registry/new/").status_code == 403
    assert client.post("/registry/new/", _form(world, name="Hijacked")).status_code == 403
    world.hr_bot.refresh_from_db()
    key.refresh_from_db()
    assert world.hr_bot.name == "HR Bot"
    assert key.revoked_at is None
    assert ApiKey.objects.filter(assistant=world.hr_bot).count() == 1
    assert not ReleaseAnnotation.objects.exists()
    assert not Assistant.objects.filter(name="Hijacked").exists()
    assert AuditEntry.objects.count() == audit_before


def test_owner_creates_assistant_through_the_form(login, world) -> None:
    response = login("owner").post("/registry/new/", _form(world))
    created = Assistant.objects.get(name="Onboarding Helper")
    assert response.status_code == 302
    assert response.url == f"/registry/{created.pk}/"
    assert created.department == world.hr
    assert str(created.deflection_share) == "0.700"
    assert AuditEntry.objects.filter(action="assistant.register", target_id=str(created.pk)).exists()


def test_create_form_only_offers_manageable_departments(login, world) -> None:
    html = login("owner").get("/registry/new/").content.decode()
    assert f'value="{world.hr.pk}"' in html
    assert f'value="{world.sales.pk}"' not in html
    response = login("owner").post("/registry/new/", _form(world, department=str(world.sales.pk)))
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Assistant.objects.filter(name="Onboarding Helper").exists()


def test_invalid_form_shows_errors_and_creates_nothing(login, world) -> None:
    response = login("owner").post("/registry/new/", _form(world, deflection_share="1.5", audience_size="-3"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Ensure this value is less than or equal to 1." in html
    assert "Ensure this value is greater than or equal to 0." in html
    assert not Assistant.objects.filter(name="Onboarding Helper").exists()


def test_inline_validation_returns_the_field_partial_with_its_error(login, world) -> None:
    client = login("owner")
    response = client.post(
        "/registry/new/validate/", _form(world, audience_size="-5"), HTTP_HX_TRIGGER_NAME="audience_size", **HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div class="field has-error" id="field-audience_size"')
    assert "Ensure this value is greater than or equal to 0." in html
    assert "<html" not in html
    # Another field's error is not reported in this field's partial.
    response = client.post(
        "/registry/new/validate/", _form(world, audience_size="-5"), HTTP_HX_TRIGGER_NAME="vendor", **HTMX
    )
    assert 'class="field" id="field-vendor"' in response.content.decode()
    assert "error" not in response.content.decode().split("</label>")[1]


def test_inline_validation_reports_duplicate_name_on_the_name_field(login, world) -> None:
    response = login("owner").post(
        "/registry/new/validate/", _form(world, name="HR Bot"), HTTP_HX_TRIGGER_NAME="name", **HTMX
    )
    assert "HR already has an assistant named “HR Bot”." in response.content.decode()
    # Editing HR Bot itself keeps its own name without complaint.
    response = login("owner").post(
        f"/registry/{world.hr_bot.pk}/validate/", _form(world, name="HR Bot"), HTTP_HX_TRIGGER_NAME="name", **HTMX
    )
    assert "already has" not in response.content.decode()


def test_edit_form_records_before_and_after(login, world) -> None:
    response = login("owner").post(
        f"/registry/{world.hr_bot.pk}/edit/", _form(world, name="HR Bot", audience_size="42")
    )
    assert response.status_code == 302
    world.hr_bot.refresh_from_db()
    assert world.hr_bot.audience_size == 42
    entry = AuditEntry.objects.filter(action="assistant.update").latest("id")
    assert entry.before["audience_size"] == 10
    assert entry.after["audience_size"] == 42


def test_create_key_shows_plaintext_once(login, world) -> None:
    client = login("owner")
    response = client.post(f"/registry/{world.hr_bot.pk}/keys/", {"name": "prod"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section class="card" id="keys"')
    api_key = ApiKey.objects.get(assistant=world.hr_bot)
    start = html.index('id="new-key">') + len('id="new-key">')
    plaintext = html[start : html.index("<", start)]
    assert plaintext.startswith(api_key.prefix)
    assert len(plaintext) > len(api_key.prefix) + 16
    assert html.count(plaintext) == 1
    later = client.get(f"/registry/{world.hr_bot.pk}/").content.decode()
    assert plaintext not in later
    assert f"{api_key.prefix}…" in later


def test_revoke_key_from_page(login, world) -> None:
    issue_key(world.hr_bot)
    key = ApiKey.objects.get(assistant=world.hr_bot)
    response = login("owner").post(f"/registry/{world.hr_bot.pk}/keys/{key.pk}/revoke/", **HTMX)
    assert response.status_code == 200
    assert "revoked" in response.content.decode()
    key.refresh_from_db()
    assert key.revoked_at is not None


def test_add_release_from_page(login, world) -> None:
    client = login("owner")
    response = client.post(
        f"/registry/{world.hr_bot.pk}/releases/", {"date": "", "kind": "prompt", "text": "x"}, **HTMX
    )
    assert "This field is required." in response.content.decode()
    assert not ReleaseAnnotation.objects.exists()
    response = client.post(
        f"/registry/{world.hr_bot.pk}/releases/",
        {"date": "2025-02-03", "kind": "prompt", "text": "Shorter answers"},
        **HTMX,
    )
    assert "Shorter answers" in response.content.decode()
    assert ReleaseAnnotation.objects.get().created_by == world.users["owner"]


def test_pages_require_login(alpha_client, world) -> None:
    response = alpha_client.get("/registry/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")
