"""Names after a clear cue are found in any case (issue 10, item 3): NER needs capitals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from apps.detection.recognizers import recognize_cued_name, recognize_person_slots
from apps.detection.recognizers.gazetteers import first_names
from apps.detection.sensitive import detect

FOUND = [
    ("my name is john appleseed", "john appleseed"),
    ("hi, i'm maria garcia from billing", "maria garcia"),
    ("this is jean-luc.", "jean-luc"),
    ("call me bob", "bob"),
    ("you can call me ana lucia, thanks", "ana lucia"),
    ("i am priya raman and my order is late", "priya raman"),
    ("je m'appelle pierre dupont", "pierre dupont"),
    ("ich heiße klaus", "klaus"),
    ("me llamo ana", "ana"),
    ("meu nome é joão silva", "joão silva"),
    ("soy maria lopez y necesito ayuda", "maria lopez"),
]
NOT_NAMES = [
    "my name is not important",
    "this is great",
    "this is great news, thanks",
    "i'm sure",
    "i'm hungry.",
    "i'm new here",
    "i am looking for help",
    "i'm really happy with it.",
    "this is my account",
    "this is urgent stuff.",
    "call me back tomorrow",
    "call me asap",
    "call me when it is ready",
    "i'm home sick.",
    "soy estudiante.",
    "ich bin müde",
]


@pytest.mark.parametrize(("text", "name"), FOUND)
def test_a_cued_name_is_found_in_lower_case(text: str, name: str) -> None:
    assert [text[f.start : f.end] for f in recognize_cued_name(text)] == [name]
    found = [(f.type, text[f.start : f.end]) for f in detect([text])[0]]
    assert ("PERSON", name) in found


@pytest.mark.parametrize("text", NOT_NAMES)
def test_cue_words_without_a_name_find_nothing(text: str) -> None:
    assert recognize_cued_name(text) == []


def test_no_false_positive_on_the_labelled_set() -> None:
    """Precision on the 700 labelled chat messages: every cued name is a gold PERSON."""
    data = Path(__file__).resolve().parents[1] / "data" / "sensitive_labelled.jsonl"
    found = wrong = 0
    for line in data.read_text().splitlines():
        item = json.loads(line)
        for f in recognize_cued_name(item["text"]):
            found += 1
            gold = [e for e in item["entities"] if e["type"] == "PERSON" and e["start"] < f.end and f.start < e["end"]]
            wrong += not gold
    assert found >= 20
    assert wrong == 0


@pytest.mark.parametrize(
    ("text", "name"),
    [
        # First names of the Hungarian, Romanian and Indonesian locales (were unknown).
        ("Can I speak to Magdolna?", "Magdolna"),
        ("Can I speak to Sânziana?", "Sânziana"),
        ("Please cc Salsabila on the thread", "Salsabila"),
    ],
)
def test_first_names_of_more_latin_script_locales_are_known(text: str, name: str) -> None:
    assert ("PERSON", name) in [(f.type, text[f.start : f.end]) for f in detect([text])[0]]


def test_names_of_those_locales_that_are_everyday_words_are_left_out() -> None:
    # "Santa", "Liga", "Vida", "Uma" are Latvian, Romanian or Indonesian names and everyday
    # Portuguese and Spanish words.
    assert {"santa", "liga", "vida", "uma", "ela"}.isdisjoint(first_names())


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Tomomi lives on Via dei Fiorentini 17.", ["Tomomi"]),
        ("Alvir spent a year at Weeks-Rivas as the assistant.", ["Alvir"]),
        ("I'm so jealous! said Maslin to Antonio", ["Maslin", "Antonio"]),
        ("Why is Glyceria so impulsive?", ["Glyceria"]),
        ("Warrane, can I please speak to your boss?", ["Warrane"]),
    ],
)
def test_an_unknown_name_in_a_slot_only_a_person_fills(text: str, names: list[str]) -> None:
    found = [(f.type, text[f.start : f.end]) for f in detect([text])[0]]
    assert all(("PERSON", name) in found for name in names)


@pytest.mark.parametrize(
    "text",
    [
        "Berlin, can you believe it",
        "Apple said to Google",
        "Nobody lives here",
        "Support, can you help?",
        # Greetings and addressees before a vocative's modal are everyday words, not names.
        "Hola, can you help",
        "Bonjour, can you help",
        "Guys, can you check?",
        "Folks, could you look?",
        "Thanks, can you help?",
    ],
)
def test_places_companies_and_words_in_those_slots_are_no_person(text: str) -> None:
    assert recognize_person_slots(text) == []
