"""Quality and throughput of the apps.nlp detectors on our hand-labelled sets (tests/data/).

    cd /work/main && .venv/bin/python tests/benchmarks/nlp_quality.py [--calibrate] [--embeddings PATH]

Prints one block per detector and, last, one JSON line with every figure. ``--calibrate``
also prints the rephrase threshold of best accuracy on tests/data/rephrase_pairs.tsv (copy it
to ``apps.nlp.rephrase.RAW_THRESHOLD``). ``--embeddings DIR/<teacher>_static.npy`` scores
rephrase and intents with another static table (its tokenizer is ``<teacher>_tokenizer.json``
beside it; ``scripts/nlp_distill_static_embeddings.py`` writes both) to compare teachers.
Metrics are computed here with NumPy (same definitions as scikit-learn's defaults) so the
script runs on the default install.
"""

from __future__ import annotations

import csv
import json
import math
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
DATA = ROOT / "tests" / "data"


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def _throughput(fn: Callable[[list], object], items: list, min_items: int = 20000) -> float:
    batch = items * max(1, min_items // len(items))
    fn(items)  # warm: lazy model loading is not throughput
    start = time.perf_counter()
    fn(batch)
    return len(batch) / (time.perf_counter() - start)


def roc_auc(y: np.ndarray, scores: np.ndarray) -> float:
    """Mann-Whitney U estimate, ties counted half."""
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    i = 0
    while i < len(scores):
        j = i
        while j + 1 < len(scores) and sorted_scores[j + 1] == sorted_scores[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2 + 1
        i = j + 1
    pos = y == 1
    n_pos, n_neg = int(pos.sum()), int((~pos).sum())
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def precision_recall_f1(y: np.ndarray, pred: np.ndarray) -> tuple[float, float, float]:
    tp = float((pred & (y == 1)).sum())
    precision = tp / max(1.0, float(pred.sum()))
    recall = tp / max(1.0, float((y == 1).sum()))
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def macro_f1(gold: list[str], pred: list[str]) -> float:
    g, p = np.array(gold), np.array(pred)
    return float(np.mean([precision_recall_f1((g == c).astype(int), p == c)[2] for c in sorted(set(gold))]))


def nmi(gold: list[str], pred: list[int]) -> float:
    """Arithmetic-mean normalisation, scikit-learn's default."""
    n = len(gold)
    joint = Counter(zip(gold, pred, strict=True))
    pg, pp = Counter(gold), Counter(pred)
    mi = sum(c / n * math.log(c * n / (pg[a] * pp[b])) for (a, b), c in joint.items())
    hg = -sum(c / n * math.log(c / n) for c in pg.values())
    hp = -sum(c / n * math.log(c / n) for c in pp.values())
    return mi / ((hg + hp) / 2) if hg + hp else 1.0


def language() -> dict[str, object]:
    from apps.nlp.language import detect_languages

    rows = _rows("language_short_texts.tsv")
    texts = [r["text"] for r in rows]
    gold = [r["lang"] for r in rows]
    pred = detect_languages(texts)
    per_lang: dict[str, list[int]] = {}
    for g, p in zip(gold, pred, strict=True):
        per_lang.setdefault(g, []).append(int(g == p))
    worst = min(per_lang, key=lambda k: np.mean(per_lang[k]))
    out = {
        "texts": len(texts),
        "languages": len(per_lang),
        "accuracy": round(float(np.mean([g == p for g, p in zip(gold, pred, strict=True)])), 4),
        "worst_language": worst,
        "worst_language_accuracy": round(float(np.mean(per_lang[worst])), 4),
        "unknown_rate": round(sum(p is None for p in pred) / len(pred), 4),
        # One call per copy of the set: detect_languages answers repeats within a call once, so
        # a batch of 100 copies would time the de-duplication, not the detector.
        "texts_per_s": round(_throughput(lambda batch: [detect_languages(texts) for _ in batch[:: len(texts)]], texts)),
        "per_language": {k: round(float(np.mean(v)), 4) for k, v in sorted(per_lang.items())},
    }
    for g, p, t in zip(gold, pred, texts, strict=True):
        if g != p:
            print(f"  language miss: {g} -> {p}: {t}")
    return out


def _best_accuracy_threshold(y: np.ndarray, raw: np.ndarray) -> tuple[float, float]:
    candidates = np.unique(raw)
    accuracies = [float(((raw >= t) == y).mean()) for t in candidates]
    k = int(np.argmax(accuracies))
    # Midway to the next score so the threshold is not tied to one example.
    nxt = candidates[k - 1] if k > 0 else candidates[k]
    return float((candidates[k] + nxt) / 2), accuracies[k]


def rephrase(calibrate: bool) -> dict[str, object]:
    from apps.nlp.rephrase import raw_scores, rephrase_scores

    rows = _rows("rephrase_pairs.tsv")
    pairs = [(r["a"], r["b"]) for r in rows]
    y = np.array([int(r["label"]) for r in rows])
    scores = np.array(rephrase_scores(pairs))
    pred = scores >= 0.5
    p, r, f = precision_recall_f1(y, pred)
    out = {
        "pairs": len(pairs),
        "roc_auc": round(float(roc_auc(y, scores)), 4),
        "precision": round(float(p), 4),
        "recall": round(float(r), 4),
        "f1": round(float(f), 4),
        "accuracy": round(float((pred == y).mean()), 4),
        "pairs_per_s": round(_throughput(rephrase_scores, pairs)),
    }
    # Multilingual chat set (en/es/pt/fr/de, easy and hard negatives); "fit" chose the weights.
    chat = _rows("rephrase_pairs_chat.tsv")
    for split in ("fit", "heldout"):
        part = [r for r in chat if r["split"] == split]
        chat_y = np.array([int(r["label"]) for r in part])
        chat_scores = np.array(rephrase_scores([(r["a"], r["b"]) for r in part]))
        out[f"chat_{split}_pairs"] = len(part)
        out[f"chat_{split}_roc_auc"] = round(float(roc_auc(chat_y, chat_scores)), 4)
    if calibrate:
        threshold, accuracy = _best_accuracy_threshold(y, raw_scores(pairs))
        print(f"  calibrated RAW_THRESHOLD={threshold:.4f} (accuracy {accuracy:.4f})")
    return out


def sentiment() -> dict[str, object]:
    from apps.nlp.sentiment import score_sentiment

    rows = _rows("sentiment_short_texts.tsv")
    texts = [r["text"] for r in rows]
    gold = [r["label"] for r in rows]
    scores = score_sentiment(texts)
    pred = ["pos" if s >= 0.05 else "neg" if s <= -0.05 else "neu" for s in scores]
    per_lang = {}
    for lang in sorted({r["lang"] for r in rows}):
        idx = [k for k, r in enumerate(rows) if r["lang"] == lang]
        per_lang[lang] = round(macro_f1([gold[k] for k in idx], [pred[k] for k in idx]), 4)
    return {
        "texts": len(texts),
        "macro_f1": round(macro_f1(gold, pred), 4),
        "macro_f1_per_language": per_lang,
        "texts_per_s": round(_throughput(score_sentiment, texts)),
    }


def intents() -> dict[str, object]:
    from apps.nlp.intents import cluster_intents, label_intents

    rows = _rows("intents_requests.tsv")
    texts = [r["text"] for r in rows]
    gold = [r["intent"] for r in rows]
    labels = cluster_intents(texts)
    names = label_intents(texts, labels)
    print("  intent labels:", json.dumps(dict(sorted(names.items())), ensure_ascii=False))
    # Throughput on ~3,000 texts, the size of a re-clustering batch.
    batch = texts * (3000 // len(texts))
    start = time.perf_counter()
    cluster_intents(batch)
    elapsed = time.perf_counter() - start
    return {
        "texts": len(texts),
        "gold_intents": len(set(gold)),
        "found_intents": len({lab for lab in labels if lab >= 0}),
        "other_share": round(sum(lab < 0 for lab in labels) / len(labels), 4),
        "nmi": round(nmi(gold, labels), 4),
        "texts_per_s": round(len(batch) / elapsed),
    }


def _use_embeddings(table: Path) -> None:
    from apps.nlp import embeddings

    embeddings.DATA_DIR = table.resolve().parent
    embeddings.TABLE_FILE = table.name
    embeddings.TOKENIZER_FILE = table.name.replace("_static.npy", "_tokenizer.json")
    embeddings._table.cache_clear()
    print(f"embeddings: {table} ({embeddings.dim()} dims)")


def main() -> None:
    calibrate = "--calibrate" in sys.argv
    if "--embeddings" in sys.argv:
        _use_embeddings(Path(sys.argv[sys.argv.index("--embeddings") + 1]))
    results: dict[str, object] = {"benchmark": "nlp_quality"}
    for name, fn in (
        ("language", language),
        ("rephrase", lambda: rephrase(calibrate)),
        ("intents", intents),
        ("sentiment", sentiment),
    ):
        results[name] = fn()
        print(f"{name}: {json.dumps(results[name], ensure_ascii=False)}")
    print(json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    main()
