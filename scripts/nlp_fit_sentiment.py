"""Fit the sentiment model shipped in apps/nlp/data/sentiment_model.npz.

Data (TRAIN splits only; nothing is fitted on a val or test split):
XLM-T / UMSAB tweets in en, es, pt, fr, de, it, 1,838 train tweets per language, 3 balanced
classes (0 negative, 1 neutral, 2 positive). ``fetch github:cardiffnlp/xlm-t`` (commit
874214d64d96599eb869a033c22ec2cc57d19256), which gives a git dir; the script reads
``git show <commit>:data/sentiment/<language>/train_text.txt`` and ``train_labels.txt`` from it.
CLINC150 train requests as neutral (``--clinc``: ``fetch github:clinc/oos-eval``) and SemEval
Task 4A English train tweets (``--semeval``: ``fetch github:cbaziotis/datastories-semeval2017-task4``,
commit faeee5fd1c2cf38e32179a4676dff53ae01adfa8, ``dataset/Subtask_A/downloaded/twitter-201{3,5,6}train-A.tsv``).
Our own support-chat training set (``--support tests/data/sentiment_support_train.tsv``, written by
tests/data/sentiment_support_generate.py, disjoint from every text we score on): praise, complaints
and requests as support users write them, in the six languages.
XLM-T's English train, val and test *texts* are read only to drop those tweets from SemEval's
(XLM-T drew its English train and val from these files: our held-out and dev tweets are among them).
Licences and figures: docs/nlp.md ("Sentiment").

Splits (``split_xlmt``; tests/benchmarks/sentiment.py imports it): per language and class, a
fixed-seed shuffle gives 15% HELD-OUT (never fitted or tuned on: only the final report reads
it), 15% DEV (chooses the L2 strength, fitting on FIT) and 70% FIT. The shipped model is refit
on FIT + DEV with the chosen setting, so the held-out figure describes the shipped weights.

    # the shipped model (2026-11-30, fourth round): ~3 CPU-minutes
    .venv/bin/python scripts/nlp_fit_sentiment.py --xlmt /work/.mirror/cardiffnlp+xlm-t/repo \
        --clinc /work/.mirror/clinc+oos-eval/repo \
        --semeval /work/.mirror/cbaziotis+datastories-semeval2017-task4/repo \
        --support tests/data/sentiment_support_train.tsv --l2 3e-5
    # the defaults are the shipped setting (SemEval 0.3, NB prior 0.1 x 0.6, support 1,000 tweets);
    # several --l2 values fit each on FIT and keep the best on DEV before the refit

Runs on the default install (NumPy + SciPy's L-BFGS): no scikit-learn.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import optimize, sparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from apps.nlp import sentiment  # noqa: E402

XLMT_COMMIT = "874214d64d96599eb869a033c22ec2cc57d19256"
CLINC_COMMIT = "828f8093932c8fe6ca7936c3d2e52903b1c523de"
SEMEVAL_COMMIT = "faeee5fd1c2cf38e32179a4676dff53ae01adfa8"
# SemEval-2013/2015/2016 Task 4A *train* files only (not their dev, devtest or test files).
SEMEVAL_FILES = ("twitter-2013train-A", "twitter-2015train-A", "twitter-2016train-A")
SEMEVAL_LABELS = {"negative": 0, "neutral": 1, "positive": 2}
# Each SemEval class weighs as much in all as a third of the kept tweets (the files are 14 %
# negative, 43 % neutral, 43 % positive; XLM-T is balanced): per-tweet weight
# SEMEVAL_WEIGHT x kept / (3 x class count). DEV: 0.3 and 1 score alike (+0.04 English), 3 costs
# the other languages. Off unless --semeval is given; shipped at 0.3 since the fourth round.
SEMEVAL_WEIGHT = 0.3
# The 15,000 requests weigh as much as ~1,000 tweets (of 9,400): enough to call requests neutral, not
# enough to pull tweets towards neutral.
REQUEST_WEIGHT = 1000 / 15000
# Our support-chat set (--support) weighs as much in all as this many tweets (of ~9,400 XLM-T ones).
# DEV 0.601 at 1,000, 0.600 at 3,000, both pass the hand-written checks: docs/nlp.md ("Sentiment",
# fourth round).
SUPPORT_WEIGHT = 1000.0
SUPPORT_LABELS = {"neg": 0, "neu": 1, "pos": 2}
# Naive Bayes prior (nb_prior) the regression corrects: 0 = plain regression. DEV: see docs/nlp.md
# (third round); shipped at 0.6 with smoothing 0.1 since the fourth round.
NB_WEIGHT = 0.6
NB_ALPHA = 0.1
LANGUAGES = {
    "en": "english",
    "es": "spanish",
    "pt": "portuguese",
    "fr": "french",
    "de": "german",
    "it": "italian",
}
SEED = 20261129
HELDOUT, DEV = 0.15, 0.15


@dataclass
class Example:
    text: str
    label: int  # 0 negative, 1 neutral, 2 positive
    lang: str


def _git_lines(git_dir: str, commit: str, path: str) -> list[str]:
    out = subprocess.run(
        ["git", "--git-dir", git_dir, "show", f"{commit}:{path}"], check=True, capture_output=True
    ).stdout.decode("utf-8")
    return out.rstrip("\n").split("\n")


def _read(git_dir: str, commit: str, prefix: str, lang: str) -> list[Example]:
    texts = _git_lines(git_dir, commit, f"{prefix}_text.txt")
    labels = _git_lines(git_dir, commit, f"{prefix}_labels.txt")
    assert len(texts) == len(labels), prefix
    return [Example(t.strip(), int(y), lang) for t, y in zip(texts, labels, strict=True)]


def clinc_requests(git_dir: str) -> list[Example]:
    """CLINC150's in-scope TRAIN requests as neutral examples (language code "requests").

    Tweets teach the model that questions and imperatives aimed at a company are usually
    complaints; an assistant's users mostly ask neutral questions ("translate this to german").
    Requests to an assistant carry no sentiment of their own, so they are labelled neutral.
    """
    data = json.loads("\n".join(_git_lines(git_dir, CLINC_COMMIT, "data/data_full.json")))
    return [Example(text.strip(), 1, "requests") for text, _intent in data["train"]]


def support_texts(path: str) -> list[Example]:
    """Our support-chat training texts (language code "support"), from the generator's TSV."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()[1:]
    return [
        Example(text, SUPPORT_LABELS[label], "support")
        for _lang, label, text in (ln.split("\t", 2) for ln in lines if ln)
    ]


