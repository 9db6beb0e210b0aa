"""Failed API key authentications are counted per organization and client address; 429 past the limit."""

from __future__ import annotations

import secrets

import pytest
from django.core.cache import cache

LIMIT = 5
BAD_KEY = "tsk_live_" + "0" * 40


@pytest.fixture
def low_limit(settings):
    settings.API_AUTH_FAILURE_LIMIT = LIMIT
    settings.API_AUTH_FAILURE_WINDOW_SECONDS = 60


def _ip() -> str:
    # A fresh address per test: the counters live in the shared cache, not in the rolled-back DB.
    return f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.{secrets.randbelow(256)}"


def _post(client, key: str, ip: str):
    return client.post(
        "/api/v1/events",
        data=b'{"events": []}',
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
        REMOTE_ADDR=ip,
    )


def test_bad_keys_from_one_address_get_429_after_the_limit(low_limit, alpha_client, api_key) -> None:
    ip = _ip()
    assert [_post(alpha_client, BAD_KEY, ip).status_code for _ in range(LIMIT)] == [401] * LIMIT
    throttled = _post(alpha_client, BAD_KEY, ip)
    assert throttled.status_code == 429
    assert throttled["Retry-After"] == "60"
    assert "too many failed API key attempts" in throttled.json()["detail"]
    # The assistant with a valid key behind the same address keeps working ...
    assert _post(alpha_client, api_key, ip).status_code == 200
    # ... and another address is not throttled.
    assert _post(alpha_client, BAD_KEY, _ip()).status_code == 401


def test_the_count_is_per_organization(low_limit, alpha_client, beta_client) -> None:
    ip = _ip()
    for _ in range(LIMIT + 1):
        _post(alpha_client, BAD_KEY, ip)
    assert _post(alpha_client, BAD_KEY, ip).status_code == 429
    assert _post(beta_client, BAD_KEY, ip).status_code == 401


def test_the_window_ends(low_limit, alpha_client) -> None:
    ip = _ip()
    for _ in range(LIMIT):
        _post(alpha_client, BAD_KEY, ip)
    assert _post(alpha_client, BAD_KEY, ip).status_code == 429
    cache.delete_many([f"auth-failures:api-key:{ip}"])  # what the window's expiry does
    assert _post(alpha_client, BAD_KEY, ip).status_code == 401
