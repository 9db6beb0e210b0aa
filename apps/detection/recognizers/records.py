"""Personal data in pasted records: JSON and form fields, and tables with a header row.

People paste what their systems hold into assistants: a JSON payload (``"first_name": "Aiko"``),
a form dump (``Name: Thabo Nkosi``), a CSV export (``emp_id,name,ssn,dob`` then rows). The field's
name says what its value is, where the value alone (a lone "Aiko", a bare "1985-02-14") says too
little for the other recognizers. So a value under a field that names a person, a birth date, a
town or a company is that, whatever its case or shape, if it looks like one (words for a name, a
date for a birth date).
"""

from __future__ import annotations

import re

import numpy as np

from apps.detection.findings import DATE_OF_BIRTH, LOCATION, NATIONAL_ID, ORGANIZATION, PERSON, Finding
from apps.detection.recognizers.base import lower_words
from apps.detection.recognizers.gazetteers import NOT_NAMES, first_names, surnames
from apps.detection.recognizers.names import COMMON_WORDS
from apps.nlp.word_frequencies import word_frequencies

RECORD_SCORE = 0.9  # the field names the value: above NER (0.85) and the name and place rules

_FIELD_TYPES: dict[str, str] = {}
for _type, _names in (
    (
        PERSON,
        "name full_name fullname first_name firstname given_name givenname last_name lastname surname family_name"
        " familyname holder cardholder card_holder account_holder name_on_card customer_name client_name"
        " contact_name employee_name passenger passenger_name traveller traveler traveller_name patient"
        " patient_name applicant candidate nombre nombre_completo apellido apellidos nome nome_completo sobrenome"
        " cognome prénom prenom nom nom_complet vorname nachname naam voornaam achternaam titular intestatario"
        " inhaber customer client guest employee contact consignee cliente kunde klant",
    ),
    (
        ORGANIZATION,
        "company company_name account account_name organization organisation employer vendor supplier insurer"
        " carrier lender merchant empresa compañía companhia firma unternehmen bedrijf azienda società entreprise"
        " société bank bank_name banco banque banca insurance_company assureur aseguradora seguradora versicherung"
        " versicherer assicurazione verzekeraar provider proveedor fornecedor fournisseur lieferant fornitore"
        " leverancier operator operadora opérateur airline aerolínea garage werkstatt officina taller landlord"
        " vermieter bailleur arrendador senhorio verhuurder contractor auftragnehmer courier transportista"
        " transportadora transporteur spediteur corriere vervoerder competitor broker issuer",
    ),
    (
        DATE_OF_BIRTH,
        "dob date_of_birth birthdate birth_date birthday fecha_nacimiento fecha_de_nacimiento data_nascimento"
        " data_de_nascimento data_di_nascita date_de_naissance date_naissance geburtsdatum geboortedatum",
    ),
    (LOCATION, "city town ciudad cidade città citta ville stadt ort stad municipality comune localidad"),
    (
        NATIONAL_ID,
        "national_id id_number passport passport_number passport_no tax_id codice_fiscale cf dni nie nif cpf bsn"
        " nhs_number nhs insurance_number steuer_id",
    ),
):
    for _name in _names.split():
        _FIELD_TYPES[_name] = _type


def _field(label: str) -> str | None:
    key = re.sub(r"[\s\-]+", "_", label.strip().strip("\"'").lower())
    return _FIELD_TYPES.get(key)


_DATE_VALUE_RE = re.compile(
    r"\A(?:\d{1,2}[./\-]\d{1,2}[./\-](?:19|20)?\d{2}|(?:19|20)\d{2}[./\-]\d{1,2}[./\-]\d{1,2}"
    r"|\d{1,2}\.?\s+[^\W\d_]{3,10}\.?\s+(?:19|20)\d{2}|[^\W\d_]{3,10}\.?\s+\d{1,2},?\s+(?:19|20)\d{2})\Z"
)
_PLACEHOLDERS = frozenset(
    [
        "n/a",
        "na",
        "none",
        "null",
        "nil",
        "tbd",
        "tbc",
        "unknown",
        "string",
        "test",
        "example",
        "sample",
        "redacted",
        "anonymous",
        "your",
        "name",
        "name",
    ]
)