def _dedupe_key(text: str) -> str:
    """Letters and digits of the normalised text: retweets and re-encodings of a tweet collide."""
    text = sentiment.normalise(text.replace('""', '"'))
    return re.sub(r"[^a-z0-9]+", "", re.sub(r"http|@user|\\u[0-9a-f]{4}", "", text))


def semeval_tweets(git_dir: str, xlmt_git_dir: str) -> list[Example]:
    """SemEval Task 4A English TRAIN tweets (language code "semeval"), minus every tweet that is
    also in XLM-T's English data (its train, val and test files: XLM-T's English train and val
    were drawn from these files, so our held-out and dev tweets are among them) and minus repeats.
    """
    blocked = set()
    for split in ("train", "val", "test"):
        blocked |= {
            _dedupe_key(t) for t in _git_lines(xlmt_git_dir, XLMT_COMMIT, f"data/sentiment/english/{split}_text.txt")
        }
    out: list[Example] = []
    for name in SEMEVAL_FILES:
        for line in _git_lines(git_dir, SEMEVAL_COMMIT, f"dataset/Subtask_A/downloaded/{name}.tsv"):
            fields = line.split("\t")
            if len(fields) < 3 or fields[1] not in SEMEVAL_LABELS:
                continue
            text = "\t".join(fields[2:]).strip()
            if len(text) > 1 and text[0] == text[-1] == '"':
                text = text[1:-1]
            key = _dedupe_key(text)
            if key and key not in blocked:
                blocked.add(key)
                out.append(Example(text, SEMEVAL_LABELS[fields[1]], "semeval"))
    return out


