"""Is user message B a rephrasing of user message A (METRICS.md "rephrase rate")?

Score = cosine of static MiniLM sentence embeddings (``embeddings.py``) minus a penalty for the
most important word of either message that has no counterpart in the other. The penalty is
what separates "how do I reset my password" / "and how do I change my email?" (same frame,
new topic word "email") from a true rewording, where every content word finds a synonym.
The raw score goes through a logistic squash centred on the calibrated threshold, so
``rephrase_scores`` is in 0..1 and ``is_rephrase`` is ``score >= 0.5``.

Calibration: ``tests/benchmarks/nlp_quality.py --calibrate`` picks the threshold of maximal F1
on ``tests/data/rephrase_pairs.tsv``.
"""

from __future__ import annotations

import numpy as np

from apps.nlp import embeddings

# Weight of the unmatched-word penalty against the cosine (chosen on tests/data/rephrase_pairs.tsv;
# larger values helped a little more there, but that set is all hard negatives, so we stay
# close to the plain cosine, which generalises better to ordinary pairs).
MISSING_WORD_PENALTY = 0.1
# Raw score of best accuracy on tests/data/rephrase_pairs.tsv (nlp_quality.py --calibrate).
RAW_THRESHOLD = 0.178
# Slope of the squash: raw scores 0.1 away from the threshold map to ~0.12 / 0.88.
SCALE = 0.05


def _missing_word(ids_a: list[int], ids_b: list[int]) -> float:
    """Zipf weight x (1 - best similarity) of the worst-matched token of either text."""
    va = embeddings.token_vectors(ids_a)
    vb = embeddings.token_vectors(ids_b)
    wa = np.linalg.norm(va, axis=1)
    wb = np.linalg.norm(vb, axis=1)
    sim = (va / np.maximum(wa, 1e-6)[:, None]) @ (vb / np.maximum(wb, 1e-6)[:, None]).T
    return float(max(((1 - sim.max(1)) * wa).max(), ((1 - sim.max(0)) * wb).max()))


def _has_words(text: str) -> bool:
    return any(c.isalnum() for c in text[:200]) if text else False


def raw_scores(pairs: list[tuple[str, str]]) -> np.ndarray:
    """Uncalibrated scores (higher = more similar); used to calibrate ``RAW_THRESHOLD``."""
    if not pairs:
        return np.zeros(0, dtype=np.float32)
    left = [a for a, _ in pairs]
    right = [b for _, b in pairs]
    ea = embeddings.embed(left)
    eb = embeddings.embed(right)
    cos = (ea * eb).sum(1)
    ids_a = embeddings.token_ids(left)
    ids_b = embeddings.token_ids(right)
    out = np.empty(len(pairs), dtype=np.float32)
    for k, (ia, ib) in enumerate(zip(ids_a, ids_b, strict=True)):
        if not (_has_words(left[k]) and _has_words(right[k])):
            # Empty, emoji-only or punctuation-only messages carry no question to rephrase.
            out[k] = -1.0
            continue
        out[k] = cos[k] - MISSING_WORD_PENALTY * _missing_word(ia, ib)
    return out


def rephrase_scores(pairs: list[tuple[str, str]]) -> list[float]:
    """Probability-like score in 0..1 that the second text rephrases the first."""
    raw = raw_scores(pairs)
    return (1.0 / (1.0 + np.exp(-(raw - RAW_THRESHOLD) / SCALE))).astype(float).tolist()


def is_rephrase(a: str, b: str) -> bool:
    return rephrase_scores([(a, b)])[0] >= 0.5
