"""Intent clustering of user requests, with an "other" bucket (-1) and nearest-centroid assignment.

Pipeline (pure NumPy/SciPy, CPU):

1. static MiniLM sentence embeddings (``embeddings.embed``);
2. centre on the batch mean and project: from ``MIN_TEXTS_FOR_PCA`` texts on with the shipped
   intent projection (``PROJECTION_FILE``: linear discriminant directions learnt offline from
   public intent train sets, scripts/nlp_fit_intent_projection.py), which weighs the directions
   that separate intents over those that vary within one; without the file, the top
   ``PCA_DIMS`` principal directions of the batch. Either way the common "this is a request"
   direction no longer dominates every cosine between short requests;
3. from ``MIN_TEXTS_FOR_PCA`` texts on, the similarity between two requests is a blend of
   (a) the embedding cosine and a word TF-IDF cosine fitted on the batch (``LEXICAL_WEIGHT``):
   the static embedding blurs close intents ("card arrival" / "card delivery estimate") that
   differ by a word, and (b) shared-nearest-neighbour similarity (``SNN_WEIGHT``): two requests
   are alike when their ``SNN_NEIGHBOURS`` nearest neighbours are, which denoises short texts
   and leaves isolated (out-of-scope) requests with no close neighbours;
4. average-linkage agglomerative clustering cut at a dissimilarity (``DISTANCE_THRESHOLDS``),
   so the number of intents comes from the data, not from a given k;
5. out of scope: from ``MIN_TEXTS_FOR_PCA`` texts on, a text whose nearest neighbours are far
   (density below ``DENSITY_MIN`` x the batch median) goes to -1 ("other"); then clusters
   smaller than the minimum size (``MIN_CLUSTER_SIZE``, ``MIN_CLUSTER_SIZE_LARGE`` from
   ``MIN_TEXTS_FOR_PCA`` texts) become -1 rather than forced intents.

Each intent keeps a calibrated radius: the lowest cosine to its centroid still considered a
member, from its own members' spread (mean - ``SPREAD_SIGMAS`` std, floored). A new text (or a
text outside the linkage sample) joins its nearest intent only inside that radius, so
out-of-scope requests go to "other" instead of the nearest intent.

Above ``MAX_LINKAGE_TEXTS`` texts the linkage (quadratic memory) runs on a random sample and
the rest is assigned to the nearest centroid, which keeps time and memory bounded.

``fit_intents`` returns an ``IntentModel`` (JSON-serialisable through ``to_dict``) that
enrichment keeps to assign new messages between re-clusterings with ``assign_intents``.
"""

from __future__ import annotations

import itertools
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

# At import, not inside the first call: importing scipy.cluster alone takes ~0.2 s, a fifth of
# clustering 3,000 texts (the worker's warm-up imports this module).
import scipy.sparse as sp
from scipy.cluster.hierarchy import fcluster, linkage

from apps.nlp import embeddings

