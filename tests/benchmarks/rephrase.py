"""Rephrase pair model: held-out ROC-AUC per source and pairs/s, cold and warm.

    .venv/bin/python tests/benchmarks/rephrase.py [--mirror /work/.mirror] [--pairs 5000]

Speed first, in this fresh process: ``--pairs`` enrichment-like pairs (every text of
tests/data/*.tsv paired with the one and two before it, as enrichment compares each user message
with the two previous ones). *cold* = the first call (loads the model, the embeddings and the
tokenizer), *warm* = the same pairs again after clearing the per-text cache (models loaded, every
text new, as for the next batch of new messages), *cached* = once more with the cache kept.
Wall-clock and CPU-time (``time.process_time``) rates are both printed, with the load average.

Quality: the held-out pairs that ``scripts/nlp_fit_rephrase.py`` never trains or tunes on
(banking77 heldout requests, CLINC150 heldout *intents*, synthetic heldout edits, the German
PAWS-X dev set, German MASSIVE intent pairs, the ``heldout`` split of
tests/data/rephrase_pairs_chat.tsv per language), plus
tests/data/rephrase_pairs.tsv (in the training data: in-sample). Public sets need the fetched
snapshots named in that script; without them only our own sets are scored. Baselines on the same
pairs: the character TF-IDF cosine alone and the static-embedding cosine alone. Last line: JSON.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "tests" / "benchmarks"))
DATA = ROOT / "tests" / "data"


def _texts() -> list[str]:
    texts: list[str] = []
    for name in sorted(DATA.glob("*.tsv")):
        with name.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
                texts.extend(row[k] for k in ("text", "a", "b") if row.get(k))
    return list(dict.fromkeys(texts))


def _speed_pairs(n: int) -> list[tuple[str, str]]:
    texts = _texts()
    random.Random(15).shuffle(texts)
    pairs = [(texts[i - d], texts[i]) for i in range(2, len(texts)) for d in (1, 2)]
    return (pairs * (n // len(pairs) + 1))[:n]


def _timed(fn, pairs: list[tuple[str, str]]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    fn(pairs)
    return len(pairs) / (time.perf_counter() - wall), len(pairs) / max(time.process_time() - cpu, 1e-9)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mirror", type=Path, default=Path("/work/.mirror"))
    parser.add_argument("--pairs", type=int, default=5000)
    args = parser.parse_args()
    pairs = _speed_pairs(args.pairs)
    load_before = os.getloadavg()[0]

    from apps.nlp import rephrase

    speed: dict[str, float] = {}
    speed["cold_pairs_per_s"], speed["cold_cpu_pairs_per_s"] = _timed(rephrase.rephrase_scores, pairs)
    rephrase._cache.clear()
    speed["warm_pairs_per_s"], speed["warm_cpu_pairs_per_s"] = _timed(rephrase.rephrase_scores, pairs)
    speed["cached_pairs_per_s"], speed["cached_cpu_pairs_per_s"] = _timed(rephrase.rephrase_scores, pairs)
    speed = {k: round(v) for k, v in speed.items()}
    distinct = len({t for p in pairs for t in p})
    print(
        f"speed on {len(pairs)} pairs ({distinct} distinct texts), load {load_before:.2f} -> {os.getloadavg()[0]:.2f}:"
    )
    for k, v in speed.items():
        print(f"  {k:<24} {v:>8,}")

    import nlp_fit_rephrase as fit
    from nlp_quality import roc_auc

    try:
        labelled, external = fit._load(args.mirror, random.Random(fit.SEED))
    except (OSError, subprocess.CalledProcessError) as error:  # the public snapshots are optional here
        print(f"  public sets unavailable ({type(error).__name__}); scoring our own sets only")
        labelled = [p for p in fit.chat_pairs() if p["split"] == "heldout"]
        external = []
    sets: dict[str, list[dict[str, object]]] = {}
    for p in labelled + external:
        if p["split"] in ("heldout", "external"):
            sets.setdefault(str(p["source"]), []).append(p)
        # CLINC150 labels "set a timer for 5 minutes" / "... 10 minutes" as the same intent; for
        # paraphrase data (and for us) they are different requests: also the set without them.
        numbers = [set(re.findall(r"\d+", str(p[k]))) for k in ("a", "b")]
        changed = bool(numbers[0]) and bool(numbers[1]) and numbers[0] != numbers[1]
        if p["source"] == "clinc150" and p["split"] == "heldout" and not changed:
            sets.setdefault("clinc150_same_numbers", []).append(p)
        if p["source"] == "chat" and p["split"] == "heldout":
            sets.setdefault(f"chat_{p['lang']}", []).append(p)
    sets["old_set_in_sample"] = [
        {"a": r["a"], "b": r["b"], "label": int(r["label"])} for r in fit._rows("rephrase_pairs.tsv")
    ]
    char_col = rephrase.FEATURES.index("char_cos")
    emb_col = rephrase.FEATURES.index("emb_cos")
    quality: dict[str, dict[str, float]] = {}
    print("held-out ROC-AUC (model / char TF-IDF cosine / embedding cosine):")
    for name, rows in sets.items():
        pair_list = [(str(r["a"]), str(r["b"])) for r in rows]
        y = np.array([int(r["label"]) for r in rows])  # type: ignore[call-overload]
        scores = np.array(rephrase.rephrase_scores(pair_list))
        feats = rephrase.features(pair_list)
        quality[name] = {
            "pairs": len(rows),
            "model": round(roc_auc(y, scores), 4),
            "char_tfidf": round(roc_auc(y, feats[:, char_col]), 4),
            "emb_cos": round(roc_auc(y, feats[:, emb_col]), 4),
            "accuracy": round(float(((scores >= 0.5) == y).mean()), 4),
        }
        q = quality[name]
        print(
            f"  {name:<20} n={q['pairs']:>5}  {q['model']:.3f} / {q['char_tfidf']:.3f} / {q['emb_cos']:.3f}"
            f"  accuracy@0.5 {q['accuracy']:.3f}"
        )
    print(json.dumps({"benchmark": "rephrase", "load_avg": round(load_before, 2), **speed, "quality": quality}))


if __name__ == "__main__":
    main()
