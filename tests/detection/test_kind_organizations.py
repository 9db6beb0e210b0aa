"""Companies named for what they do ("Granite Peak Insurance", "Hendriks Bouwmaterialen", "Maison
Duval"), which NER calls people or misses, and everyday words other languages borrowed ("Monitoring",
"Void") or Dutch words ("Beste", "Kun"), which it calls people: classes the second pair of sets
written blind (``tests/data/sensitive_blind2_*.jsonl``) found."""

from __future__ import annotations

import pytest

from apps.detection.findings import ORGANIZATION, PERSON
from apps.detection.recognizers import recognize_kind_organizations
from apps.detection.recognizers.gazetteers import known_companies
from apps.detection.sensitive import detect


def _found(text: str) -> list[tuple[str, str]]:
    return [(f.type, text[f.start : f.end]) for f in detect([text])[0]]


@pytest.mark.parametrize(
    ("text", "company"),
    [
        ("Account plan — Granite Peak Insurance", "Granite Peak Insurance"),
        ("Summarize bids: 1) Apex Facility Services – £182k", "Apex Facility Services"),
        ("Can you write a msg to olivia (VP Ops at Redwood Freight)?", "Redwood Freight"),
        ("Story: Tokyo-based Sora Robotics raised $40M", "Sora Robotics"),
        ("Kun je de klant Hendriks Bouwmaterialen informeren?", "Hendriks Bouwmaterialen"),
        ("Rédige un communiqué : la société Vernier Cosmétiques, basée à Grasse", "Vernier Cosmétiques"),
        ("Contatti: Giorgio Ricci (Ferrante Logistica)", "Ferrante Logistica"),
        ("Viewings through Dale & Hartley Estate Agents, ask for Becky.", "Dale & Hartley Estate Agents"),
        ("Agenzia Immobiliare Partenope, tel. 081 555 2301.", "Agenzia Immobiliare Partenope"),
        ("Propuesta para el cliente Hotel Mirador del Sol en Marbella", "Hotel Mirador del Sol"),
        ("une lettre pour Nathalie Girard (acheteuse chez Maison Duval)", "Maison Duval"),
        ("rebels shot down #MH17 Malaysia Airlines", "Malaysia Airlines"),
    ],
)
def test_a_company_named_for_its_business_is_one_organization(text: str, company: str) -> None:
    found = _found(text)
    assert (ORGANIZATION, company) in found
    start = text.index(company)
    # None of its words is left as a person or a place of its own.
    assert all(value == company or not (start <= text.find(value) < start + len(company)) for _, value in found)


@pytest.mark.parametrize(
    "text",
    [
        "We need Health Insurance and Customer Services for the new hires.",
        "Is Cloud Hosting cheaper than our own Data Centre?",
        "Cheap Hotel Rome - thanks for finding us a room",  # a hotel in Rome, no hotel's name
        "Thanks For The Prompt Service And Great Job On Our New Solar System",  # a title-cased sentence
        "Ben Bernanke’s Social Engineering",  # a possessive ends the run before it
        "#BREAKINGNEWS MALAYSIA AIRLINES FLIGHT",  # a hashtag is no part of the name
    ],
)
def test_everyday_words_before_a_kind_word_name_no_company(text: str) -> None:
    assert [
        text[f.start : f.end] for f in recognize_kind_organizations(text) if "Malaysia" not in text[f.start : f.end]
    ] == []


def test_a_first_name_and_a_kind_word_that_is_a_surname_is_a_person() -> None:
    assert _found("Rebecca Mills called about the invoice") == [(PERSON, "Rebecca Mills")]


@pytest.mark.parametrize(
    "text",
    [
        "Unser Monitoring meldet: Host nicht erreichbar, Gateway down.",
        "Invoices in statuses Open, Disputed, Partially Paid, Paid, Void.",
        "Hoi, kun je deze mail korter maken? 'Beste meneer, zoals besproken'",
    ],
)
def test_borrowed_and_dutch_everyday_words_are_no_people(text: str) -> None:
    assert [value for kind, value in _found(text) if kind == PERSON] == []


@pytest.mark.parametrize(
    ("text", "company"),
    [
        ("connecting Lars (CTO, Halvorsen & Berg AS, Oslo) with Aisha", "Halvorsen & Berg AS"),
        ("Client brief from Marisol Vega at Tidewater Brewing Co.: they want", "Tidewater Brewing Co."),
        ("Arrendatario: Grupo Textil Valdés S.A. de C.V.", "Grupo Textil Valdés S.A. de C.V."),
        ("client is Zielony Ogród sp. z o.o., contact Agnieszka", "Zielony Ogród sp. z o.o."),
        ("answer: 'Cloudnine Hosting BV stores customer data in Amsterdam'", "Cloudnine Hosting BV"),
        ("The Federal Reserve Bank of New York declined to comment.", "Federal Reserve Bank of New York"),
        ("IBAN PL61 1090 1014 0000 0712 1981 2874, bank PKO Bank Polski.", "PKO Bank Polski"),
        ("Thanks Bank of America for nothing", "Bank of America"),
    ],
)
def test_legal_forms_and_institutions_are_found_whole(text: str, company: str) -> None:
    assert (ORGANIZATION, company) in _found(text)


@pytest.mark.parametrize(
    ("text", "company"),
    [
        ("Mi cuenta es ES91 2100 0418 4502 0005 1332 en CaixaBank, titular Pablo", "CaixaBank"),  # a listed company
        ("theyre using a competitor (Sysco) but unhappy", "Sysco"),
        ("Our shipment arrived damaged, it came with Maersk from Rotterdam", "Maersk"),  # hand-written
        ("Dr. Amara Okafor of the World Health Organization said rates fell", "World Health Organization"),
        ("She previously advised the IMF on debt.", "IMF"),
    ],
)
def test_well_known_and_listed_companies_are_organizations(text: str, company: str) -> None:
    assert (ORGANIZATION, company) in _found(text)


def test_listed_companies_named_by_an_everyday_word_keep_only_their_full_name() -> None:
    # "Shell plc", "Target Corporation" are listed; alone, "Shell" and "Target" are everyday words.
    names = known_companies().names
    assert {"Shell plc", "Target Corporation", "Progressive Corporation"} <= names
    assert not {"Shell", "Target", "Progressive"} & names


@pytest.mark.parametrize(
    "text",
    ["Peux-tu créer une formule Google Sheets qui calcule la TVA ?", "Sources : export Shopify et Google Analytics 4."],
)
def test_a_companys_product_is_no_company(text: str) -> None:
    assert _found(text) == []


@pytest.mark.parametrize(
    ("text", "company"),
    [
        ("voor de functie van Data Engineer bij Bakkerij Van Dam. Hij woont", "Bakkerij Van Dam"),
        ("een afspraak verzetten bij Huisartsenpraktijk De Brug in Haarlem.", "Huisartsenpraktijk De Brug"),
        ("flight to Lagos cancelled, Arik Air wont answer phone", "Arik Air"),
    ],
)
def test_a_foreign_kind_word_first_needs_no_rare_word_after_it(text: str, company: str) -> None:
    assert (ORGANIZATION, company) in _found(text)
