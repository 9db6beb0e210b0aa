import csv
import math
from collections import Counter
from pathlib import Path

from apps.nlp.intents import IntentModel, assign_intents, cluster_intents, fit_intents, label_intents

DATA = Path(__file__).resolve().parents[1] / "data" / "intents_requests.tsv"
SMALL = [
    "how do I reset my password",
    "I forgot my password",
    "send me a password reset link",
    "where is my order",
    "track my order",
    "what's the status of my order",
    "what's the meaning of life",
]


def _nmi(gold: list[str], pred: list[int]) -> float:
    """NMI with arithmetic-mean normalisation (scikit-learn's default), without scikit-learn."""
    n = len(gold)
    joint = Counter(zip(gold, pred, strict=True))
    pg, pp = Counter(gold), Counter(pred)
    mi = sum(c / n * math.log(c * n / (pg[g] * pp[p])) for (g, p), c in joint.items())
    hg = -sum(c / n * math.log(c / n) for c in pg.values())
    hp = -sum(c / n * math.log(c / n) for c in pp.values())
    return mi / ((hg + hp) / 2)


def test_small_batch_groups_the_two_intents_and_leaves_the_outlier() -> None:
    labels = cluster_intents(SMALL)
    assert labels[0] == labels[1] == labels[2] != -1
    assert labels[3] == labels[4] == labels[5] != -1
    assert labels[0] != labels[3]
    assert labels[6] == -1


def test_labels_name_clusters_from_their_terms() -> None:
    labels = cluster_intents(SMALL)
    names = label_intents(SMALL, labels)
    assert "password" in names[labels[0]]
    assert "order" in names[labels[3]]
    assert names[-1] == "other"


def test_labelled_set_nmi() -> None:
    with DATA.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    labels = cluster_intents([r["text"] for r in rows])
    assert _nmi([r["intent"] for r in rows], labels) >= 0.8
    # Cluster ids are 0..n-1 by decreasing size.
    sizes = [labels.count(k) for k in range(max(labels) + 1)]
    assert sizes == sorted(sizes, reverse=True)


def test_new_texts_go_to_nearest_intent_or_other_and_model_round_trips() -> None:
    model = fit_intents(SMALL)
    restored = IntentModel.from_dict(model.to_dict())
    new = ["i forgot the password", "order tracking", "", "😀😀"]
    expected = [model.labels[0], model.labels[3], -1, -1]
    assert assign_intents(model, new) == expected
    assert assign_intents(restored, new) == expected


def test_degenerate_inputs() -> None:
    assert cluster_intents([]) == []
    assert cluster_intents(["", "😀", "   "]) == [-1, -1, -1]
    assert label_intents([], []) == {}
    huge = ["x" * 50_000, "def f(x):\n    return x", "hello", "hello"]
    assert len(cluster_intents(huge)) == 4
