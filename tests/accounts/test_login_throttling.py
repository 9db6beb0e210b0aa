"""Login lock-out (django-axes), per account and per address, in the organization's own schema."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django_tenants.utils import schema_context

from tests.factories import UserFactory

EMAIL = "locked@example.test"
PASSWORD = "pass-word-123"  # UserFactory's


def _login(client: Client, email: str, password: str, ip: str = "203.0.113.7"):
    return client.post("/accounts/login/", {"username": email, "password": password}, REMOTE_ADDR=ip)


@pytest.fixture
def twins(alpha, beta):
    """The same e-mail address in two organizations."""
    UserFactory(email=EMAIL)
    with schema_context(beta.schema_name):
        UserFactory(email=EMAIL)


def test_the_right_password_after_25_wrong_ones_is_refused(twins, alpha_client) -> None:
    for _ in range(25):
        assert _login(alpha_client, EMAIL, "wrong-password").status_code in {200, 429}
    response = _login(alpha_client, EMAIL, PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in alpha_client.session
    assert AccessAttempt.objects.get(username=EMAIL).failures_since_start >= settings.AXES_FAILURE_LIMIT


def test_a_lockout_follows_the_account_across_addresses_and_case(twins, alpha_client) -> None:
    for i in range(settings.AXES_FAILURE_LIMIT):
        _login(alpha_client, EMAIL.upper() if i % 2 else EMAIL, "wrong", ip=f"198.51.100.{i}")
    assert _login(alpha_client, EMAIL, PASSWORD, ip="192.0.2.200").status_code == 429


def test_a_lockout_follows_the_address_across_accounts(alpha, alpha_client) -> None:
    UserFactory(email="victim@example.test")
    for i in range(settings.AXES_FAILURE_LIMIT):
        _login(alpha_client, f"guess{i}@example.test", "wrong", ip="203.0.113.66")
    assert _login(alpha_client, "victim@example.test", PASSWORD, ip="203.0.113.66").status_code == 429
    assert _login(alpha_client, "victim@example.test", PASSWORD, ip="203.0.113.67").status_code == 302


def test_another_organization_is_unaffected(twins, alpha_client, beta_client) -> None:
    for _ in range(25):
        _login(alpha_client, EMAIL, "wrong-password")
    assert _login(alpha_client, EMAIL, PASSWORD).status_code == 429
    response = _login(beta_client, EMAIL, PASSWORD)
    assert response.status_code == 302
    assert "_auth_user_id" in beta_client.session
    with schema_context("beta"):
        assert not AccessAttempt.objects.exists()


def test_a_success_below_the_limit_resets_the_count(twins, alpha_client) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(alpha_client, EMAIL, "wrong")
    assert _login(alpha_client, EMAIL, PASSWORD).status_code == 302
    alpha_client.logout()
    _login(alpha_client, EMAIL, "wrong")
    assert _login(alpha_client, EMAIL, PASSWORD).status_code == 302
