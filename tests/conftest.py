"""Two organizations (real schemas) per test session; tests run inside one of them.

Schemas are created once per session (creating one runs every tenant migration); tests that
use the ``db`` fixture roll back their own rows, so the two tenants stay clean between tests.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context

from apps.accounts.services import organization_provision
from apps.tenants.models import Organization

pytest_plugins = ["tests.fixtures.events"]

ALPHA = {"slug": "alpha", "name": "Alpha Corp", "domain": "alpha.localhost", "admin_email": "admin@alpha.test"}
BETA = {"slug": "beta", "name": "Beta Inc", "domain": "beta.localhost", "admin_email": "admin@beta.test"}
ADMIN_PASSWORD = "admin-pass-123"


@pytest.fixture(scope="session")
def django_db_setup(
    django_test_environment: None, django_db_blocker, django_db_keepdb: bool, django_db_createdb: bool
) -> Iterator[None]:
    """Always create the test database, even when the selected tests only use committed rows.

    pytest-django only sets it up when some collected test carries a ``django_db`` mark; our
    worker/server tests deliberately don't (their rows must be committed), and run alone they
    would otherwise write to the development database.
    """
    from django.test.utils import setup_databases, teardown_databases

    keepdb = django_db_keepdb and not django_db_createdb
    with django_db_blocker.unblock():
        cfg = setup_databases(verbosity=0, interactive=False, aliases={"default"}, keepdb=keepdb)
    yield
    if not keepdb:
        with django_db_blocker.unblock():
            teardown_databases(cfg, verbosity=0)


@pytest.fixture(scope="session")
def organizations(django_db_setup: None, django_db_blocker) -> dict[str, Organization]:
    assert connection.settings_dict["NAME"].startswith("test_"), "refusing to create test tenants outside a test DB"
    with django_db_blocker.unblock():
        alpha = organization_provision(**ALPHA, admin_password=ADMIN_PASSWORD).organization
        beta = organization_provision(**BETA, admin_password=ADMIN_PASSWORD).organization
        connection.set_schema_to_public()
    return {"alpha": alpha, "beta": beta}


@pytest.fixture
def alpha(organizations: dict[str, Organization], db: None) -> Iterator[Organization]:
    """Run the test inside tenant Alpha's schema (rolled back afterwards)."""
    connection.set_tenant(organizations["alpha"])
    yield organizations["alpha"]
    connection.set_schema_to_public()


@pytest.fixture
def beta(organizations: dict[str, Organization], db: None) -> Organization:
    return organizations["beta"]


@pytest.fixture
def in_beta(beta: Organization) -> Iterator[None]:
    with schema_context(beta.schema_name):
        yield


@pytest.fixture
def alpha_client(alpha: Organization) -> Client:
    return Client(HTTP_HOST=ALPHA["domain"])


@pytest.fixture
def beta_client(beta: Organization) -> Client:
    return Client(HTTP_HOST=BETA["domain"])