def sample_weights(
    examples: list[Example], semeval_weight: float = SEMEVAL_WEIGHT, support_weight: float = SUPPORT_WEIGHT
) -> np.ndarray:
    """XLM-T tweets 1; CLINC requests REQUEST_WEIGHT; SemEval tweets class-balanced (SEMEVAL_WEIGHT);
    our support texts ``support_weight`` tweets' worth in all, shared equally."""
    labels = np.array([e.label for e in examples])
    semeval = np.array([e.lang == "semeval" for e in examples])
    counts = np.bincount(labels[semeval], minlength=3)
    class_weight = semeval_weight * semeval.sum() / (3 * np.maximum(counts, 1))
    requests = np.array([e.lang == "requests" for e in examples])
    support = np.array([e.lang == "support" for e in examples])
    per_support = support_weight / max(1, int(support.sum()))
    return np.where(
        semeval, class_weight[labels], np.where(requests, REQUEST_WEIGHT, np.where(support, per_support, 1.0))
    )


def split_xlmt(git_dir: str) -> dict[str, list[Example]]:
    """{'fit', 'dev', 'heldout'} from XLM-T train, stratified per language and class."""
    rng = np.random.default_rng(SEED)
    parts: dict[str, list[Example]] = {"fit": [], "dev": [], "heldout": []}
    for lang, name in LANGUAGES.items():
        examples = _read(git_dir, XLMT_COMMIT, f"data/sentiment/{name}/train", lang)
        for label in (0, 1, 2):
            group = [e for e in examples if e.label == label]
            order = rng.permutation(len(group))
            n_held, n_dev = round(HELDOUT * len(group)), round(DEV * len(group))
            parts["heldout"] += [group[i] for i in order[:n_held]]
            parts["dev"] += [group[i] for i in order[n_held : n_held + n_dev]]
            parts["fit"] += [group[i] for i in order[n_held + n_dev :]]
    return parts


