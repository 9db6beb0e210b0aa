"""The town after a street address whole ("Rio de Janeiro", "Frankfurt am Main"), on the next line
of an address block, and the state or province code after it ("Austin, TX", "Sydney NSW 2000",
"São Paulo - SP"), each a place of its own as the sets written blind label them; and words of
other languages listed or taken as places ("Mobil 0171…", Dutch "Engels") are none."""

from __future__ import annotations

import pytest

from apps.detection.findings import LOCATION
from apps.detection.sensitive import detect


def _places(text: str) -> list[str]:
    return [text[f.start : f.end] for f in detect([text])[0] if f.type == LOCATION]


@pytest.mark.parametrize(
    ("text", "places"),
    [
        (
            "residente na Rua das Laranjeiras 45, Rio de Janeiro, nomeio como procuradora",
            ["Rua das Laranjeiras 45", "Rio de Janeiro"],
        ),
        ("Schillerstraße 18, 60313 Frankfurt am Main, 2. OG", ["Schillerstraße 18", "Frankfurt am Main"]),
        (
            "Müller Bau GmbH\nIndustriestraße 47\n73033 Göppingen\nTel. +49 7161 98 44",
            ["Industriestraße 47", "Göppingen"],
        ),
        ("HQ: 901 Congress Ave, Austin, TX\nCan you check", ["901 Congress Ave", "Austin", "TX"]),
        ("Endereço: Av. Paulista, 1578, São Paulo - SP.", ["Av. Paulista, 1578", "São Paulo", "SP"]),
        ("for Shop 4, 210 George Street, Sydney NSW 2000. Term 5 years", ["210 George Street", "Sydney", "NSW"]),
        ("I live in Portland, OR 97201", ["Portland", "OR"]),
    ],
)
def test_street_town_and_region_are_places_of_their_own(text: str, places: list[str]) -> None:
    assert _places(text) == places


@pytest.mark.parametrize(
    "text",
    [
        "Meet me in Paris, OK?",  # no code without a postcode or the end of the part after it
        "Tel. +49 7161 98 44 210\nMobil 0171 5529 384",  # German "mobile", also a town's name in GeoNames
        "Engels is de voertaal van het team.",  # Dutch "English", also a Russian town
    ],
)
def test_no_region_code_or_foreign_word_as_a_place(text: str) -> None:
    assert _places(text) in ([], ["Paris"])
