"""Values whose checksum fails (mistyped, or made up by whoever wrote the example) are still the
card, account or id their cue names, in the languages we serve: "Kaartnummer 5168 4412 3456 7891",
"rekening NL20 RABO 0123 4567 89", "o IBAN da empresa: PT50 …", "passeport marocain n° UZ4589123",
"CF RMNFNC93L69G273P", "N° de sécurité sociale : 2 91 08 75 114 032 57"."""

from __future__ import annotations

import pytest

from apps.detection.sensitive import detect


def _found(text: str) -> list[tuple[str, str]]:
    return [(f.type, text[f.start : f.end]) for f in detect([text])[0]]


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("Kaartnummer 5168 4412 3456 7891, graag blokkeren", "CREDIT_CARD", "5168 4412 3456 7891"),
        ("rekening NL20 RABO 0123 4567 89 bij de bank", "IBAN", "NL20 RABO 0123 4567 89"),
        ("o IBAN da empresa: PT50 0007 0000 0045 6789 1234 5.", "IBAN", "PT50 0007 0000 0045 6789 1234 5"),
        ("CF RMNFNC93L69G273P, residente a Palermo", "NATIONAL_ID", "RMNFNC93L69G273P"),
        ("passeport marocain n° UZ4589123, arrivée le 12 juin", "NATIONAL_ID", "UZ4589123"),
        ("clave de elector RZCMAL80041509H300. Inmueble", "NATIONAL_ID", "RZCMAL80041509H300"),
        ("N° de sécurité sociale : 2 91 08 75 114 032 57, Adresse", "NATIONAL_ID", "2 91 08 75 114 032 57"),
    ],
)
def test_a_value_after_its_cue_is_found_whatever_its_checksum(text: str, kind: str, value: str) -> None:
    assert (kind, value) in _found(text)


@pytest.mark.parametrize(
    "text",
    [
        "order 5168 4412 3456 7891 shipped",  # a card's shape, no card word
        "ticket NL20 RABO 0123 4567 89 closed",  # an IBAN's shape whose check digits fail, no account word
    ],
)
def test_the_same_shapes_without_their_cue_are_nothing(text: str) -> None:
    assert [kind for kind, _ in _found(text) if kind in ("CREDIT_CARD", "IBAN")] == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("mevr. Hilde Wouters: rijksregisternummer 71.05.22-164.09, woonachtig", "71.05.22-164.09"),
        ("It's for Keith Bramley, NHS no. 943 476 5919. The insulin", "943 476 5919"),  # not a phone
        ("driver: Freya Lindgren, licence LINDG905224F99RK, dob 24/05/1999", "LINDG905224F99RK"),
        ("licence number NOWAK802157TN9XY, no additional driver", "NOWAK802157TN9XY"),  # its "NO" kept
        ("Dona Aparecida Moura, passaporte FT482019, nascida em", "FT482019"),
        ("die Passnummer meines Mannes: X4829173. Name: Beat", "X4829173"),
        ("Versichertennummer A123456780.", "A123456780"),
        ("permis n° 120875300412, carte", "120875300412"),
        ("número de utente 284 193 057.", "284 193 057"),
        ("Roberto Villa (CI CA48291BD) e Marta", "CA48291BD"),
        ("carta de condução P-1928374 5, pagamento", "P-1928374 5"),
        ("nome;codice_fiscale;citta\nSara Gallo;GLLSRA90A41F205X;Torino", "GLLSRA90A41F205X"),  # an id column
    ],
)
def test_identity_documents_of_our_languages_name_their_number(text: str, value: str) -> None:
    assert ("NATIONAL_ID", value) in _found(text)


def test_a_licence_word_before_ordinary_words_names_no_id() -> None:
    assert _found("I will need a licence for this software, number 2 of 5") == []


@pytest.mark.parametrize(
    ("text", "values"),
    [
        # the first by its checksum, the second written the same way after "meine"
        (
            "die Steuer-ID meiner Frau lautet 47 036 892 816, meine 81 295 473 016. Wir",
            ["47 036 892 816", "81 295 473 016"],
        ),
        ("passport X1234567 and his is X7654321", ["X1234567", "X7654321"]),
        ("pasaporte: AB123456, el de mi hija: AB654321.", ["AB123456", "AB654321"]),
    ],
)
def test_an_id_listed_after_another_written_the_same_way_is_one_too(text: str, values: list[str]) -> None:
    assert [value for kind, value in _found(text) if kind == "NATIONAL_ID"] == values


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("passport X1234567, order X2345678", "X1234567"),  # the gap names what the next value is
        ("NHS number 943 476 5919, phone 555 123 4567", "943 476 5919"),
        ("passport X1234567. Flight X2345678 leaves at 9", "X1234567"),  # a new sentence
    ],
)
def test_a_value_the_gap_names_otherwise_is_not_listed(text: str, first: str) -> None:
    assert [value for kind, value in _found(text) if kind == "NATIONAL_ID"] == [first]


@pytest.mark.parametrize(
    "text",
    [
        "Solicito compensación según el Reglamento 261/2004, por favor",
        "Verzekerd bij ons, polis 77-410293, schade aan de auto",
        "A referência Multibanco 123 456 789, entidade 11249, ainda é válida?",
        "Betalingskenmerk 6865 3822 73, bedrag 615 euro",
        "Our VAT no. is GB 123 4567 89.",
        "Boleto com código 34191.79001 01043.510047 91020.150008 7 venceu",
    ],
)
def test_numbers_named_as_references_rules_or_tax_numbers_are_no_phones(text: str) -> None:
    assert [kind for kind, _ in _found(text) if kind == "PHONE"] == []


def test_a_subscriber_number_field_is_a_phone() -> None:
    assert ("PHONE", "+44 7700 900781") in _found('{"msisdn": "+44 7700 900781"}')
