"""Publishable (browser) keys in the registry: created by owners and admins through the API and
the page, stored hashed, with normalized exact origins and a rate limit."""

from __future__ import annotations

import pytest

from apps.audit.models import AuditEntry
from apps.registry.models import ApiKey
from apps.registry.services import (
    ForbiddenKeyError,
    InvalidKeyError,
    InvalidOriginError,
    api_key_authenticate,
    origin_normalize,
)

API = "/api/v1"
JSON = "application/json"
HTMX = {"HTTP_HX_REQUEST": "true"}


def test_owner_creates_a_publishable_key_through_the_api(login, world) -> None:
    response = login("owner").post(
        f"{API}/assistants/{world.hr_bot.pk}/keys/",
        {
            "name": "web",
            "kind": "publishable",
            "allowed_origins": ["https://App.Example.com:443/", "http://localhost:8080"],
            "rate_limit_per_minute": 120,
        },
        content_type=JSON,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    plaintext = body["key"]
    assert plaintext.startswith("tpk_live_")
    assert plaintext.startswith(body["prefix"])
    assert (body["kind"], body["allowed_origins"], body["rate_limit_per_minute"]) == (
        "publishable",
        ["https://app.example.com", "http://localhost:8080"],
        120,
    )
    row = ApiKey.objects.filter(pk=body["id"]).values().get()
    assert all(plaintext not in str(value) for value in row.values())  # hashed like secret keys
    assert api_key_authenticate(plaintext, kind="publishable").pk == body["id"]
    # It is not a secret key, and a secret-key check does not accept it.
    with pytest.raises(InvalidKeyError):
        api_key_authenticate(plaintext)
    entry = AuditEntry.objects.get(action="api_key.create", target_id=str(body["id"]))
    assert entry.after["kind"] == "publishable"
    assert plaintext[len(body["prefix"]) :] not in str(entry.after)


@pytest.mark.parametrize(
    ("origins", "error"),
    [
        ([], "at least one allowed origin"),
        (["*"], "not an origin"),
        (["https://*.example.com"], "wildcards"),
        (["https://app.example.com/path"], "no path"),
        (["app.example.com"], "not an origin"),
        (["ftp://app.example.com"], "not an origin"),
    ],
)
def test_bad_origins_are_refused_and_nothing_is_created(login, world, origins, error) -> None:
    response = login("admin").post(
        f"{API}/assistants/{world.hr_bot.pk}/keys/",
        {"kind": "publishable", "allowed_origins": origins},
        content_type=JSON,
    )
    assert response.status_code == 400
    assert error in str(response.json())
    assert not ApiKey.objects.exists()


def test_secret_keys_take_no_origins(login, world) -> None:
    response = login("admin").post(
        f"{API}/assistants/{world.hr_bot.pk}/keys/", {"allowed_origins": ["https://a.example"]}, content_type=JSON
    )
    assert response.status_code == 400
    assert not ApiKey.objects.exists()


@pytest.mark.parametrize("role", ["product", "cx", "viewer", "compliance"])
def test_read_only_roles_cannot_create_publishable_keys(login, world, role) -> None:
    body = {"kind": "publishable", "allowed_origins": ["https://a.example"]}
    assert login(role).post(f"{API}/assistants/{world.hr_bot.pk}/keys/", body, content_type=JSON).status_code == 403
    assert (
        login(role)
        .post(f"/registry/{world.hr_bot.pk}/keys/", {**body, "allowed_origins": "https://a.example"})
        .status_code
        == 403
    )
    assert not ApiKey.objects.exists()


def test_owner_of_another_department_cannot_create_one(login, world) -> None:
    body = {"kind": "publishable", "allowed_origins": ["https://a.example"]}
    assert (
        login("owner").post(f"{API}/assistants/{world.sales_bot.pk}/keys/", body, content_type=JSON).status_code == 404
    )
    assert not ApiKey.objects.exists()


def test_page_creates_a_publishable_key_and_shows_the_snippet_once(login, world) -> None:
    client = login("owner")
    response = client.post(
        f"/registry/{world.hr_bot.pk}/keys/",
        {
            "kind": "publishable",
            "name": "web",
            "allowed_origins": "https://app.example.com, http://localhost:3000",
            "rate_limit_per_minute": "90",
        },
        **HTMX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    api_key = ApiKey.objects.get(assistant=world.hr_bot)
    assert (api_key.kind, api_key.allowed_origins, api_key.rate_limit_per_minute) == (
        "publishable",
        ["https://app.example.com", "http://localhost:3000"],
        90,
    )
    start = html.index('id="new-key">') + len('id="new-key">')
    plaintext = html[start : html.index("<", start)]
    assert plaintext.startswith(api_key.prefix)
    assert f'data-key="{plaintext}"' in html  # the copy-paste snippet, filled in
    assert "/static/tessera/tessera.js" in html
    later = client.get(f"/registry/{world.hr_bot.pk}/").content.decode()
    assert plaintext not in later
    assert "publishable · https://app.example.com, http://localhost:3000" in later


def test_page_names_a_bad_origin(login, world) -> None:
    response = login("owner").post(
        f"/registry/{world.hr_bot.pk}/keys/",
        {"kind": "publishable", "allowed_origins": "https://a.example/app"},
        **HTMX,
    )
    assert response.status_code == 200  # htmx swaps the section with the message
    assert "no path" in response.content.decode()
    assert not ApiKey.objects.exists()


def test_origin_normalize() -> None:
    assert origin_normalize("HTTPS://Shop.Example:443") == "https://shop.example"
    assert origin_normalize("http://shop.example:80/") == "http://shop.example"
    assert origin_normalize("http://127.0.0.1:8000") == "http://127.0.0.1:8000"
    assert origin_normalize("http://[::1]:3000") == "http://[::1]:3000"
    with pytest.raises(InvalidOriginError):
        origin_normalize("https://shop.example:99999")


def test_revoked_publishable_key_is_refused(world, login) -> None:
    from tests.factories import issue_publishable_key

    plaintext = issue_publishable_key(world.hr_bot)
    api_key = ApiKey.objects.get(assistant=world.hr_bot)
    assert login("owner").post(f"{API}/assistants/{world.hr_bot.pk}/keys/{api_key.pk}/revoke/").status_code == 200
    with pytest.raises(ForbiddenKeyError):
        api_key_authenticate(plaintext, kind="publishable")
