"""Container helpers used by docker/entrypoint.sh and the compose health checks.

    python docker/ops.py wait-db           wait until PostgreSQL accepts connections (DB_WAIT_TIMEOUT s)
    python docker/ops.py migrate           migrate_schemas under a PostgreSQL advisory lock
    python docker/ops.py health [ROLE]     exit 0 when this container's process is healthy

ROLE is web, worker or beat; without it the role written by entrypoint.sh is used, and any
other command (a one-off `manage.py ...`) counts as healthy. Run from the repository root.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROLE_FILE = Path(tempfile.gettempdir()) / "tessera-role"
# Arbitrary constant shared by every replica: only one of them migrates at a time.
MIGRATION_LOCK_KEY = 7_305_211_001


def _django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
    import django

    django.setup()


def wait_db() -> int:
    _django()
    from django.db import OperationalError, connection

    timeout = int(os.environ.get("DB_WAIT_TIMEOUT", "60"))
    deadline = time.monotonic() + timeout
    while True:
        try:
            connection.ensure_connection()
        except OperationalError as exc:
            connection.close()
            if time.monotonic() >= deadline:
                print(f"entrypoint: PostgreSQL not reachable after {timeout}s: {exc}", file=sys.stderr)
                return 1
            print("entrypoint: waiting for PostgreSQL ...", file=sys.stderr)
            time.sleep(2)
        else:
            connection.close()
            return 0


def migrate() -> int:
    """migrate_schemas (shared schema, then every organization), one replica at a time.

    Then the public tenant and its PUBLIC_DOMAIN row: without them a fresh database answers
    no host at all, not even /healthz (create_org and seed_demo would add them later).
    """
    _django()
    from django.core.management import call_command
    from django.db import connections

    from apps.tenants.services import public_tenant_ensure

    # A connection of its own holds the session-level lock, so nothing migrate_schemas does
    # to the default connection (closing it, switching schemas) can release it early.
    lock = connections.create_connection("default")
    try:
        with lock.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [MIGRATION_LOCK_KEY])
        call_command("migrate_schemas", interactive=False)
        public_tenant_ensure()
        with lock.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [MIGRATION_LOCK_KEY])
    finally:
        lock.close()
    return 0


def _health_web() -> int:
    port = os.environ.get("PORT", "8000")
    host = os.environ.get("PUBLIC_DOMAIN", "localhost")
    request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz", headers={"Host": host})
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 (fixed http URL)
        body = json.loads(response.read())
    return 0 if response.status == 200 and body.get("status") == "ok" else 1


def _health_worker() -> int:
    sys.path.insert(0, str(ROOT))
    from config.celery import app

    node = f"celery@{socket.gethostname()}"
    replies = app.control.ping(destination=[node], timeout=5)
    return 0 if replies else 1


def _health_beat() -> int:
    # Beat answers no pings; it is healthy when what it needs answers: the broker it
    # sends to and the database its schedule (django_celery_beat) lives in.
    sys.path.insert(0, str(ROOT))
    from config.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=5)
    _django()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM django_celery_beat_periodictask LIMIT 1")
    return 0


def health(role: str | None) -> int:
    if role is None:
        try:
            role = ROLE_FILE.read_text().strip()
        except OSError:
            role = "web"
    checks = {"web": _health_web, "worker": _health_worker, "beat": _health_beat}
    check = checks.get(role)
    if check is None:
        return 0
    try:
        return check()
    except Exception as exc:
        print(f"unhealthy ({role}): {exc!r}", file=sys.stderr)
        return 1


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"wait-db", "migrate", "health"}:
        print(__doc__, file=sys.stderr)
        return 2
    if argv[0] == "wait-db":
        return wait_db()
    if argv[0] == "migrate":
        return migrate()
    return health(argv[1] if len(argv) > 1 else None)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
