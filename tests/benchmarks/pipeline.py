"""Whole enrichment pipeline per worker process, on the real database.

    .venv/bin/python tests/benchmarks/pipeline.py [--events 40000] [--history 100000]

Stores seeded demo traffic through ``events_ingest`` into organization ``pipe`` of
``DATABASE_URL`` (default: local PostgreSQL, database ``tessera_bench``), without enriching it,
then enriches batch by batch exactly as ``apps.conversations.services.batch_enrich`` does (build conversations,
then every ``ENRICHMENT_STEPS`` step, in one transaction, with the ``ENRICHMENT_PREFETCH`` detection running on a
thread from before the build until the sensitive step needs it), timing each stage in wall-clock and CPU time
(all threads': the prefetch's CPU counts in whichever stages it overlaps, mostly ``build``).
Every detector is loaded first, as a worker does at start (``apps.nlp.warmup``); the first
batch is reported apart (``first_batch_s``) and not counted in the rates. Each batch's
commit (deferred foreign-key checks, WAL flush) is timed as its own stage, ``commit``. ``--profile FILE``
writes cProfile stats of the counted batches. ``--history N`` first stores and enriches N other
events untimed and then analyses the tables (as autovacuum would; it is off on some machines
here), so the timed batches meet a tenant that already holds data, and a worker whose
per-process caches of texts already seen are warm. Last line is JSON. Not a timed test.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tessera_bench")

import django  # noqa: E402

django.setup()

import psutil  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.utils.module_loading import import_string  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402

from apps.accounts.services import organization_provision  # noqa: E402
from apps.conversations.services import batch_prefetched, conversations_build  # noqa: E402
from apps.demo.generator import Plan, demo_batches  # noqa: E402
from apps.demo.services import demo_portfolio_ensure  # noqa: E402
from apps.ingestion.models import IngestBatch  # noqa: E402
from apps.ingestion.services import events_ingest  # noqa: E402
from apps.ingestion.validation import Limits  # noqa: E402
from apps.nlp.warmup import warm_up  # noqa: E402
from config.celery import app  # noqa: E402

SLUG = "pipe"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=40_000)
    parser.add_argument("--profile", type=Path, help="write cProfile stats of the timed batches to this file")
    parser.add_argument("--queries", type=int, default=0, help="print the N statements that took longest in all")
    parser.add_argument(
        "--history",
        type=int,
        default=0,
        help="first store and enrich this many events untimed, then ANALYZE (as autovacuum would): "
        "the timed batches then run against a tenant that already holds data",
    )
    args = parser.parse_args()
    # CPU time, not wall-clock: on a shared machine waiting for the CPU is not our cost.
    profiler = cProfile.Profile(time.process_time) if args.profile else None

    # Store without enriching: the enrichment tasks go to an in-memory broker nobody reads.
    app.conf.task_always_eager = False
    app.conf.broker_url = "memory://"
    organization_provision(
        slug=SLUG,
        name="Pipeline bench",
        domain="pipe.localhost",
        admin_email="p@pipe.test",
        admin_password="pipe-pass-123",
    )
    now = timezone.now()
    limits = Limits(
        content_max_chars=settings.INGEST_CONTENT_MAX_CHARS,
        metadata_max_bytes=settings.INGEST_METADATA_MAX_BYTES,
        max_age=timedelta(days=120),
        max_future=timedelta(minutes=5),
    )
    with schema_context(SLUG):
        portfolio = demo_portfolio_ensure(today=now.date())
        seed = int(time.time())  # fresh ids every run: nothing is a duplicate

        def store(events: int, seed: int) -> list[int]:
            plan = Plan(
                seed=seed, today=now.date(), now=now, anchor=portfolio.anchor, days=90, events=events, batch_size=2000
            )
            batch_ids = []
            for batch in demo_batches(plan):
                result = events_ingest(
                    assistant=portfolio.assistants[batch.assistant], events=batch.events, source="seed", limits=limits
                )
                if result.batch_id:
                    batch_ids.append(result.batch_id)
            return batch_ids

        steps = [(path.rsplit(".", 1)[-1], import_string(path)) for path in settings.ENRICHMENT_STEPS]
        if args.history:
            for batch_id in store(args.history, seed + 1):
                with transaction.atomic(), batch_prefetched(batch_id=batch_id):
                    touched = conversations_build(batch_id=batch_id)
                    for _, step in steps:
                        step(batch_id=batch_id, conversation_ids=touched)
                    IngestBatch.objects.filter(pk=batch_id).update(enriched_at=datetime.now(UTC))
        batch_ids = store(args.events, seed)
        if args.history:
            # What autovacuum does on a server where it runs (it is off on some machines here):
            # statistics of the tables as they now are.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        # As a Celery worker does at process start (worker_process_init): every detector loads
        # before the first batch, which is then timed like the others (first_batch_s).
        t = time.perf_counter()
        warm_up()
        warm_up_s = time.perf_counter() - t
        timings = {"build": 0.0, **{name: 0.0 for name, _ in steps}, "commit": 0.0}
        cpu = dict.fromkeys(timings, 0.0)
        queries = dict.fromkeys(timings, 0)
        db_cpu = dict.fromkeys(timings, 0.0)
        backend = _backend_process()
        counter = _QueryCounter()
        events = messages = 0
        process = psutil.Process()
        rss = []
        first_batch_s = 0.0
        for n, batch_id in enumerate(batch_ids):
            stage: dict[str, float] = {}
            stage_cpu: dict[str, float] = {}
            if profiler is not None and n > 0:
                profiler.enable()
            stage_queries: dict[str, int] = {}
            stage_db: dict[str, float] = {}
            # The build's clock starts before the prefetch does (its read of the batch's texts).
            t, c, q, d = time.perf_counter(), time.process_time(), counter.n, _cpu_s(backend)
            with transaction.atomic(), connection.execute_wrapper(counter):
                with batch_prefetched(batch_id=batch_id):
                    touched = conversations_build(batch_id=batch_id)
                    stage["build"], stage_cpu["build"] = time.perf_counter() - t, time.process_time() - c
                    stage_queries["build"], stage_db["build"] = counter.n - q, _cpu_s(backend) - d
                    for name, step in steps:
                        t, c, q, d = time.perf_counter(), time.process_time(), counter.n, _cpu_s(backend)
                        step(batch_id=batch_id, conversation_ids=touched)
                        stage[name], stage_cpu[name] = time.perf_counter() - t, time.process_time() - c
                        stage_queries[name], stage_db[name] = counter.n - q, _cpu_s(backend) - d
                # Marking the batch and committing are part of its cost, as in ``batch_enrich``:
                # Django's foreign keys are checked when the transaction commits (DEFERRABLE
                # INITIALLY DEFERRED), one trigger call per inserted row, and the commit flushes
                # the WAL.
                t, c, q, d = time.perf_counter(), time.process_time(), counter.n, _cpu_s(backend)
                IngestBatch.objects.filter(pk=batch_id).update(enriched_at=datetime.now(UTC))
            # (The COMMIT itself is not a statement the counter sees.)
            stage["commit"], stage_cpu["commit"] = time.perf_counter() - t, time.process_time() - c
            stage_queries["commit"], stage_db["commit"] = counter.n - q, _cpu_s(backend) - d
            if profiler is not None:
                profiler.disable()
            if n == 0:
                # Reported apart (first_batch_s) and not counted in the rates: the first batch
                # of a fresh organization also creates its rollup rows.
                first_batch_s = sum(stage.values())
                continue
            for key, value in stage.items():
                timings[key] += value
                cpu[key] += stage_cpu[key]
                queries[key] += stage_queries[key]
                db_cpu[key] += stage_db[key]
            batch = IngestBatch.objects.get(pk=batch_id)
            events += batch.accepted
            messages += batch.events.filter(type="message").count()
            rss.append(process.memory_info().rss / 1e6)
    if profiler is not None:
        profiler.dump_stats(str(args.profile))
    for text, (count, seconds) in sorted(counter.slowest.items(), key=lambda kv: -kv[1][1])[: args.queries]:
        print(f"{seconds:7.3f} s {count:5d}x  {text}")
    total = sum(timings.values())
    total_cpu = sum(cpu.values())
    print(
        json.dumps(
            {
                "benchmark": "pipeline",
                "events_per_s": round(events / total),
                "messages_per_s": round(messages / total),
                # CPU time of this process only (the database's work is not in it): what the
                # worker would reach on an idle core when the machine is shared.
                "events_per_cpu_s": round(events / total_cpu),
                "per_stage_s": {k: round(v, 2) for k, v in timings.items()},
                "per_stage_cpu_s": {k: round(v, 2) for k, v in cpu.items()},
                # The database's side: statements sent, and the CPU time of this connection's
                # PostgreSQL backend process (when it runs on this machine; null otherwise).
                "per_stage_queries": queries,
                "per_stage_db_cpu_s": {k: round(v, 2) for k, v in db_cpu.items()} if backend else None,
                "events_per_cpu_s_with_db": round(events / (total_cpu + sum(db_cpu.values()))) if backend else None,
                "share": {k: round(v / total, 3) for k, v in timings.items()},
                "events": events,
                "messages": messages,
                "batches": len(batch_ids) - 1,
                "warm_up_s": round(warm_up_s, 2),
                "first_batch_s": round(first_batch_s, 2),
                "worker_rss_mb": round(rss[-1], 1) if rss else None,
                "worker_rss_first_mb": round(rss[0], 1) if rss else None,
                "worker_rss_max_mb": round(max(rss), 1) if rss else None,
                "history_events": args.history,
                "load_average": [round(x, 2) for x in os.getloadavg()],
            }
        )
    )


class _QueryCounter:
    """``connection.execute_wrapper`` that counts statements sent through Django (not the COPYs
    ``apps.core.bulk`` writes on the raw psycopg cursor)."""

    def __init__(self) -> None:
        self.n = 0
        self.slowest: dict[str, list[float]] = {}  # statement's first words -> [count, seconds]

    def __call__(self, execute: Any, sql: Any, params: Any, many: bool, context: Any) -> Any:
        self.n += 1
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            entry = self.slowest.setdefault(" ".join(str(sql).split())[:110], [0, 0.0])
            entry[0] += 1
            entry[1] += time.perf_counter() - t


def _backend_process() -> psutil.Process | None:
    """This connection's PostgreSQL backend, when the server runs here and we may read it."""
    with connection.cursor() as cursor:
        cursor.execute("select pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        process = psutil.Process(pid)
        process.cpu_times()
    except (psutil.Error, OSError):
        return None
    return process


def _cpu_s(process: psutil.Process | None) -> float:
    if process is None:
        return 0.0
    times = process.cpu_times()
    return times.user + times.system


if __name__ == "__main__":
    main()
