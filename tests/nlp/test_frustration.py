from apps.nlp.frustration import (
    FRUSTRATED_AT,
    MessageSignals,
    asks_for_human,
    has_frustration_phrase,
    is_shouting,
    score_frustration,
)

M = MessageSignals


def test_calm_resolved_conversation_is_not_frustrated() -> None:
    result = score_frustration(
        [
            M("how do I reset my password"),
            M("Go to Settings > Security.", is_user=False),
            M("thanks, that worked", rating="up"),
        ]
    )
    assert result.score == 0.0
    assert not result.frustrated


def test_rephrase_loop_with_complaint_and_human_request_is_frustrated() -> None:
    result = score_frustration(
        [
            M("how do I reset my password"),
            M("Here is our password policy.", is_user=False),
            M("password reset steps?"),
            M("Here is our password policy.", is_user=False),
            M("that's wrong, not helpful!!"),
            M("I want to talk to a human"),
        ]
    )
    assert result.frustrated
    assert result.score == 1.0
    assert result.signals["rephrase"] >= 1
    assert result.signals["frustration_phrase"] == 1
    assert result.signals["human_request"] == 1
    assert result.signals["repeated_punctuation"] == 1


def test_one_weak_signal_alone_stays_below_threshold() -> None:
    assert score_frustration([M("where is my order??")]).score < FRUSTRATED_AT
    assert score_frustration([M("where is my order"), M("where's my order")]).score < FRUSTRATED_AT
    assert score_frustration([M("x", is_user=False, rating="down")]).score < FRUSTRATED_AT


def test_two_down_ratings_are_frustrated() -> None:
    result = score_frustration([M("a", is_user=False, rating="down"), M("b", is_user=False, rating="down")])
    assert result.frustrated
    assert result.signals == {"down_rating": 2}


def test_precomputed_signals_are_used_as_given() -> None:
    result = score_frustration(
        [M("anything", sentiment=-1.0, is_rephrase=True), M("more", sentiment=0.0, is_rephrase=True)]
    )
    assert result.signals == {"negative_sentiment": 1, "rephrase": 2}
    assert result.score == 0.75


def test_phrases_in_other_languages() -> None:
    assert has_frustration_phrase("no me sirve esta respuesta")
    assert has_frustration_phrase("isso está errado")
    assert has_frustration_phrase("ça ne marche pas")
    assert has_frustration_phrase("das ist falsch")
    assert has_frustration_phrase("non funziona")
    assert asks_for_human("quiero hablar con una persona")
    assert asks_for_human("quero falar com um atendente")
    assert asks_for_human("je veux parler à un conseiller")
    assert asks_for_human("ich möchte mit einem Menschen sprechen")
    assert not has_frustration_phrase("how do I change my email")
    assert not asks_for_human("how do I add a person to my team")


def test_shouting_helper() -> None:
    assert is_shouting("WHY IS THIS STILL BROKEN")
    assert not is_shouting("OK")
    assert not is_shouting("I use the AWS API")
    assert is_shouting("НЕ РАБОТАЕТ СОВСЕМ")  # capitals of any script count


def test_empty_and_huge_conversations() -> None:
    assert score_frustration([]).score == 0.0
    result = score_frustration([M(""), M("😀"), M("a" * 50_000)])
    assert 0.0 <= result.score < FRUSTRATED_AT


def test_phrase_lists_match_the_same_texts_without_capturing_groups() -> None:
    import re

    from apps.nlp import frustration

    assert frustration._PHRASE_RE.groups == 0
    assert frustration._HUMAN_RE.groups == 0
    capturing = re.compile("|".join(f"(?:{p})" for p in frustration._FRUSTRATION_PHRASES))
    texts = [
        "that's not what i asked",
        "you don't understand",
        "ca ne marche toujours pas",
        "questo e sbagliato",
        "thanks, all good",
        "i already told you",
        "stupid bot",
        "omg",
        "omgosh",
    ]
    for text in texts:
        assert (frustration._PHRASE_RE.search(text) is None) == (capturing.search(text) is None), text