def fit(
    x: sparse.csr_matrix,
    y: np.ndarray,
    w: np.ndarray,
    l2: float,
    iters: int = 300,
    prior: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logistic regression, weighted, L2 on the weights (not the bias), L-BFGS.

    ``prior`` (features x 3, optional) is a fixed linear term added to the logits while fitting
    and to the returned weights: the regression learns a correction to it, so where the prior is
    wrong on the training texts (requests it calls complaints) the fitted weights pull it back.
    """
    full_d = x.shape[1]
    used = np.unique(x.indices)  # buckets no training text hits keep weight 0: skip them
    x = x[:, used]
    _, d = x.shape
    onehot = np.eye(3)[y]
    xt = x.T.tocsr()
    wsum = w.sum()
    offset = np.asarray(x @ prior[used]) if prior is not None else 0.0

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        weights = theta[: d * 3].reshape(d, 3)
        bias = theta[d * 3 :]
        logits = np.asarray(x @ weights) + bias + offset
        logits -= logits.max(axis=1, keepdims=True)
        logp = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
        value = -(w * (onehot * logp).sum(axis=1)).sum() / wsum + 0.5 * l2 * float((weights * weights).sum())
        delta = (np.exp(logp) - onehot) * (w / wsum)[:, None]
        grad_w = np.asarray(xt @ delta) + l2 * weights
        return value, np.concatenate([grad_w.ravel(), delta.sum(axis=0)])

    start = time.perf_counter()
    result = optimize.minimize(loss, np.zeros(d * 3 + 3), jac=True, method="L-BFGS-B", options={"maxiter": iters})
    print(f"  fit: {d} features, {result.nit} iterations, {time.perf_counter() - start:.0f}s", flush=True)
    weights = np.zeros((full_d, 3)) if prior is None else prior.copy()
    weights[used] += result.x[: d * 3].reshape(d, 3)
    return weights, result.x[d * 3 :]


def macro_f1(gold: np.ndarray, pred: np.ndarray) -> float:
    f1s = []
    for c in (0, 1, 2):
        tp = float(((pred == c) & (gold == c)).sum())
        p = tp / max(1.0, float((pred == c).sum()))
        r = tp / max(1.0, float((gold == c).sum()))
        f1s.append(2 * p * r / (p + r) if p + r else 0.0)
    return float(np.mean(f1s))


def scores_to_classes(scores: np.ndarray) -> np.ndarray:
    return np.where(scores > sentiment.NEUTRAL_BAND, 2, np.where(scores < -sentiment.NEUTRAL_BAND, 0, 1))


def report(name: str, examples: list[Example], pred: np.ndarray) -> dict[str, float]:
    gold = np.array([e.label for e in examples])
    langs = np.array([e.lang for e in examples])
    figures = {"overall": macro_f1(gold, pred)}
    for lang in LANGUAGES:
        figures[lang] = macro_f1(gold[langs == lang], pred[langs == lang])
    print(name, " ".join(f"{k} {v:.3f}" for k, v in figures.items()), flush=True)
    return figures


class Features:
    """Feature matrices computed once per example list (lexicon scores are the slow part)."""

    def __init__(self, examples: list[Example], idf: np.ndarray | None) -> None:
        texts = [e.text for e in examples]
        self.lex = sentiment.lexicon_scores(texts)
        self.x = sentiment.feature_matrix(texts, self.lex, idf)
        self.y = np.array([e.label for e in examples])


def fit_idf(examples: list[Example]) -> np.ndarray:
    """Smoothed IDF per bucket from the fitting texts, rounded to the uint8 grid it ships on."""
    counts = sentiment.hashed_counts([e.text for e in examples])
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    idf = np.log((1 + counts.shape[0]) / (1 + df)) + 1
    return np.clip(np.round(idf / sentiment.IDF_STEP), 0, 255) * sentiment.IDF_STEP


def with_semeval_bias(x: sparse.csr_matrix, examples: list[Example]) -> sparse.csr_matrix:
    """x plus a last column that is 1 on SemEval tweets: a bias of their own, dropped after
    fitting, so whatever pulls SemEval's tweets towards a class does not move the shared bias."""
    own = np.array([[e.lang == "semeval"] for e in examples], dtype=np.float64)
    return sparse.hstack([x, sparse.csr_matrix(own)], format="csr")


def nb_prior(x: sparse.csr_matrix, y: np.ndarray, w: np.ndarray, alpha: float) -> np.ndarray:
    """Multinomial naive Bayes log-likelihoods of the hashed TF-IDF buckets, centred per bucket.

    Weighted like the regression's texts, smoothed by ``alpha``; zero for buckets no training
    text hits and for the dense lexicon columns, so the shipped weights stay sparse.
    """
    hashed = x[:, : 1 << sentiment.HASH_BITS]
    counts = np.vstack([np.asarray(hashed[y == c].T @ w[y == c]).ravel() for c in (0, 1, 2)]).T + alpha
    logp = np.log(counts / counts.sum(axis=0, keepdims=True))
    prior = np.zeros((x.shape[1], 3))
    prior[: hashed.shape[1]] = logp - logp.mean(axis=1, keepdims=True)
    prior[np.setdiff1d(np.arange(x.shape[1]), np.unique(hashed.indices))] = 0.0
    return prior


def fit_model(
    feats: Features, examples: list[Example], l2: float, args: argparse.Namespace
) -> tuple[np.ndarray, np.ndarray]:
    """The regression on ``feats`` with the options given (SemEval weight and own bias, NB prior)."""
    w = sample_weights(examples, args.semeval_weight, args.support_weight)
    x = with_semeval_bias(feats.x, examples) if args.semeval_own_bias else feats.x
    prior = args.nb_weight * nb_prior(x, feats.y, w, args.nb_alpha) if args.nb_weight else None
    weights, bias = fit(x, feats.y, w, l2, prior=prior)
    return weights[: feats.x.shape[1]], bias


def quantise(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-class symmetric int8 with a float32 scale: 3 MB for 2^20 x 3 weights."""
    scale = np.abs(weights).max(axis=0) / 127.0
    scale[scale == 0] = 1.0
    return np.round(weights / scale).astype(np.int8), scale.astype(np.float32)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--xlmt", required=True, help="git dir of github:cardiffnlp/xlm-t")
    parser.add_argument("--clinc", default="", help="git dir of github:clinc/oos-eval (neutral requests)")
    parser.add_argument(
        "--semeval", default="", help="git dir of github:cbaziotis/datastories-semeval2017-task4 (English tweets)"
    )
    parser.add_argument("--semeval-weight", type=float, default=SEMEVAL_WEIGHT)
    parser.add_argument("--support", default="", help="our support-chat training TSV (sentiment_support_generate.py)")
    parser.add_argument(
        "--support-weight", type=float, default=SUPPORT_WEIGHT, help="the support texts weigh this many tweets in all"
    )
    parser.add_argument("--semeval-own-bias", action="store_true", help="a SemEval-only bias, dropped after fitting")
    parser.add_argument("--nb-weight", type=float, default=NB_WEIGHT, help="naive Bayes prior weight (0: none)")
    parser.add_argument("--nb-alpha", type=float, default=NB_ALPHA)
    parser.add_argument("--l2", type=float, nargs="*", default=[1e-5, 3e-5, 1e-4])
    parser.add_argument("--out", default=str(sentiment.MODEL_FILE))
    args = parser.parse_args()

    parts = split_xlmt(args.xlmt)
    print(f"xlmt fit {len(parts['fit'])} dev {len(parts['dev'])} heldout {len(parts['heldout'])}", flush=True)
    extra = clinc_requests(args.clinc) if args.clinc else []
    semeval = semeval_tweets(args.semeval, args.xlmt) if args.semeval else []
    support = support_texts(args.support) if args.support else []
    print(f"requests {len(extra)} semeval {len(semeval)} support {len(support)}", flush=True)
    extra += semeval + support
    l2 = args.l2[0]
    if len(args.l2) > 1:  # choose on DEV, fitting on FIT (+ the extra sets) only
        fit_set = parts["fit"] + extra
        idf = fit_idf(fit_set)
        fit_feats, dev_feats = Features(fit_set, idf), Features(parts["dev"], idf)
        best = -1.0
        for candidate in args.l2:
            weights, bias = fit_model(fit_feats, fit_set, candidate, args)
            probs = _probs(dev_feats.x, weights, bias)
            pred = scores_to_classes(sentiment.probabilities_to_scores(probs, dev_feats.lex))
            f1 = report(f"dev l2={candidate:g}", parts["dev"], pred)["overall"]
            if f1 > best:
                best, l2 = f1, candidate
    print(f"chosen l2={l2:g}", flush=True)

    final_set = parts["fit"] + parts["dev"] + extra
    idf = fit_idf(final_set)
    final = Features(final_set, idf)
    weights, bias = fit_model(final, final_set, l2, args)
    q, scale = quantise(weights[: 1 << sentiment.HASH_BITS])
    np.savez_compressed(
        args.out,
        weights=q,
        scale=scale,
        dense=weights[1 << sentiment.HASH_BITS :].astype(np.float32),
        bias=bias.astype(np.float32),
        idf=np.round(idf / sentiment.IDF_STEP).astype(np.uint8),
        fingerprint=np.int64(sentiment.feature_fingerprint()),
        meta=np.array(
            json.dumps(
                {
                    "l2": l2,
                    "xlmt": XLMT_COMMIT,
                    "clinc": CLINC_COMMIT if args.clinc else None,
                    "semeval": SEMEVAL_COMMIT if semeval else None,
                    "semeval_weight": args.semeval_weight if semeval else None,
                    "semeval_own_bias": bool(semeval and args.semeval_own_bias),
                    "support": bool(support),
                    "support_texts": len(support),
                    "support_weight": args.support_weight if support else None,
                    "nb_weight": args.nb_weight,
                    "nb_alpha": args.nb_alpha,
                    "seed": SEED,
                    "texts": len(final_set),
                }
            )
        ),
    )
    if Path(args.out).resolve() == sentiment.MODEL_FILE.resolve():
        sentiment._model.cache_clear()
        held = parts["heldout"]
        pred = scores_to_classes(np.array(sentiment.score_sentiment([e.text for e in held])))
        figures = report("held-out (shipped, quantised weights)", held, pred)
        print(json.dumps({"l2": l2, **{f"heldout_{k}": round(v, 4) for k, v in figures.items()}}))


def _probs(x: sparse.csr_matrix, weights: np.ndarray, bias: np.ndarray) -> np.ndarray:
    logits = np.asarray(x @ weights) + bias
    logits -= logits.max(axis=1, keepdims=True)
    p = np.exp(logits)
    return p / p.sum(axis=1, keepdims=True)


if __name__ == "__main__":
    main()
