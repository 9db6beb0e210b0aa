"""The company a customer deals with, named by the relationship before it, in our languages."""

from __future__ import annotations

import pytest

from apps.detection.sensitive import detect


def _organizations(text: str) -> list[str]:
    return [text[f.start : f.end] for f in detect([text])[0] if f.type == "ORGANIZATION"]


@pytest.mark.parametrize(
    ("text", "company"),
    [
        ("Goeiedag, ik ben klant bij Telenet. Mijn gsm-nummer werkt niet meer.", "Telenet"),
        ("Verzekerd bij Interpolis, polis 77-410293.", "Interpolis"),  # NER: a person
        ("Sono cliente Fastweb a Padova, la fibra non va", "Fastweb"),
        ("Olá, o voo da TAP para o Funchal foi cancelado.", "TAP"),  # an acronym of a UI word's letters
        ("Booked via Rentalcars, the damage fee was wrong", "Rentalcars"),
        ("I ordered from Pharmacy2U last week", "Pharmacy2U"),
        ("Hierbij zeg ik mijn abonnement bij Ziggo op per 1 juni.", "Ziggo"),
        ("we had flights with easyJet. The bags were lost", "easyJet"),
        ("Estoy asegurado con Mapfre desde 2019", "Mapfre"),
        ("Je suis cliente chez Boursorama depuis dix ans", "Boursorama"),
    ],
)
def test_a_brand_after_a_customer_relationship_is_a_company(text: str, company: str) -> None:
    assert company in _organizations(text)


@pytest.mark.parametrize(
    "text",
    [
        "cliente de Marta Ruiz desde 2020",  # a person
        "customer of Paris Saint-Germain? no, of Paris",  # a place
        "bestellt bei Händler um die Ecke",  # a German everyday noun
        "ordered from Home, then from Work",  # everyday words
        "Rechnung von Herrn Müller",  # a title starts a person
        "client of Three months ago",  # an everyday word
        "contract with IT for the laptops",  # a department's acronym that is a word
    ],
)
def test_people_places_and_everyday_words_after_the_cue_are_no_company(text: str) -> None:
    found = _organizations(text)
    assert not [name for name in found if name not in ("Paris Saint-Germain",)], found
