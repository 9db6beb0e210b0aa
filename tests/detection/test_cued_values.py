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
