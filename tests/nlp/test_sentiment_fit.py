"""The fitting script's NB prior and SemEval-only bias (scripts/nlp_fit_sentiment.py)."""

import sys
from pathlib import Path

import numpy as np
from scipy import sparse

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

import nlp_fit_sentiment as fitting

from apps.nlp import sentiment

D = 1 << sentiment.HASH_BITS


def _toy() -> tuple[sparse.csr_matrix, np.ndarray]:
    # Bucket 5 only in negative texts, bucket 7 only in positive ones, bucket 9 everywhere.
    rows = [0, 0, 1, 1, 2, 2, 3, 3]
    cols = [5, 9, 5, 9, 7, 9, 7, 9]
    x = sparse.csr_matrix((np.ones(8), (rows, cols)), shape=(4, D + 4))
    return x, np.array([0, 0, 2, 2])


def test_nb_prior_points_each_bucket_at_its_class_and_leaves_unseen_buckets_at_zero() -> None:
    x, y = _toy()
    prior = fitting.nb_prior(x, y, np.ones(4), alpha=0.1)
    assert prior[5].argmax() == 0
    assert prior[7].argmax() == 2
    assert np.allclose(prior[5].sum(), 0.0)  # centred per bucket
    assert not prior[np.setdiff1d(np.arange(D + 4), [5, 7, 9])].any()


def test_fit_returns_the_prior_plus_a_correction() -> None:
    x, y = _toy()
    prior = fitting.nb_prior(x, y, np.ones(4), alpha=0.1)
    weights, _ = fitting.fit(x, y, np.ones(4), l2=1e3, iters=50, prior=prior)
    # Under a heavy L2 the correction is ~0: the prior comes back; unseen buckets stay 0.
    assert np.allclose(weights, prior, atol=1e-3)
    plain, _ = fitting.fit(x, y, np.ones(4), l2=1e3, iters=50)
    assert np.abs(plain).max() < 1e-2


def test_semeval_bias_column_marks_only_semeval_rows() -> None:
    x, _ = _toy()
    examples = [fitting.Example("a", 0, "en"), fitting.Example("b", 0, "semeval")] * 2
    marked = fitting.with_semeval_bias(x, examples)
    assert marked.shape == (4, D + 5)
    assert marked[:, -1].toarray().ravel().tolist() == [0.0, 1.0, 0.0, 1.0]


def test_support_texts_weigh_the_given_number_of_tweets_in_all(tmp_path: Path) -> None:
    tsv = tmp_path / "support.tsv"
    tsv.write_text("lang\tlabel\ttext\nen\tpos\tlovely, thanks\nes\tneg\tqué desastre\nde\tneu\two ist das\n")
    support = fitting.support_texts(str(tsv))
    assert [(e.label, e.lang) for e in support] == [(2, "support"), (0, "support"), (1, "support")]
    examples = [fitting.Example("tweet", 1, "en"), fitting.Example("request", 1, "requests"), *support]
    w = fitting.sample_weights(examples, support_weight=600.0)
    assert w[0] == 1.0
    assert w[1] == fitting.REQUEST_WEIGHT
    assert np.allclose(w[2:], 200.0)
    assert np.allclose(fitting.sample_weights(examples, support_weight=0.0)[2:], 0.0)
