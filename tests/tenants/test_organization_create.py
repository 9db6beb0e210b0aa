"""Organizations (schema and domain): refusals leave nothing behind; hosts route to the right place."""

import pytest
from django.test import Client

from apps.core.exceptions import ApplicationError, ConflictError
from apps.tenants.models import Domain, Organization
from apps.tenants.services import organization_create
from tests.conftest import ALPHA

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("domain", ["not a domain", "-bad-.localhost", "www.localhost", "exa_mple.localhost", ""])
def test_organization_create_rejects_bad_domains(organizations: dict, domain: str) -> None:
    before = Domain.objects.count()
    with pytest.raises(ApplicationError) as excinfo:
        organization_create(slug="gamma", name="Gamma", domain=domain)
    assert repr(domain) in excinfo.value.detail
    assert Domain.objects.count() == before
    assert not Organization.objects.filter(schema_name="gamma").exists()


def test_organization_create_refuses_a_domain_owned_by_another_org(organizations: dict) -> None:
    with pytest.raises(ConflictError, match="already belongs to organization 'alpha'"):
        organization_create(slug="gamma", name="Gamma", domain=ALPHA["domain"])
    assert not Organization.objects.filter(schema_name="gamma").exists()


def test_organization_create_refuses_a_second_domain_for_existing_slug(organizations: dict) -> None:
    with pytest.raises(ConflictError, match="already exists with domain"):
        organization_create(slug="alpha", name=ALPHA["name"], domain="other.localhost")
    assert not Domain.objects.filter(domain="other.localhost").exists()


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
