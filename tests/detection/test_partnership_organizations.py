"""Firms named after their partners: "A, B and C", "A-B", "A and Sons" (how law firms are named and
how Faker, behind most synthetic PII sets, names companies). The surnames in them were found as
separate people and places, or not at all."""

from __future__ import annotations

import pytest

from apps.detection.findings import ORGANIZATION
from apps.detection.recognizers import (
    recognize_described_organizations,
    recognize_partnership_organizations,
    recognize_signature_companies,
)
from apps.detection.sensitive import detect


def _found(text: str) -> list[tuple[str, str]]:
    return [(f.type, text[f.start : f.end]) for f in detect([text])[0]]


@pytest.mark.parametrize(
    ("text", "firm"),
    [
        ("Quote from Flores, Vang and Snyder attached", "Flores, Vang and Snyder"),
        ("Is Williams, Gibson and Carter a good employer?", "Williams, Gibson and Carter"),
        ("I work at Rojas, Ferguson and Perez.", "Rojas, Ferguson and Perez"),
        ("The Moore, Wilson & King office is closed today.", "Moore, Wilson & King"),
        ("She left Cox-Clark last year.", "Cox-Clark"),
        ("Is Smith-Washington a good employer?", "Smith-Washington"),
        ("Please forward this to Green-Combs legal team.", "Green-Combs"),
        ("We had a meeting with Stephens and Sons yesterday.", "Stephens and Sons"),
        ("Invoice from Michael L. Beatty & Associates, PC", "Michael L. Beatty & Associates"),
        (
            "Sharon Anderson\nPatent attorney\nMaldonado, Graham and Ramirez\n3267 Michael Fork\nWest Brittany",
            "Maldonado, Graham and Ramirez",
        ),
        ("Jacob Odom\nEnergy manager\nDay-Hall\n5956 Key Turnpike", "Day-Hall"),
    ],
)
def test_a_firm_named_after_its_partners_is_one_organization(text: str, firm: str) -> None:
    found = _found(text)
    assert (ORGANIZATION, firm) in found
    # None of its surnames is left as a person or a place of its own.
    start = text.index(firm)
    assert all(
        value == firm or not (start <= text.find(value) < start + len(firm)) for kind, value in found if kind != "EMAIL"
    )


@pytest.mark.parametrize(
    ("text", "firm"),
    [
        # Faker's company names of our other languages: legal forms, "e figli", "y asociados".
        ("Contract with Salvemini, Juvara e Gasperi SPA renewed", "Salvemini, Juvara e Gasperi SPA"),
        ("I work at Trussardi e figli.", "Trussardi e figli"),
        ("I work at Falcone-Ligorio Group.", "Falcone-Ligorio Group"),
        ("I work at Briccialdi, Musatti e Cesaroni s.r.l. now", "Briccialdi, Musatti e Cesaroni s.r.l."),
        ("I work at Gordillo & Asociados S.L.L. now", "Gordillo & Asociados S.L.L."),
        ("Distribuciones PIBV S.L.N.E sent me the invoice.", "Distribuciones PIBV S.L.N.E"),
        ("Soluciones Vendrell y asociados S.Coop. sent me the invoice.", "Soluciones Vendrell y asociados S.Coop."),
        ("Contract with Macedo Cavalcante S/A renewed", "Macedo Cavalcante S/A"),
        ("I work at Caldeira - EI.", "Caldeira - EI"),
        ("I work at Radisch AG & Co. OHG.", "Radisch AG & Co. OHG"),
        ("Contract with Ruppert Gnatz GbR renewed", "Ruppert Gnatz GbR"),
        ("Hermans & Bosman sent me the invoice.", "Hermans & Bosman"),
        # One of three partners may be missing from the surname list.
        ("We had a meeting with Gilbert, Page and Smith yesterday.", "Gilbert, Page and Smith"),
    ],
)
def test_company_names_of_other_locales(text: str, firm: str) -> None:
    assert (ORGANIZATION, firm) in _found(text)


