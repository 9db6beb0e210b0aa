"""Egress log import throughput: ``python tests/benchmarks/egress.py N`` (default 1,000,000).

Writes a synthetic Squid native access.log of N lines over 28 days (2,000 users over 40 /24
networks, 300 hosts of which 60 are AI services — each person uses the same three of them, as
people do — 1 line in 200 malformed) to a temporary file, then streams it
through ``egress_parse`` exactly as an import does — parse, catalog match, identity map (CIDR),
keyed pseudonym, daily aggregation — and times that. The database write that follows an import
is one row per (day, service, department, user) and is not part of the figure. Memory is bounded
by those distinct keys (``usage_rows``: at most 2,000 people x 3 services x 28 days here), never
by the file: past ~1M lines every key has been seen and the peak stays flat as N grows.
Peak RSS is the process's maximum resident set. The last line is JSON:
{"benchmark": "egress", "lines_per_s", "cpu_lines_per_s", "peak_rss_mb", "lines", "usage_rows"}.
Not a test.
"""

from __future__ import annotations

import json
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from apps.detection.shadow.catalog import catalog_build, shared_catalog  # noqa: E402
from apps.detection.shadow.identity import IdentityResolver, Pseudonymizer  # noqa: E402
from apps.detection.shadow.services import egress_parse  # noqa: E402

START = 1_709_510_400  # 2024-03-04 00:00 UTC


def write_log(path: Path, lines: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    ai_hosts = [rule for s in shared_catalog() for rule in s.domains if "*" not in rule and ":" not in rule][:60]
    other = [f"www.site{i}.example.com" for i in range(240)]
    users = [(f"user{i}", f"10.{i % 40}.{i // 40 % 250}.{i % 250}") for i in range(2000)]
    step = 28 * 86400 / lines
    with path.open("w") as out:
        buffer = []
        for n in range(lines):
            person = rng.randrange(2000)
            user, ip = users[person]
            if rng.random() < 0.2:  # a fifth of the traffic goes to the person's own AI services
                host = ai_hosts[(person * 7 + rng.randrange(3) * 13) % len(ai_hosts)]
            else:
                host = other[rng.randrange(len(other))]
            if n % 200 == 199:
                buffer.append("garbled line without fields\n")
            elif n % 3:
                buffer.append(
                    f"{START + n * step:.3f}    120 {ip} TCP_TUNNEL/200 {rng.randrange(100, 90000)} CONNECT {host}:443 {user} HIER_DIRECT/1.2.3.4 -\n"
                )
            else:
                buffer.append(
                    f"{START + n * step:.3f}     88 {ip} TCP_MISS/200 {rng.randrange(100, 9000)} GET http://{host}/p?q=1 - HIER_DIRECT/1.2.3.4 text/html\n"
                )
            if len(buffer) >= 10_000:
                out.writelines(buffer)
                buffer.clear()
        out.writelines(buffer)


def main() -> None:
    lines = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "access.log"
        write_log(path, lines)
        catalog = catalog_build(shared=shared_catalog(), overrides=[])
        identities = IdentityResolver.from_entries([("cidr", f"10.{i}.0.0/16", i % 8 + 1) for i in range(40)])
        users = Pseudonymizer(key=b"k" * 32)
        started, cpu_started = time.perf_counter(), time.process_time()
        with path.open("rb") as stream:
            tally = egress_parse(stream, fmt="squid", mapping={}, catalog=catalog, identities=identities, users=users)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{tally.lines} lines, {tally.malformed} malformed, {tally.ai_requests} AI requests, {len(tally.usage)} usage rows"
    )
    # cpu_lines_per_s: the same over the process's CPU time, the figure to compare when other
    # work shares this machine's two cores (wall-clock lines_per_s then drops, CPU time does not).
    result = {
        "benchmark": "egress",
        "lines_per_s": round(tally.lines / elapsed),
        "cpu_lines_per_s": round(tally.lines / cpu),
        "peak_rss_mb": round(peak_mb, 1),
        "lines": tally.lines,
        "usage_rows": len(tally.usage),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
