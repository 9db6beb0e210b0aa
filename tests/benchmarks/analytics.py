"""Rollup rebuild, incremental refresh and metric query times, on the real database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tessera_rollup_bench \\
        .venv/bin/python tests/benchmarks/analytics.py [--events 200000] [--reuse]

Writes a synthetic *enriched record* (conversations, messages, actions, feedback — 8 events per
conversation over 90 days, 4 assistants, 2 variants, 3 features, 3 languages, 4 departments) with
set-based SQL into organization ``abench`` (created on first use; its conversations are replaced
each run; ``--reuse`` keeps a previous run's record of the same size, seeded the same day), then
times:

- ``rebuild_s``: ``rollups_rebuild()`` of the whole organization;
- ``incremental_ms``: ``rollups_enrich_step`` on the conversations of a 10,000-event batch
  (1,250 conversations of the last two days), as the last enrichment step runs it;
- ``query_p50_ms`` / ``query_p95_ms``: 20 fixed ``metric_query`` calls (mixed metrics, dimensions,
  intervals and ranges up to 90 days), three rounds. Through the engine, not HTTP: the metrics
  API is another slice of the issue.
- ``private_p50_ms`` / ``private_p95_ms``: the same calls through ``privacy.metric_query_for`` for a
  role that privacy mode applies to (what the API, pages and exports call): the engine plus the
  count of people per cut.

NLP and ingestion are not part of it (their own benchmarks exist). Last line is JSON. Not a test.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tessera_rollup_bench")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402

from apps.accounts.services import organization_provision  # noqa: E402
from apps.analytics.engine import metric_query  # noqa: E402
from apps.analytics.privacy import metric_query_for  # noqa: E402
from apps.analytics.services import rollups_enrich_step, rollups_rebuild, tenant_today  # noqa: E402
from apps.conversations.models import Action, Conversation, Feedback, Message  # noqa: E402
from apps.registry.models import Assistant, Department  # noqa: E402
from apps.tenants.models import Organization  # noqa: E402

SLUG = "abench"
EVENTS_PER_CONVERSATION = 8  # 2 user + 2 assistant messages, 2 actions, 1 feedback, 1 outcome
BATCH_EVENTS = 10_000

_CONVERSATIONS = """
INSERT INTO {conv} (assistant_id, external_id, user_id, started_at, last_event_at, outcome, outcome_at, variant,
    feature, user_department, user_messages, assistant_messages, language, frustration, frustrated, dims)
SELECT (%(assistants)s::bigint[])[1 + g %% 4], 'b' || g, 'u' || (g::bigint * 7919 %% %(users)s),
       s, s + interval '10 minutes',
       (ARRAY['resolved', 'escalated', NULL, NULL])[1 + g %% 4], s + interval '9 minutes',
       'v' || (g %% 2), 'f' || (g %% 3), 'd' || (g %% 4), 2, 2, (ARRAY['en', 'es', 'pt'])[1 + g %% 3],
       (g %% 10) / 10.0, g %% 10 >= 5, '{{}}'::jsonb
FROM generate_series(1, %(n)s) g,
     LATERAL (SELECT %(now)s::timestamptz - (g %% 90) * interval '1 day' - (g %% 600) * interval '1 minute' AS s) t
"""

_MESSAGES = """
INSERT INTO {msg} (conversation_id, external_id, event_id, role, content, ts, variant, feature, latency_ms,
    input_tokens, output_tokens, cost_usd, language, sentiment, rephrase_score, is_rephrase)
SELECT c.id, c.external_id || '-' || k, c.external_id || '-' || k, CASE WHEN k %% 2 = 0 THEN 'user' ELSE 'assistant' END,
       '', c.started_at + k * interval '1 minute', c.variant, c.feature,
       CASE WHEN k %% 2 = 1 THEN 200 + (c.id * 37 + k) %% 3000 END,
       CASE WHEN k %% 2 = 1 THEN 100 + c.id %% 400 END, CASE WHEN k %% 2 = 1 THEN 50 + c.id %% 200 END,
       CASE WHEN k = 1 THEN 0.001 END, c.language, CASE WHEN k %% 2 = 0 THEN ((c.id %% 7) - 3) / 4.0 END,
       CASE WHEN k = 2 THEN (c.id %% 10) / 10.0 END, CASE WHEN k = 2 THEN c.id %% 10 >= 8 END
