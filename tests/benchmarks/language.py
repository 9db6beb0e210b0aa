"""Language identification: accuracy per language and throughput, cold and warm.

    .venv/bin/python tests/benchmarks/language.py                         # our held-out set
    .venv/bin/python tests/benchmarks/language.py --lingua-testdata DIR   # + Lingua's public test sentences

Always scores ``tests/data/language_heldout.tsv`` (hand-written chat messages) and
``tests/data/language_heldout_public.tsv`` (public short texts: Lingua's odd-line fragments and
Tatoeba Danish/Norwegian pairs, see ``scripts/nlp_build_language_heldout.py``); neither was used
to choose any weight. With ``--lingua-testdata DIR`` (the ``language-testdata`` folder of the
public lingua-py repository: ``DIR/sentences/<iso>.txt``) it also scores, per language, the
held-out **odd** lines (``--half even`` gives the lines the weights were chosen on) as
fragments of 3-7 words (``short``), as the 2-word ``word-pairs`` lines and as whole
``sentences``.

Throughput, on both held-out sets shuffled together and cut into four calls of ~425 texts:
``warm-up`` (``apps.nlp.warmup``, what a worker does at start; it includes importing
``apps.nlp.language``, which loads every model) is timed on its own, then ``first batch after
warm-up`` is the first call of the fresh process (the "cold" figure a worker sees); ``warm`` is
the best of the three later calls; ``--no-warm-up`` instead sets ``NLP_LOAD_AT_IMPORT=0`` and
times the first call with every model loading inside it; ``--cold-lingua N`` times the import and
the first call on N fragments apart (``*_per_cpu_s``: per CPU second of the process, all its
threads, which a busy machine distorts less). Each call gets distinct texts (repeats within a call are
answered once, which would flatter the figure). Run it in a fresh process for the cold figure.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
HELDOUT = ROOT / "tests" / "data" / "language_heldout.tsv"
HELDOUT_PUBLIC = ROOT / "tests" / "data" / "language_heldout_public.tsv"
# Lingua names Norwegian Bokmål nb; we answer "no" for Norwegian.
GOLD_ALIASES = {"nb": "no", "nn": "no"}
LINGUA_LANGUAGES = [
    "af",
    "ar",
    "bg",
    "bn",
    "ca",
    "cs",
    "cy",
    "da",
    "de",
    "el",
    "en",
    "es",
    "et",
    "eu",
    "fa",
    "fi",
    "fr",
    "ga",
    "he",
    "hi",
    "hr",
    "hu",
    "hy",
    "id",
    "is",
    "it",
    "ja",
    "ka",
    "ko",
    "lt",
    "lv",
    "mk",
    "mr",
    "nl",
    "nb",
    "pa",
    "pl",
    "pt",
    "ro",
    "ru",
    "sk",
    "sl",
    "sq",
    "sv",
    "sw",
    "ta",
    "te",
    "th",
    "tr",
    "uk",
    "ur",
    "vi",
    "zh",
    "gu",
    "az",
    "kk",
    "mn",
    "so",
]


def _heldout(path: Path = HELDOUT) -> tuple[list[str], list[str]]:
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [r["text"] for r in rows], [r["lang"] for r in rows]


def _lingua(directory: Path, kind: str, half: int, languages: list[str]) -> tuple[list[str], list[str]]:
    texts: list[str] = []
    gold: list[str] = []
    source = "sentences" if kind == "short" else kind
    for code in languages:
        path = directory / source / f"{code}.txt"
        if not path.exists():
            continue
        lines = [line.strip() for line in path.open(encoding="utf-8") if line.strip()]
        if kind == "short":
            rnd = random.Random(code)  # same fragment lengths on every run
            lines = [" ".join(line.split()[: rnd.randint(3, 7)]) for line in lines]
        picked = [line for k, line in enumerate(lines) if k % 2 == half]
        texts += picked
        gold += [GOLD_ALIASES.get(code, code)] * len(picked)
    return texts, gold


def _score(name: str, texts: list[str], gold: list[str], show_misses: int = 0) -> dict[str, object]:
    from apps.nlp.language import detect_languages

    pred = detect_languages(texts)
    per: dict[str, list[int]] = defaultdict(list)
    confused: dict[str, Counter[str | None]] = defaultdict(Counter)
    for g, p, t in zip(gold, pred, texts, strict=True):
        per[g].append(int(g == p))
        if g != p:
            confused[g][p] += 1
            if show_misses:
                print(f"  miss {g} -> {p}: {t}")
    accuracy = sum(map(sum, per.values())) / len(texts)
    per_language = {code: round(sum(v) / len(v), 3) for code, v in sorted(per.items())}
    worst = min(per_language, key=lambda c: per_language[c])
    print(
        f"{name}: {len(texts)} texts, {len(per)} languages, accuracy {accuracy:.4f}, worst {worst} {per_language[worst]}"
    )
    for code, acc in per_language.items():
        wrong = ", ".join(f"{p}:{n}" for p, n in confused[code].most_common(3))
        print(f"  {code} {acc:.3f} (n={len(per[code])}){'  -> ' + wrong if wrong else ''}")
    return {"texts": len(texts), "accuracy": round(accuracy, 4), "worst": worst, "per_language": per_language}


def _rate(texts: list[str], cpu: dict[str, float] | None = None) -> float:
    """Texts per wall-clock second; ``cpu["rate"]`` gets texts per CPU second of this process."""
    from apps.nlp.language import detect_languages

    start, start_cpu = time.perf_counter(), time.process_time()
    detect_languages(texts)
    if cpu is not None:
        cpu["rate"] = max(cpu.get("rate", 0.0), len(texts) / (time.process_time() - start_cpu))
    return len(texts) / (time.perf_counter() - start)


def _cold_lingua(directory: Path, languages: list[str], n: int) -> dict[str, object]:
    """The first ``detect_languages`` call of this process, on ``n`` mixed fragments, nothing loaded before."""
    texts, gold = _lingua(directory, "short", 1, languages)
    order = list(range(len(texts)))
    random.Random(1).shuffle(order)
    order = order[:n]
    texts, gold = [texts[k] for k in order], [gold[k] for k in order]
    start = time.perf_counter()
    # Models load here unless NLP_LOAD_AT_IMPORT=0 (--no-warm-up): then inside the first call.
    from apps.nlp.language import detect_languages

    imported, imported_cpu = time.perf_counter(), time.process_time()
    pred = detect_languages(texts)
    wall, cpu = time.perf_counter() - imported, time.process_time() - imported_cpu
    accuracy = sum(g == p for g, p in zip(gold, pred, strict=True)) / len(texts)
    return {
        "texts": len(texts),
        "load_at_import": os.environ.get("NLP_LOAD_AT_IMPORT", "1") != "0",
        "import_s": round(imported - start, 3),
        "first_call_texts_per_s": round(len(texts) / wall),
        "first_call_texts_per_cpu_s": round(len(texts) / cpu),
        "import_and_first_call_texts_per_s": round(len(texts) / (time.perf_counter() - start)),
        "first_call_seconds": round(wall, 3),
        "first_call_cpu_seconds": round(cpu, 3),
        "accuracy": round(accuracy, 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lingua-testdata", type=Path, help="lingua-py's language-testdata folder")
    parser.add_argument("--half", choices=["odd", "even"], default="odd", help="odd: held out; even: tuned on")
    parser.add_argument("--languages", default=",".join(LINGUA_LANGUAGES), help="Lingua test languages to read")
    parser.add_argument("--misses", action="store_true", help="print every miss of the held-out sets")
    parser.add_argument(
        "--no-warm-up",
        action="store_true",
        help="keep model loading lazy (NLP_LOAD_AT_IMPORT=0) and time the first call with it",
    )
    parser.add_argument(
        "--cold-lingua",
        type=int,
        metavar="N",
        help="only time the first call of this fresh process (no warm-up) on N shuffled odd-line 3-7-word "
        "fragments of --languages (needs --lingua-testdata), then exit",
    )
    args = parser.parse_args()
    if args.no_warm_up:
        # apps.nlp.language loads every model when imported; this option measures the lazy path.
        os.environ["NLP_LOAD_AT_IMPORT"] = "0"
    if args.cold_lingua:
        if not args.lingua_testdata:
            parser.error("--cold-lingua needs --lingua-testdata")
        print("cold:", json.dumps(_cold_lingua(args.lingua_testdata, args.languages.split(","), args.cold_lingua)))
        return

    texts, gold = _heldout()
    public_texts, public_gold = _heldout(HELDOUT_PUBLIC)
    # Throughput first, in this fresh process: distinct texts in every call.
    mixed = list(dict.fromkeys(texts + public_texts))
    random.Random(0).shuffle(mixed)
    chunks = [mixed[k::4] for k in range(4)]
    figures: dict[str, object] = {"texts_per_call": len(chunks[0])}
    first_cpu: dict[str, float] = {}
    if args.no_warm_up:
        figures["first_call_no_warm_up_texts_per_s"] = round(_rate(chunks[0], first_cpu))
        figures["first_call_no_warm_up_texts_per_cpu_s"] = round(first_cpu["rate"])
    else:
        from apps.nlp.warmup import warm_up

        start = time.perf_counter()
        warm_up()
        figures["warm_up_s"] = round(time.perf_counter() - start, 2)
        figures["first_batch_after_warm_up_texts_per_s"] = round(_rate(chunks[0], first_cpu))
        figures["first_batch_after_warm_up_texts_per_cpu_s"] = round(first_cpu["rate"])
    cpu: dict[str, float] = {}
    figures["warm_texts_per_s"] = round(max(_rate(chunks[k], cpu) for k in (1, 2, 3)))
    # Lingua's thread pool uses both cores: on a quiet 2-core machine the wall-clock rate lies
    # between this and twice this; on a busy one the wall-clock rate says more about the others.
    figures["warm_texts_per_cpu_s"] = round(cpu["rate"])
    if args.lingua_testdata:
        # A bigger sample for the rate: 3-7-word fragments of every language, 2,000 per call.
        big, _ = _lingua(args.lingua_testdata, "short", 1, args.languages.split(","))
        random.Random(0).shuffle(big)
        cpu = {}
        figures["warm_texts_per_s_lingua_short"] = round(
            max(_rate(big[k * 2000 : (k + 1) * 2000], cpu) for k in range(3))
        )
        figures["warm_texts_per_cpu_s_lingua_short"] = round(cpu["rate"])
    print("throughput:", json.dumps(figures))

    results: dict[str, object] = {
        "throughput": figures,
        "heldout": _score("heldout (ours)", texts, gold, args.misses),
        "heldout_public": _score("heldout (public)", public_texts, public_gold, args.misses),
        "heldout_both": _score("heldout (both)", texts + public_texts, gold + public_gold),
    }
    if args.lingua_testdata:
        half = 1 if args.half == "odd" else 0
        for kind in ("short", "word-pairs", "sentences"):
            t, g = _lingua(args.lingua_testdata, kind, half, args.languages.split(","))
            results[f"lingua_{kind}_{args.half}"] = _score(f"lingua {kind} ({args.half} lines)", t, g)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
