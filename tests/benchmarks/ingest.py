"""Ingestion benchmark: the production server under concurrent 1,000-event batches vs raw COPY.

    .venv/bin/python tests/benchmarks/ingest.py [--events 200000] [--clients 4] [--workers 3]

Starts gunicorn (the production server command) against ``DATABASE_URL`` (default: the local
PostgreSQL, database ``tessera_bench``, created if missing), creates an organization and an
assistant key, posts pre-serialised batches from concurrent clients, then COPYs the same rows
straight into the same table with psycopg on the same machine. Prints progress, then a last
JSON line. Not a timed test: it never fails on a slow machine.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from queue import Queue

import orjson
import psutil
import psycopg

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/tessera_bench"
SLUG = "bench"
HOST = "bench.localhost"
QUESTIONS = [
    "How do I reset my password for the HR portal?",
    "What is our parental leave policy in Germany?",
    "Can you summarise the Q3 pipeline for the EMEA region?",
    "Write a SQL query that returns the top 10 customers by revenue",
    "Why does my Python script raise KeyError: 'user_id' when parsing the CSV?",
    "¿Cómo puedo cambiar la dirección de envío de mi pedido?",
    "Preciso de ajuda para cancelar a minha assinatura",
]
ANSWERS = [
    "Open Settings → Security and choose 'Reset password'. You will receive an e-mail with a link valid for 30 minutes.",
    "Employees in Germany get up to 14 months of shared parental leave; the details are in the HR handbook, section 4.2.",
    "SELECT customer_id, SUM(amount) AS revenue FROM orders GROUP BY customer_id ORDER BY revenue DESC LIMIT 10;",
    "The KeyError means the header row has a different column name; print(reader.fieldnames) to check the spelling.",
]


def manage(*args: str, env: dict[str, str]) -> str:
    out = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return out.stdout


def ensure_database(url: str) -> None:
    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def make_batch(b: int, size: int, run: str) -> list[dict]:
    """Batch ``b`` of the run; generated on demand so a 5-million-event run holds one batch at a time."""
    rng = random.Random(b)
    now = datetime.now(UTC) - timedelta(minutes=1)
    events = []
    for i in range(size):
        n = b * size + i
        conv = f"{run}-c{n // 10}"
        kind = n % 10
        base = {
            "id": f"{run}-{n}",
            "timestamp": (now - timedelta(seconds=rng.randint(0, 3600))).isoformat(),
            "conversation_id": conv,
            "user_id": f"u{rng.randint(1, 5000)}",
        }
        if kind in (0, 2, 4):
            base |= {
                "type": "message",
                "message_id": f"{run}-m{n}",
                "role": "user",
                "content": rng.choice(QUESTIONS),
                "user": {"locale": "en-US"},
            }
        elif kind in (1, 3, 5):
            base |= {
                "type": "message",
                "message_id": f"{run}-m{n}",
                "role": "assistant",
                "content": rng.choice(ANSWERS),
                "model": "gpt-4o-mini",
                "latency_ms": rng.randint(300, 4000),
                "input_tokens": rng.randint(50, 900),
                "output_tokens": rng.randint(20, 400),
                "variant": "a",
            }
        elif kind in (6, 7):
            base |= {
                "type": "action",
                "message_id": f"{run}-m{n - 1}",
                "action": rng.choice(["copy", "dismiss", "edit"]),
            }
        elif kind == 8:
            base |= {"type": "feedback", "message_id": f"{run}-m{n - 3}", "rating": rng.choice(["up", "down", 4])}
        else:
            base |= {"type": "outcome", "outcome": rng.choice(["resolved", "escalated", "abandoned"])}
        events.append(base)
    return events


def server_rss_mb(proc: psutil.Process) -> float:
    procs = [proc, *proc.children(recursive=True)]
    return sum(p.memory_info().rss for p in procs if p.is_running()) / 1e6


def post_all(
    port: int, key: str, bodies: Iterator[bytes], clients: int, on_progress: Callable[[int], None] | None = None
) -> tuple[float, list[float], dict[int, int]]:
    # Bodies are produced ahead of the clients by a feeder thread (bounded queue: flat memory).
    work: Queue[bytes | None] = Queue(maxsize=clients * 4)

    def feed() -> None:
        for body in bodies:
            work.put(body)
        for _ in range(clients):
            work.put(None)

    threading.Thread(target=feed, daemon=True).start()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = {"Host": HOST, "Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        while True:
            body = work.get()
            if body is None:
                return
            t0 = time.perf_counter()
            conn.request("POST", "/api/v1/events", body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            elapsed = time.perf_counter() - t0
            with lock:
                latencies.append(elapsed)
                statuses[response.status] = statuses.get(response.status, 0) + 1
                if on_progress is not None:
                    on_progress(len(latencies))

    threads = [threading.Thread(target=client) for _ in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - start, latencies, statuses


def raw_copy(url: str, n_batches: int, run: str, assistant_id: int, batch_id: int) -> float:
    """COPY the same rows (fresh ids) into the same table: no validation, no HTTP, no dedup.

    Rows are prepared per chunk outside the clock; only the COPY itself is timed.
    """
    skip = {"id", "type", "timestamp", "conversation_id", "user_id"}
    elapsed = 0.0
    now = datetime.now(UTC)
    sql = (
        "COPY ingestion_rawevent (assistant_id, batch_id, event_id, type, ts, conversation_id, user_id,"
        " message_id, payload, received_at) FROM STDIN"
    )
    with psycopg.connect(url) as conn:
        conn.execute(f"SET search_path TO {SLUG}")
        for first in range(0, n_batches, 50):
            rows = [
                (
                    assistant_id,
                    batch_id,
                    "copy-" + e["id"],
                    e["type"],
                    e["timestamp"],
                    e["conversation_id"],
                    e["user_id"],
                    e.get("message_id"),
                    orjson.dumps({k: v for k, v in e.items() if k not in skip}).decode(),
                    now,
                )
                for b in range(first, min(first + 50, n_batches))
                for e in make_batch(b, 1000, run)
            ]
            start = time.perf_counter()
            with conn.cursor() as cur, cur.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)
            conn.commit()
            elapsed += time.perf_counter() - start
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", DEFAULT_DB)
    ensure_database(url)
    env = dict(
        os.environ,
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DEBUG="false",
        INGEST_MAX_BACKLOG_EVENTS=str(10**9),
        LOG_LEVEL="WARNING",
    )
    env.setdefault("REDIS_URL", "redis://127.0.0.1:6379/13")  # enrichment tasks queue up; no worker competes for CPU
    manage("migrate_schemas", "--shared", "-v", "0", env=env)
    manage(
        "create_org",
        "--slug",
        SLUG,
        "--name",
        "Bench",
        "--domain",
        HOST,
        "--admin-email",
        "b@bench.test",
        env=env | {"TESSERA_ADMIN_PASSWORD": "bench-pass-123"},
    )
    manage("migrate_schemas", "-v", "0", env=env)
    key = (
        manage(
            "register_assistant",
            "--org",
            SLUG,
            "--department",
            "Bench",
            "--name",
            "Bench bot",
            "--vendor",
            "openai",
            "--model",
            "gpt-4o-mini",
            env=env,
        )
        .strip()
        .splitlines()[-1]
    )

    n_batches = max(1, args.events // 1000)
    run = uuid.uuid4().hex[:8]
    sample = orjson.dumps({"events": make_batch(0, 1000, run)})
    print(f"{n_batches} batches of 1,000 events, ~{len(sample) / 1024:.0f} KiB each", flush=True)
    bodies = (orjson.dumps({"events": make_batch(b, 1000, run)}) for b in range(n_batches))

    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "-b",
            f"127.0.0.1:{args.port}",
            "-w",
            str(args.workers),
            "--keep-alive",
            "30",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                c = http.client.HTTPConnection("127.0.0.1", args.port, timeout=2)
                c.request("GET", "/healthz", headers={"Host": HOST})
                if c.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("server did not start")
            time.sleep(0.2)
        proc = psutil.Process(server.pid)
        # Warm-up: one batch per worker so imports and connections are not timed.
        warm = orjson.dumps({"events": make_batch(0, 1000, run + "w")})
        post_all(args.port, key, iter([warm] * args.workers), 1)
        rss_start = server_rss_mb(proc)
        rss_samples = [rss_start]

        def progress(done: int) -> None:
            if done % max(1, n_batches // 10) == 0:
                rss_samples.append(server_rss_mb(proc))
                print(f"  {done}/{n_batches} batches, server RSS {rss_samples[-1]:.0f} MB", flush=True)

        elapsed, latencies, statuses = post_all(args.port, key, bodies, args.clients, progress)
        rss_end = server_rss_mb(proc)
    finally:
        server.terminate()
        server.wait(timeout=30)

    with psycopg.connect(url) as conn:
        conn.execute(f"SET search_path TO {SLUG}")
        assistant_id, batch_id = conn.execute(
            "SELECT assistant_id, max(id) FROM ingestion_ingestbatch GROUP BY assistant_id LIMIT 1"
        ).fetchone()
        stored = conn.execute(
            "SELECT count(*) FROM ingestion_rawevent WHERE event_id LIKE %s", [f"{run}-%"]
        ).fetchone()[0]
    copy_elapsed = raw_copy(url, n_batches, run, assistant_id, batch_id)

    total = n_batches * 1000
    latencies.sort()
    p95 = latencies[int(0.95 * (len(latencies) - 1))] * 1000
    result = {
        "benchmark": "ingest",
        "events_per_s": round(total / elapsed),
        "copy_events_per_s": round(total / copy_elapsed),
        "ratio_to_copy": round((total / elapsed) / (total / copy_elapsed), 3),
        "p95_batch_ms": round(p95, 1),
        "p50_batch_ms": round(latencies[len(latencies) // 2] * 1000, 1),
        "server_rss_mb": round(rss_end, 1),
        "server_rss_start_mb": round(rss_start, 1),
        "server_rss_max_mb": round(max(rss_samples), 1),
        "events": total,
        "stored": stored,
        "statuses": statuses,
        "clients": args.clients,
        "workers": args.workers,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
