import csv
from pathlib import Path

import pytest

from apps.nlp.rephrase import is_rephrase, rephrase_scores

DATA = Path(__file__).resolve().parents[1] / "data" / "rephrase_pairs.tsv"
CHAT = Path(__file__).resolve().parents[1] / "data" / "rephrase_pairs_chat.tsv"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("how do I reset my password", "password reset steps?"),
        ("where is my order", "my order hasn't arrived yet, where is it?"),
        ("what is my account balance", "how much money do I have in my account"),
        ("how do I reset my password", "how do I reset my password"),
        ("I want to cancel order 4512", "please cancel my order #4512"),
        ("meu pedido ainda não chegou", "meu pedido ainda nao chegou"),
        ("mi pedido no ha llegado", "todavía no recibí mi pedido"),
        ("ich möchte mein Abo kündigen", "Abo kündigen bitte"),
    ],
)
def test_reworded_questions_are_rephrases(a: str, b: str) -> None:
    assert is_rephrase(a, b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("how do I reset my password", "and how do I change my email?"),
        ("how do I reset my password", "thanks, that worked"),
        ("where is my order", "I want to return an item"),
        ("what's the weather tomorrow", "what time is it"),
        ("I want to cancel order 4512", "I want to cancel order 4513"),
        ("preciso da nota fiscal do pedido 3320", "preciso da nota fiscal do pedido 3302"),
        ("¿cómo cambio mi contraseña?", "¿tienen envío gratis?"),
    ],
)
def test_follow_ups_on_a_new_topic_are_not(a: str, b: str) -> None:
    assert not is_rephrase(a, b)


# Same-language re-asks in es/pt/fr/de and, for the same anchor, a follow-up in the same frame on
# another topic (a new topic word in the slot). The re-ask is a rephrase and always scores above
# the follow-up; the follow-up is mostly NOT below 0.5 (0.49-0.75: see docs/nlp.md, "Known misses").
REASKS = [
    ("¿cómo cambio mi contraseña?", "¿cómo puedo cambiar la contraseña?", "¿cómo cambio mi dirección de envío?"),
    ("como altero minha senha?", "quero mudar minha senha", "como altero meu endereço de entrega?"),
    ("meu pedido ainda não chegou", "meu pedido ainda nao chegou, o que faço?", "meu reembolso ainda não chegou"),
    (
        "comment changer mon mot de passe ?",
        "je veux modifier mon mot de passe",
        "comment changer mon adresse de livraison ?",
    ),
    ("wie ändere ich mein Passwort?", "Passwort ändern, wie geht das?", "wie ändere ich meine Lieferadresse?"),
    (
        "meine Bestellung ist nicht angekommen",
        "meine Bestellung ist immer noch nicht da",
        "meine Rückerstattung ist nicht angekommen",
    ),
]


@pytest.mark.parametrize(("anchor", "reask", "other_topic"), REASKS)
def test_same_language_reasks_are_rephrases_and_outrank_a_new_topic(anchor: str, reask: str, other_topic: str) -> None:
    reask_score, other_score = rephrase_scores([(anchor, reask), (anchor, other_topic)])
    assert reask_score >= 0.5
    assert reask_score > other_score


def test_spanish_reask_in_enrichment_order_is_a_rephrase_and_a_new_question_is_not() -> None:
    # The conversation of tests/nlp/test_enrich_step.py: the second message re-asks the first
    # ("No funciona" is a complaint, not a negated request), the third is a new topic.
    first = "¿Cómo puedo restablecer mi contraseña del portal?"
    second = "No funciona, ¿cómo cambio la contraseña del portal?"
    third = "¿Y cuánto cuesta el plan premium para empresas?"
    scores = rephrase_scores([(first, second), (first, third), (second, third)])
    assert scores[0] >= 0.5
    assert max(scores[1:]) < 0.5


def test_the_per_text_cache_gives_the_same_scores_as_a_cold_call() -> None:
    from apps.nlp import rephrase

    pairs = [("where is my order", "my order hasn't arrived yet, where is it?"), ("hola", "where is my order")]
    warm = rephrase_scores(pairs)
    rephrase._cache.clear()
    cold = rephrase_scores(list(reversed(pairs)))[::-1]
    assert warm == pytest.approx(cold, abs=1e-9)


def test_a_batch_larger_than_the_cache_is_scored_like_small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    from apps.nlp import rephrase

    pairs = [(f"where is my order {k}", f"order {k} has not arrived") for k in range(12)]
    small = [rephrase_scores([p])[0] for p in pairs]
    monkeypatch.setattr(rephrase, "CACHE_SIZE", 5)
    rephrase._cache.clear()
    assert rephrase_scores(pairs) == pytest.approx(small, abs=1e-9)
    assert len(rephrase._cache) <= 5


@pytest.mark.parametrize(
    ("a", "b"),
    [("", ""), ("", "hello"), ("😀😀", "😀😀"), ("???", "?!?")],
)
def test_empty_or_wordless_messages_are_never_rephrases(a: str, b: str) -> None:
    assert rephrase_scores([(a, b)])[0] < 0.01


def test_scores_are_in_unit_interval_and_keep_order() -> None:
    pairs = [
        ("how do I reset my password", "password reset steps?"),
        ("how do I reset my password", "what's the weather"),
        ("x" * 50_000, "y" * 50_000),
        ("def f(x):\n    return x", "def g(y):\n    return y"),
    ]
    scores = rephrase_scores(pairs)
    assert len(scores) == 4
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert scores[0] > scores[1]
    assert rephrase_scores([]) == []


