"""The second opinion between close languages (apps.nlp.language_groups) and locale priors.

Texts are written here; the first block are ones the first pass alone answered wrongly.
"""

import pytest
from celery.signals import worker_process_init

from apps.nlp.language import detect_languages, locale_language
from apps.nlp.warmup import warm_up
from apps.nlp.word_frequencies import lexicon as word_frequencies_lexicon
from config.celery import warm_up_nlp


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # fastText and Lingua alone: Danish, Danish, Danish.
        ("hvorfor svarer dere ikke", "no"),
        ("jeg har betalt to ganger", "no"),
        ("det blev fel igen", "sv"),
        # Bulgarian before the Cyrillic group (Ukrainian "ти", "де").
        ("а ти де", "uk"),
    ],
)
def test_close_languages_the_first_pass_confused(text: str, expected: str) -> None:
    assert detect_languages([text]) == [expected]


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        # The same request in each member of a group: every member keeps its own answer.
        (
            ["jeg vil avslutte abonnementet", "jeg vil opsige abonnementet", "jag vill säga upp abonnemanget"],
            ["no", "da", "sv"],
        ),
        (["kan du sende meg lenken", "kan du sende mig linket"], ["no", "da"]),
        (["når kommer pengene tilbake", "hvornår kommer pengene tilbage"], ["no", "da"]),
        (["eg veit ikkje kva eg skal gjere", "hvad sker der med min bestilling"], ["no", "da"]),
        (["chci zrušit předplatné", "chcem zrušiť predplatné"], ["cs", "sk"]),
        (["kdy dostanu peníze zpátky", "kedy dostanem peniaze späť"], ["cs", "sk"]),
        (["proč mi nejde zaplatit kartou", "prečo mi nejde zaplatiť kartou"], ["cs", "sk"]),
        (["quiero cancelar la suscripción", "quero cancelar a assinatura"], ["es", "pt"]),
        (["no me llegó ningún correo", "não me chegou nenhum email"], ["es", "pt"]),
        (["quiero cancelar mi suscripción", "vull cancel·lar la meva subscripció"], ["es", "ca"]),
        # Accents lost to a broken encoding ("creación" -> "creacin"): Catalan before the words
        # knew these spellings.
        (["la creacin de una empresa", "a criao de uma empresa"], ["es", "pt"]),
        (["želim otkazati pretplatu", "želim preklicati naročnino"], ["hr", "sl"]),
        (["trebam promijeniti adresu dostave", "moram spremeniti naslov dostave"], ["hr", "sl"]),
        (
            ["где мой заказ", "де моє замовлення", "къде е поръчката ми", "каде е мојата нарачка"],
            ["ru", "uk", "bg", "mk"],
        ),
        (["я не могу войти", "я не можу увійти", "не мога да вляза"], ["ru", "uk", "bg"]),
    ],
)
def test_each_member_of_a_group_keeps_its_language(texts: list[str], expected: list[str]) -> None:
    assert detect_languages(texts) == expected


def test_nynorsk_is_norwegian_and_swedish_stays_swedish() -> None:
    # Swedish before Nynorsk joined Norwegian ("brukar", "kvar" and "desse" are Swedish-looking;
    # "eg", "dei" were in no word list).
    texts = ["eg brukar appen kvar dag", "dei brukar appen kvar dag", "kvar av desse"]
    swedish = ["jag brukar appen varje dag", "de brukar appen varje dag"]
    assert detect_languages(texts + swedish) == ["no", "no", "no", "sv", "sv"]


def test_at_before_an_infinitive_is_danish() -> None:
    # Norwegian marks the infinitive with "å": the same words with "at" were Norwegian before.
    texts = ["det eneste vi har at holde", "det eneste vi har å holde", "det eneste vi har att hålla"]
    assert detect_languages(texts) == ["da", "no", "sv"]


def test_an_unlisted_compound_counts_its_parts() -> None:
    # "kildesorteret" is in no word list; "sorteret" (Danish) and "sortert" (Norwegian) are.
    assert detect_languages(["kildesorteret plast", "kildesortert plast"]) == ["da", "no"]


def test_locale_settles_a_near_tie_within_the_group_only() -> None:
    texts = ["det er fint", "det er fint", "det er fint", "prosím", "prosím"]
    locales = [None, "da-DK", "de-DE", "cs_CZ", "sk-SK"]
    assert detect_languages(texts, locales=locales) == ["no", "da", "no", "cs", "sk"]


def test_locale_never_overrules_clear_evidence() -> None:
    texts = ["jeg vil avslutte abonnementet", "chcem zrušiť predplatné", "how do I reset my password"]
    assert detect_languages(texts, locales=["da-DK", "cs-CZ", "sv-SE"]) == ["no", "sk", "en"]


def test_repeated_text_with_different_locales_is_answered_per_locale() -> None:
    assert detect_languages(["det er fint", "det er fint"], locales=["nb-NO", "da-DK"]) == ["no", "da"]


def test_locales_must_match_the_texts() -> None:
    with pytest.raises(ValueError, match="one entry per text"):
        detect_languages(["hei", "hej"], locales=["nb-NO"])


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("nb-NO", "no"),
        ("nn_NO", "no"),
        ("da-DK", "da"),
        ("pt-BR", "pt"),
        ("SK", "sk"),
        ("ms-MY", "id"),
        ("", None),
        (None, None),
        ("x-klingon", None),
    ],
)
def test_locale_language(locale: str | None, expected: str | None) -> None:
    assert locale_language(locale) == expected


def test_worker_processes_warm_every_detector_at_start() -> None:
    assert warm_up_nlp in [receiver() for _, receiver in worker_process_init.receivers]
    seconds = warm_up()
    # "detection": registered by apps.detection (AppConfig.ready), which nlp may not import.
    assert set(seconds) == {"language", "sentiment", "embeddings", "intents", "detection"}
    assert detect_languages(["jeg har betalt to ganger", "zaplatil som dvakrát", "thanks"]) == ["no", "sk", "en"]
    # the word frequencies detection reads for lower-case names and cued places are loaded too
    assert word_frequencies_lexicon.cache_info().currsize == 1
