"""Recluster time on the demo's data: ``fit_intents`` on each assistant's latest user messages.

    .venv/bin/python tests/benchmarks/intents_demo.py [--events 80000]

Generates the demo's events in memory (``apps.demo.generator``, the seed_demo default size), keeps
each assistant's last ``MAX_MESSAGES_TO_CLUSTER`` user messages (what ``intents_recluster``
fits on) and times one cold and one warm ``fit_intents`` per assistant. No database.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=80_000)
    args = parser.parse_args()
    from apps.demo.generator import Plan, demo_batches
    from apps.nlp import embeddings
    from apps.nlp.intents import fit_intents

    max_messages = 6000  # apps.nlp.services.MAX_MESSAGES_TO_CLUSTER (services needs Django)
    today = date(2026, 11, 29)
    plan = Plan(
        seed=7,
        today=today,
        now=datetime(2026, 11, 29, 12, tzinfo=UTC),
        anchor=today - timedelta(days=30),
        days=30,
        events=args.events,
    )
    texts: dict[str, list[str]] = {}
    for batch in demo_batches(plan):
        texts.setdefault(batch.assistant, []).extend(
            e["content"] for e in batch.events if e.get("type") == "message" and e.get("role") == "user"
        )
    embeddings.embed(["warm up"])
    for assistant, messages in sorted(texts.items()):
        sample = messages[-max_messages:]
        timings = []
        for _ in range(2):
            start = time.perf_counter()
            model = fit_intents(sample)
            timings.append(time.perf_counter() - start)
        found = len(model.cluster_ids)
        other = model.labels.count(-1) / len(sample)
        print(
            f"{assistant}: {len(sample)} messages ({len(set(sample))} distinct), {found} intents, "
            f"{other:.1%} other, fit {timings[0]:.2f} s cold / {timings[1]:.2f} s warm "
            f"({len(sample) / timings[1]:,.0f} texts/s)"
        )


if __name__ == "__main__":
    main()
