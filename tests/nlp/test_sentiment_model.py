"""The learned sentiment model: features, shipped weights, score mapping, language routing."""

import itertools

import numpy as np
from scipy import sparse

from apps.nlp import sentiment
from apps.nlp.sentiment import lexicon_scores, score_sentiment

_M64 = (1 << 64) - 1


def _fmix(h: int) -> int:
    h ^= h >> 33
    h = (h * 0xFF51AFD7ED558CCD) & _M64
    h ^= h >> 33
    h = (h * 0xC4CEB9FE1A85EC53) & _M64
    return h ^ (h >> 33)


def _bucket(h: int) -> int:
    return _fmix(h & _M64) >> (64 - sentiment.HASH_BITS)


def _reference_columns(text: str) -> list[int]:
    """The hashing written as plain loops over Python integers, one n-gram at a time."""
    import zlib

    codes = [ord(c) for c in text]
    cols = []
    for n in sentiment.CHAR_NGRAMS:
        for i in range(len(codes) - n + 1):
            if n == 1 and codes[i] == 32:
                continue
            h = codes[i]
            for k in range(1, n):
                h = (h * 0x100000001B3 + codes[i + k]) & _M64
            cols.append(_bucket(h + n * 0x2545F4914F6CDD1D))
    words = [zlib.crc32(t.encode("utf-8"), 0x9E3779B9) + (1 << 40) for t in sentiment._WORD.findall(text)]
    cols += [_bucket(w) for w in words]
    cols += [_bucket(a * 0x2545F4914F6CDD1D + b) for a, b in itertools.pairwise(words)]
    return sorted(cols)


TEXTS = [
    "this doesn't work at all 😡😡",
    "¡Qué día tan bonito! @maria http://t.co/x",
    "Não gostei nada, péssimo",
    "x",
    "",
    "Ça marche très bien, merci 👍🏽",
    "Das war soooo schlecht!!! 0800 123",
]


def test_vectorised_hashing_matches_plain_loops() -> None:
    normalised = [sentiment.normalise(t) for t in TEXTS]
    rows, cols = sentiment.hashed_features(normalised)
    for k, text in enumerate(normalised):
        assert sorted(cols[rows == k].tolist()) == _reference_columns(text), text


def test_features_of_a_text_do_not_depend_on_its_batch() -> None:
    together = sentiment.feature_matrix(TEXTS, lexicon_scores(TEXTS))
    for k, text in enumerate(TEXTS):
        alone = sentiment.feature_matrix([text], lexicon_scores([text]))
        assert (together[k] != alone).nnz == 0


def test_shipped_weights_were_trained_on_these_features() -> None:
    with np.load(sentiment.MODEL_FILE) as data:
        assert int(data["fingerprint"]) == sentiment.feature_fingerprint()
        assert data["weights"].shape == (1 << sentiment.HASH_BITS, 3)
        assert data["weights"].dtype == np.int8
    assert sentiment.MODEL_FILE.stat().st_size < 5_000_000


def test_normalise_masks_users_urls_digits_and_repeats() -> None:
    assert sentiment.normalise("@Ana LOOOOL https://x.io/a 2024 Été 👍🏾") == " @user lool http 0 ete 👍 "


def test_score_band_matches_the_argmax_class() -> None:
    rng = np.random.default_rng(0)
    probs = rng.dirichlet([1, 1, 1], size=5000)
    lex = rng.uniform(-1, 1, size=5000)
    scores = sentiment.probabilities_to_scores(probs, lex)
    band = np.where(scores > 0.05, 2, np.where(scores < -0.05, 0, 1))
    argmax = probs.argmax(axis=1)
    overridden = (argmax == 1) & ((lex >= sentiment.LEXICON_SURE_POSITIVE) | (lex <= -sentiment.LEXICON_SURE_NEGATIVE))
    assert (band[~overridden] == argmax[~overridden]).all()
    assert (band[overridden] == np.where(lex[overridden] > 0, 2, 0)).all()
    assert overridden.any()
    assert (np.abs(scores) <= 1).all()


def test_non_latin_text_keeps_the_lexicon_path() -> None:
    texts = ["ок спасибо", "спасибо 😀", "ありがとう", "شكرا 😡"]
    assert score_sentiment(texts) == lexicon_scores(texts)


def test_emoji_only_and_empty() -> None:
    happy, angry, empty, blank = score_sentiment(["😀😀", "😡", "", "   "])
    assert happy > 0.3
    assert angry < -0.3
    assert empty == 0.0
    assert blank == 0.0


# Clear cases the lexicon alone scores on the wrong side of the band (neutral or opposite).
LEXICON_MISSES = [
    ("en", "new episode tomorrow!!", 1),
    ("en", "got the tickets!!!", 1),
    ("es", "Hoy es un día precioso", 1),
    ("es", "Qué guay", 1),
    ("pt", "Não aguento mais esse calor", -1),
    ("fr", "Vivement ce soir !!", 1),
    ("fr", "Allez les bleus !!", 1),
    ("de", "Ich hab keinen Bock mehr", -1),
    ("de", "Endlich Urlaub", 1),
    ("it", "Ancora sciopero dei treni, che palle", -1),
]


