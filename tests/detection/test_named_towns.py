"""Towns named after a person ("Jonathanchester", "Port Hayley"), as English place names and
Faker's invented towns are made, and titles the model tagged as places on their own."""

from __future__ import annotations

import pytest

from apps.detection.findings import LOCATION
from apps.detection.recognizers import recognize_places
from apps.detection.sensitive import detect


def _found(text: str) -> list[tuple[str, str]]:
    return [(f.type, text[f.start : f.end]) for f in detect([text])[0]]


@pytest.mark.parametrize(
    ("text", "town"),
    [
        ("Flight to Port Hayley tomorrow", "Port Hayley"),
        ("Our office in Emilychester is closed", "Emilychester"),
        ("Ship it to Carpenterside, please", "Carpenterside"),
        ("She grew up near Lake Jennifer.", "Lake Jennifer"),
        ("The parcel left North Brandon this morning", "North Brandon"),
        ("Williamberg has a new depot", "Williamberg"),
        ("Flight to Port Mathewbury tomorrow", "Port Mathewbury"),  # a prefix before a named town
        ("Shipping to New Colinshire please", "New Colinshire"),
        # Travel and shipping cues before an unlisted town.
        ("Flight to Schmölln tomorrow", "Schmölln"),
        ("Shipping to Teruel please", "Teruel"),
    ],
)
def test_a_town_named_after_a_person_is_a_place(text: str, town: str) -> None:
    assert (LOCATION, town) in _found(text)


@pytest.mark.parametrize(
    "text",
    [
        "Mr Johnston called about the invoice.",  # the whole word is a listed surname
        "I met Preston at the conference.",
        "New Day, new plan.",  # "New" is no town prefix here
        "The new Taylor Swift album is out.",
        "Everyone in the house said yes.",
        "Go north Brandon, the road is closed.",  # lower-case compass word
        "Shipping to Premium customers is free.",  # a plan after a shipping cue
        "Train to Use the app properly.",
    ],
)
def test_names_and_words_with_a_town_ending_are_no_town(text: str) -> None:
    assert not [f for f in recognize_places(text) if f.type == LOCATION]


@pytest.mark.parametrize(
    ("text", "person"),
    [
        ("Meeting notes from Dott. Serena Interiano", "Serena Interiano"),
        ("I spoke with Sr. Arthur Miguel Carvalho yesterday", "Arthur Miguel Carvalho"),
        ("Meeting notes from Srta. Ana Luiza Castro", "Ana Luiza Castro"),
        ("I spoke with Univ.Prof. Leyla Bolzmann B.Sc. yesterday", "Leyla Bolzmann"),
    ],
)
def test_a_title_alone_is_no_place_or_company(text: str, person: str) -> None:
    assert _found(text) == [("PERSON", person)]
