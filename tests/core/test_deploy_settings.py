"""Production settings: real secrets or no start; `check --deploy` clean; unparseable values refused."""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SECRETS = ("SECRET_KEY", "TESSERA_VAULT_KEYS", "TESSERA_FINDING_HASH_KEY", "DATABASE_URL")


def _env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SECRETS and not k.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=secrets.token_urlsafe(50),
        TESSERA_VAULT_KEYS=base64.urlsafe_b64encode(os.urandom(32)).decode(),
        TESSERA_FINDING_HASH_KEY=secrets.token_urlsafe(32),
        # check never connects; a URL is required so production never starts an embedded server.
        DATABASE_URL="postgres://tessera@127.0.0.1:1/none",
    )
    env.update(overrides)
    return env


def _manage(*args: str, **overrides: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=_env(**overrides),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_check_deploy_is_clean_with_production_settings() -> None:
    result = _manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_secrets_naming_each() -> None:
    result = _manage("check", **dict.fromkeys(SECRETS, ""))
    assert result.returncode != 0
    assert "refuse to start without real secrets" in result.stderr
    for name in SECRETS:
        assert f"{name} is not set" in result.stderr


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("SECRET_KEY", "insecure-local-trial-key-set-SECRET_KEY-in-docker-env-0123456789", "is a placeholder"),
        ("SECRET_KEY", "short", "too short"),
        ("TESSERA_VAULT_KEYS", "not-a-fernet-key", "not a Fernet key"),
        ("TESSERA_FINDING_HASH_KEY", "abc", "too short"),
    ],
)
def test_production_refuses_weak_secrets(name: str, value: str, problem: str) -> None:
    from config.env import _secret_problem

    assert problem in (_secret_problem(name, value) or "")


def test_an_unparseable_boolean_is_refused_naming_the_variable() -> None:
    result = _manage("check", SECURE_COOKIES="flase")
    assert result.returncode != 0
    assert 'Environment variable "SECURE_COOKIES" invalid' in result.stderr


def test_a_redis_url_that_is_not_one_is_refused_at_start() -> None:
    result = _manage("check", REDIS_URL="localhost:6379")
    assert result.returncode != 0
    assert "REDIS_URL must start with redis://, rediss://, unix:// or be 'off'" in result.stderr


def test_redis_off_means_no_broker_in_every_process(monkeypatch) -> None:
    from config.env import redis_url

    monkeypatch.setenv("REDIS_URL", "off")
    assert redis_url() == ""
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/3")
    assert redis_url() == "redis://127.0.0.1:6379/3"


def test_env_helpers_refuse_and_default(monkeypatch) -> None:
    from environs import EnvError

    from config.env import env_bool, env_int, env_list

    monkeypatch.setenv("X_FLAG", "flase")
    with pytest.raises(EnvError, match="X_FLAG"):
        env_bool("X_FLAG")
    monkeypatch.setenv("X_NUM", "12x")
    with pytest.raises(EnvError, match="X_NUM"):
        env_int("X_NUM", 3)
    monkeypatch.setenv("X_FLAG", "")
    assert env_bool("X_FLAG", True) is True
    monkeypatch.setenv("X_LIST", " a, b ,,")
    assert env_list("X_LIST", []) == ["a", "b"]


def test_compose_requires_every_secret_and_ships_no_placeholder() -> None:
    compose = (ROOT / "docker" / "compose.yml").read_text()
    for name in ("SECRET_KEY", "TESSERA_VAULT_KEYS", "TESSERA_FINDING_HASH_KEY"):
        assert f"{name}: ${{{name}:?" in compose, f"compose must refuse to start without {name}"
    assert "insecure" not in compose.lower()
    assert "SECURE_COOKIES: ${SECURE_COOKIES:-true}" in compose