PCA_DIMS = 128
# Below these batch sizes the batch mean / principal directions are too noisy to help:
# small batches are clustered on the raw embeddings, medium ones only centred.
MIN_TEXTS_TO_CENTRE = 50
MIN_TEXTS_FOR_PCA = 200
# Dissimilarity at which the tree is cut, per regime (raw / centred / centred+PCA+blend):
# centring spreads the cosines out and the blend of step 3 rescales them, so the cut moves with
# them. "raw"/"centred": best NMI on tests/data/intents_requests.tsv; "pca": best mean NMI on the
# tuning draws of tests/benchmarks/intents.py (CLINC150 and BANKING77 train splits), where
# silhouette, tried as the criterion, rose monotonically towards ever finer cuts and could not
# choose one (rechecked with the learnt projection, on the blended and on the projected
# distances, 0.8-0.925: the same; NMI is flat within 0.01 over 0.825-0.875).
DISTANCE_THRESHOLDS = {"raw": 0.6, "centred": 0.85, "pca": 0.85}
LEXICAL_WEIGHT = 0.4
# Shared-neighbour share of the similarity and neighbourhood size. 0.6 / 12 (was 0.5 / 10): on
# the tuning draws of tests/benchmarks/intents.py NMI rose on all three sets (CLINC150 +0.005,
# BANKING77 +0.002, HWU64 +0.004) and on the held-out draws too (+0.001 / +0.003 / +0.007, worst
# CLINC150 draw 0.851 -> 0.859); 15 neighbours or 0.7 gained more on one set and lost on another
# (docs/nlp.md, "Intents"). tests/data/intents_requests.tsv, ~10 requests per intent and never
# tuned on, gains too (0.819 -> 0.846).
SNN_WEIGHT = 0.6
SNN_NEIGHBOURS = 12
# Rows per block where an (n, n) product or partition is made a block at a time (flat memory).
ROW_BLOCK = 256
MIN_CLUSTER_SIZE = 3
# On large batches a 3-4 text cluster is more often a few out-of-scope requests that happen to
# be alike than an intent; they go to "other".
MIN_CLUSTER_SIZE_LARGE = 5
MAX_LINKAGE_TEXTS = 3000
# A new text joins its nearest intent only if its cosine to the centroid is at least the
# intent's own radius: mean - SPREAD_SIGMAS * std of its members' cosines, never below
# ASSIGN_MIN_COSINE (a tight cluster of near-duplicates must still accept paraphrases).
SPREAD_SIGMAS = 2.0
ASSIGN_MIN_COSINE = 0.35
MAX_RADIUS_COSINE = 0.6
# A spread measured on fewer members is noise; such intents keep ASSIGN_MIN_COSINE.
MIN_MEMBERS_FOR_RADIUS = 10
SEED = 0
# Shipped linear projection (k x dim, float16) learnt offline from public intent train data by
# scripts/nlp_fit_intent_projection.py; replaces the batch's principal directions from
# MIN_TEXTS_FOR_PCA texts on. Empty string or a missing file: principal directions.
PROJECTION_FILE = "intent_projection.npy"
# Out-of-scope filter: a text whose DENSITY_NEIGHBOURS nearest other texts are on average less
# similar (embedding + lexical blend) than DENSITY_MIN x the batch's median of that value goes to
# "other" before the minimum cluster size is applied. Relative to the median because the absolute
# level moves with how many requests each intent has in the batch (0.3 absolute suited CLINC150
# draws of 30 per intent and sent a third of tests/data/intents_requests.tsv, ~10 per intent,
# to "other"). Calibrated on the out-of-scope requests of CLINC150's train split (oos_train):
# 0.5 sends 68 % of them to "other" and 4 % of in-scope requests; 0.55 gains no NMI there and
# loses on BANKING77 and HWU64 (docs/nlp.md, "Intents").
DENSITY_NEIGHBOURS = 5
DENSITY_MIN = 0.5

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


