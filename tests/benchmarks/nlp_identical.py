"""Identity check for speed work on the NLP enrichment step: same outputs, before and after.

    .venv/bin/python tests/benchmarks/nlp_identical.py --dump NEW.json
    .venv/bin/python tests/benchmarks/nlp_identical.py --dump OLD.json --code /work/wt/base   # old code
    .venv/bin/python tests/benchmarks/nlp_identical.py --compare OLD.json NEW.json

``--dump`` runs every public entry point ``apps.nlp.services.nlp_enrich_step`` relies on
(``detect_languages`` with and without locales, ``score_sentiment`` and ``lexicon_scores``,
``rephrase_scores`` and the pair ``features``, ``score_frustration`` on made-up conversations
with and without precomputed signals, and the per-text frustration signals) over every text we
have: 20,000 events of the demo generator (message contents and feedback comments), the texts
of tests/data/*.tsv and *.jsonl, and variants of each (lower, upper, title case, accents
stripped, accents added, "n't" spelt both ways, "!!!"/"???", an emoji, halves, doubled). Texts
go through in enrichment-sized calls, then again in other-sized calls (per-process caches warm,
and batches that split differently) so that caching can change nothing. ``--code DIR`` imports
``apps`` from another checkout (the text sets always come from this one), so the old code runs
on the same inputs. ``--compare`` reports every difference (floats: beyond 1e-9) and exits 1
on any. Not a timed test; ``--dump`` prints CPU seconds per entry point.

``--step-dump OUT`` checks the enrichment step itself, on the database: into an empty database
(``DATABASE_URL``, migrated with ``migrate_schemas --shared``) it stores ``--events`` demo events
of a fixed seed as tests/benchmarks/pipeline.py does, enriches them batch by batch with every
``ENRICHMENT_STEPS`` step, and writes the NLP columns of every message and conversation (by
external id), with one re-clustering of intents on the way (later batches are assigned to
them); ``--compare`` then compares two such dumps.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import os
import random
import sys
import time
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
TOLERANCE = 1e-9
LOCALES = (None, "nb-NO", "da", "cs-CZ", "sk", "pt_BR", "en-US", "sv", "de-AT", None, "xx")
_ACCENTED = str.maketrans({"a": "á", "e": "é", "o": "ö", "u": "ü", "n": "ñ", "c": "ç", "i": "î"})


def tsv_texts() -> list[str]:
    texts: list[str] = []
    for path in sorted(DATA.glob("*.tsv")):
        for row in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")), delimiter="\t"):
            texts.extend(v for k, v in row.items() if k in ("text", "a", "b") and v)
    for path in sorted(DATA.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                text = json.loads(line).get("text")
                if isinstance(text, str) and text:
                    texts.append(text)
    return texts


def tsv_pairs() -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for path in sorted(DATA.glob("rephrase_pairs*.tsv")):
        for row in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")), delimiter="\t"):
            pairs.append((row["a"], row["b"]))
    return pairs


def demo_conversations(events: int) -> tuple[list[list[str]], list[str]]:
    """User message texts of each demo conversation in order (feedback comments as one-message
    conversations), and the assistants' answers (long texts)."""
    from tests.benchmarks.fixed_demo import fixed_demo_batches

    conversations: dict[str, list[str]] = {}
    answers: list[str] = []
    for batch in fixed_demo_batches(events):
        for event in batch.events:
            content = event.get("content")
            if event.get("type") == "message" and isinstance(content, str):
                if event.get("role") == "user":
                    conversations.setdefault(str(event.get("conversation_id")), []).append(content)
                else:
                    answers.append(content)
            comment = event.get("comment")
            if event.get("type") == "feedback" and isinstance(comment, str) and comment:
                conversations[f"comment-{len(conversations)}"] = [comment]
    return list(conversations.values()), answers


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def variants(text: str) -> list[str]:
    half = len(text) // 2
    return [
        text.lower(),
        text.upper(),
        text.title(),
        _strip_accents(text),
        text.translate(_ACCENTED),
        text.replace("n't", "n’t").replace("'", "’"),
        text.replace("n’t", "n't").replace("’", "'"),
        text + "!!!",
        text + " ???",
        text + " 😡",
        "😀 " + text,
        text[:half],
        text[half:],
        text + " " + text,
        "  " + text.replace(" ", "   ") + "\n",
    ]


def chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[k : k + size] for k in range(0, len(items), size)]