@pytest.mark.parametrize(
    "text",
    [
        "Anna, Maria and John came to the party.",  # first names: people
        "We visited Paris, Lyon and Nice.",  # places
        "Catherine Zeta-Jones was there.",  # a double-barrelled surname after a first name
        "Mrs. Smith-Jones called about her order.",  # after a form of address
        "Jean-Pierre called this morning.",  # both halves first names: one person
        "Hewlett-Packard printers are on sale.",  # not surnames (a known company is its own rule)
        "Word, Excel and PowerPoint keep crashing.",
        "The Baden-Baden office",
        "Tom & Jerry is on again.",  # two first names
        "Pedro, Juan y María vienen mañana.",
        "R & D needs a budget, Q&A at five.",
        # People announced as such: the founders of a firm, a film's cast.
        "Verdafero is the brainchild of our 3 founders: Eklund, Michael and Hodge.",
        "A comedy directed by Adamska, starring Hodge, Becker and Vasquez.",
    ],
)
def test_people_places_and_products_are_no_partnership(text: str) -> None:
    assert recognize_partnership_organizations(text) == []


def test_a_surname_first_name_written_after_the_double_surname_is_a_person() -> None:
    assert recognize_partnership_organizations("Zeta-Jones Catherine signed the form.") == []


@pytest.mark.parametrize(
    ("text", "company"),
    [
        ("Julcsa Kárpáthy\nMhealthcoach\n50668 Kiannonkatu 98 Apt. 105, ISHAM, United Kingdom", "Mhealthcoach"),
        ("??? Astrid Björgvinsdóttir\n??? Lawdragon\n??? 66029 138 Consul Place", "Lawdragon"),
        ("Jane Doe\nSenior Account Manager\nAcme Robotics\n+1 555 0100", "Acme Robotics"),
        ("Best regards,\nAllan Björk\nScale Unlimited\nUnit 5022 Box 1225", "Scale Unlimited"),
    ],
)
def test_the_company_line_of_a_signature(text: str, company: str) -> None:
    assert (ORGANIZATION, company) in _found(text)


@pytest.mark.parametrize(
    "text",
    [
        "Best regards,\nDiana Christensen\nDentist\nPhone: 836.468.0990",  # a job title (Faker's list)
        "Marlis Carsten\nErzieher\nNoackweg 733\n01394 Halberstadt",
        "Artemio Blazquez Paniagua\nTécnico de la Web\nC. de Nieves Verdú 88",
        "Evelyn Richmond\nCivil Service administrator\n67611 Marshall Square Apt. 235",
        "Louise Rose\nStudio 8\nPearson Knoll\nKatieburgh\nSP78 7LU",  # address lines, not a name and a company
        "Thanks,\nMaria Lopez\nSales Department\n+34 600 000 000",
        # A subject line above a sentence that holds a number is no signature.
        "Maria Lopez\nBilling Question\nMy invoice 123 is wrong",
        "Anna Schmidt\nFollow Up\nTicket 4521 still open",
    ],
)
def test_titles_departments_and_address_lines_are_no_signature_company(text: str) -> None:
    assert recognize_signature_companies(text) == []


@pytest.mark.parametrize(
    ("text", "company"),
    [
        ("Russell Investments is a design agency based in Kurzenkirchen.", "Russell Investments"),
        ("Coden is a startup from Naantali.", "Coden"),
        ("Acme, a logistics firm from Lyon, called.", "Acme"),
        ("Iberdata es una empresa de software.", "Iberdata"),
        ("Vantage ist ein Unternehmen aus Köln.", "Vantage"),
    ],
)
def test_a_name_described_as_a_company_is_one(text: str, company: str) -> None:
    assert (ORGANIZATION, company) in _found(text)


@pytest.mark.parametrize(
    "text",
    [
        "This is a company policy.",
        "Maria is a consultancy client.",  # a first name alone: a person
        "Paris is a business hub.",  # a place
        "The app is a great platform.",
        "Premium is a great business plan.",  # a plan, and "business" as an adjective
        "Support is a company priority.",
    ],
)
def test_people_places_and_common_words_described_as_companies_are_not_one(text: str) -> None:
    assert recognize_described_organizations(text) == []
