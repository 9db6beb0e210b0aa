import pytest

from apps.nlp.sentiment import lexicon_scores, score_sentiment


@pytest.mark.parametrize(
    "text",
    [
        "thanks, that worked perfectly!",
        "great answer 👍",
        "¡genial, muchas gracias!",
        "ótimo, muito obrigado!",
        "parfait, merci beaucoup",
        "super, vielen Dank!",
        "perfetto, grazie mille!",
        "no problem at all, works great",
    ],
)
def test_positive(text: str) -> None:
    assert score_sentiment([text])[0] >= 0.3


@pytest.mark.parametrize(
    "text",
    [
        "that doesn't work, not helpful at all",
        "this is the worst support ever 😡",
        "no funciona, es una basura",
        "péssimo atendimento, não ajudou",
        "ça ne marche pas, c'est nul",
        "das funktioniert nicht, total nutzlos",
        "non funziona, che schifo",
        "non mi aiuta, inutile",
    ],
)
def test_negative(text: str) -> None:
    assert score_sentiment([text])[0] <= -0.3


@pytest.mark.parametrize(
    "text",
    [
        "how do I reset my password",
        "¿dónde está mi pedido?",
        "wie lange dauert die Lieferung",
        "schick mir die Rechnung vom März",
        "où est ma commande ?",
        "",
        "def f(x):\n    return x + 1",
    ],
)
def test_neutral(text: str) -> None:
    assert abs(score_sentiment([text])[0]) < 0.05


def test_negation_flips_and_caps_and_exclamations_amplify() -> None:
    good, not_good, shouted, exclaimed = score_sentiment(
        ["this is good", "this is not good", "this is GOOD", "this is good!!!"]
    )
    assert good > 0 > not_good
    assert shouted > good
    assert exclaimed > good


def test_scores_stay_in_range_on_adversarial_input() -> None:
    texts = ["😀😀😀", "😡😡😡", "great " * 10_000, "awful!!!!!!!! " * 5000, "ок спасибо"]
    scores = score_sentiment(texts)
    assert all(-1.0 <= s <= 1.0 for s in scores)
    assert scores[0] > 0.5
    assert scores[1] < -0.5
    assert scores[2] > 0.9
    assert scores[3] < -0.9
    # Russian is outside the lexicons: neutral rather than a guess.
    assert scores[4] == 0.0


@pytest.mark.parametrize(
    "text",
    ["I don't love it", "I don’t love it", "it isn't good", "this doesn’t work", "the new version wasn't helpful"],
)
def test_contractions_negate_with_a_straight_or_typographic_apostrophe(text: str) -> None:
    # "don't" / "don’t" were no negation (the list holds "dont"): "I don't love it" scored positive.
    assert lexicon_scores([text])[0] < -0.05


@pytest.mark.parametrize("text", ["I don't love it", "I don’t love it", "it isn't good", "it wasn't helpful"])
def test_the_model_follows_the_negated_lexicon(text: str) -> None:
    assert score_sentiment([text])[0] < -0.05


def test_a_negated_complaint_is_praise() -> None:
    assert score_sentiment(["can't complain, works great"])[0] > 0.05
