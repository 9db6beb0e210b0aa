"""Train the rephrase pair model (apps/nlp/data/rephrase_model.npz) on permissive *train* data.

    # the public data (read with git from the fetched snapshots; nothing is copied into the repo)
    fetch github:PolyAI-LDN/task-specific-datasets   # banking77, CC-BY-4.0, commit 57ec275d
    fetch github:clinc/oos-eval                       # CLINC150, CC-BY-3.0, commit 828f8093
    fetch github:LSX-UniWue/SuperGLEBer               # German PAWS-X *dev* and MASSIVE German: reported only
    .venv/bin/pip install scikit-learn                # build-time only (or: pip install -e '.[nlp-fit]')
    .venv/bin/python scripts/nlp_fit_rephrase.py [--mirror /work/.mirror] [--write]

Pairs (see docs/nlp.md, "Rephrase"):
- banking77 ``train.csv`` and CLINC150 ``data_full.json["train"]``: two requests with the same
  intent are a rephrase; a request of another intent is not. Per request: the nearest same-intent
  and the nearest other-intent request by character TF-IDF and by embedding cosine (near misses,
  like QQP's related-but-different questions), plus a random one of each.
  banking77 sentences are split 80/10/10 into train/dev/heldout, CLINC150 by *intent* 70/15/15
  (its heldout intents are never seen in training).
- Word-swap negatives made from those requests (PAWS-style: "transfer from savings to checking"
  / "transfer from checking to savings") and light-edit positives (typos, dropped filler),
  number-change negatives; same splits as the requests they come from.
- Our own chat pairs: ``tests/data/rephrase_pairs_chat.tsv`` (``fit`` split: 2/3 of the anchors
  train, 1/3 dev) and ``tests/data/rephrase_pairs.tsv``.
- With ``--support`` (measured, **not** in the shipped model: docs/nlp.md, "Rephrase"): our
  generated multilingual support-chat pairs (en/es/pt/fr/de/it re-asks, same-frame follow-ups,
  number changes, role swaps), ``tests/data/rephrase_support_train.tsv``, written by
  ``tests/data/rephrase_support_generate.py``; its ``split`` column holds a dev quarter, which then
  joins the dev rule (its share is searched too) but not the threshold (generated, like the edits).
The source shares and the blend weight of the char TF-IDF cosine (``GRID``, ``BLEND``) are chosen
on dev: at or above the best single feature on every dev source, then the best mean margin; figures are printed for heldout (never tuned on), the chat
``heldout`` split, the German PAWS-X dev set (out of domain) and German MASSIVE intent pairs (made like the
banking77 / CLINC150 pairs from its train split; every intent unseen), never fitted or tuned on.
``--write`` saves the model; without it the script only reports.
"""

from __future__ import annotations

