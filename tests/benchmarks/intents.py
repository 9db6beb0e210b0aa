"""Intent clustering on draws from public *train* splits (CLINC150, BANKING77): NMI and speed.

    .venv/bin/python tests/benchmarks/intents.py --clinc DATA/data_oos_plus.json --banking DATA/train.csv
    .venv/bin/python tests/benchmarks/intents.py ... --half tune     # the draws used to pick parameters

Only the train splits are read (CLINC150 ``train`` + ``oos_train``, BANKING77 ``train.csv``);
the files are not in the repo (docs/nlp.md says where they come from). Each draw is a random
set of intents and requests, mimicking the held-out sets:

- ``clinc50``: 50 of CLINC150's 150 intents, 30 requests each, plus out-of-scope requests
  (``oos_train`` of ``data_oos_plus.json``, 250) labelled ``oos`` — 1,750 texts, 14 % out of scope;
- ``banking77``: all 77 BANKING77 intents, 40 requests each — 3,080 texts.

Seeds 0-2 are the ``tune`` half (parameters were chosen on them), seeds 100-104 the ``heldout``
half (drawn after the parameters were fixed: different intents and requests). NMI uses the
arithmetic-mean normalisation (scikit-learn's default), "other" (-1) counting as one cluster.
Prints one line per draw and a JSON summary.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import random
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

SEEDS = {"tune": [0, 1, 2], "heldout": [100, 101, 102, 103, 104]}


def nmi(gold: list[str], pred: list[int]) -> float:
    n = len(gold)
    joint = Counter(zip(gold, pred, strict=True))
    pg, pp = Counter(gold), Counter(pred)
    mi = sum(c / n * math.log(c * n / (pg[g] * pp[p])) for (g, p), c in joint.items())
    hg = -sum(c / n * math.log(c / n) for c in pg.values())
    hp = -sum(c / n * math.log(c / n) for c in pp.values())
    return mi / ((hg + hp) / 2) if hg + hp else 1.0


def clinc_draw(path: Path, seed: int, n_intents: int = 50, per_intent: int = 30) -> list[tuple[str, str]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    rng = random.Random(seed)
    by_intent: dict[str, list[str]] = {}
    for text, intent in data["train"]:
        by_intent.setdefault(intent, []).append(text)
    rows = []
    for intent in rng.sample(sorted(by_intent), n_intents):
        rows += [(t, intent) for t in rng.sample(by_intent[intent], per_intent)]
    rows += [(t, "oos") for t, _ in data["oos_train"]]
    rng.shuffle(rows)
    return rows


def banking_draw(path: Path, seed: int, per_intent: int = 40) -> list[tuple[str, str]]:
    with path.open(encoding="utf-8") as handle:
        pairs = [(r["text"], r["category"]) for r in csv.DictReader(handle)]
    rng = random.Random(seed)
    by_intent: dict[str, list[str]] = {}
    for text, intent in pairs:
        by_intent.setdefault(intent, []).append(text)
    rows = []
    for intent in sorted(by_intent):
        rows += [(t, intent) for t in rng.sample(by_intent[intent], min(per_intent, len(by_intent[intent])))]
    rng.shuffle(rows)
    return rows


def score(name: str, rows: list[tuple[str, str]]) -> dict[str, float]:
    from apps.nlp.intents import cluster_intents

    texts, gold = [r[0] for r in rows], [r[1] for r in rows]
    start = time.perf_counter()
    labels = cluster_intents(texts)
    seconds = time.perf_counter() - start
    inscope = [i for i, g in enumerate(gold) if g != "oos"]
    oos = [i for i, g in enumerate(gold) if g == "oos"]
    out = {
        "nmi": nmi(gold, labels),
        "nmi_inscope": nmi([gold[i] for i in inscope], [labels[i] for i in inscope]),
        "clusters": len({lab for lab in labels if lab >= 0}),
        "other_share": labels.count(-1) / len(labels),
        "oos_to_other": (sum(labels[i] == -1 for i in oos) / len(oos)) if oos else float("nan"),
        "texts_per_s": len(texts) / seconds,
    }
    print(f"  {name}: " + "  ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in out.items()))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--clinc", type=Path, required=True, help="CLINC150 data_oos_plus.json (its train split is data_full.json's)"
    )
    parser.add_argument("--banking", type=Path, required=True, help="BANKING77 train.csv")
    parser.add_argument("--half", choices=sorted(SEEDS), default="heldout")
    args = parser.parse_args()
    from apps.nlp import embeddings

    embeddings.embed(["warm up"])  # table loading is not clustering time
    summary: dict[str, dict[str, float]] = {}
    for set_name, draw, path in (("clinc50", clinc_draw, args.clinc), ("banking77", banking_draw, args.banking)):
        results = [score(f"{set_name} seed {s}", draw(path, s)) for s in SEEDS[args.half]]
        summary[set_name] = {k: sum(r[k] for r in results) / len(results) for k in results[0]}
        print(f"{set_name} mean: " + "  ".join(f"{k} {v:.3f}" for k, v in summary[set_name].items()))
    print(json.dumps({"half": args.half, **summary}))


if __name__ == "__main__":
    main()