@dataclass
class IntentModel:
    """What is needed to place new texts in the intents of the last clustering."""

    mean: np.ndarray  # (dim,) batch mean removed before projection
    components: np.ndarray  # (k, dim) principal directions
    centroids: np.ndarray  # (n_clusters, k) L2-normalised
    cluster_ids: list[int]
    labels: list[int] = field(default_factory=list)  # of the fitted texts
    # Lowest cosine to each centroid that still counts as a member (calibrated radius).
    radii: list[float] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {
            "mean": self.mean.astype(float).tolist(),
            "components": self.components.astype(float).tolist(),
            "centroids": self.centroids.astype(float).tolist(),
            "cluster_ids": list(self.cluster_ids),
            "radii": [float(r) for r in self.radii],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> IntentModel:
        # to_dict's output read back from a JSONField, so its values are untyped JSON. Models
        # stored before radii existed get the old single cut.
        ids = [int(c) for c in data["cluster_ids"]]
        return cls(
            mean=np.asarray(data["mean"], dtype=np.float32),
            components=np.asarray(data["components"], dtype=np.float32),
            centroids=np.asarray(data["centroids"], dtype=np.float32),
            cluster_ids=ids,
            radii=[float(r) for r in data.get("radii") or [ASSIGN_MIN_COSINE] * len(ids)],
        )


@lru_cache(maxsize=1)
def _projection() -> np.ndarray | None:
    """The shipped (k, dim) intent projection, or None (then the batch's principal directions)."""
    path = embeddings.DATA_DIR / PROJECTION_FILE
    if not PROJECTION_FILE or not path.exists():
        return None
    return np.load(path).astype(np.float32)


def _normalise(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return np.divide(x, norms, out=np.zeros_like(x), where=norms > 0)


def _project(x: np.ndarray, mean: np.ndarray, components: np.ndarray) -> np.ndarray:
    return _normalise((x - mean) @ components.T)


def _add_tfidf_cosines(sim: np.ndarray, texts: list[str], weight: float) -> None:
    """``sim += weight *`` the (n, n) cosine of binary word TF-IDF vectors fitted on ``texts``
    themselves, in place."""
    vocabulary: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    for i, text in enumerate(texts):
        for word in set(_TOKEN.findall(text[: embeddings.MAX_CHARS].lower())):
            rows.append(i)
            cols.append(vocabulary.setdefault(word, len(vocabulary)))
    n = len(texts)
    if not vocabulary:
        return
    m = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(n, len(vocabulary)))
    df = np.bincount(cols, minlength=len(vocabulary))
    m = m @ sp.diags((np.log((1 + n) / (1 + df)) + 1).astype(np.float32))
    norms = np.sqrt(np.asarray(m.multiply(m).sum(1)).ravel())
    m = sp.diags(1 / np.maximum(norms, 1e-12).astype(np.float32)) @ m
    # Sparse times dense: nearly every pair shares a word ("my", "card"), so a sparse product
    # would fill in anyway, at three times the cost. By blocks of rows, so no second (n, n)
    # array is made; each row's sums are the same, in the same order.
    dense_t = m.T.toarray(order="C")  # C order: in F order every block product would copy it
    for start in range(0, n, ROW_BLOCK):
        block = np.asarray(m[start : start + ROW_BLOCK] @ dense_t)
        block *= weight
        sim[start : start + ROW_BLOCK] += block


def _blended_similarity(z: np.ndarray, texts: list[str], copies: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Step 3 of the module docstring: embedding + lexical cosine, then shared neighbours.

    Also returns each text's density: the mean embedding + lexical similarity of its
    ``DENSITY_NEIGHBOURS`` nearest other messages (step 5), from the neighbours found anyway.
    ``copies`` is each distinct text's multiplicity: its own repeats are neighbours at 1, so a
    request sent many times with the same words is never isolated.
    """
    # In place, float32: at 3,000 texts each (n, n) array is 36 MB, and a new one costs more in
    # page faults (glibc maps and unmaps arrays that large on every call) than the arithmetic.
    sim = z @ z.T
    sim *= 1 - LEXICAL_WEIGHT
    _add_tfidf_cosines(sim, texts, LEXICAL_WEIGHT)
    n = len(sim)
    k = min(SNN_NEIGHBOURS, n - 1)
    np.negative(sim, out=sim)  # largest first without a negated copy; negating twice is exact
    # By blocks of rows: argpartition returns a full (rows, n) int64 index, 72 MB at once for
    # 3,000 texts; each row is partitioned on its own, so the neighbours are the same.
    neighbours = np.empty((n, k + 1), dtype=np.intp)  # each row includes the text itself
    for start in range(0, n, ROW_BLOCK):
        block = sim[start : start + ROW_BLOCK]
        neighbours[start : start + ROW_BLOCK] = np.argpartition(block, k, axis=1)[:, : k + 1]
    np.negative(sim, out=sim)
    nearest = np.take_along_axis(sim, neighbours, 1)
    # The text itself is among its neighbours at similarity ~1: drop the largest value per row.
    width = min(DENSITY_NEIGHBOURS, k)
    top = np.sort(nearest, axis=1)[:, ::-1][:, 1 : 1 + width]
    repeats = np.minimum(np.round(copies).astype(np.int64) - 1, width)
    # Mean of the repeats (at 1) and the nearest other texts filling the rest of the width.
    running = np.concatenate([np.zeros((n, 1), np.float32), np.cumsum(top, axis=1)], axis=1)
    density = (repeats + running[np.arange(n), width - repeats]) / max(width, 1)
    weights = np.maximum(nearest, 0).astype(np.float32)
    weights /= np.maximum(np.linalg.norm(weights, axis=1, keepdims=True), 1e-12)
    graph = sp.csr_matrix((weights.ravel(), neighbours.ravel(), np.arange(0, n * (k + 1) + 1, k + 1)), shape=(n, n))
    sim *= 1 - SNN_WEIGHT
    # Shared neighbours are few (~260k of 9M pairs at 3,000 texts): added where they are, not
    # through a dense copy. Adding 0 elsewhere changed nothing, so the sums are the same.
    shared = (graph @ graph.T).tocoo()
    shared.data *= SNN_WEIGHT
    sim[shared.row, shared.col] += shared.data
    return sim, density


def _condensed(similarity: np.ndarray) -> np.ndarray:
    """The upper triangle as float64, row after row (``squareform``'s order), without the float32
    copy ``squareform(...).astype(np.float64)`` made first."""
    n = len(similarity)
    out = np.empty(n * (n - 1) // 2, dtype=np.float64)
    at = 0
    for i in range(n - 1):
        out[at : at + n - 1 - i] = similarity[i, i + 1 :]
        at += n - 1 - i
    return out


def _linkage_labels(z: np.ndarray, texts: list[str], copies: np.ndarray, regime: str) -> np.ndarray:
    """Flat clusters numbered from 1; 0 marks an isolated text (out of scope, "other")."""
    if len(z) == 1:
        return np.ones(1, dtype=np.int64)
    density = None
    if regime != "pca":
        tree = linkage(z.astype(np.float64), method="average", metric="cosine")
    else:
        similarity, density = _blended_similarity(z, texts, copies)
        np.fill_diagonal(similarity, 1)
        # Only the upper triangle is read, so the (symmetric) matrix is not averaged.
        condensed = _condensed(similarity)
        del similarity
        np.subtract(1, condensed, out=condensed)
        np.clip(condensed, 0, None, out=condensed)
        tree = linkage(condensed, method="average")
    labels = fcluster(tree, t=DISTANCE_THRESHOLDS[regime], criterion="distance").astype(np.int64)
    if density is not None:
        labels[density < DENSITY_MIN * float(np.median(density))] = 0
    return labels


def _radii(z: np.ndarray, labels: np.ndarray, centroids: np.ndarray, weights: np.ndarray) -> list[float]:
    radii = []
    for k in range(len(centroids)):
        members = labels == k
        cosines, w = z[members] @ centroids[k], weights[members]
        if w.sum() < MIN_MEMBERS_FOR_RADIUS:
            radii.append(ASSIGN_MIN_COSINE)
            continue
        mean = np.average(cosines, weights=w)
        radius = float(mean - SPREAD_SIGMAS * np.sqrt(np.average((cosines - mean) ** 2, weights=w)))
        radii.append(min(max(radius, ASSIGN_MIN_COSINE), MAX_RADIUS_COSINE))
    return radii


def fit_intents(texts: list[str]) -> IntentModel:
    """Cluster ``texts``; ids are 0..n-1 by decreasing size, -1 for "other".

    Identical texts are clustered once (chat repeats "I forgot my password" hundreds of times:
    the demo's coding assistant has 810 distinct texts in 4,951 messages) and count with their
    multiplicity in cluster sizes, centroids and radii.
    """
    index: dict[str, int] = {}
    inverse = np.fromiter((index.setdefault(t, len(index)) for t in texts), dtype=np.int64, count=len(texts))
    distinct = list(index)
    multiplicity = np.bincount(inverse, minlength=len(distinct)).astype(np.float32)
    x = embeddings.embed(distinct)
    valid = np.linalg.norm(x, axis=1) > 0
    dim = x.shape[1]
    if multiplicity[valid].sum() < MIN_CLUSTER_SIZE:
        return IntentModel(
            mean=np.zeros(dim, np.float32),
            components=np.eye(dim, dtype=np.float32),
            centroids=np.zeros((0, dim), np.float32),
            cluster_ids=[],
            labels=[-1] * len(texts),
        )
    xv = x[valid]
    weights = multiplicity[valid]
    valid_texts = [t for t, v in zip(distinct, valid, strict=True) if v]
    rng = np.random.default_rng(SEED)
    sample = rng.choice(len(xv), size=min(len(xv), MAX_LINKAGE_TEXTS), replace=False)
    sample.sort()
    n_messages = int(weights.sum())
    mean = np.average(xv, axis=0, weights=weights) if n_messages >= MIN_TEXTS_TO_CENTRE else np.zeros(dim, np.float32)
    regime = "raw" if n_messages < MIN_TEXTS_TO_CENTRE else "centred"
    min_size = MIN_CLUSTER_SIZE
    if n_messages >= MIN_TEXTS_FOR_PCA:
        regime = "pca"
        min_size = MIN_CLUSTER_SIZE_LARGE
        projection = _projection()
        if projection is not None:
            components = projection
        else:
            # Principal directions from the sample's (dim x dim) scatter matrix: the same subspace
            # as an SVD of the sample (signs aside, which cosines ignore) at a fraction of the cost.
            centred = (xv[sample] - mean).astype(np.float64)
            eigenvalues, eigenvectors = np.linalg.eigh(centred.T @ (centred * weights[sample, None]))
            order = np.argsort(eigenvalues)[::-1][: min(PCA_DIMS, len(sample), dim)]
            components = eigenvectors[:, order].T.astype(np.float32)
    else:
        components = np.eye(dim, dtype=np.float32)
    z = _project(xv, mean, components).astype(np.float32)
    zs, ws = z[sample], weights[sample]

    raw = _linkage_labels(zs, [valid_texts[i] for i in sample], ws, regime)
    ids = np.unique(raw)
    sizes = np.bincount(np.searchsorted(ids, raw), weights=ws)
    keep = sorted((-float(c), int(i)) for i, c in zip(ids, sizes, strict=True) if c >= min_size and i > 0)
    remap = {old: new for new, (_, old) in enumerate(keep)}
    sampled = np.array([remap.get(int(r), -1) for r in raw], dtype=np.int64)
    centroids = np.zeros((len(keep), z.shape[1]), dtype=np.float32)
    for new in range(len(keep)):
        members = sampled == new
        centroids[new] = (zs[members] * ws[members, None]).sum(0)
    centroids = _normalise(centroids)
    model = IntentModel(mean, components, centroids, list(range(len(keep))))
    model.radii = _radii(zs, sampled, centroids, ws)

    labels_valid = np.full(len(xv), -1, dtype=np.int64)
    labels_valid[sample] = sampled
    rest = np.setdiff1d(np.arange(len(xv)), sample)
    if len(rest):
        labels_valid[rest] = _nearest(model, z[rest])
    labels_distinct = np.full(len(distinct), -1, dtype=np.int64)
    labels_distinct[np.flatnonzero(valid)] = labels_valid
    model.labels = labels_distinct[inverse].tolist()
    return model


def _nearest(model: IntentModel, z: np.ndarray) -> np.ndarray:
    if len(model.cluster_ids) == 0:
        return np.full(len(z), -1, dtype=np.int64)
    sims = z @ model.centroids.T
    best = sims.argmax(1)
    ids = np.asarray(model.cluster_ids, dtype=np.int64)[best]
    radii = np.asarray(model.radii or [ASSIGN_MIN_COSINE] * len(model.cluster_ids), dtype=np.float32)
    return np.where(sims.max(1) >= radii[best], ids, -1)


def assign_intents(model: IntentModel, texts: list[str]) -> list[int]:
    """Nearest existing intent for each new text, or -1 when none is close enough."""
    x = embeddings.embed(texts)
    z = _project(x, model.mean, model.components)
    out = _nearest(model, z)
    out[np.linalg.norm(x, axis=1) == 0] = -1
    return out.tolist()


def cluster_intents(texts: list[str]) -> list[int]:
    """Intent id per text (0 = largest cluster), -1 = other/outlier."""
    return fit_intents(texts).labels


# --- labels -----------------------------------------------------------------------------------

_WORD = re.compile(r"[^\W\d_]{2,}", re.UNICODE)
# Function words of the languages we see most; they would otherwise top every cluster.
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "i",
        "me",
        "my",
        "we",
        "our",
        "you",
        "your",
        "he",
        "she",
        "it",
        "its",
        "they",
        "them",
        "their",
        "this",
        "that",
        "these",
        "those",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "am",
        "do",
        "does",
        "did",
        "doing",
        "have",
        "has",
        "had",
        "can",
        "could",
        "would",
        "should",
        "will",
        "shall",
        "may",
        "might",
        "must",
        "to",
        "of",
        "in",
        "on",
        "at",
        "by",
        "for",
        "with",
        "from",
        "into",
        "about",
        "as",
        "and",
        "or",
        "but",
        "if",
        "so",
        "not",
        "no",
        "yes",
        "please",
        "pls",
        "what",
        "whats",
        "how",
        "why",
        "when",
        "where",
        "who",
        "which",
        "there",
        "here",
        "just",
        "any",
        "some",
        "all",
        "more",
        "very",
        "want",
        "need",
        "get",
        "got",
        "like",
        "also",
        "too",
        "still",
        "again",
        "now",
        "then",
        "than",
        "im",
        "ive",
        "dont",
        "cant",
        "its",
        "thats",
        "hi",
        "el",
        "la",
        "los",
        "las",
        "un",
        "una",
        "unos",
        "de",
        "del",
        "y",
        "o",
        "que",
        "en",
        "por",
        "para",
        "con",
        "mi",
        "mis",
        "tu",
        "su",
        "es",
        "no",
        "se",
        "lo",
        "le",
        "me",
        "como",
        "qué",
        "cómo",
        "por",
        "favor",
        "quiero",
        "puedo",
        "está",
        "o",
        "os",
        "um",
        "uma",
        "do",
        "da",
        "dos",
        "das",
        "e",
        "em",
        "para",
        "com",
        "meu",
        "minha",
        "não",
        "é",
        "eu",
        "você",
        "le",
        "la",
        "les",
        "un",
        "une",
        "des",
        "du",
        "de",
        "et",
        "ou",
        "que",
        "en",
        "pour",
        "avec",
        "mon",
        "ma",
        "mes",
        "je",
        "tu",
        "est",
        "pas",
        "ne",
        "il",
        "elle",
        "der",
        "die",
        "das",
        "ein",
        "eine",
        "und",
        "oder",
        "ich",
        "du",
        "ist",
        "nicht",
        "mit",
        "für",
        "von",
        "zu",
        "den",
        "dem",
        "mein",
        "meine",
        "il",
        "lo",
        "gli",
        "una",
        "di",
        "e",
        "che",
        "per",
        "con",
        "non",
        "sono",
        "mio",
        "mia",
    ]
)


# Reference numbers ("ORD-48213", "INC12345", "#4411") would otherwise name clusters "ord".
_REFERENCE = re.compile(r"\b[A-Za-z]{1,5}[-_#]?\d[\w-]*|#\w+")


def _terms(text: str) -> list[str]:
    words = [w for w in _WORD.findall(_REFERENCE.sub(" ", text).lower()) if w not in STOPWORDS]
    return words + [f"{a} {b}" for a, b in itertools.pairwise(words)]


def label_intents(texts: list[str], labels: list[int]) -> dict[int, str]:
    """Short label per cluster from its most distinctive terms (class-based TF-IDF).

    A term scores by its frequency inside the cluster times log(1 + clusters / clusters using
    it), so words shared by every intent ("account", "help") lose to the specific ones. The
    best bigram wins when it is nearly as strong as the best word (more readable).
    """
    per_cluster: dict[int, Counter[str]] = {}
    for text, label in zip(texts, labels, strict=True):
        if label < 0:
            continue
        # Count a term once per text so one long message cannot name its cluster.
        per_cluster.setdefault(label, Counter()).update(set(_terms(text)))
    if not per_cluster:
        return {-1: "other"} if any(lab < 0 for lab in labels) else {}
    document_freq: Counter[str] = Counter()
    for counts in per_cluster.values():
        document_freq.update(counts.keys())
    n = len(per_cluster)
    out: dict[int, str] = {}
    for label, counts in per_cluster.items():
        size = sum(1 for lab in labels if lab == label)
        scored = sorted(((c / size) * np.log1p(n / document_freq[t]), t) for t, c in counts.items())[::-1]
        if not scored:
            out[label] = f"intent {label}"
            continue
        words = [t for _, t in scored if " " not in t]
        bigrams = [(s, t) for s, t in scored if " " in t]
        best_score = scored[0][0]
        if bigrams and bigrams[0][0] >= 0.8 * best_score:
            out[label] = bigrams[0][1]
        else:
            out[label] = " / ".join(words[:2])
    if any(lab < 0 for lab in labels):
        out[-1] = "other"
    return out


# As ``apps.nlp.language`` does (env ``NLP_LOAD_AT_IMPORT``, default "1"): the table and the
# projection load when this module is imported, where a process starts, not inside the first
# clustering (a fifth of its time on 3,000 texts). Only enrichment workers, commands and tests
# import this module, never the web process (tests/core/test_web_imports.py).
if os.environ.get("NLP_LOAD_AT_IMPORT", "1") != "0":
    embeddings.warm_up()
    _projection()
