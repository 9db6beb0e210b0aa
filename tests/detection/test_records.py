"""Personal data in pasted records: JSON and form fields, tables under a header row."""

from __future__ import annotations

import pytest

from apps.detection.recognizers.records import recognize_records
from apps.detection.sensitive import detect


def _found(text: str) -> list[tuple[str, str]]:
    return [(f.type, text[f.start : f.end]) for f in detect([text])[0]]


def test_json_fields_name_people_and_birth_dates() -> None:
    text = '{"customer": {"first_name": "Aiko", "last_name": "Yamamoto", "dob": "1988-04-02"}}'
    assert _found(text) == [("PERSON", "Aiko"), ("PERSON", "Yamamoto"), ("DATE_OF_BIRTH", "1988-04-02")]


def test_form_lines() -> None:
    text = "Name: Thabo Nkosi\nNationality: South African"
    assert ("PERSON", "Thabo Nkosi") in _found(text)


def test_a_csv_export_under_its_header() -> None:
    text = "emp_id,name,ssn,dob\n1001,Rebecca Stone,401-22-7788,1985-02-14\n1002,Kevin O'Brien,402-33-8899,1990-09-30"
    found = _found(text)
    for value in ("Rebecca Stone", "Kevin O'Brien"):
        assert ("PERSON", value) in found
    for value in ("1985-02-14", "1990-09-30"):
        assert ("DATE_OF_BIRTH", value) in found


def test_semicolon_table_with_towns() -> None:
    text = "Nome;Cognome;Città\nMario;Rossi;Torino\nGiulia;Bianchi;Milano"
    kinds = {(f.type, text[f.start : f.end]) for f in recognize_records(text)}
    assert kinds == {
        ("PERSON", "Mario"),
        ("PERSON", "Rossi"),
        ("LOCATION", "Torino"),
        ("PERSON", "Giulia"),
        ("PERSON", "Bianchi"),
        ("LOCATION", "Milano"),
    }


@pytest.mark.parametrize(
    "text",
    [
        "Name, address and phone please\nwe need them, all of them",  # a sentence is no header
        "name: your name\nemail: <email>",  # placeholders
        'the field "name": "string" is required',
        "Subject: hello\nName: Pricing\nStatus: open",  # an everyday word is no person
        "dob: unknown",
        "name,dob\nfoo bar baz qux quux corge,soon",
    ],
)
def test_fields_without_personal_data(text: str) -> None:
    assert recognize_records(text) == []


def test_long_tables_stay_linear() -> None:
    import time

    text = "name,city\n" + "Ana Lopez,Madrid\n" * 20_000
    started = time.process_time()
    found = recognize_records(text)
    assert len(found) == 40_000
    assert time.process_time() - started < 3


def test_many_covered_names_keep_the_ner_gate_linear() -> None:
    # 7,500 pasted names, each a finding that covers its NER trigger: the gate compared every
    # trigger with every covered span (10 s here before the ninth session's bisect).
    import time

    text = "name: Ana Lopez\n" * 7_500
    started = time.process_time()
    found = detect([text])[0]
    assert len(found) == 7_500
    assert time.process_time() - started < 3


def test_many_people_at_companies_stay_linear() -> None:
    import time

    text = "Ana Lopez at Acme Foods. " * 2_000  # 50,000 characters: quadratic took minutes
    started = time.process_time()
    found = detect([text])[0]
    assert ("ORGANIZATION", "Acme Foods") in {(f.type, text[f.start : f.end]) for f in found[:4]}
    assert time.process_time() - started < 5


def test_customer_and_company_columns_name_people_and_organizations() -> None:
    text = (
        "Nombre;Empresa;Ciudad;Teléfono\n"
        "Diego Paredes;Vinos Paredes;Mendoza;+54 261 455 7890\n"
        "Camila Rojas;Café Andino SpA;Santiago;+56 9 8765 4321"
    )
    found = {(f.type, text[f.start : f.end]) for f in detect([text])[0]}
    assert {
        ("PERSON", "Diego Paredes"),
        ("ORGANIZATION", "Vinos Paredes"),
        ("ORGANIZATION", "Café Andino SpA"),
    } <= found
    text = "txn_id,customer,card,amount\ntx_99102,Harold Jenkins,5425 2334 3010 9903,89.00"
    assert ("PERSON", "Harold Jenkins") in {(f.type, text[f.start : f.end]) for f in detect([text])[0]}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Carrier: XPO.", "XPO"),
        ("Company: Acme Inc.", "Acme Inc."),
        ("Insurer: Maple Shield Insurance.", "Maple Shield Insurance"),
    ],
)
def test_a_fields_full_stop_is_no_part_of_a_company_but_its_abbreviation_is(text: str, value: str) -> None:
    assert [text[f.start : f.end] for f in detect([text])[0]] == [value]
