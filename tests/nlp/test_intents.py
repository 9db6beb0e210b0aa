import csv
from pathlib import Path

import numpy as np
import pytest

from apps.nlp import embeddings, intents
from apps.nlp.intents import IntentModel, assign_intents, cluster_intents, fit_intents, label_intents
from tests.benchmarks.nlp_quality import nmi

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


def test_labelled_setnmi() -> None:
    with DATA.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    labels = cluster_intents([r["text"] for r in rows])
    assert nmi([r["intent"] for r in rows], labels) >= 0.8
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


# Hand-made large batch (the regime of real recluster runs, >= 200 texts): six intents written
# as slot templates, plus one-off requests about unrelated things that belong to no intent.
_INTENT_TEMPLATES = {
    "reset_password": ["how do i reset my {a} password", "i forgot my {a} password", "{a} password reset not working"],
    "track_order": ["where is my {b} order", "track my {b} package", "my {b} parcel has not arrived yet"],
    "cancel_subscription": [
        "cancel my {c} subscription",
        "how do i stop my {c} plan",
        "i want to end the {c} membership",
    ],
    "refund": [
        "i want a refund for the {b}",
        "give me my money back for the {b}",
        "how do i get reimbursed for the {b}",
    ],
    "change_address": [
        "update my {d} address",
        "i moved, change the {d} address",
        "edit the {d} address on my account",
    ],
    "invoice": ["send me the invoice for {e}", "where can i download my {e} invoice", "i need a copy of the {e} bill"],
}
_SLOTS = {
    "a": ["email", "account", "wifi", "admin", "vpn", "bank", "portal"],
    "b": ["shoes", "laptop", "phone", "jacket", "books", "chair", "lamp"],
    "c": ["premium", "music", "video", "gym", "news", "cloud", "family"],
    "d": ["shipping", "billing", "home", "delivery", "work", "postal", "mailing"],
    "e": ["march", "april", "may", "june", "july", "august", "september"],
}
_OUT_OF_SCOPE = [
    "what is the capital of mongolia",
    "tell me a joke about penguins",
    "how tall is mount everest",
    "who won the football world cup in 1998",
    "recommend a good sci-fi novel",
    "what's the weather like on mars",
    "how many bones are in the human body",
    "can dogs eat grapes",
    "translate good night into japanese",
    "what rhymes with orange",
]


_OPENERS = ["", "hi, ", "hello, can you help? ", "quick question: "]


def _large_batch() -> tuple[list[str], list[str]]:
    texts, gold = [], []
    for intent, templates in _INTENT_TEMPLATES.items():
        for i, template in enumerate(templates):
            slot = template[template.index("{") + 1]
            for j, value in enumerate(_SLOTS[slot]):
                # Openers rotate so that no two texts are identical.
                for opener in (_OPENERS[(i + j) % 4], _OPENERS[(i + j + 2) % 4]):
                    texts.append(opener + template.format(**{slot: value}))
                    gold.append(intent)
    return texts + _OUT_OF_SCOPE, gold + ["oos"] * len(_OUT_OF_SCOPE)


def test_large_batch_keeps_intents_apart_and_one_offs_out_of_them() -> None:
    texts, gold = _large_batch()
    assert len(texts) >= 200  # the blended-similarity regime
    labels = cluster_intents(texts)
    assert nmi(gold, labels) >= 0.8
    # The number of clusters is found, not given: between the 6 intents and one per template.
    assert 6 <= len({lab for lab in labels if lab >= 0}) <= 18
    # No cluster mixes two intents, and no unrelated request is absorbed into an intent.
    members: dict[int, set[str]] = {}
    for lab, g in zip(labels, gold, strict=True):
        members.setdefault(lab, set()).add(g)
    assert all(len(golds) == 1 for lab, golds in members.items() if lab >= 0)


def test_assignment_uses_each_intents_calibrated_radius() -> None:
    texts, gold = _large_batch()
    model = fit_intents(texts)
    assert len(model.radii) == len(model.cluster_ids)
    assert all(0.35 <= r <= 0.6 for r in model.radii)
    password = model.labels[texts.index("how do i reset my email password")]
    got = assign_intents(model, ["reset my laptop password please", "what is the boiling point of mercury"])
    assert got[0] == password
    # The unrelated question joins no intent: "other", or the cluster the one-off trivia
    # questions formed among themselves.
    trivia = {lab for lab, g in zip(model.labels, gold, strict=True) if g == "oos"}
    assert got[1] == -1 or got[1] in trivia
    # A model stored before radii existed still loads and assigns.
    data = model.to_dict()
    del data["radii"]
    assert assign_intents(IntentModel.from_dict(data), ["reset my laptop password please"]) == [password]


def test_shipped_projection_replaces_the_batch_principal_directions() -> None:
    projection = intents._projection()
    assert projection is not None, "apps/nlp/data/intent_projection.npy is missing"
    stored = np.load(embeddings.DATA_DIR / intents.PROJECTION_FILE)
    assert stored.dtype == np.float16
    assert stored.shape == (intents.PCA_DIMS, embeddings.dim())
    texts, _ = _large_batch()
    assert np.array_equal(fit_intents(texts).components, projection)
    # Small batches keep the raw embedding space (the projection is centred on the batch mean,
    # which is noise below MIN_TEXTS_TO_CENTRE texts).
    assert np.array_equal(fit_intents(SMALL).components, np.eye(embeddings.dim(), dtype=np.float32))


def test_without_the_projection_file_the_batch_principal_directions_are_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(intents, "PROJECTION_FILE", "")
    intents._projection.cache_clear()
    try:
        texts, gold = _large_batch()
        model = fit_intents(texts)
        assert model.components.shape == (intents.PCA_DIMS, embeddings.dim())
        assert not np.array_equal(model.components, np.load(embeddings.DATA_DIR / "intent_projection.npy"))
        assert nmi(gold, model.labels) >= 0.8
    finally:
        monkeypatch.undo()
        intents._projection.cache_clear()


def test_isolated_requests_go_to_other_by_density(monkeypatch: pytest.MonkeyPatch) -> None:
    texts, gold = _large_batch()
    oos = [i for i, g in enumerate(gold) if g == "oos"]
    inscope = [i for i, g in enumerate(gold) if g != "oos"]
    labels = cluster_intents(texts)
    assert all(labels[i] == -1 for i in oos)
    assert sum(labels[i] == -1 for i in inscope) <= 0.05 * len(inscope)
    # The filter is what sends them there: without it some one-offs form or join clusters.
    monkeypatch.setattr(intents, "DENSITY_MIN", 0.0)
    monkeypatch.setattr(intents, "MIN_CLUSTER_SIZE_LARGE", 2)
    unfiltered = cluster_intents(texts)
    assert sum(unfiltered[i] == -1 for i in oos) < len(oos)


def test_a_request_repeated_word_for_word_is_not_isolated() -> None:
    # Deduplicated texts carry their multiplicity: a question asked 20 times with the same words
    # is a frequent intent, not an out-of-scope one-off, even with no paraphrase beside it.
    texts, _ = _large_batch()
    repeated = "what is the capital of mongolia"
    labels = cluster_intents(texts + [repeated] * 20)
    assert {labels[i] for i, t in enumerate(texts + [repeated] * 20) if t == repeated} != {-1}
    assert len({labels[i] for i, t in enumerate(texts + [repeated] * 20) if t == repeated}) == 1
