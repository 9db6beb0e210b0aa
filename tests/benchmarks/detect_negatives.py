"""Findings of ``apps.detection.sensitive.detect`` on public texts that are mostly *not* personal data.

    .venv/bin/python tests/benchmarks/detect_negatives.py --clinc CLINC --banking BANKING [--xlmt XLMT] [--show 20]

A precision monitor for what no labelled set covers: requests to assistants (CLINC150 and
BANKING77 *train* splits, 25,103 distinct texts) name card networks, currencies, countries and
the odd first name, and informal tweets (XLM-T sentiment *train* splits, first 1,000 per
language of en/es/pt/fr/de/it) shout, joke and name celebrities. Counting the findings per type,
and printing the most frequent values, shows a rule that starts tagging ordinary words (a jump
in ORGANIZATION on banking requests was the ATM / Mastercard / Apple Pay class). Not a score: some
findings are right ("call mary", "Seattle"). Data: the three repositories' git dirs, as brought
by ``fetch github:clinc/oos-eval``, ``github:PolyAI-LDN/task-specific-datasets`` and
``github:cardiffnlp/xlm-t`` (paths to their ``repo`` folders). Last line is JSON.
"""

from __future__ import annotations

import argparse
import collections
import csv
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
XLMT_LANGUAGES = ("english", "spanish", "portuguese", "french", "german", "italian")


def _show(git_dir: Path, path: str) -> str:
    return subprocess.run(
        ["git", f"--git-dir={git_dir}", "show", f"HEAD:{path}"], capture_output=True, text=True, check=True
    ).stdout


def requests(clinc: Path, banking: Path) -> list[str]:
    data = json.loads(_show(clinc, "data/data_full.json"))
    texts = [text for text, _ in data["train"]] + [text for text, _ in data["oos_train"]]
    rows = list(csv.reader(io.StringIO(_show(banking, "banking_data/train.csv"))))[1:]
    return sorted(set(texts + [row[0] for row in rows]))


def tweets(xlmt: Path, per_language: int = 1000) -> list[str]:
    texts: list[str] = []
    for language in XLMT_LANGUAGES:
        texts += _show(xlmt, f"data/sentiment/{language}/train_text.txt").splitlines()[:per_language]
    return sorted(set(texts))


def count(name: str, texts: list[str], show: int) -> dict[str, object]:
    from django.conf import settings

    if not settings.configured and "DJANGO_SETTINGS_MODULE" not in os.environ:
        # The detectors only read NLP_PIPELINE; a full settings module would want a database.
        settings.configure(NLP_PIPELINE=os.environ.get("NLP_PIPELINE", ""))
    from apps.detection.sensitive import detect

    start = time.process_time()
    found = detect(texts)
    cpu = time.process_time() - start
    by_type: collections.Counter[str] = collections.Counter()
    values: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for text, findings in zip(texts, found, strict=True):
        for f in findings:
            by_type[f.type] += 1
            values[f.type][text[f.start : f.end]] += 1
    print(f"{name}: {len(texts)} texts, {sum(by_type.values())} findings {dict(by_type.most_common())}")
    for kind, counter in values.items():
        print(f"  {kind}: {counter.most_common(show)}")
    return {"texts": len(texts), "findings": dict(by_type), "messages_per_cpu_s": round(len(texts) / cpu)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clinc", type=Path, required=True, help="git dir of github:clinc/oos-eval")
    parser.add_argument(
        "--banking", type=Path, required=True, help="git dir of github:PolyAI-LDN/task-specific-datasets"
    )
    parser.add_argument("--xlmt", type=Path, help="git dir of github:cardiffnlp/xlm-t")
    parser.add_argument("--show", type=int, default=15, help="most frequent values printed per type")
    args = parser.parse_args()
    result = {"requests": count("requests", requests(args.clinc, args.banking), args.show)}
    if args.xlmt:
        result["tweets"] = count("tweets", tweets(args.xlmt), args.show)
    print(json.dumps({"benchmark": "detect_negatives", **result}))


if __name__ == "__main__":
    main()
