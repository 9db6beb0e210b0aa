"""Personal API tokens: hashed at rest, shown once, read-only, the user's current roles, own host only."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context
from psycopg import sql

from apps.accounts.models import PersonalToken
from apps.accounts.services import token_create, token_revoke, user_set_roles
from apps.audit.models import AuditEntry
from apps.core.exceptions import NotPermittedError
from apps.ingestion.models import IngestBatch
from apps.registry.models import Assistant
from tests.conftest import ALPHA, BETA
from tests.factories import AssistantFactory, DepartmentFactory, UserFactory, issue_key
from tests.ingestion.conftest import make_conversation

LIMIT = 5


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def api(token: str, path: str, *, method: str = "get", host: str = ALPHA["domain"], **extra):
    return getattr(Client(HTTP_HOST=host), method)(path, **bearer(token), **extra)


@pytest.fixture
def hr(alpha):
    hr = DepartmentFactory(name="HR")
    AssistantFactory(department=hr, name="HR Bot")
    AssistantFactory(department=DepartmentFactory(name="Sales"), name="Sales Bot")
    return hr


@pytest.fixture
def owner(hr):
    user = UserFactory(email="owner@alpha.test", roles=["owner"])
    hr.members.add(user)
    return user


def _assistant_names(response) -> list[str]:
    assert response.status_code == 200, response.content
    body = response.json()
    return sorted(row["name"] for row in body.get("results", body))


# --- storage ------------------------------------------------------------------------------------


def test_the_plaintext_is_stored_nowhere(owner) -> None:
    plaintext = token_create(actor=owner, user=owner, name="BI").plaintext
    assert plaintext.startswith("tsp_")
    token = PersonalToken.objects.get()
    assert token.prefix == plaintext[:16]
    assert token.hashed != plaintext
    # Every table of the tenant and of the public schema, searched as text: only the prefix is there.
    hits = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_schema IN (%s, 'public') AND table_type = 'BASE TABLE'",
            [ALPHA["slug"]],
        )
        for schema, table in cursor.fetchall():
            cursor.execute(
                sql.SQL("SELECT count(*) FROM {} t WHERE t::text LIKE %s").format(sql.Identifier(schema, table)),
                [f"%{plaintext[16:]}%"],
            )
            if cursor.fetchone()[0]:
                hits.append(f"{schema}.{table}")
    assert hits == []
    audit = AuditEntry.objects.get(action="api_token.create")
    assert audit.actor == owner
    assert audit.after["prefix"] == token.prefix


# --- reads with a token ---------------------------------------------------------------------------


def test_a_token_reads_the_assistants_its_user_may_see(owner) -> None:
    plaintext = token_create(actor=owner, user=owner).plaintext
    assert _assistant_names(api(plaintext, "/api/v1/assistants/")) == ["HR Bot"]
    assert api(plaintext, "/api/v1/departments/").status_code == 200
    assert PersonalToken.objects.get().last_used_at is not None


def test_a_token_reads_back_conversations_of_its_users_departments(post_events, assistant, api_key) -> None:
    post_events(make_conversation("tok"))
    member = UserFactory(roles=["cx"])
    assistant.department.members.add(member)
    outsider = UserFactory(roles=["cx"])
    member_token = token_create(actor=member, user=member).plaintext
    outsider_token = token_create(actor=outsider, user=outsider).plaintext

    response = api(member_token, "/api/v1/conversations/tok")
    assert response.status_code == 200
    assert response.json()["conversation_id"] == "tok"
    assert api(outsider_token, "/api/v1/conversations/tok").status_code == 404
    # The assistant's own key still reads it back next to the user tokens.
    assert api(api_key, "/api/v1/conversations/tok").status_code == 200


def test_role_changes_and_deactivation_apply_at_once(hr) -> None:
    user = UserFactory(roles=["compliance"])
    plaintext = token_create(actor=user, user=user).plaintext
    assert _assistant_names(api(plaintext, "/api/v1/assistants/")) == ["HR Bot", "Sales Bot"]
    assert api(plaintext, "/api/v1/compliance/cases/").status_code == 200

    user_set_roles(user=user, roles=["viewer"])
    assert _assistant_names(api(plaintext, "/api/v1/assistants/")) == []
    response = api(plaintext, "/api/v1/compliance/cases/")
    assert response.status_code == 403
    assert response.json()["detail"] == "review cases are open to compliance users only"

    user.roles = ["admin"]
    user.is_active = False
    user.save()
    response = api(plaintext, "/api/v1/assistants/")
    assert response.status_code == 403
    assert "deactivated" in response.json()["detail"]


# --- writes are refused -------------------------------------------------------------------------------


def test_a_token_never_writes(hr) -> None:
    admin = UserFactory(roles=["admin"])
    plaintext = token_create(actor=admin, user=admin).plaintext
    before = Assistant.objects.count()
    response = api(
        plaintext,
        "/api/v1/assistants/",
        method="post",
        data={"department": hr.pk, "name": "New", "vendor": "openai", "model": "gpt-4o"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json()["detail"].startswith("personal API tokens are read-only: POST")
    assert Assistant.objects.count() == before
    bot = Assistant.objects.get(name="HR Bot")
    response = api(
        plaintext, f"/api/v1/assistants/{bot.pk}/", method="patch", data={"name": "X"}, content_type="application/json"
    )
    assert response.status_code == 403
    bot.refresh_from_db()
    assert bot.name == "HR Bot"


def test_a_token_does_not_sign_in_to_pages(owner) -> None:
    plaintext = token_create(actor=owner, user=owner).plaintext
    response = api(plaintext, "/accounts/tokens/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- tokens and ingestion keys are different credentials ---------------------------------------------


def test_a_token_is_not_an_ingestion_key(owner) -> None:
    plaintext = token_create(actor=owner, user=owner).plaintext
    batches = IngestBatch.objects.count()
    response = api(
        plaintext,
        "/api/v1/events",
        method="post",
        data={"events": make_conversation("x")},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert "read-only" in response.json()["detail"]
    assert IngestBatch.objects.count() == batches


def test_an_ingestion_key_is_not_a_token(hr) -> None:
    key = issue_key(Assistant.objects.get(name="HR Bot"))
    response = api(key, "/api/v1/assistants/")
    assert response.status_code in (401, 403)
    assert "use a personal API token" in response.json()["detail"]
    # Shaped like a token but really a key (prefix swapped): unknown.
    assert api("tsp_" + key[len("tsk_live_") :], "/api/v1/assistants/").status_code in (401, 403)


# --- tenancy ----------------------------------------------------------------------------------------------


def test_a_token_works_only_on_its_own_organizations_host(owner, beta) -> None:
    plaintext = token_create(actor=owner, user=owner).plaintext
    # The same e-mail exists in Beta, as an admin: the token must still not become that user.
    with schema_context(beta.schema_name):
        UserFactory(email=owner.email, roles=["admin"])
        AssistantFactory(name="Beta Bot")
    response = api(plaintext, "/api/v1/assistants/", host=BETA["domain"])
    assert response.status_code == 403
    assert (
        response.json()["detail"] == "this token belongs to another organization; send it to that organization's host"
    )
    assert _assistant_names(api(plaintext, "/api/v1/assistants/")) == ["HR Bot"]


# --- revocation and expiry ---------------------------------------------------------------------------------


def test_revocation_takes_effect_on_the_next_request(owner) -> None:
    issued = token_create(actor=owner, user=owner)
    assert api(issued.plaintext, "/api/v1/assistants/").status_code == 200
    token_revoke(actor=owner, token=issued.token)
    response = api(issued.plaintext, "/api/v1/assistants/")
    assert response.status_code == 403
    assert "was revoked on" in response.json()["detail"]
    assert AuditEntry.objects.filter(action="api_token.revoke", actor=owner).count() == 1


def test_only_the_owner_or_an_admin_may_revoke(owner) -> None:
    issued = token_create(actor=owner, user=owner)
    other = UserFactory(roles=["owner"])
    with pytest.raises(NotPermittedError):
        token_revoke(actor=other, token=issued.token)
    with pytest.raises(NotPermittedError):
        token_create(actor=other, user=owner)
    issued.token.refresh_from_db()
    assert issued.token.revoked_at is None
    token_revoke(actor=UserFactory(roles=["admin"]), token=issued.token)
    assert PersonalToken.objects.get().status == "revoked"


def test_an_expired_token_is_refused(owner) -> None:
    issued = token_create(actor=owner, user=owner, expires_at=timezone.now() + timedelta(days=1))
    PersonalToken.objects.filter(pk=issued.token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = api(issued.plaintext, "/api/v1/assistants/")
    assert response.status_code == 403
    assert "expired on" in response.json()["detail"]


# --- throttling ----------------------------------------------------------------------------------------------


def test_repeated_bad_tokens_are_throttled(settings, owner) -> None:
    settings.API_AUTH_FAILURE_LIMIT = LIMIT
    settings.API_AUTH_FAILURE_WINDOW_SECONDS = 60
    ip = f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.{secrets.randbelow(256)}"
    bad = "tsp_" + "0" * 12 + "x" * 43
    statuses = [api(bad, "/api/v1/assistants/", REMOTE_ADDR=ip).status_code for _ in range(LIMIT)]
    assert set(statuses) <= {401, 403}
    assert len(statuses) == LIMIT
    throttled = api(bad, "/api/v1/assistants/", REMOTE_ADDR=ip)
    assert throttled.status_code == 429
    assert throttled["Retry-After"] == "60"
    assert "too many failed personal API token attempts" in throttled.json()["detail"]
    # A valid token behind the same address keeps working; the counter is per scope.
    good = token_create(actor=owner, user=owner).plaintext
    assert api(good, "/api/v1/assistants/", REMOTE_ADDR=ip).status_code == 200
    assert cache.get(f"auth-failures:api-token:{ip}") == LIMIT
    assert cache.get(f"auth-failures:api-key:{ip}") is None


# --- the command -----------------------------------------------------------------------------------------------


def test_create_api_token_prints_the_token_last(owner, capsys) -> None:
    connection.set_schema_to_public()
    call_command("create_api_token", org=ALPHA["slug"], email=owner.email.upper(), name="Power BI")
    lines = capsys.readouterr().out.strip().splitlines()
    plaintext = lines[-1]
    assert plaintext.startswith("tsp_")
    assert "owner@alpha.test" in lines[0]
    assert "read-only" in lines[0]
    with schema_context(ALPHA["slug"]):
        token = PersonalToken.objects.get()
        assert (token.name, token.user_id, token.expires_at) == ("Power BI", owner.pk, None)
        assert AuditEntry.objects.get(action="api_token.create").actor_label == "manage.py create_api_token"
    assert _assistant_names(api(plaintext, "/api/v1/assistants/")) == ["HR Bot"]


@pytest.mark.parametrize(
    ("org", "email", "message"),
    [
        ("nowhere", "owner@alpha.test", "unknown organization 'nowhere'"),
        ("public", "owner@alpha.test", "unknown organization 'public'"),
        (ALPHA["slug"], "nobody@alpha.test", "no user 'nobody@alpha.test' in organization 'alpha'"),
    ],
)
def test_create_api_token_refuses_unknown_org_or_user(owner, org: str, email: str, message: str) -> None:
    with pytest.raises(CommandError, match=message) as excinfo:
        call_command("create_api_token", org=org, email=email)
    assert excinfo.value.returncode == 1
    assert not PersonalToken.objects.exists()


# --- the page ------------------------------------------------------------------------------------------------


def test_a_user_creates_sees_once_and_revokes_a_token_in_the_ui(owner, alpha_client) -> None:
    alpha_client.force_login(owner)
    assert alpha_client.get("/accounts/tokens/").status_code == 200
    response = alpha_client.post("/accounts/tokens/", {"name": "Tableau", "expires_in_days": "30"})
    assert response.status_code == 200
    plaintext = response.context["new_token"].plaintext
    assert plaintext in response.content.decode()
    token = PersonalToken.objects.get()
    assert token.name == "Tableau"
    assert timedelta(days=29) < token.expires_at - timezone.now() <= timedelta(days=30)

    page = alpha_client.get("/accounts/tokens/").content.decode()
    assert plaintext not in page
    assert token.prefix in page
    assert api(plaintext, "/api/v1/assistants/").status_code == 200

    response = alpha_client.post(f"/accounts/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert api(plaintext, "/api/v1/assistants/").status_code == 403


def test_the_page_shows_and_revokes_only_what_the_user_may(owner, alpha_client) -> None:
    mine = token_create(actor=owner, user=owner).token
    other = UserFactory(roles=["viewer"])
    theirs = token_create(actor=other, user=other).token
    alpha_client.force_login(owner)
    page = alpha_client.get("/accounts/tokens/").content.decode()
    assert mine.prefix in page
    assert theirs.prefix not in page
    assert alpha_client.post(f"/accounts/tokens/{theirs.pk}/revoke/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None

    admin = UserFactory(roles=["admin"])
    alpha_client.force_login(admin)
    assert theirs.prefix in alpha_client.get("/accounts/tokens/").content.decode()
    assert alpha_client.post(f"/accounts/tokens/{theirs.pk}/revoke/").status_code == 302
    theirs.refresh_from_db()
    assert theirs.revoked_at is not None


def test_the_page_needs_a_session_and_csrf(owner) -> None:
    anonymous = Client(HTTP_HOST=ALPHA["domain"])
    assert anonymous.get("/accounts/tokens/")["Location"].startswith("/accounts/login/")
    assert anonymous.post("/accounts/tokens/", {"name": "x"}).status_code == 302
    strict = Client(HTTP_HOST=ALPHA["domain"], enforce_csrf_checks=True)
    strict.force_login(owner)
    assert strict.post("/accounts/tokens/", {"name": "x"}).status_code == 403
    assert not PersonalToken.objects.exists()


def test_the_openapi_schema_documents_tokens(owner, alpha_client) -> None:
    alpha_client.force_login(owner)
    schema = alpha_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert schema["components"]["securitySchemes"]["personalApiToken"]["bearerFormat"] == "tsp_…"
    assert {"personalApiToken": []} in schema["paths"]["/api/v1/assistants/"]["get"]["security"]
    # Read-only: a write does not offer the token (it would answer 403), but still the session.
    post_security = schema["paths"]["/api/v1/assistants/"]["post"]["security"]
    assert {"personalApiToken": []} not in post_security
    assert post_security, "writes keep their other authentication schemes"
    writes = [
        (path, method)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in {"post", "put", "patch", "delete"} and {"personalApiToken": []} in operation.get("security", [])
    ]
    assert writes == []