def _plausible(kind: str, value: str) -> bool:
    if not value or len(value) > 60 or value.lower() in _PLACEHOLDERS or value.startswith(("<", "{", "[", "$")):
        return False
    if kind == DATE_OF_BIRTH:
        return bool(_DATE_VALUE_RE.match(value))
    if kind == NATIONAL_ID:  # an identifier's shape: letters and digits, six at least, some digits
        return _ID_VALUE_RE.fullmatch(value) is not None and sum(c.isdigit() for c in value) >= 4
    if ":" in value or re.search(r"[.;]\s", value):
        return False  # more than a value: "Company: Vantage Robotics. Traveller: Kwame Mensah"
    words = value.split()
    # An identifier is no name nor place ("name: REDIS_PASSWORD" in a Kubernetes manifest).
    if not 1 <= len(words) <= 5 or any(not w[0].isalpha() for w in words) or re.search(r"[\d@/\\=_]", value):
        return False
    lowered = [w.lower().strip(".,") for w in words]
    if all(w in NOT_NAMES or w in COMMON_WORDS for w in lowered):
        return False
    if kind == PERSON and not any(w in first_names() or w in surnames() for w in lowered):
        # "Name: Pricing" (a project, a product): every word an everyday word of some language.
        best = np.fmax.reduce(word_frequencies(lowered, _LANGUAGES), axis=1)
        return not bool((best >= _EVERYDAY_FROM).all())
    return True


_LANGUAGES = ("en", "es", "pt", "fr", "de", "it")
_ID_VALUE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 .\-/]{4,22}[A-Za-z0-9]")
_EVERYDAY_FROM = -5.0


# "key": "value" (JSON), and a label at the start of a line ("Name: Thabo Nkosi", "  last_name: Doe").
_JSON_FIELD_RE = re.compile(r"\"(?P<key>[\w \-]{2,30})\"\s*:\s*\"(?P<value>[^\"\n]{1,80})\"")
_LINE_FIELD_RE = re.compile(
    r"(?m)^[ \t\-*]*(?P<key>[^\W\d_][\w \-]{1,28}?)[ \t]*:[ \t]*(?P<value>[^\n]{1,80}?)[ \t,;]*$"
)
_QUICK_RE = re.compile(r":")


def _without_full_stop(value: str) -> str:
    """A sentence's full stop after the value is no part of it ("Carrier: XPO."); an abbreviation's
    is ("Acme Inc.", "Lopes Lda.", "Vidal S.A.")."""
    last = value.rsplit(None, 1)[-1] if value.strip() else ""
    abbreviation = "." in last[:-1] or (len(last) <= 5 and not last[:-1].isupper())
    return value[:-1] if value.endswith(".") and not abbreviation else value


def _fields(text: str) -> list[Finding]:
    found = []
    for regex in (_JSON_FIELD_RE, _LINE_FIELD_RE):
        for m in regex.finditer(text):
            kind = _field(m.group("key"))
            value = _without_full_stop(m.group("value").strip().strip("\"'"))
            if kind is None or not _plausible(kind, value):
                continue
            start = text.index(value, m.start("value"))
            found.append(Finding(kind, start, start + len(value), RECORD_SCORE, "record_field"))
    return found


_SEPARATORS = (",", ";", "\t", "|")


def _tables(text: str) -> list[Finding]:
    """Rows under a header line that names a person, birth date or town column."""
    found: list[Finding] = []
    lines = text.split("\n")
    offsets = [0]
    for line in lines[:-1]:
        offsets.append(offsets[-1] + len(line) + 1)
    i = 0
    while i < len(lines):
        header = lines[i]
        separator = max(_SEPARATORS, key=header.count)
        if header.count(separator) < 1:
            i += 1
            continue
        cells = header.split(separator)
        # A header is short labels ("emp_id,name,ssn,dob"), not a sentence with commas in it.
        kinds = [_field(cell) for cell in cells] if all(len(c.split()) <= 3 for c in cells) else []
        if not any(kinds):
            i += 1
            continue
        j = i + 1
        while j < len(lines) and lines[j].count(separator) == header.count(separator):
            position = offsets[j]
            for kind, cell in zip(kinds, lines[j].split(separator), strict=True):
                value = cell.strip().strip("\"'").strip()
                if kind is not None and _plausible(kind, value):
                    start = offsets[j] + lines[j].index(value, position - offsets[j])
                    found.append(Finding(kind, start, start + len(value), RECORD_SCORE, "record_table"))
                position += len(cell) + len(separator)
            j += 1
        i = j
    return found


# Every word of every field name, for a set check against ``lower_words`` before any regex runs
# ("first_name" stays one word there, "Date of birth" is three).
# Two-letter pieces ("of", "de", "on") always come with a longer one ("birth", "nacimiento", "card").
_FIELD_WORDS = frozenset(_FIELD_TYPES) | frozenset(w for name in _FIELD_TYPES for w in name.split("_") if len(w) > 2)


def recognize_records(text: str) -> list[Finding]:
    if _FIELD_WORDS.isdisjoint(lower_words(text)):
        return []
    if _QUICK_RE.search(text) is None and "\n" not in text:
        return []
    found = _fields(text) if ":" in text else []
    if "\n" in text:
        found.extend(_tables(text))
    return found
