"""Two organizations cannot see each other's users or departments: by host, by cookie."""

from django.test import Client
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.registry.models import Department
from tests.conftest import ALPHA, BETA
from tests.factories import DepartmentFactory, UserFactory


def test_user_of_alpha_cannot_log_in_on_beta_host(alpha, beta_client: Client) -> None:
    UserFactory(email="only-alpha@example.test", roles=["admin"])
    response = beta_client.post(
        "/accounts/login/", {"username": "only-alpha@example.test", "password": "pass-word-123"}
    )
    assert response.status_code == 200  # the form again, with an error
    assert "do not match an account of this organization" in response.content.decode()
    assert "_auth_user_id" not in beta_client.session


def test_alpha_session_cookie_replayed_on_beta_is_anonymous(alpha, beta) -> None:
    UserFactory(email="cookie@example.test", roles=["admin"])
    alpha_browser = Client(HTTP_HOST=ALPHA["domain"])
    response = alpha_browser.post("/accounts/login/", {"username": "cookie@example.test", "password": "pass-word-123"})
    assert response.status_code == 302
    assert alpha_browser.get("/").status_code == 200

    stolen = alpha_browser.cookies["sessionid"].value
    attacker = Client(HTTP_HOST=BETA["domain"])
    attacker.cookies["sessionid"] = stolen
    response = attacker.get("/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_departments_and_users_do_not_cross_schemas(alpha, beta) -> None:
    DepartmentFactory(name="Alpha HR")
    UserFactory(email="alpha-person@example.test")
    with schema_context(beta.schema_name):
        assert not Department.objects.filter(name="Alpha HR").exists()
        assert not User.objects.filter(email="alpha-person@example.test").exists()
        assert User.objects.filter(email=BETA["admin_email"]).exists()
    assert Department.objects.filter(name="Alpha HR").exists()
    assert not User.objects.filter(email=BETA["admin_email"]).exists()


def test_home_page_shows_identity_roles_and_dashboards(alpha, alpha_client: Client) -> None:
    department = DepartmentFactory(name="Support")
    user = UserFactory(email="cx-person@example.test", roles=["cx"])
    department.members.add(user)
    alpha_client.force_login(user)
    body = alpha_client.get("/").content.decode()
    assert "cx-person@example.test" in body
    assert "Customer experience" in body
    assert "Support" in body
    assert "Portfolio" not in body  # admin only
    assert "Review queue" not in body  # compliance only
