"""Sentiment quality on our held-out split of public tweets, and throughput cold and warm.

    .venv/bin/python tests/benchmarks/sentiment.py [--xlmt /work/.mirror/cardiffnlp+xlm-t/repo]

The held-out split is the 15% of XLM-T's *train* tweets (en es pt fr de it) that
scripts/nlp_fit_sentiment.py sets aside with a fixed seed and never fits or tunes on (get the
data with ``fetch github:cardiffnlp/xlm-t``). Prints macro-F1 overall and per language for the
shipped scorer and, for comparison, the lexicon alone; then texts/s for the first call in this
process (model loading included: "cold") and for later calls ("warm": the per-text score cache
is emptied before each, since the calls cycle through the same texts), wall clock and per CPU
second, and for the same calls answered from that cache ("cached"). Last line: one JSON object
with every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from nlp_fit_sentiment import LANGUAGES, macro_f1, scores_to_classes, split_xlmt  # noqa: E402

from apps.nlp import sentiment  # noqa: E402


def _figures(gold: np.ndarray, langs: np.ndarray, scores: list[float]) -> dict[str, float]:
    pred = scores_to_classes(np.asarray(scores))
    out = {"overall": round(macro_f1(gold, pred), 4)}
    for lang in LANGUAGES:
        out[lang] = round(macro_f1(gold[langs == lang], pred[langs == lang]), 4)
    out["neutral_share"] = round(float((pred == 1).mean()), 3)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--xlmt", default="/work/.mirror/cardiffnlp+xlm-t/repo")
    parser.add_argument("--warm-texts", type=int, default=30000)
    args = parser.parse_args()
    held = split_xlmt(args.xlmt)["heldout"]
    texts = [e.text for e in held]
    gold = np.array([e.label for e in held])
    langs = np.array([e.lang for e in held])

    wall, cpu = time.perf_counter(), time.process_time()
    scores = sentiment.score_sentiment(texts)  # first call: reads the model and the lexicons
    cold_wall, cold_cpu = time.perf_counter() - wall, time.process_time() - cpu

    batch = (texts * (args.warm_texts // len(texts) + 1))[: args.warm_texts]
    wall, cpu = time.perf_counter(), time.process_time()
    for start in range(0, len(batch), 2000):  # enrichment scores batches of this order
        # The batch cycles through the same texts, which the per-text score cache would answer:
        # emptied before each call, so "warm" times scoring (models loaded), not the cache.
        sentiment._SCORED.clear()
        sentiment.score_sentiment(batch[start : start + 2000])
    warm_wall, warm_cpu = time.perf_counter() - wall, time.process_time() - cpu

    wall = time.perf_counter()
    for start in range(0, len(batch), 2000):  # texts this process scored before: the cache
        sentiment.score_sentiment(batch[start : start + 2000])
    cached_wall = time.perf_counter() - wall

    model = _figures(gold, langs, scores)
    lexicon = _figures(gold, langs, sentiment.lexicon_scores(texts))
    result = {
        "heldout_texts": len(texts),
        "macro_f1": model,
        "lexicon_only_macro_f1": lexicon,
        "cold_texts_per_s": round(len(texts) / cold_wall),
        "cold_texts_per_cpu_s": round(len(texts) / max(cold_cpu, 1e-9)),
        "warm_texts_per_s": round(len(batch) / warm_wall),
        "warm_texts_per_cpu_s": round(len(batch) / max(warm_cpu, 1e-9)),
        "cached_texts_per_s": round(len(batch) / cached_wall),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    print(f"held-out tweets: {len(texts)} (XLM-T train, 15% per language and class, never tuned on)")
    for name, figures in (("model", model), ("lexicon only", lexicon)):
        print(
            f"{name:>13}: macro-F1 {figures['overall']:.3f}  "
            + " ".join(f"{k} {figures[k]:.3f}" for k in LANGUAGES)
            + f"  (neutral predicted for {figures['neutral_share']:.0%})"
        )
    print(
        f"cold (first call, model load included): {result['cold_texts_per_s']:,} texts/s, "
        f"{result['cold_texts_per_cpu_s']:,} per CPU-s"
    )
    print(
        f"warm ({len(batch):,} texts in batches of 2,000): {result['warm_texts_per_s']:,} texts/s, "
        f"{result['warm_texts_per_cpu_s']:,} per CPU-s (score cache emptied before each call); "
        f"texts scored before (cache): {result['cached_texts_per_s']:,} texts/s; load average {result['load_average']}"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
