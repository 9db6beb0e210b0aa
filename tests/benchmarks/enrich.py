"""Enrichment benchmark: language + sentiment + rephrase + intent assignment on demo messages.

    .venv/bin/python tests/benchmarks/enrich.py [--messages 100000] [--chunk 2000]

User messages come from the seeded demo generator (apps.demo), in conversation
order, so rephrase pairs are the real "previous two user messages". Each chunk goes through
the same functions the enrichment step calls, one process, timed per stage; the intent model
is fitted once up front (not timed: that is the scheduled re-clustering). RSS is sampled per
chunk to show memory stays flat. Last line is JSON. Not a timed test.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tessera_bench")  # settings need one; unused

import django  # noqa: E402

django.setup()

from apps.demo.generator import Plan, demo_batches  # noqa: E402
from apps.nlp.frustration import MessageSignals, score_frustration  # noqa: E402
from apps.nlp.intents import assign_intents, fit_intents  # noqa: E402
from apps.nlp.language import detect_languages  # noqa: E402
from apps.nlp.rephrase import rephrase_scores  # noqa: E402
from apps.nlp.sentiment import score_sentiment  # noqa: E402

Chunk = list[tuple[str, str, list[str]]]  # (conversation, text, previous two user texts)


def user_messages(total: int) -> Iterator[Chunk]:
    """Yield (conversation id, text, previous user texts) for ``total`` user messages."""
    now = datetime.now(UTC)
    plan = Plan(seed=42, today=now.date(), now=now, anchor=now.date(), days=90, events=max(total * 4, 10_000))
    history: dict[str, list[str]] = {}
    produced = 0
    for batch in demo_batches(plan):
        for event in batch.events:
            if event["type"] != "message" or event["role"] != "user":
                continue
            key = f"{batch.assistant}:{event['conversation_id']}"
            previous = history.setdefault(key, [])
            yield key, event["content"], previous[-2:]
            previous.append(event["content"])
            produced += 1
            if produced >= total:
                return
        if len(history) > 50_000:  # conversations end; keep the working set bounded
            history.clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--chunk", type=int, default=2000)
    args = parser.parse_args()

    process = psutil.Process()
    stream = user_messages(args.messages)
    warm = [next(stream) for _ in range(min(3000, args.messages))]
    t0 = time.perf_counter()
    model = fit_intents([text for _, text, _ in warm])
    fit_s = time.perf_counter() - t0
    # First calls load the models (fastText, Lingua's per-language models as they are first
    # needed, lexicons, embeddings): keep that out of the rates by warming on real messages.
    detect_languages([text for _, text, _ in warm])
    score_sentiment(["warm up"])
    rephrase_scores([("warm", "up")])

    stages = {"language": 0.0, "sentiment": 0.0, "rephrase": 0.0, "intent": 0.0, "frustration": 0.0}
    done = 0
    rss = [process.memory_info().rss / 1e6]
    chunk: list = list(warm)

    def run(items: list) -> None:
        texts = [text for _, text, _ in items]
        t = time.perf_counter()
        detect_languages(texts)
        stages["language"] += time.perf_counter() - t
        t = time.perf_counter()
        sentiments = score_sentiment(texts)
        stages["sentiment"] += time.perf_counter() - t
        pairs = [(prev, text) for _, text, previous in items for prev in previous]
        t = time.perf_counter()
        scores = rephrase_scores(pairs)
        stages["rephrase"] += time.perf_counter() - t
        t = time.perf_counter()
        assign_intents(model, texts)
        stages["intent"] += time.perf_counter() - t
        # Frustration per conversation from the already computed signals (cheap, reported apart).
        t = time.perf_counter()
        k = 0
        for (_, text, previous), sentiment in zip(items, sentiments, strict=True):
            rephrase = max(scores[k : k + len(previous)], default=0.0) >= 0.5
            k += len(previous)
            score_frustration([MessageSignals(text=text, sentiment=sentiment, is_rephrase=rephrase)])
        stages["frustration"] += time.perf_counter() - t

    for item in stream:
        chunk.append(item)
        if len(chunk) >= args.chunk:
            run(chunk)
            done += len(chunk)
            chunk = []
            rss.append(process.memory_info().rss / 1e6)
            if len(rss) % 10 == 0:
                print(f"  {done} messages, RSS {rss[-1]:.0f} MB", flush=True)
    if chunk:
        run(chunk)
        done += len(chunk)
        rss.append(process.memory_info().rss / 1e6)

    core = sum(stages[s] for s in ("language", "sentiment", "rephrase", "intent"))
    result = {
        "benchmark": "enrich",
        "messages_per_s": round(done / core),
        "messages_per_s_with_frustration": round(done / (core + stages["frustration"])),
        "per_stage_ms": {s: round(v * 1000, 1) for s, v in stages.items()},
        "per_1000_messages_ms": {s: round(v * 1000 / done * 1000, 2) for s, v in stages.items()},
        "intent_fit_s": round(fit_s, 2),
        "messages": done,
        "worker_rss_mb": round(rss[-1], 1),
        "worker_rss_first_chunk_mb": round(rss[1] if len(rss) > 1 else rss[0], 1),
        "worker_rss_max_mb": round(max(rss), 1),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