def dump(out: Path, events: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from apps.nlp import frustration, language, rephrase, sentiment

    conversations, answers = demo_conversations(events)
    demo = [t for c in conversations for t in c]
    base = list(dict.fromkeys(demo + tsv_texts()))
    rng = random.Random(7)
    texts = [
        *base,
        *(v for t in base for v in variants(t)),
        *answers[::10],
        "",
        " ",
        "!!!",
        "😀👍",
        "12345",
        "ok",
        "Ok!",
    ]
    rng.shuffle(texts)
    # Pairs as enrichment makes them (each message with the one and two before it), of the
    # shuffled texts, the labelled pairs, and each base text with its variants.
    pairs: list[tuple[str, str]] = []
    for messages in conversations:
        for k in range(len(messages)):
            pairs.extend((messages[j], messages[k]) for j in range(max(0, k - 2), k))
    pairs.extend(tsv_pairs())
    pairs.extend((texts[k - d], texts[k]) for k in range(2, len(texts), 3) for d in (1, 2))
    pairs.extend((t, v) for t in base[::3] for v in variants(t)[::2])
    pairs.extend([("", ""), ("ok", ""), ("", "ok"), ("123", "123"), ("order 4512", "order 4513")])
    locales = [LOCALES[k % len(LOCALES)] for k in range(len(texts))]

    results: dict[str, Any] = {}
    cpu: dict[str, float] = {}

    def run(name: str, fn: Callable[[], Any]) -> None:
        started = time.process_time()
        results[name] = fn()
        cpu[name] = time.process_time() - started
        print(f"{name}: {cpu[name]:.2f} s CPU", flush=True)

    def batched(fn: Callable[[list[Any]], list[Any]], items: list[Any], sizes: tuple[int, ...]) -> list[Any]:
        # One flat list: the items cut in calls of each size in turn, then the first 3,000 in
        # calls of one and of seven (a call's fixed costs make those slow over everything).
        out = [x for size in sizes for chunk in chunks(items, size) for x in fn(chunk)]
        return out + [x for size in (1, 7) for chunk in chunks(items[:3000], size) for x in fn(chunk)]

    run("detect_languages", lambda: batched(language.detect_languages, texts, (1500, 997)))
    run(
        "detect_languages_locales",
        lambda: [
            x
            for lo in range(0, len(texts), 1500)
            for x in language.detect_languages(texts[lo : lo + 1500], locales=locales[lo : lo + 1500])
        ],
    )
    run("lexicon_scores", lambda: sentiment.lexicon_scores(texts))
    run("score_sentiment", lambda: batched(sentiment.score_sentiment, texts, (1500, 4093)))
    run("rephrase_scores", lambda: batched(rephrase.rephrase_scores, pairs, (3000, 5003)))
    run(
        "rephrase_features", lambda: [row.tolist() for chunk in chunks(pairs, 2500) for row in rephrase.features(chunk)]
    )
    run(
        "text_signals",
        lambda: [
            (
                frustration.has_frustration_phrase(t),
                frustration.asks_for_human(t),
                frustration.is_shouting(t),
            )
            for t in texts
        ],
    )

    def conversation_scores() -> list[Any]:
        out = []
        ratings = (None, None, "down", None, "up", None, None)
        for k, messages in enumerate(conversations + chunks(texts[:6000], 4)):
            items = []
            for j, text in enumerate(messages):
                given = (k + j) % 3  # 0: compute everything, 1: sentiment given, 2: both given
                items.append(
                    frustration.MessageSignals(
                        text=text,
                        sentiment=None if given == 0 else ((k * 37 + j * 11) % 200 - 100) / 100,
                        is_rephrase=None if given < 2 else bool((k + j) % 2),
                    )
                )
                rating = ratings[(k + j) % len(ratings)]
                if rating is not None:
                    items.append(frustration.MessageSignals(text="", is_user=False, rating=rating))  # type: ignore[arg-type]
            result = frustration.score_frustration(items)
            out.append((result.score, result.frustrated, result.signals))
        return out

    run("score_frustration", conversation_scores)
    out.write_text(json.dumps({"texts": len(texts), "pairs": len(pairs), "results": results}), encoding="utf-8")
    print(f"{len(texts)} texts, {len(pairs)} pairs written to {out}; {sum(cpu.values()):.1f} s CPU")


def step_dump(out: Path, events: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from datetime import timedelta

    from django.conf import settings
    from django.db import transaction
    from django.utils.module_loading import import_string
    from django_tenants.utils import schema_context

    from apps.accounts.services import organization_provision
    from apps.conversations.models import Conversation, Message
    from apps.conversations.services import conversations_build
    from apps.demo.generator import Plan, demo_batches
    from apps.demo.services import demo_portfolio_ensure
    from apps.ingestion.services import events_ingest
    from apps.ingestion.validation import Limits
    from apps.nlp.services import intents_recluster, intents_recluster_due
    from config.celery import app

    app.conf.task_always_eager = False
    app.conf.broker_url = "memory://"  # store without enriching: the steps run below
    organization_provision(
        slug="ident", name="Identity", domain="ident.localhost", admin_email="i@ident.test", admin_password="ident-123"
    )
    now = datetime(2026, 11, 30, 12, tzinfo=UTC)
    limits = Limits(
        content_max_chars=settings.INGEST_CONTENT_MAX_CHARS,
        metadata_max_bytes=settings.INGEST_METADATA_MAX_BYTES,
        max_age=timedelta(days=3650),
        max_future=timedelta(days=3650),
    )
    steps = [import_string(path) for path in settings.ENRICHMENT_STEPS]
    started = time.process_time()
    with schema_context("ident"):
        portfolio = demo_portfolio_ensure(today=now.date())
        plan = Plan(
            seed=20261130,
            today=now.date(),
            now=now,
            anchor=portfolio.anchor,
            days=90,
            events=events,
            batch_size=2000,
        )
        for n, batch in enumerate(demo_batches(plan)):
            if n == 6:
                # Cluster intents once on the way, so that later batches assign messages to them.
                for assistant_id in intents_recluster_due():
                    intents_recluster(assistant_id=assistant_id)
            result = events_ingest(
                assistant=portfolio.assistants[batch.assistant], events=batch.events, source="seed", limits=limits
            )
            if result.batch_id:
                with transaction.atomic():
                    touched = conversations_build(batch_id=result.batch_id)
                    for step in steps:
                        step(batch_id=result.batch_id, conversation_ids=touched)
        messages = sorted(
            [
                list(row)
                for row in Message.objects.filter(role="user").values_list(
                    "external_id", "language", "sentiment", "rephrase_score", "is_rephrase", "intent_id"
                )
            ],
            key=lambda row: str(row[0]),
        )
        conversations = sorted(
            [
                list(row)
                for row in Conversation.objects.values_list(
                    "external_id", "language", "frustration", "frustrated", "intent_id"
                )
            ],
            key=lambda row: str(row[0]),
        )
    results = {"messages": messages, "conversations": conversations}
    out.write_text(
        json.dumps({"texts": len(messages), "pairs": len(conversations), "results": results}), encoding="utf-8"
    )
    print(
        f"{len(messages)} user messages, {len(conversations)} conversations written to {out}; "
        f"{time.process_time() - started:.1f} s CPU"
    )


def _differs(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        if (
            not isinstance(a, (int, float))
            or not isinstance(b, (int, float))
            or isinstance(a, bool) != isinstance(b, bool)
        ):
            return True
        if math.isnan(a) or math.isnan(b):
            return not (math.isnan(a) and math.isnan(b))
        return abs(a - b) > TOLERANCE
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) != len(b) or any(_differs(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() != b.keys() or any(_differs(a[k], b[k]) for k in a)
    return bool(a != b)


def _gap(a: Any, b: Any) -> float:
    """Largest difference between the floats of two equal-shaped results."""
    if isinstance(a, float) and isinstance(b, float):
        return 0.0 if math.isnan(a) or math.isnan(b) else abs(a - b)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return max((_gap(x, y) for x, y in zip(a, b, strict=True)), default=0.0)
    return 0.0


def compare(before: Path, after: Path) -> int:
    old = json.loads(before.read_text(encoding="utf-8"))
    new = json.loads(after.read_text(encoding="utf-8"))
    if (old["texts"], old["pairs"]) != (new["texts"], new["pairs"]):
        print("different inputs: dumps of different text sets")
        return 1
    total = 0
    for name, values in old["results"].items():
        other = new["results"].get(name)
        if other is None or len(other) != len(values):
            print(f"{name}: missing or of another length")
            total += 1
            continue
        differences = 0
        worst = 0.0
        for k, (x, y) in enumerate(zip(values, other, strict=True)):
            if _differs(x, y):
                differences += 1
                if differences <= 5:
                    print(f"  {name}[{k}]: {str(x)[:200]} != {str(y)[:200]}")
            else:
                worst = max(worst, _gap(x, y))
        total += differences
        print(f"{name}: {len(values)} results, {differences} differ (largest float gap among equal ones {worst:.1e})")
    print(f"{old['texts']} texts, {old['pairs']} pairs; {total} differences")
    return 1 if total else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dump", type=Path)
    parser.add_argument("--code", type=Path, default=ROOT, help="checkout whose apps.nlp runs (default: this one)")
    parser.add_argument("--events", type=int, default=20_000, help="demo events whose texts are used")
    parser.add_argument("--step-dump", type=Path, help="enrich demo events in DATABASE_URL and dump the NLP columns")
    parser.add_argument("--compare", nargs=2, type=Path)
    args = parser.parse_args()
    if args.compare:
        sys.exit(compare(*args.compare))
    if args.dump or args.step_dump:
        sys.path.insert(0, str(args.code.resolve()))
    if args.dump:
        dump(args.dump, args.events)
    if args.step_dump:
        step_dump(args.step_dump, args.events)


if __name__ == "__main__":
    main()
