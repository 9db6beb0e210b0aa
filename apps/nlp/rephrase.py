"""Is user message B a rephrasing of user message A (METRICS.md "rephrase rate")?

Raw score = cosine of static MiniLM sentence embeddings (``embeddings.py``)
- 0.1 x the penalty for the most important word of either message that has no counterpart in the
other - 0.8 if the messages carry different numbers. The missing-word penalty is what separates
"how do I reset my password" / "and how do I change my email?" (same frame, new topic word
"email") from a true rewording, where every content word finds a synonym; the number penalty
separates "cancel order 4512" / "cancel order 4513", which static vectors cannot. The raw score
goes through a logistic squash centred on the calibrated threshold, so ``rephrase_scores`` is
in 0..1 and ``is_rephrase`` is ``score >= 0.5``.

Weights were chosen on our own labelled data only (``tests/data/rephrase_pairs.tsv`` and the
``fit`` split of ``tests/data/rephrase_pairs_chat.tsv``; ``scripts/nlp_fit_rephrase.py``).
A fitted logistic regression that also used a negation-mismatch flag and lexical-overlap/length
features was tried and rejected: overlap and length only "helped" because our hard negatives are
one-word edits (they would point the wrong way on ordinary paraphrase data), and the negation
flag broke true rewordings such as "where is my order" / "my order hasn't arrived yet".
Calibration: ``tests/benchmarks/nlp_quality.py --calibrate`` picks the threshold of best
accuracy on ``tests/data/rephrase_pairs.tsv``.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np

from apps.nlp import embeddings
from apps.nlp.lexicon import NEGATIONS

# Weight of the unmatched-word penalty against the cosine (chosen on tests/data/rephrase_pairs.tsv;
# larger values helped a little more there, but that set is all hard negatives, so we stay
# close to the plain cosine, which generalises better to ordinary pairs).
MISSING_WORD_PENALTY = 0.1
# Subtracted when the two messages carry different numbers ("order 4512" / "order 4513"); chosen
# on the fit split of tests/data/rephrase_pairs_chat.tsv (0.1..0.8 help, 0.8 most).
NUMBER_MISMATCH_PENALTY = 0.8
# Raw score of best accuracy on tests/data/rephrase_pairs.tsv (nlp_quality.py --calibrate).
RAW_THRESHOLD = 0.178
# Slope of the squash: raw scores 0.1 away from the threshold map to ~0.12 / 0.88.
SCALE = 0.05
# Raw score of messages without any letter or digit: they never rephrase.
_NO_WORDS = -1.0

_WORD = re.compile(r"\w+")


def _words(text: str) -> list[str]:
    text = unicodedata.normalize("NFKD", text[: embeddings.MAX_CHARS].lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("n't", " not").replace("n’t", " not")
    return _WORD.findall(text)


def _missing_word(ids_a: list[int], ids_b: list[int]) -> float:
    """Zipf weight x (1 - best similarity) of the worst-matched token of either text."""
    va = embeddings.token_vectors(ids_a)
    vb = embeddings.token_vectors(ids_b)
    wa = np.linalg.norm(va, axis=1)
    wb = np.linalg.norm(vb, axis=1)
    sim = (va / np.maximum(wa, 1e-6)[:, None]) @ (vb / np.maximum(wb, 1e-6)[:, None]).T
    return float(max(((1 - sim.max(1)) * wa).max(), ((1 - sim.max(0)) * wb).max()))


def _mismatches(a: str, b: str) -> tuple[float, float]:
    wa, wb = set(_words(a)), set(_words(b))
    na = {w for w in wa if any(c.isdigit() for c in w)}
    nb = {w for w in wb if any(c.isdigit() for c in w)}
    number = float(na != nb)
    negation = float(bool(wa & NEGATIONS) != bool(wb & NEGATIONS))
    return number, negation


def _has_words(text: str) -> bool:
    return any(c.isalnum() for c in text[:200]) if text else False


def features(pairs: list[tuple[str, str]]) -> np.ndarray:
    """Pair features (cos, missing, number_mismatch, negation_mismatch), shape (n, 4).

    ``negation_mismatch`` is computed for experiments (scripts/nlp_fit_rephrase.py) but not scored.
    """
    out = np.zeros((len(pairs), 4), dtype=np.float64)
    if not pairs:
        return out
    left = [a or "" for a, _ in pairs]
    right = [b or "" for _, b in pairs]
    ea = embeddings.embed(left)
    eb = embeddings.embed(right)
    out[:, 0] = (ea * eb).sum(1)
    ids_a = embeddings.token_ids(left)
    ids_b = embeddings.token_ids(right)
    for k, (ia, ib) in enumerate(zip(ids_a, ids_b, strict=True)):
        if ia and ib:
            out[k, 1] = _missing_word(ia, ib)
        out[k, 2], out[k, 3] = _mismatches(left[k], right[k])
    return out


def raw_scores(pairs: list[tuple[str, str]]) -> np.ndarray:
    """Uncalibrated scores (higher = more similar); used to calibrate ``RAW_THRESHOLD``."""
    if not pairs:
        return np.zeros(0, dtype=np.float32)
    f = features(pairs)
    raw = f[:, 0] - MISSING_WORD_PENALTY * f[:, 1] - NUMBER_MISMATCH_PENALTY * f[:, 2]
    # Empty, emoji-only or punctuation-only messages carry no question to rephrase.
    wordless = np.fromiter(
        (not (_has_words(a or "") and _has_words(b or "")) for a, b in pairs), dtype=bool, count=len(pairs)
    )
    raw[wordless] = _NO_WORDS
    return raw.astype(np.float32)


def rephrase_scores(pairs: list[tuple[str, str]]) -> list[float]:
    """Probability-like score in 0..1 that the second text rephrases the first."""
    raw = raw_scores(pairs).astype(np.float64)
    return (1.0 / (1.0 + np.exp(-(raw - RAW_THRESHOLD) / SCALE))).tolist()


def is_rephrase(a: str, b: str) -> bool:
    return rephrase_scores([(a, b)])[0] >= 0.5
