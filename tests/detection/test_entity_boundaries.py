"""Issue 15 part 4: where a NER name starts and ends, and which type a lone first name gets.

The spans are built by hand on spaCy's tokenizer (no model), so each rule is checked on its own;
``detect`` checks the same cases end to end with the real pipeline.
"""

from __future__ import annotations

import pytest
import spacy
from spacy.tokens import Span

from apps.detection.entity_rules import refine_entities
from apps.detection.findings import LOCATION, ORGANIZATION, PERSON, Finding
from apps.detection.ner import entity_findings
from apps.detection.recognizers import recognize_full_name
from apps.detection.recognizers.organizations import recognize_known_organizations
from apps.detection.sensitive import detect

_TOKENIZER = spacy.blank("en")


def _ner(text: str, label: str) -> list[str]:
    """What ``entity_findings`` keeps of one entity spanning the whole text."""
    doc = _TOKENIZER(text)
    return [text[f.start : f.end] for f in entity_findings([Span(doc, 0, len(doc), label=label)])]


def _found(text: str) -> list[tuple[str, str]]:
    return [(f.type, text[f.start : f.end]) for f in detect([text])[0]]


@pytest.mark.parametrize(
    ("text", "label", "kept"),
    [
        ("Idris Ibragimov\nOnvia", "PERSON", "Idris Ibragimov"),
        ("Hawehindi Kipkemei\nUfficio", "PERSON", "Hawehindi Kipkemei"),
        ("Stark Logistics\n\nDear Ryan", "ORG", "Stark Logistics"),
        ("LESLEY BRESNEHAN\nSENIOR BUYER", "PERSON", "LESLEY BRESNEHAN"),
        # Nothing capitalised before the break: the entity is what follows it.
        ("thanks\nMaria Lopez", "PERSON", "Maria Lopez"),
    ],
)
def test_a_ner_entity_never_runs_across_a_line_break(text: str, label: str, kept: str) -> None:
    assert _ner(text, label) == [kept]


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Terence Vassiliev's Cautionary Tales", "Terence Vassiliev"),
        ("Anna’s Bakery", "Anna"),
        # A possessive at the end stays the model's (and the trim's) business: nothing follows it.
        ("Grace Parker", "Grace Parker"),
    ],
)
def test_a_persons_possessive_ends_the_ner_name(text: str, kept: str) -> None:
    assert _ner(text, "PERSON") == [kept]


def test_a_possessive_does_not_cut_an_organisation() -> None:
    assert _ner("McDonald's Corporation", "ORG") == ["McDonald's Corporation"]


def test_full_names_stop_at_a_possessive() -> None:
    text = "I loved Terence Vassiliev's Cautionary Tales last year"
    assert [text[f.start : f.end] for f in recognize_full_name(text)] == ["Terence Vassiliev"]


def test_a_listed_company_after_a_possessive_stands_alone() -> None:
    text = "Is it true that Warren Buffett's Berkshire Hathaway still owns a big chunk of Apple?"
    found = {text[f.start : f.end]: f.score for f in recognize_known_organizations(text)}
    assert found["Berkshire Hathaway"] == 0.87  # alone (0.87), not inside a longer run (0.8)
    assert (ORGANIZATION, "Berkshire Hathaway") in _found(text)
    assert (PERSON, "Warren Buffett") in _found(text)


def _refined(text: str, value: str) -> str:
    start = text.index(value)
    [finding] = refine_entities(text, [Finding(LOCATION, start, start + len(value), 0.85, "spacy_ner")])
    return finding.type


@pytest.mark.parametrize(
    ("text", "value", "expected"),
    [
        ("Why is Rebecca so impulsive?", "Rebecca", PERSON),
        ("en la reunión estaban Tatiana, Nuriat y Virág", "Tatiana", PERSON),
        ("Alessia kan ikke snakke engelsk.", "Alessia", PERSON),
        # A place cue or a preposition before it: a place named like a person.
        ("We flew to Alexandra last week", "Alexandra", LOCATION),
        ("She drove from Valentina yesterday", "Valentina", LOCATION),
        # Places that are first names too are kept places wherever they stand.
        ("The team Israel sent is here", "Israel", LOCATION),
        ("Victoria has the best harbour", "Victoria", LOCATION),
        # Listed places, capitals (a code or a shout) and first names that are words stay places.
        ("Paris was lovely", "Paris", LOCATION),
        ("ROSA is the warehouse code", "ROSA", LOCATION),
        ("Two people in Chester Street", "Chester Street", LOCATION),
    ],
)
def test_a_ner_place_that_is_a_first_name_is_a_person(text: str, value: str, expected: str) -> None:
    assert _refined(text, value) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Subject: Next steps for Stark Logistics\n\nDear Ryan,\n\nThanks again for your questions.",
            [(ORGANIZATION, "Stark Logistics"), (PERSON, "Ryan")],
        ),
        ("Why is Rebecca so impulsive?", [(PERSON, "Rebecca")]),
        ("I loved Terence Vassiliev's Cautionary Tales last year", [(PERSON, "Terence Vassiliev")]),
        ("We flew to Victoria last week", [(LOCATION, "Victoria")]),
    ],
)
def test_boundaries_and_types_end_to_end(text: str, expected: list[tuple[str, str]]) -> None:
    assert _found(text) == expected


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Please call Juana Maura Bastida Alberto tomorrow.", "Juana Maura Bastida Alberto"),
        ("Humberto José Luis Polo Orozco asked about the refund.", "Humberto José Luis Polo Orozco"),
        ("Meeting notes from Nazaret Obdulia Cárdenas Morera", "Nazaret Obdulia Cárdenas Morera"),
        ("John Paul Smith called.", "John Paul Smith"),
        ("Anna Maria Schmidt hat angerufen.", "Anna Maria Schmidt"),
    ],
)
def test_two_given_names_and_two_surnames_are_one_name(text: str, name: str) -> None:
    assert ("PERSON", name) in _found(text)
