"""Server time of every dashboard page on the demo organization, per role, cold and warm.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tessera \\
        .venv/bin/python tests/benchmarks/dashboards.py [--rounds 5]

Needs the seeded demo organization (`make run` or `manage.py seed_demo` once). Each page is
requested through Django's test client (the whole view: filters, engine reads under privacy
mode, template rendering; no network, no browser) as the role that works in it, with the default
filters (last 30 days). The first request of each page in this fresh process is reported as
``cold_ms`` (after one warm-up request of the process, reported as ``process_warmup_ms``), after
invalidating the page cache of the organization (``rollups_version_bump``, as
a newly enriched batch does): it is the uncached figure. The next ``--rounds`` are p50/p95, served
partly from the cache (DASHBOARD_CACHE_SECONDS). Last line is JSON. Not a test: CI never times it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.test import Client  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402

from apps.accounts.models import User  # noqa: E402
from apps.analytics.services import rollups_version_bump  # noqa: E402
from apps.demo.services import DEMO_DOMAIN, DEMO_SLUG  # noqa: E402

PAGES: list[tuple[str, str]] = [
    ("admin", "/dashboards/portfolio/"),
    ("product", "/dashboards/product/"),
    ("cx", "/dashboards/cx/"),
    ("owner", "/dashboards/department/"),
    ("cx", "/dashboards/conversations/"),
    ("compliance", "/compliance/"),
    ("compliance", "/dashboards/shadow-ai/"),
    ("viewer", "/dashboards/summary/"),
    ("product", "/dashboards/digest/"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = ["*"]
    results = []
    # The first request of a process pays for imports, template compilation and connections:
    # reported apart, so that cold_ms is the page's own uncached cost.
    warm_client = Client(HTTP_HOST=DEMO_DOMAIN)
    with schema_context(DEMO_SLUG):
        warm_client.force_login(User.objects.get(email="admin@demo.localhost"))
    started = time.perf_counter()
    warm_client.get("/dashboards/summary/")
    process_warmup_ms = round((time.perf_counter() - started) * 1000, 1)
    print(f"process warm-up (first request of the process): {process_warmup_ms} ms")
    with schema_context(DEMO_SLUG):
        rollups_version_bump()
    for role, path in PAGES:
        client = Client(HTTP_HOST=DEMO_DOMAIN)
        with schema_context(DEMO_SLUG):  # the session lives in the organization's schema
            client.force_login(User.objects.get(email=f"{role}@demo.localhost"))
        times = []
        status = 0
        for _ in range(args.rounds + 1):
            started = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - started) * 1000)
            status = response.status_code
        warm = sorted(times[1:])
        row = {
            "page": path,
            "role": role,
            "status": status,
            "cold_ms": round(times[0], 1),
            "p50_ms": round(statistics.median(warm), 1),
            "p95_ms": round(warm[min(len(warm) - 1, int(0.95 * len(warm)))], 1),
        }
        results.append(row)
        print(
            f"{status} {role:<10} {path:<30} cold {row['cold_ms']:>7} ms  p50 {row['p50_ms']:>7} ms  p95 {row['p95_ms']:>7} ms"
        )
    ok = [r for r in results if r["status"] == 200]
    print(
        json.dumps(
            {
                "benchmark": "dashboards",
                "pages": len(results),
                "process_warmup_ms": process_warmup_ms,
                "failed": len(results) - len(ok),
                "max_cold_ms": max((r["cold_ms"] for r in ok), default=None),
                "max_p95_ms": max((r["p95_ms"] for r in ok), default=None),
                "results": results,
            }
        )
    )


if __name__ == "__main__":
    main()
