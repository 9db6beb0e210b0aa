import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from apps.core.exceptions import ApplicationError, ConflictError
from apps.tenants.models import Domain, Organization
from apps.tenants.services import organization_create
from tests.conftest import ADMIN_PASSWORD, ALPHA

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("slug", "message"),
    [
        ("public", "reserved"),
        ("www", "reserved"),
        ("pg_catalog", "reserved"),
        ("Acme Corp", "invalid slug"),
        ("1acme", "invalid slug"),
        ("a", "invalid slug"),
    ],
)
def test_create_org_rejects_bad_slugs(organizations: dict, slug: str, message: str) -> None:
    before = Organization.objects.count()
    with pytest.raises(CommandError, match=message):
        call_command("create_org", slug=slug, name="X", domain="x-ok.localhost", admin_email="a@x.test", stdout=None)
    assert Organization.objects.count() == before


@pytest.mark.parametrize("domain", ["not a domain", "-bad-.localhost", "www.localhost", "exa_mple.localhost", ""])
def test_create_org_rejects_bad_domains(organizations: dict, domain: str) -> None:
    before = Domain.objects.count()
    with pytest.raises(ApplicationError) as excinfo:
        organization_create(slug="gamma", name="Gamma", domain=domain, admin_email="a@gamma.test")
    assert repr(domain) in excinfo.value.detail
    assert Domain.objects.count() == before
    assert not Organization.objects.filter(schema_name="gamma").exists()


def test_create_org_refuses_a_domain_owned_by_another_org(organizations: dict) -> None:
    with pytest.raises(ConflictError, match="already belongs to organization 'alpha'"):
        organization_create(slug="gamma", name="Gamma", domain=ALPHA["domain"], admin_email="a@gamma.test")
    assert not Organization.objects.filter(schema_name="gamma").exists()


def test_create_org_refuses_a_second_domain_for_existing_slug(organizations: dict) -> None:
    with pytest.raises(ConflictError, match="already exists with domain"):
        organization_create(
            slug="alpha", name=ALPHA["name"], domain="other.localhost", admin_email=ALPHA["admin_email"]
        )
    assert not Domain.objects.filter(domain="other.localhost").exists()


def test_create_org_twice_is_safe_and_keeps_the_password(organizations: dict, capsys: pytest.CaptureFixture) -> None:
    schemas_before = list(Organization.objects.values_list("schema_name", flat=True))
    call_command("create_org", **ALPHA)
    out = capsys.readouterr().out
    assert "already exists" in out
    assert "password unchanged" in out
    assert "shown once" not in out
    assert list(Organization.objects.values_list("schema_name", flat=True)) == schemas_before
    # The original admin can still log in with the original password.
    client = Client(HTTP_HOST=ALPHA["domain"])
    response = client.post("/accounts/login/", {"username": ALPHA["admin_email"], "password": ADMIN_PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_unknown_host_gets_a_clear_404_page(organizations: dict) -> None:
    response = Client(HTTP_HOST="nobody.localhost").get("/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "No organization at nobody.localhost" in body
    assert "Traceback" not in body


def test_public_host_serves_the_landing_page_not_tenant_pages(organizations: dict) -> None:
    client = Client(HTTP_HOST="localhost")
    assert client.get("/").status_code == 200
    assert client.get("/accounts/login/").status_code == 404