import argparse
import csv
import io
import itertools
import json
import random
import subprocess
import sys
import tempfile
import zlib
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BANKING = ("PolyAI-LDN+task-specific-datasets", "57ec275d8078af65b7731c2a98be812d844a6d6b", "banking_data/train.csv")
CLINC = ("clinc+oos-eval", "828f8093932c8fe6ca7936c3d2e52903b1c523de", "data/data_full.json")
# MASSIVE (Amazon, CC-BY-4.0) German intents, *train* split, as copied into SuperGLEBer ("text<TAB>intent
# id"): evaluation only (German intent pairs, every intent unseen), never fitted or tuned on.
MASSIVE_DE = ("LSX-UniWue+SuperGLEBer", "5d3c59a91ab3b5011a45a28cfafe813cf657111d", "data/Massive/Intents/train.txt")
PAWSX_DE_DEV = ("LSX-UniWue+SuperGLEBer", "5d3c59a91ab3b5011a45a28cfafe813cf657111d", "data/PAWSX/dev.tsv")
SEED = 15
SOURCE_WEIGHTS = {"banking77": 1.0, "clinc150": 1.0, "chat": 0.5, "old_set": 0.25, "synthetic": 0.25, "support": 1.0}
# Searched on dev: the loss share of CLINC150, the synthetic edits, our chat pairs and (with
# --support) our generated support-chat pairs ...
GRID = {"clinc150": (1.0, 2.0, 3.0, 4.0), "synthetic": (0.25, 0.5, 1.0), "chat": (0.5, 1.0), "support": (0.5, 1.0)}
# ... and the weight of the standardised char TF-IDF cosine blended into the fitted logit.
BLEND = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6)
# The intent projection of the ``proj_cos`` feature: the intents' own 128 directions and ridge 0.3.
# Fewer directions score better on the dev pairs (cosine alone, banking77 / CLINC150 / chat:
# 48 directions, ridge 0.03: 0.784 / 0.913 / 0.626; 64 / 0.1: 0.782 / 0.911 / 0.591; 128 / 0.3:
# 0.757 / 0.908 / 0.587), but both refitted models fail hand-written es/pt/fr checks in
# tests/nlp/test_rephrase.py (docs/nlp.md, "Rephrase"), so 128 / 0.3 stays.
PROJECTION_DIMS = 128
PROJECTION_REGULARISATION = 0.3