FROM {conv} c, generate_series(0, 3) k WHERE c.assistant_id = ANY(%(assistants)s)
"""

_ACTIONS = """
INSERT INTO {act} (conversation_id, message_id, message_external_id, event_id, action, ts)
SELECT m.conversation_id, m.id, m.external_id, m.external_id || '-a',
       (ARRAY['copy', 'edit', 'regenerate', 'dismiss', 'share', 'escalate'])[1 + m.id %% 6],
       m.ts + ((m.id %% 40) + 1) * interval '1 second'
FROM {msg} m JOIN {conv} c ON c.id = m.conversation_id
WHERE m.role = 'assistant' AND c.assistant_id = ANY(%(assistants)s)
"""

_FEEDBACK = """
INSERT INTO {fb} (conversation_id, event_id, rating, thumb, comment, ts)
SELECT c.id, c.external_id || '-f', (ARRAY['up', 'down', '3'])[1 + c.id %% 3],
       (ARRAY['up', 'down', NULL])[1 + c.id %% 3], '', c.started_at + interval '5 minutes'
FROM {conv} c WHERE c.assistant_id = ANY(%(assistants)s)
"""


def _tables() -> dict[str, str]:
    return {
        "conv": Conversation._meta.db_table,
        "msg": Message._meta.db_table,
        "act": Action._meta.db_table,
        "fb": Feedback._meta.db_table,
    }


def _seed(events: int, *, reuse: bool = False) -> list[int]:
    department, _ = Department.objects.get_or_create(name="Bench")
    assistants = [
        Assistant.objects.get_or_create(
            name=f"Bench {i}",
            defaults={"department": department, "vendor": "openai", "model": "gpt-4o-mini", "audience_size": 500},
        )[0].pk
        for i in range(4)
    ]
    n = max(1, events // EVENTS_PER_CONVERSATION)
    if reuse and Conversation.objects.filter(assistant_id__in=assistants).count() == n:
        return assistants  # the previous run's record (its dates are that run's: seed again daily)
    params: dict[str, Any] = {"assistants": assistants, "n": n, "users": max(50, n // 6), "now": timezone.now()}
    with connection.cursor() as cursor:
        # The previous run's record, in set-based SQL: Django's cascade collector loads every
        # related row into Python first (many minutes for a million events).
        for table in ("act", "fb", "msg"):
            cursor.execute(
                f"DELETE FROM {{{table}}} WHERE conversation_id IN "
                "(SELECT id FROM {conv} WHERE assistant_id = ANY(%(assistants)s))".format(**_tables()),
                params,
            )
        cursor.execute("DELETE FROM {conv} WHERE assistant_id = ANY(%(assistants)s)".format(**_tables()), params)
        for template in (_CONVERSATIONS, _MESSAGES, _ACTIONS, _FEEDBACK):
            cursor.execute(template.format(**_tables()), params)
        cursor.execute("ANALYZE")
    return assistants


def _queries(assistants: list[int]) -> list[dict]:
    today = tenant_today()
    d90, d30, d7 = today - timedelta(days=89), today - timedelta(days=29), today - timedelta(days=6)
    one = assistants[:1]
    return [
        {"metric": "conversations", "assistant_ids": assistants, "date_from": d90, "interval": "day"},
        {"metric": "active_users", "assistant_ids": assistants, "date_from": d90, "interval": "week"},
        {"metric": "active_users", "assistant_ids": one, "date_from": d30, "interval": "month"},
        {"metric": "new_users", "assistant_ids": one, "date_from": d30, "interval": "week"},
        {"metric": "acceptance_rate", "assistant_ids": one, "date_from": d90, "group_by": ["variant"]},
        {"metric": "acceptance_rate", "assistant_ids": assistants, "date_from": d30, "group_by": ["assistant"]},
        {"metric": "signal_coverage", "assistant_ids": one, "date_from": d7, "interval": "day"},
        {"metric": "edit_rate", "assistant_ids": one, "date_from": d30, "group_by": ["feature"]},
        {"metric": "regeneration_rate", "assistant_ids": one, "date_from": d90, "group_by": ["feature"]},
        {"metric": "thumbs_up_rate", "assistant_ids": assistants, "date_from": d90, "interval": "week"},
        {"metric": "rephrase_rate", "assistant_ids": one, "date_from": d90, "group_by": ["language"]},
        {"metric": "success_rate", "assistant_ids": one, "date_from": d90, "group_by": ["language"]},
        {"metric": "escalation_rate", "assistant_ids": assistants, "date_from": d30, "group_by": ["department"]},
        {"metric": "abandonment_rate", "assistant_ids": one, "date_from": d90, "interval": "week"},
        {"metric": "turns_per_conversation", "assistant_ids": one, "date_from": d30},
        {"metric": "latency_ms", "assistant_ids": assistants, "date_from": d7, "group_by": ["assistant"]},
        {"metric": "time_to_first_action", "assistant_ids": one, "date_from": d30, "group_by": ["feature"]},
        {"metric": "cost_usd", "assistant_ids": assistants, "date_from": d90, "interval": "month"},
        {"metric": "return_rate_7d", "assistant_ids": one, "date_from": d90, "interval": "week"},
        {"metric": "roi", "assistant_ids": assistants, "date_from": d90, "group_by": ["assistant"]},
    ]


def _p95(sorted_ms: list[float]) -> float:
    """Nearest rank: of 60 timings (20 queries x 3 rounds) the 57th, so the slowest of the 20 queries
    is just outside it — hence ``query_max_ms`` next to it."""
    return sorted_ms[max(0, math.ceil(0.95 * len(sorted_ms)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument(
        "--reuse", action="store_true", help="keep the record of a previous run of the same size instead of seeding"
    )
    args = parser.parse_args()

    if not Organization.objects.filter(schema_name=SLUG).exists():
        organization_provision(
            slug=SLUG, name="Analytics bench", domain="abench.localhost", admin_email="a@abench.test",
            admin_password="abench-pass-123",
        )  # fmt: skip
    with schema_context(SLUG):
        t0 = time.perf_counter()
        assistants = _seed(args.events, reuse=args.reuse)
        seed_s = time.perf_counter() - t0

        t0 = time.perf_counter()
        rollups_rebuild()
        rebuild_s = time.perf_counter() - t0

        recent = timezone.now() - timedelta(days=2)
        batch = list(
            Conversation.objects.filter(assistant_id__in=assistants, started_at__gte=recent)
            .order_by("-started_at")
            .values_list("pk", flat=True)[: BATCH_EVENTS // EVENTS_PER_CONVERSATION]
        )
        t0 = time.perf_counter()
        with transaction.atomic():
            rollups_enrich_step(batch_id=0, conversation_ids=batch)
        incremental_ms = (time.perf_counter() - t0) * 1000

        today = tenant_today()
        timings = []
        for _ in range(3):
            for query in _queries(assistants):
                t0 = time.perf_counter()
                metric_query(date_to=today, **query)
                timings.append((time.perf_counter() - t0) * 1000)
        timings.sort()
        private = []
        for _ in range(3):
            for query in _queries(assistants):
                t0 = time.perf_counter()
                metric_query_for(user=None, date_to=today, **query)
                private.append((time.perf_counter() - t0) * 1000)
        private.sort()
    print(f"seeded {args.events:,} events in {seed_s:.1f} s; batch of {len(batch)} conversations", file=sys.stderr)
    print(
        json.dumps(
            {
                "benchmark": "analytics",
                "events": args.events,
                "rebuild_s": round(rebuild_s, 2),
                "incremental_ms": round(incremental_ms, 1),
                "query_p50_ms": round(statistics.median(timings), 1),
                "query_p95_ms": round(_p95(timings), 1),
                "query_max_ms": round(timings[-1], 1),
                "private_p50_ms": round(statistics.median(private), 1),
                "private_p95_ms": round(_p95(private), 1),
            }
        )
    )


if __name__ == "__main__":
    main()