def test_model_gets_what_the_lexicon_missed() -> None:
    texts = [t for _, t, _ in LEXICON_MISSES]
    for (lang, text, sign), lex, score in zip(
        LEXICON_MISSES, lexicon_scores(texts), score_sentiment(texts), strict=True
    ):
        assert not sign * lex > 0.05, (lang, text, lex)
        assert sign * score > 0.05, (lang, text, score)


def test_requests_to_an_assistant_stay_neutral() -> None:
    # Tweet-trained alone, the model called these complaints (e.g. "où est ma commande ?" -0.58).
    requests = [
        "où est ma commande ?",
        "comment changer mon mot de passe",
        "translate this to german",
        "can you export this as csv",
        "wo finde ich die Einstellungen",
        "come posso cambiare la password",
        "dónde puedo cambiar mi contraseña",
        "como faço para cancelar o pedido",
    ]
    assert all(abs(s) < 0.05 for s in score_sentiment(requests))


def test_statements_about_the_product_are_not_complaints() -> None:
    # Support-set v4 taught that updates are complained about: these scored -0.45...-0.60, which
    # the frustration score counts (<= -0.3). Written by the lead as probes; v5's vocabulary was
    # chosen after seeing them, so this guards against a regression rather than measuring.
    statements = [
        "the update is installed",
        "das Update ist installiert",
        "a atualização já está instalada",
        "l'aggiornamento è installato",
        "das Update ist da",
        "l'app",
    ]
    assert all(s > -0.3 for s in score_sentiment(statements))


def test_clear_complaints_stay_clearly_negative() -> None:
    scores = score_sentiment(["this doesn't work at all", "it still doesn't work", "no funciona nada"])
    assert max(scores) <= -0.3


def test_false_friends_after_accent_folding() -> None:
    # "hâte" folds to English "hate": "j'ai hâte" (can't wait) is eager, not hateful.
    eager, eager_es, hateful = score_sentiment(
        ["J'ai hâte de voir la suite !", "Tengo ganas de probarlo", "I hate delays"]
    )
    assert eager > 0.05
    assert eager_es > 0.05
    assert hateful < -0.3


def test_lexicon_overrides_a_neutral_model_sooner_for_complaints_than_for_praise() -> None:
    neutral = np.array([[0.2, 0.6, 0.2]] * 4)
    lex = [0.5, -0.5, 0.7, -0.3]
    mild_praise, mild_complaint, clear_praise, faint_complaint = sentiment.probabilities_to_scores(neutral, lex)
    assert abs(mild_praise) < 0.05  # tweets: a mildly positive word in a neutral text is mostly noise
    assert mild_complaint <= -0.3  # support chat: "that doesn't work" must not go unnoticed
    assert clear_praise >= 0.3
    assert abs(faint_complaint) < 0.05


def _scaled_by_scipy(texts: list[str], lex: list[float], idf: np.ndarray | None) -> sparse.csr_matrix:
    """feature_matrix as scipy's products build it (the construction the model was trained on)."""
    row, col = sentiment.hashed_features([sentiment.normalise(t) for t in texts])
    counts = sparse.csr_matrix((np.ones(len(row)), (row, col)), shape=(len(texts), 1 << sentiment.HASH_BITS))
    counts.sum_duplicates()
    counts.data = np.log1p(counts.data)
    if idf is not None:
        counts.data *= idf[counts.indices]
    norms = np.sqrt(np.asarray(counts.multiply(counts).sum(axis=1)).ravel())
    counts = sparse.diags(1.0 / np.maximum(norms, 1e-12)) @ counts
    return sparse.hstack([counts, sparse.csr_matrix(sentiment.lexicon_features(lex))], format="csr")


def test_feature_matrix_is_element_for_element_the_scipy_product() -> None:
    # Same values in the same order within each row: sums over a row stay bit-identical.
    idf = sentiment._model()[2]
    lex = lexicon_scores(TEXTS)
    for weights in (idf, None, np.zeros(1 << sentiment.HASH_BITS)):  # zero IDF: zeros are dropped
        ours, theirs = sentiment.feature_matrix(TEXTS, lex, weights), _scaled_by_scipy(TEXTS, lex, weights)
        assert np.array_equal(ours.indptr, theirs.indptr)
        assert np.array_equal(ours.indices, theirs.indices)
        assert np.array_equal(ours.data, theirs.data)


def test_class_probabilities_equal_the_stacked_product_bit_for_bit() -> None:
    weights, bias, idf = sentiment._model()
    lex = lexicon_scores(TEXTS)
    logits = np.asarray(_scaled_by_scipy(TEXTS, lex, idf) @ weights.astype(np.float32)) + bias
    logits -= logits.max(axis=1, keepdims=True)
    expected = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    assert np.array_equal(sentiment.class_probabilities(TEXTS, lex), expected)


def test_scores_remembered_across_calls_equal_fresh_ones() -> None:
    texts = [*TEXTS, "thanks, that worked!", "no funciona", "thanks, that worked!"]
    sentiment._SCORED.clear()
    fresh = [score_sentiment([t])[0] for t in texts]
    remembered = score_sentiment(list(reversed(texts)))[::-1]
    sentiment._SCORED.clear()
    assert remembered == fresh == score_sentiment(texts)