def _git_show(mirror: Path, source: tuple[str, str, str]) -> str:
    repo, commit, path = source
    return subprocess.run(
        ["git", "--git-dir", str(mirror / repo / "repo"), "show", f"{commit}:{path}"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def _bucket(key: str, cuts: tuple[float, float]) -> str:
    u = (zlib.crc32(key.encode()) % 10_000) / 10_000
    return "train" if u < cuts[0] else "dev" if u < cuts[1] else "heldout"


def _rows(name: str) -> list[dict[str, str]]:
    with (ROOT / "tests" / "data" / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


Pair = dict[str, object]


def _intent_pairs(items: list[tuple[str, str, str]], source: str, rng: random.Random) -> list[Pair]:
    """items: (text, intent, split). Per text: one same-intent positive, one random and one hard
    other-intent negative, all inside the text's split."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    from apps.nlp import embeddings

    out: list[Pair] = []
    for split in ("train", "dev", "heldout"):
        part = [(t, i) for t, i, s in items if s == split]
        if not part:
            continue
        by_intent: dict[str, list[int]] = defaultdict(list)
        for k, (_, intent) in enumerate(part):
            by_intent[intent].append(k)
        texts = [t for t, _ in part]
        intents = np.array([i for _, i in part])
        chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True).fit_transform(texts)
        vectors = embeddings.embed(texts)
        for start in range(0, len(part), 2000):
            stop = min(start + 2000, len(part))
            views = ((chars[start:stop] @ chars.T).toarray(), vectors[start:stop] @ vectors.T)
            for r, k in enumerate(range(start, stop)):
                text, intent = part[k]
                same = intents == intent
                same[k] = False
                partners: list[tuple[int, int]] = []
                # Nearest neighbours by characters and by meaning, on both sides of the label, plus
                # a random one each: picking near misses by one view only (say characters) would
                # teach that this view's similarity *lowers* the odds, an artefact of the sampling.
                for sims in views:
                    sims = sims[r].copy()
                    sims[k] = -3
                    if same.any():
                        partners.append((int(np.where(same, sims, -3).argmax()), 1))
                    other = ~same
                    other[k] = False
                    partners.append((int(np.where(other, sims, -3).argmax()), 0))
                if same.any():
                    partners.append((rng.choice([j for j in by_intent[intent] if j != k]), 1))
                other = rng.randrange(len(part))
                if intents[other] != intent:
                    partners.append((other, 0))
                out.extend(
                    {"a": text, "b": texts[j], "label": label, "source": source, "split": split}
                    for j, label in dict.fromkeys(partners)
                )
    return out


_FILLERS = ("please ", "hi, ", "hey ", "ok so ", "")
_STOP = frozenset(
    [
        *("the", "a", "an", "to", "of", "in", "on", "for", "my", "i", "is", "it", "and", "or", "do", "you"),
        *("me", "can", "how", "what", "with", "from", "at", "be"),
    ]
)


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 4:
        return word
    k = rng.randrange(1, len(word) - 1)
    return word[:k] + word[k + 1] + word[k] + word[k + 2 :]


def _synthetic_pairs(items: list[tuple[str, str, str]], rng: random.Random) -> list[Pair]:
    """Word swaps and number changes (negatives) and light edits (positives)."""
    out: list[Pair] = []
    for text, _, split in items:
        words = text.rstrip("?.!").split()
        content = [k for k, w in enumerate(words) if w.lower() not in _STOP and len(w) > 2 and w.isalpha()]
        if rng.random() < 0.35 and len(content) >= 2:
            i, j = sorted(rng.sample(content, 2))
            if words[i].lower() != words[j].lower():
                swapped = list(words)
                swapped[i], swapped[j] = swapped[j], swapped[i]
                out.append({"a": text, "b": " ".join(swapped), "label": 0, "source": "synthetic", "split": split})
        if rng.random() < 0.25 and words:
            edited = [(_typo(w, rng) if rng.random() < 0.3 else w) for w in words]
            if rng.random() < 0.5:
                edited = [w for w in edited if w.lower() not in ("please", "hi", "hey", "so", "just")] or edited
            variant = rng.choice(_FILLERS) + " ".join(edited) + rng.choice(("", "?", " ??", "!"))
            out.append({"a": text, "b": variant.strip(), "label": 1, "source": "synthetic", "split": split})
        digits = [k for k, w in enumerate(words) if any(c.isdigit() for c in w)]
        if digits:
            changed = list(words)
            k = rng.choice(digits)
            changed[k] = "".join(str((int(c) + rng.randrange(1, 9)) % 10) if c.isdigit() else c for c in words[k])
            out.append({"a": text, "b": " ".join(changed), "label": 0, "source": "synthetic", "split": split})
    return out


def _chat_split(row: dict[str, str]) -> str:
    """``heldout`` rows stay held out; a third of the ``fit`` anchors (all pairs of an anchor on
    the same side) is a dev split for choosing the source weights and the blend."""
    if row["split"] != "fit":
        return "heldout"
    return "dev" if zlib.crc32(row["a"].encode()) % 3 == 0 else "train"


def _our_pairs(name: str, source: str, split_of: Callable[[dict[str, str]], str]) -> list[Pair]:
    """Labelled pairs of one of our TSVs (label, a, b, lang, ...) as ``source``."""
    return [
        {"a": r["a"], "b": r["b"], "label": int(r["label"]), "source": source, "split": split_of(r), "lang": r["lang"]}
        for r in _rows(name)
    ]


def chat_pairs() -> list[Pair]:
    """Our chat pairs: the ``fit`` split trains, the ``heldout`` split is only reported."""
    return _our_pairs("rephrase_pairs_chat.tsv", "chat", _chat_split)


def support_pairs() -> list[Pair]:
    """Our generated support-chat pairs: train and dev parts as the generator wrote them."""
    return _our_pairs("rephrase_support_train.tsv", "support", lambda r: r["split"])


def _intent_items(mirror: Path) -> tuple[list[tuple[str, str, str]], list[tuple[str, str, str]]]:
    """(text, intent, split) of banking77 (split by request) and CLINC150 (split by intent)."""
    banking = list(csv.DictReader(io.StringIO(_git_show(mirror, BANKING))))
    banking_items = [(r["text"], r["category"], _bucket(r["text"], (0.8, 0.9))) for r in banking]
    clinc = json.loads(_git_show(mirror, CLINC))["train"]
    return banking_items, [(t, i, _bucket(i, (0.7, 0.85))) for t, i in clinc]


def _projection(mirror: Path, dims: int, regularisation: float, support: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Intent projection (LDA, as for intents) and mean embedding from the *train* buckets only.

    Not the shipped ``intent_projection.npy``: that one saw every banking77 and CLINC150 train
    request, including the dev and heldout buckets the pair model is chosen and measured on."""
    from nlp_fit_intent_projection import fit_projection

    from apps.nlp import embeddings

    groups = []
    for items in _intent_items(mirror):
        by_intent: dict[str, list[str]] = defaultdict(list)
        for text, intent, split in items:
            if split == "train":
                by_intent[intent].append(text)
        groups.append(dict(by_intent))
    if support:
        # Our generated requests, train part: an anchor and its rephrases are one "intent".
        # (Measured with 48 directions: dev chat and support up, German hand checks still fail.)
        by_request: dict[str, set[str]] = defaultdict(set)
        for r in _rows("rephrase_support_train.tsv"):
            if r["split"] == "train":
                by_request[r["group"]].add(r["a"])
                if r["label"] == "1":
                    by_request[r["group"]].add(r["b"])
        groups.append({k: sorted(v) for k, v in by_request.items()})
    mean = embeddings.embed([t for g in groups for texts in g.values() for t in texts]).mean(0)
    return fit_projection(groups, dims, regularisation), mean


def _load(mirror: Path, rng: random.Random, support: bool = False) -> tuple[list[Pair], list[Pair]]:
    banking_items, clinc_items = _intent_items(mirror)
    pairs = _intent_pairs(banking_items, "banking77", rng) + _intent_pairs(clinc_items, "clinc150", rng)
    pairs += _synthetic_pairs(banking_items + clinc_items, rng)
    pairs += chat_pairs()
    if support:  # read from a file, not sampled: the rng draws below (MASSIVE) do not change
        pairs += support_pairs()
    for r in _rows("rephrase_pairs.tsv"):
        pairs.append({"a": r["a"], "b": r["b"], "label": int(r["label"]), "source": "old_set", "split": "train"})
    external: list[Pair] = []
    try:
        dev = list(csv.DictReader(io.StringIO(_git_show(mirror, PAWSX_DE_DEV)), delimiter="\t", quoting=csv.QUOTE_NONE))
        external = [
            {
                "a": r["sentence1"],
                "b": r["sentence2"],
                "label": int(r["label"]),
                "source": "pawsx_de_dev",
                "split": "external",
            }
            for r in dev
            if r["label"] in ("0", "1")
        ]
    except subprocess.CalledProcessError:
        print("  (German PAWS-X dev not fetched: skipped)")
    try:
        massive = [line.rsplit("\t", 1) for line in _git_show(mirror, MASSIVE_DE).splitlines() if "\t" in line]
        # Sampled after every training pair, so the training pairs (and the shipped model) do not change.
        for p in _intent_pairs([(t, i, "heldout") for t, i in massive], "massive_de", rng):
            external.append({**p, "split": "external"})
    except subprocess.CalledProcessError:
        print("  (MASSIVE German not fetched: skipped)")
    return pairs, external


def _idf(texts: list[str], bits: int, keys: str) -> np.ndarray:
    from apps.nlp import rephrase

    df = np.zeros(1 << bits, dtype=np.float64)
    norm = [rephrase.normalize(t) for t in texts]
    words = [rephrase._WORD.findall(n) for n in norm]
    if keys == "char":
        strings = [(" " + " ".join(w) + " ")[: rephrase.CHAR_LIMIT] if w else "" for w in words]
        rows, cols = rephrase._char_grams(strings)
        seen = np.unique(rows * (1 << bits) + cols)
        np.add.at(df, seen % (1 << bits), 1)
    else:
        for w in words:
            for b in {rephrase._word_bucket(x) for x in w}:
                df[b] += 1
    n = len(texts)
    # Unseen buckets (other languages, rare words) get the highest weight: rare is informative.
    return (np.log((n + 1) / (df + 1)) + 1).astype(np.float16)


# Signs fixed in advance for the mismatch flags only: a different number, a negation on one side
# only or a missing topic word never makes a rephrase more likely. The similarity features are
# left free: measured on dev and heldout, fixing them to be non-negative leaves only the
# embedding cosine (every other weight at the bound) and loses 0.02-0.20 AUC on banking77,
# the chat pairs and the German PAWS-X dev set; the free fit learns "soft alignment beyond
# literal overlap" (align up, word overlap down), which is what separates same-intent
# rewordings from near-miss requests of another intent.
SIGNS = {
    "missing": -1,
    "number_mismatch": -1,
    "number_one_side": -1,
    "exact": 1,
}


def _fit(z: np.ndarray, y: np.ndarray, w: np.ndarray, l2: float, names: tuple[str, ...]) -> tuple[np.ndarray, float]:
    """Weighted, L2-regularised logistic regression with sign bounds (L-BFGS-B)."""
    from scipy.optimize import minimize

    d = z.shape[1]
    sign = np.array([SIGNS.get(name, 0) for name in names])
    bounds = [(0, None) if s > 0 else (None, 0) if s < 0 else (None, None) for s in sign] + [(None, None)]
    t = 2 * y - 1.0

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        m = z @ theta[:d] + theta[d]
        margin = t * m
        value = float((w * np.logaddexp(0, -margin)).sum() / w.sum() + l2 * (theta[:d] ** 2).sum())
        g = -(w * t / (1 + np.exp(margin))) / w.sum()
        grad = np.concatenate((z.T @ g + 2 * l2 * theta[:d], [g.sum()]))
        return value, grad

    res = minimize(loss, np.zeros(d + 1), jac=True, method="L-BFGS-B", bounds=bounds, options={"maxiter": 3000})
    return res.x[:d], float(res.x[d])


def _auc(y: np.ndarray, s: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, s)) if 0 < y.sum() < len(y) else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mirror", type=Path, default=Path("/work/.mirror"))
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--reuse-features", action="store_true", help="reuse the feature cache in the temp dir")
    parser.add_argument("--out", type=Path, default=ROOT / "apps" / "nlp" / "data" / "rephrase_model.npz")
    parser.add_argument("--projection-dims", type=int, default=PROJECTION_DIMS)
    parser.add_argument("--projection-ridge", type=float, default=PROJECTION_REGULARISATION)
    parser.add_argument("--support", action="store_true", help="train on our generated support-chat pairs too")
    parser.add_argument("--support-shares", type=float, nargs="+", default=list(GRID["support"]))
    parser.add_argument("--projection-support", action="store_true", help="fit the projection on them too")
    parser.add_argument("--threshold-with-support", action="store_true", help="their dev pairs in the threshold too")
    args = parser.parse_args()
    from apps.nlp import rephrase

    rng = random.Random(SEED)  # noqa: S311 - reproducible sampling, not security
    pairs, external = _load(args.mirror, rng, support=args.support)
    train_texts = sorted({str(p[k]) for p in pairs if p["split"] == "train" for k in ("a", "b")})
    print(f"pairs: {len(pairs)} (+{len(external)} external); distinct train texts {len(train_texts)}")
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for p in pairs:
        counts[(str(p["source"]), str(p["split"]))][int(p["label"])] += 1  # type: ignore[call-overload]
    for key, (neg, pos) in sorted(counts.items()):
        print(f"  {key[0]:<10} {key[1]:<8} pos {pos:>6} neg {neg:>6}")

    # IDF first (the features need it), from train texts only.
    char_idf = _idf(train_texts, rephrase.CHAR_BITS, "char")
    word_idf = _idf(train_texts, rephrase.WORD_BITS, "word")
    # float16 as shipped, so the fitted features are the runtime's
    projection, projection_mean = (
        a.astype(np.float16)
        for a in _projection(args.mirror, args.projection_dims, args.projection_ridge, args.projection_support)
    )
    n_feat = len(rephrase.FEATURES)
    tmp = Path(tempfile.gettempdir()) / "rephrase_model_idf.npz"
    np.savez(
        tmp,
        features=np.array(rephrase.FEATURES),
        mean=np.zeros(n_feat),
        scale=np.ones(n_feat),
        coef=np.zeros(n_feat),
        intercept=np.float64(0),
        char_idf=char_idf,
        word_idf=word_idf,
        projection=projection,
        projection_mean=projection_mean,
    )
    rephrase.MODEL_PATH = tmp
    rephrase._model.cache_clear()
    rephrase._cache.clear()

    everything = pairs + external
    cache = Path(tempfile.gettempdir()) / "rephrase_features.npz"
    cached = np.load(cache) if args.reuse_features and cache.exists() else None
    if cached is not None and set(rephrase.FEATURES) <= set(cached["names"]) and len(cached["x"]) == len(everything):
        names = list(cached["names"])
        x = cached["x"][:, [names.index(n) for n in rephrase.FEATURES]]
    else:
        x = rephrase.features([(str(p["a"]), str(p["b"])) for p in everything])
        np.savez(cache, x=x, names=np.array(rephrase.FEATURES))
    y = np.array([int(p["label"]) for p in everything])  # type: ignore[call-overload]
    src = np.array([str(p["source"]) for p in everything])
    split = np.array([str(p["split"]) for p in everything])
    lang = np.array([str(p.get("lang", "")) for p in everything])

    train = split == "train"
    dev_mask = split == "dev"
    mean = x[train].mean(0)
    scale = x[train].std(0)
    scale[scale == 0] = 1.0
    z = (x - mean) / scale

    def source_weights(fit_mask: np.ndarray, shares: dict[str, float]) -> np.ndarray:
        # Each source weighs its share in the loss, whatever its size.
        weights = np.zeros(len(y))
        for s in np.unique(src[fit_mask]):
            m = fit_mask & (src == s)
            weights[m] = shares[s] / m.sum()
        return weights * fit_mask.sum() / weights.sum()

    def report(scores: np.ndarray, part: str) -> dict[str, float]:
        out = {}
        for s in sorted(set(src[split == part])):
            m = (split == part) & (src == s)
            out[s] = round(_auc(y[m], scores[m]), 4)
        return out

    char_col = rephrase.FEATURES.index("char_cos")
    emb_col = rephrase.FEATURES.index("emb_cos")
    # The bar on every dev source: the better of the two single similarities.
    dev_char, dev_emb = report(x[:, char_col], "dev"), report(x[:, emb_col], "dev")
    bar = {s: max(dev_char[s], dev_emb[s]) for s in dev_char}
    print(f"dev bar (best single feature): {bar}")

    def fit_blend(fit_mask: np.ndarray, shares: dict[str, float], alpha: float) -> tuple[np.ndarray, float]:
        """Fitted logit scaled to unit spread on train, blended with the standardised char cosine:
        (1 - alpha) * logit / sd + alpha * z_char, returned as one linear model (coef, intercept)."""
        coef, b = _fit(z[fit_mask], y[fit_mask], source_weights(fit_mask, shares)[fit_mask], 0.0, rephrase.FEATURES)
        sd = float((z[train] @ coef + b).std()) or 1.0
        blended = (1 - alpha) * coef / sd
        blended[char_col] += alpha
        return blended, (1 - alpha) * b / sd

    # Choice on dev (never heldout): the source weights and the blend weight of the char cosine.
    # Intent pairs (CLINC150, banking77) reward literal overlap; our chat pairs and the synthetic
    # word swaps punish it, and a single linear model trades one for the other. Rule: among the
    # settings at or above the bar on every dev source, the best mean margin over the bar;
    # if none, the best worst margin.
    best = None
    grid = {k: v for k, v in {**GRID, "support": tuple(args.support_shares)}.items() if k in bar}
    for values in itertools.product(*grid.values()):
        used = {k: w for k, w in SOURCE_WEIGHTS.items() if k in set(src[train])}
        shares = {**used, **dict(zip(grid, values, strict=True))}
        coef, b = _fit(z[train], y[train], source_weights(train, shares)[train], 0.0, rephrase.FEATURES)
        logit = z @ coef + b
        sd = float(logit[train].std()) or 1.0
        for alpha in BLEND:
            dev = report((1 - alpha) * logit / sd + alpha * z[:, char_col], "dev")
            margins = [dev[s] - bar[s] for s in bar]
            rank = (min(margins) >= 0, float(np.mean(margins)) if min(margins) >= 0 else min(margins))
            if best is None or rank > best[0]:
                best = (rank, shares, alpha, dev)
    assert best is not None
    _, shares, alpha, dev = best
    choice = {"shares": shares, "alpha": alpha}
    print(f"chosen on dev: {choice} dev {dev}")
    coef, b = fit_blend(train, shares, alpha)
    logit = z @ coef + b
    for s in ("chat", "support"):
        part = dev_mask & (src == s)
        print(
            f"dev {s} per language:",
            {lg: round(_auc(y[part & (lang == lg)], logit[part & (lang == lg)]), 4) for lg in sorted(set(lang[part]))},
        )

    # Decision threshold (is_rephrase is score >= 0.5): best balanced accuracy (mean of the hit
    # rates on rephrases and on non-rephrases: the share of positives in these sets is an artefact
    # of how the pairs were sampled) on the real dev pairs (not the synthetic edits, whose own
    # best threshold is far off every real set's), each dev source counting equally.
    def balanced(t: float, s: str) -> float:
        m = dev_mask & (src == s)
        return float(((logit[m] >= t)[y[m] == 1]).mean() + ((logit[m] < t)[y[m] == 0]).mean()) / 2

    cands = np.quantile(logit[dev_mask], np.linspace(0.02, 0.98, 97))
    generated = {"synthetic"} if args.threshold_with_support else {"synthetic", "support"}
    acc = [float(np.mean([balanced(t, s) for s in bar if s not in generated])) for t in cands]
    shift = float(cands[int(np.argmax(acc))])
    intercept = b - shift
    print(f"threshold shift {shift:+.3f} (balanced dev accuracy, mean over sources {max(acc):.3f})")
    print("coefficients (standardised):")
    for name, w in zip(rephrase.FEATURES, coef, strict=True):
        print(f"  {name:<20} {w:+.3f}")

    results = {
        "model_heldout": report(logit, "heldout"),
        "char_tfidf_heldout": report(x[:, char_col], "heldout"),
        "emb_cos_heldout": report(x[:, emb_col], "heldout"),
        "model_external": report(logit, "external"),
        "char_tfidf_external": report(x[:, char_col], "external"),
        "emb_cos_external": report(x[:, emb_col], "external"),
        "model_train_in_sample": report(logit, "train"),
    }
    chat_heldout = (src == "chat") & (split == "heldout")
    results["chat_heldout_per_lang"] = {
        lg: round(_auc(y[chat_heldout & (lang == lg)], logit[chat_heldout & (lang == lg)]), 4)
        for lg in sorted(set(lang[chat_heldout]))
    }
    for k, v in results.items():
        print(f"{k}: {v}")
    if args.write:
        np.savez_compressed(
            args.out,
            features=np.array(rephrase.FEATURES),
            mean=mean.astype(np.float32),
            scale=scale.astype(np.float32),
            coef=coef.astype(np.float32),
            intercept=np.float32(intercept),
            char_idf=char_idf,
            word_idf=word_idf,
            projection=projection,
            projection_mean=projection_mean,
        )
        print(f"wrote {args.out}")
    print(json.dumps({"choice": choice, **results}))


if __name__ == "__main__":
    main()
