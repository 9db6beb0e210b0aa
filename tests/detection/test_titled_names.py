"""Names after a title or form of address, in every language we serve and as people type them:
"Hr. Schneider", "sig. Gavino Piras", "meneer De Vries", "mr. delgado" (the second pair of sets
written blind found none of these). The title stays out of the span."""

from __future__ import annotations

import pytest

from apps.detection.findings import PERSON
from apps.detection.sensitive import detect


def _people(text: str) -> list[str]:
    return [text[f.start : f.end] for f in detect([text])[0] if f.type == PERSON]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("- Hr. Schneider (Logistik) klärt die Abholzeiten", "Schneider"),
        ("- Fr. Öztürk erstellt Angebot für Kunde", "Öztürk"),
        ("Contatto: sig. Gavino Piras, tel 333 481 2290", "Gavino Piras"),
        ("Estimado Sr. Domínguez: le confirmamos la recepción", "Domínguez"),
        ("Beste meneer De Vries, zoals besproken", "De Vries"),
        ("could you please correct it to Mr. Richard McCray?", "Richard McCray"),
        ("buyers are Mr. and Mrs. Nakamura", "Nakamura"),
        ("il s'appelle m. benali, sa commande est bloquée", "benali"),
        ("just got off the phone with mr. delgado, he wants a quote", "delgado"),
    ],
)
def test_a_name_after_a_title_is_a_person_without_the_title(text: str, name: str) -> None:
    assert name in _people(text)


@pytest.mark.parametrize(
    "text",
    [
        "still waiting for mr. right to show up",  # an everyday word after a lower-case title
        "bertram m. jørgensen",  # a middle initial, not "m." for monsieur
    ],
)
def test_a_lower_case_title_before_a_word_or_an_initial_names_no_one_new(text: str) -> None:
    assert _people(text) in ([], [text])


@pytest.mark.parametrize(
    ("text", "people"),
    [
        ("Is this ok: 'card 6011 0009 9013 9424 exp 11/26 name Daniel Okoro'", ["Daniel Okoro"]),  # no closing quote
        ("Ask Sarah O'Neill about the order", ["Sarah O'Neill"]),
        ("Beste Bram,\n\nDank voor het prettige gesprek", ["Bram"]),  # a Dutch greeting is no given name
        ("Estimado Carlos Pérez:\nle escribo por la factura", ["Carlos Pérez"]),
        ("Chauffeur Mehmet Aydın belde net. Kun je de klant informeren?", ["Mehmet Aydın"]),  # Dutch "kun"
    ],
)
def test_names_end_at_the_name_and_letters_open_with_no_name(text: str, people: list[str]) -> None:
    assert _people(text) == people


@pytest.mark.parametrize(
    ("text", "people"),
    [
        ("Hi, this is Dr. Whitaker's office at the clinic", ["Whitaker"]),  # no possessive, no lone title
        ("we need to reschedule Mr. Abdullah's MRI. Please call", ["Abdullah"]),
    ],
)
def test_a_possessive_ends_a_titled_name(text: str, people: list[str]) -> None:
    assert _people(text) == people