def test_labelled_set_beats_chance_and_threshold_is_balanced() -> None:
    with DATA.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    assert len(rows) >= 300
    scores = rephrase_scores([(r["a"], r["b"]) for r in rows])
    labels = [r["label"] == "1" for r in rows]
    positives = [s for s, y in zip(scores, labels, strict=True) if y]
    negatives = [s for s, y in zip(scores, labels, strict=True) if not y]
    # Mann-Whitney estimate of ROC-AUC; the set is all hard negatives, so 0.55 is the floor.
    wins = sum((p > n) + 0.5 * (p == n) for p in positives for n in negatives)
    assert wins / (len(positives) * len(negatives)) > 0.55
    predicted = sum(s >= 0.5 for s in scores) / len(scores)
    assert 0.3 < predicted < 0.7


def _auc(rows: list[dict[str, str]]) -> float:
    scores = rephrase_scores([(r["a"], r["b"]) for r in rows])
    positives = [s for s, r in zip(scores, rows, strict=True) if r["label"] == "1"]
    negatives = [s for s, r in zip(scores, rows, strict=True) if r["label"] == "0"]
    wins = sum((p > n) + 0.5 * (p == n) for p in positives for n in negatives)
    return wins / (len(positives) * len(negatives))


def test_multilingual_chat_set_floor() -> None:
    with CHAT.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    assert len(rows) >= 250
    assert {r["lang"] for r in rows} == {"en", "es", "pt", "fr", "de"}
    # Anchor groups never straddle the fit / heldout splits.
    fit = {r["group"] for r in rows if r["split"] == "fit"}
    assert not fit & {r["group"] for r in rows if r["split"] == "heldout"}
    # Floors under the measured 0.751 (heldout, never trained on) / 0.682 (fit: two thirds in the
    # training data, one third the chat dev split); 2/3 of negatives are hard. The model trades
    # some of these (0.80 before the char-cosine blend) for the overlap-rewarding public sets; the
    # pre-model score did 0.675 / 0.657, the char TF-IDF cosine alone 0.54 on heldout.
    assert _auc([r for r in rows if r["split"] == "heldout"]) > 0.72
    assert _auc([r for r in rows if r["split"] == "fit"]) > 0.65


def test_word_order_features_see_a_reordering_that_keeps_every_word() -> None:
    from apps.nlp.rephrase import FEATURES, features

    same, swapped = features(
        [
            ("flights from boston to denver on monday", "flights from boston to denver on monday please"),
            ("flights from boston to denver on monday", "flights from denver to boston on monday"),
        ]
    )
    col = {name: k for k, name in enumerate(FEATURES)}
    assert same[col["word_jaccard"]] == pytest.approx(7 / 8)
    assert swapped[col["word_jaccard"]] == pytest.approx(1.0)
    assert same[col["common_run"]] == pytest.approx(1.0)
    assert swapped[col["common_run"]] == pytest.approx(2 / 7)  # "flights from", "on monday"
    assert same[col["trigram_jaccard"]] == pytest.approx(5 / 6)
    assert swapped[col["trigram_jaccard"]] == 0.0


@pytest.mark.parametrize(
    ("anchor", "reworded", "other_intent"),
    [
        ("how long does a transfer take", "when will my transfer arrive", "how do I cancel a transfer"),
        ("I lost my card", "my card is missing, what do I do", "I need a new pin for my card"),
    ],
)
def test_the_intent_projection_ranks_a_reworded_request_above_another_intent(
    anchor: str, reworded: str, other_intent: str
) -> None:
    # The plain embedding cosine ranks these the wrong way round (the other intent shares words).
    from apps.nlp.rephrase import FEATURES, features

    same, other = features([(anchor, reworded), (anchor, other_intent)])
    assert same[FEATURES.index("emb_cos")] < other[FEATURES.index("emb_cos")]
    assert same[FEATURES.index("proj_cos")] > other[FEATURES.index("proj_cos")] + 0.05


def test_shared_token_vectors_equal_each_texts_own() -> None:
    # The alignment reads token vectors from one shared array; each row must be what a text's
    # own computation (norm, unit vector, float16 storage) gives.
    import numpy as np

    from apps.nlp import embeddings

    units, weights = embeddings.unit_vectors()
    _, table = embeddings._table()
    for ids in embeddings.token_ids(["how do I reset my password?", "meu pedido ainda não chegou 😡", "x"]):
        vectors = table[ids]
        norms = np.linalg.norm(vectors, axis=1)
        own = (vectors / np.maximum(norms, 1e-6)[:, None]).astype(np.float16).astype(np.float32)
        assert np.array_equal(units[ids], own)
        assert np.array_equal(weights[ids], norms.astype(np.float32))
    pad = embeddings.pad_id()
    assert not units[pad].any()
    assert weights[pad] == 0


def test_tfidf_rows_are_element_for_element_the_scipy_construction() -> None:
    import numpy as np
    from scipy import sparse

    from apps.nlp import rephrase

    texts = ["how do i reset my password", "", "meu pedido ainda nao chegou", "ok ok ok", "!!!"]
    rows, cols = rephrase._char_grams([f" {t} " if t else "" for t in texts])
    for idf in (rephrase._model().char_idf, np.zeros(1 << rephrase.CHAR_BITS, dtype=np.float32)):
        expected = sparse.csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(texts), len(idf)), dtype=np.float32
        )
        expected.sum_duplicates()
        expected.data = (1.0 + np.log(expected.data)) * idf[expected.indices]
        norms = np.sqrt(np.asarray(expected.multiply(expected).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        expected = sparse.csr_matrix(sparse.diags(1.0 / norms) @ expected)
        ours = rephrase._tfidf_rows(rows, cols, len(texts), idf)
        assert np.array_equal(ours.indptr, expected.indptr)
        assert np.array_equal(ours.indices, expected.indices)
        assert np.array_equal(ours.data, expected.data)
        assert ours.data.dtype == expected.data.dtype
