"""Is user message B a rephrasing of user message A (METRICS.md "rephrase rate")?

A small learned pair model: logistic regression over 15 pair features, blended with the
character TF-IDF cosine (the blend weight is chosen on dev and folded into the shipped weights),
trained by ``scripts/nlp_fit_rephrase.py`` on permissively licensed public *train* splits plus our own
labelled chat pairs (sources, licences and figures: docs/nlp.md, "Rephrase"). The features:

- character 3-5-gram TF-IDF cosine (hashed; the IDF table ships in ``data/rephrase_model.npz``):
  the strong, language-independent baseline ("no llego mi pedido" / "mi pedido no llego");
- word TF-IDF cosine, word Jaccard, word-bigram Jaccard and the order agreement of shared words
  (word-swap negatives such as "flights from A to B" / "flights from B to A" keep every word
  but lose bigrams and order);
- the static MiniLM embedding cosine (``embeddings.py``), a BERTScore-like soft alignment of
  the token vectors and the worst-matched word (a topic word with no counterpart: "password" /
  "email");
- the cosine of the two embeddings in a learnt intent projection (linear discriminant
  directions fitted by the training script on the banking77 / CLINC150 *train* buckets, shipped
  in the model file): "same request, other words" as intent data defines it;
- word-trigram Jaccard and the longest run of common words (PAWS-style reorderings);
- length ratio, number mismatch ("order 4512" / "order 4513", also a fixed logit penalty:
  ``NUMBER_MISMATCH_LOGIT``), exact match.

Everything is vectorised over the batch and each distinct text is analysed once (and kept in a
bounded cache: in enrichment every message is paired with the two previous ones). The model's
probability is the score, so ``rephrase_scores`` is in 0..1 and ``is_rephrase`` is
``score >= 0.5``; texts without any letter or digit never rephrase.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy import sparse

from apps.nlp import embeddings
from apps.nlp.sparse_rows import counts_matrix, row_scaled

MODEL_PATH = Path(__file__).resolve().parent / "data" / "rephrase_model.npz"
FEATURES = (
    "char_cos",
    "word_cos",
    "word_jaccard",
    "bigram_jaccard",
    "order",
    "emb_cos",
    "align",
    "missing",
    "len_ratio",
    "number_mismatch",
    "number_one_side",
    "exact",
    "proj_cos",
    "trigram_jaccard",
    "common_run",
)
CHAR_BITS = 18
WORD_BITS = 16
CHAR_ORDERS = (3, 4, 5)
# Character n-grams only look at the start of a message: the request is in its first sentences,
# and this bounds the cost of a 50 kB paste.
CHAR_LIMIT = 400
# Tokens per text in the soft alignment (the padded batch is texts x ALIGN_TOKENS x dim).
ALIGN_TOKENS = 32
# Per-text analyses kept between calls (~5-10 kB each: token vectors in float16, n-gram rows);
# cleared wholesale when full (enrichment batches are a few thousand messages, so the next batch
# refills what it needs).
CACHE_SIZE = 10_000
# Probability returned for pairs where either text has no letter or digit.
WORDLESS_SCORE = 0.0
# Added to the logit when both messages carry numbers and they differ ("cancel order 4512" /
# "cancel order 4513" is another request, however similar the words). A product rule rather
# than a fitted weight: public paraphrase data has too few such pairs to learn it (the fitted
# weight alone leaves that pair at 0.8), and -3 still lets a near-identical reformatting of the
# same figures ("$4.5 bn" / "4.50 billion") stay near the threshold.
NUMBER_MISMATCH_LOGIT = -3.0

_WORD = re.compile(r"\w+")
# A letter or digit: str.isalnum() is exactly "\w but not _" (both are Unicode's alnum).
_ALNUM = re.compile(r"[^\W_]")
_ASCII_DIGIT = re.compile(r"[0-9]")
_NO_NUMBERS: frozenset[str] = frozenset()
_PRIME = np.uint64(1_000_003)
_MIX = np.uint64(0x9E3779B97F4A7C15)


@dataclass(frozen=True)
class _Model:
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    char_idf: np.ndarray
    word_idf: np.ndarray
    projection: np.ndarray  # (k, dim) intent directions learnt from public intent train data
    projection_mean: np.ndarray  # (dim,) mean sentence embedding of that data


@dataclass(frozen=True)
class _Text:
    has_words: bool
    normalized: str
    words: tuple[str, ...]
    word_set: frozenset[str]
    bigrams: frozenset[tuple[str, str]]
    trigrams: frozenset[tuple[str, str, str]]
    numbers: frozenset[str]
    n_chars: int
    char_idx: np.ndarray
    char_val: np.ndarray
    word_idx: np.ndarray
    word_val: np.ndarray
    embedding: np.ndarray
    projected: np.ndarray  # (k,) unit vector of the embedding in the intent projection
    # Its first ALIGN_TOKENS WordPiece ids: their unit vectors (float16 precision) and Zipf
    # weights are rows of ``embeddings.unit_vectors()``, shared by every text.
    token_ids: tuple[int, ...]


_cache: dict[str, _Text] = {}


@lru_cache(maxsize=1)
def _model() -> _Model:
    with np.load(MODEL_PATH, allow_pickle=False) as data:
        names = tuple(str(n) for n in data["features"])
        if names != FEATURES:
            raise ValueError(f"{MODEL_PATH.name} was trained on features {names}, expected {FEATURES}")
        return _Model(
            mean=data["mean"].astype(np.float64),
            scale=data["scale"].astype(np.float64),
            coef=data["coef"].astype(np.float64),
            intercept=float(data["intercept"]),
            char_idf=data["char_idf"].astype(np.float32),
            word_idf=data["word_idf"].astype(np.float32),
            projection=data["projection"].astype(np.float64),
            projection_mean=data["projection_mean"].astype(np.float64),
        )


def normalize(text: str) -> str:
    """Lower case without accents, "n't" spelt out: "Não!" and "nao" compare equal."""
    text = text[: embeddings.MAX_CHARS].lower()
    if not text.isascii():  # ASCII has nothing to decompose: most chat, at C speed
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    return text.replace("n't", " not").replace("n’t", " not")


def _char_grams(strings: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(row, bucket) of every character n-gram of every string, hashed in one NumPy pass."""
    lengths = np.fromiter((len(s) for s in strings), dtype=np.int64, count=len(strings))
    codes = np.frombuffer("".join(strings).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    row_of = np.repeat(np.arange(len(strings)), lengths)
    pos_in_row = np.arange(len(codes)) - np.repeat(starts, lengths)
    rows: list[np.ndarray] = []
    buckets: list[np.ndarray] = []
    mask = np.uint64((1 << CHAR_BITS) - 1)
    with np.errstate(over="ignore"):
        for n in CHAR_ORDERS:
            if len(codes) < n:
                continue
            count = len(codes) - n + 1
            h = np.full(count, np.uint64(n))
            for k in range(n):
                h = h * _PRIME + codes[k : k + count]
            valid = pos_in_row[:count] + n <= lengths[row_of[:count]]
            h = (h[valid] * _MIX) >> np.uint64(64 - CHAR_BITS)
            rows.append(row_of[:count][valid])
            buckets.append((h & mask).astype(np.int64))
    if not rows:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(rows), np.concatenate(buckets)


def _tfidf_rows(rows: np.ndarray, cols: np.ndarray, n_rows: int, idf: np.ndarray) -> sparse.csr_matrix:
    """Sublinear-TF x IDF rows, L2-normalised; duplicates of (row, col) are summed first (the
    matrices scipy's COO -> CSR and ``diags(1 / norms) @ matrix`` built, see ``sparse_rows``)."""
    matrix = counts_matrix(rows, cols, (n_rows, len(idf)), np.float32)
    matrix.data = (1.0 + np.log(matrix.data)) * idf[matrix.indices]
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return row_scaled(matrix, 1.0 / norms)


def _word_bucket(word: str) -> int:
    return zlib.crc32(word.encode("utf-8")) & ((1 << WORD_BITS) - 1)


def _analyse(texts: list[str]) -> list[_Text]:
    """Per-text analyses of distinct texts, computed for the whole list at once."""
    model = _model()
    normalized = [normalize(t) for t in texts]
    words = [tuple(_WORD.findall(n)) for n in normalized]
    char_strings = [(" " + " ".join(w) + " ")[:CHAR_LIMIT] if w else "" for w in words]
    rows, cols = _char_grams(char_strings)
    chars = _tfidf_rows(rows, cols, len(texts), model.char_idf)
    word_rows = np.fromiter((i for i, w in enumerate(words) for _ in w), dtype=np.int64)
    word_cols = np.fromiter((_word_bucket(x) for w in words for x in w), dtype=np.int64)
    word_matrix = _tfidf_rows(word_rows, word_cols, len(texts), model.word_idf)

    ids = embeddings.token_ids(texts)
    sentence = embeddings.embed_token_ids(ids)
    # float64: in float32 the BLAS kernel (so the last bits) depends on the batch's shape, and a
    # cached text must score exactly as in a cold call.
    projected = (sentence.astype(np.float64) - model.projection_mean) @ model.projection.T
    norms = np.linalg.norm(projected, axis=1, keepdims=True)
    projected = np.divide(projected, norms, out=np.zeros_like(projected), where=norms > 0)
    out = []
    for k, text in enumerate(texts):
        w = words[k]
        joined = " ".join(w)
        start, end = chars.indptr[k], chars.indptr[k + 1]
        wstart, wend = word_matrix.indptr[k], word_matrix.indptr[k + 1]
        out.append(
            _Text(
                has_words=_ALNUM.search(text[:200]) is not None,
                normalized=joined,
                words=w,
                word_set=frozenset(w),
                bigrams=frozenset(itertools.pairwise(w)),
                trigrams=frozenset(zip(w, w[1:], w[2:], strict=False)),
                numbers=frozenset(x for x in w if any(c.isdigit() for c in x)) if _has_digit(joined) else _NO_NUMBERS,
                n_chars=len(text),
                char_idx=chars.indices[start:end].copy(),
                char_val=chars.data[start:end].copy(),
                word_idx=word_matrix.indices[wstart:wend].copy(),
                word_val=word_matrix.data[wstart:wend].copy(),
                embedding=sentence[k],
                projected=projected[k],
                token_ids=tuple(ids[k][:ALIGN_TOKENS]),
            )
        )
    return out


def _has_digit(text: str) -> bool:
    """Whether any character is a digit (``str.isdigit``: superscripts and other scripts' too)."""
    if text.isascii():
        return _ASCII_DIGIT.search(text) is not None
    return any(map(str.isdigit, text))


def _texts(texts: list[str]) -> list[_Text]:
    found = {t: _cache[t] for t in dict.fromkeys(texts) if t in _cache}
    missing = [t for t in dict.fromkeys(texts) if t not in found]
    if missing:
        analysed = dict(zip(missing, _analyse(missing), strict=True))
        found.update(analysed)
        if len(_cache) + len(analysed) > CACHE_SIZE:
            _cache.clear()
        if len(analysed) <= CACHE_SIZE:
            _cache.update(analysed)
    return [found[t] for t in texts]


def _pair_texts(pairs: list[tuple[str, str]]) -> tuple[list[_Text], list[_Text]]:
    items = _texts([a or "" for a, _ in pairs] + [b or "" for _, b in pairs])
    return items[: len(pairs)], items[len(pairs) :]


def _stack(items: list[_Text], attr: str, dim: int) -> sparse.csr_matrix:
    idx = [getattr(t, attr + "_idx") for t in items]
    val = [getattr(t, attr + "_val") for t in items]
    indptr = np.concatenate(([0], np.cumsum([len(i) for i in idx])))
    return sparse.csr_matrix(
        (np.concatenate(val) if val else np.zeros(0), np.concatenate(idx) if idx else np.zeros(0), indptr),
        shape=(len(items), dim),
    )


def _rowwise_cos(a: sparse.csr_matrix, b: sparse.csr_matrix) -> np.ndarray:
    return np.asarray(a.multiply(b).sum(axis=1), dtype=np.float64).ravel()


# Pairs per padded block in ``_alignment``.
ALIGN_BLOCK = 256


def _alignment(left: list[_Text], right: list[_Text]) -> tuple[np.ndarray, np.ndarray]:
    """BERTScore-like F of Zipf-weighted best token matches, and the worst-matched word's
    weight x (1 - its best match), both over padded blocks of pairs of similar length.

    One block for the whole call padded every pair to the longest text of the batch: 5,000
    chat pairs took two ~0.5 GB arrays, and the first call of a process spent most of its time
    faulting that memory in (1.4 s cold against 0.4 s warm). Sorted by length, blocks stay small
    and barely padded; each pair's figures do not depend on its block (padding is masked).
    """
    n = len(left)
    align = np.zeros(n)
    missing = np.zeros(n)
    ids_a, len_a = _padded_token_ids(left)
    ids_b, len_b = _padded_token_ids(right)
    order = np.lexsort((len_b, len_a))  # stable: by left length, then right length
    for start in range(0, n, ALIGN_BLOCK):
        block = order[start : start + ALIGN_BLOCK]
        la = max(1, int(len_a[block].max()))
        lb = max(1, int(len_b[block].max()))
        align[block], missing[block] = _alignment_block(ids_a[block, :la], ids_b[block, :lb])
    return align, missing


def _padded_token_ids(items: list[_Text]) -> tuple[np.ndarray, np.ndarray]:
    """(n, longest) token ids, padded with ``embeddings.pad_id()``, and each text's length."""
    lengths = np.fromiter((len(t.token_ids) for t in items), dtype=np.int64, count=len(items))
    width = max(1, int(lengths.max(initial=0)))
    padded = np.full((len(items), width), embeddings.pad_id(), dtype=np.int64)
    flat = np.fromiter(itertools.chain.from_iterable(t.token_ids for t in items), dtype=np.int64)
    padded[np.arange(width) < lengths[:, None]] = flat  # row-major: each text's ids in order
    return padded, lengths


def _alignment_block(ids_a: np.ndarray, ids_b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    units, weights = embeddings.unit_vectors()
    va, vb = units[ids_a], units[ids_b]
    wa, wb = weights[ids_a], weights[ids_b]
    sims = np.matmul(va, vb.transpose(0, 2, 1))
    # Padding must never be the best match: its similarities (exactly 0, a zero vector) become
    # -1. Added rather than assigned through a mask (5x cheaper; x + 0.0 == x): a padding row
    # meets a padding column at -2, where either weight is 0 and the figure is never used.
    pad_a = np.where(wa == 0, np.float32(-1.0), np.float32(0.0))
    pad_b = np.where(wb == 0, np.float32(-1.0), np.float32(0.0))
    sims += pad_b[:, None, :]
    best_a = sims.max(axis=2)
    sims += pad_a[:, :, None]
    best_b = sims.max(axis=1)
    sa = wa.sum(1)
    sb = wb.sum(1)
    ok = (sa > 0) & (sb > 0)
    recall = np.clip(np.where(ok, (best_a * wa).sum(1) / np.maximum(sa, 1e-6), 0.0), 0.0, 1.0)
    precision = np.clip(np.where(ok, (best_b * wb).sum(1) / np.maximum(sb, 1e-6), 0.0), 0.0, 1.0)
    align = np.where(ok, 2 * recall * precision / np.maximum(recall + precision, 1e-6), 0.0)
    missing = np.where(ok, np.maximum(((1 - best_a) * wa).max(1), ((1 - best_b) * wb).max(1)), 0.0)
    return align, missing


def _jaccard(a: frozenset[object], b: frozenset[object]) -> float:
    union = len(a | b)
    return len(a & b) / union if union else 0.0


def _order(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    """Share of pairs of common words that keep their relative order (1.0 with < 2 in common)."""
    pos_b: dict[str, int] = {}
    for i, w in enumerate(b[:40]):
        pos_b.setdefault(w, i)
    seen: set[str] = set()
    seq = []
    for w in a[:40]:
        if w in pos_b and w not in seen:
            seen.add(w)
            seq.append(pos_b[w])
    if len(seq) < 2:
        return 1.0
    concordant = total = 0
    for i in range(len(seq)):
        for j in range(i + 1, len(seq)):
            total += 1
            concordant += seq[i] < seq[j]
    return concordant / total


def _common_run(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    """Longest run of consecutive words the two texts share, over the shorter text's length."""
    a, b = a[:40], b[:40]
    if not a or not b:
        return 0.0
    positions: dict[str, list[int]] = {}
    for j, w in enumerate(b):
        positions.setdefault(w, []).append(j)
    best = 0
    previous: dict[int, int] = {}
    for w in a:
        current = {j: previous.get(j - 1, 0) + 1 for j in positions.get(w, ())}
        if current:
            best = max(best, *current.values())
        previous = current
    return best / min(len(a), len(b))


def features(pairs: list[tuple[str, str]]) -> np.ndarray:
    """Pair features in the order of ``FEATURES``, shape (len(pairs), len(FEATURES))."""
    if not pairs:
        return np.zeros((0, len(FEATURES)), dtype=np.float64)
    return _features(*_pair_texts(pairs))


def _features(left: list[_Text], right: list[_Text]) -> np.ndarray:
    out = np.zeros((len(left), len(FEATURES)), dtype=np.float64)
    col = {name: k for k, name in enumerate(FEATURES)}
    out[:, col["char_cos"]] = _rowwise_cos(_stack(left, "char", 1 << CHAR_BITS), _stack(right, "char", 1 << CHAR_BITS))
    out[:, col["word_cos"]] = _rowwise_cos(_stack(left, "word", 1 << WORD_BITS), _stack(right, "word", 1 << WORD_BITS))
    emb_a = np.stack([t.embedding for t in left])
    emb_b = np.stack([t.embedding for t in right])
    out[:, col["emb_cos"]] = (emb_a * emb_b).sum(1)
    out[:, col["proj_cos"]] = (np.stack([t.projected for t in left]) * np.stack([t.projected for t in right])).sum(1)
    out[:, col["align"]], out[:, col["missing"]] = _alignment(left, right)
    # Per pair in Python, gathered in lists and written a column at a time (setting one numpy
    # element is slower than the figure's own arithmetic).
    pairs_ab = list(zip(left, right, strict=True))
    out[:, col["word_jaccard"]] = [_jaccard(a.word_set, b.word_set) for a, b in pairs_ab]
    out[:, col["bigram_jaccard"]] = [_jaccard(a.bigrams, b.bigrams) for a, b in pairs_ab]
    out[:, col["trigram_jaccard"]] = [_jaccard(a.trigrams, b.trigrams) for a, b in pairs_ab]
    out[:, col["order"]] = [_order(a.words, b.words) for a, b in pairs_ab]
    out[:, col["common_run"]] = [_common_run(a.words, b.words) for a, b in pairs_ab]
    out[:, col["len_ratio"]] = [
        min(a.n_chars, b.n_chars) / longer if (longer := max(a.n_chars, b.n_chars)) else 0.0 for a, b in pairs_ab
    ]
    out[:, col["number_mismatch"]] = [
        float(bool(a.numbers) and bool(b.numbers) and a.numbers != b.numbers) for a, b in pairs_ab
    ]
    out[:, col["number_one_side"]] = [float(bool(a.numbers) != bool(b.numbers)) for a, b in pairs_ab]
    out[:, col["exact"]] = [float(bool(a.normalized) and a.normalized == b.normalized) for a, b in pairs_ab]
    return out


def _logits(pairs: list[tuple[str, str]]) -> tuple[np.ndarray, np.ndarray]:
    """The model's logits and which pairs are wordless, from one analysis of the texts."""
    left, right = _pair_texts(pairs)
    wordless = np.fromiter(
        (not (a.has_words and b.has_words) for a, b in zip(left, right, strict=True)), dtype=bool, count=len(pairs)
    )
    model = _model()
    f = _features(left, right)
    z = (f - model.mean) / model.scale
    logit = z @ model.coef + model.intercept + NUMBER_MISMATCH_LOGIT * f[:, FEATURES.index("number_mismatch")]
    logit[wordless] = -50.0
    return logit, wordless


def raw_scores(pairs: list[tuple[str, str]]) -> np.ndarray:
    """The model's logit (higher = more similar; 0 is the decision threshold)."""
    if not pairs:
        return np.zeros(0, dtype=np.float64)
    return _logits(pairs)[0]


def rephrase_scores(pairs: list[tuple[str, str]]) -> list[float]:
    """Probability-like score in 0..1 that the second text rephrases the first."""
    if not pairs:
        return []
    logit, wordless = _logits(pairs)
    scores = 1.0 / (1.0 + np.exp(-logit))
    scores[wordless] = WORDLESS_SCORE
    return scores.tolist()


def is_rephrase(a: str, b: str) -> bool:
    return rephrase_scores([(a, b)])[0] >= 0.5
