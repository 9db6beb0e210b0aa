"""``create_org`` and ``organization_provision``: an organization plus its first admin, idempotently."""

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from apps.accounts.services import organization_provision
from apps.core.exceptions import ApplicationError
from apps.tenants.models import Domain, Organization
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


@pytest.mark.parametrize("email", ["", "not-an-email"])
def test_provision_refuses_a_bad_admin_email_before_writing_anything(organizations: dict, email: str) -> None:
    domains_before = Domain.objects.count()
    with pytest.raises(ApplicationError, match="invalid admin e-mail"):
        organization_provision(slug="gamma", name="Gamma", domain="gamma.localhost", admin_email=email)
    assert not Organization.objects.filter(schema_name="gamma").exists()
    assert Domain.objects.count() == domains_before


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
