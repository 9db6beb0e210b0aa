"""Well-known companies by name (``data/companies.txt``): the small NER model calls "Petrobras" a
place, "Siemens" a person, or misses "Accenture" outright, and the ORGANIZATION rules
(``entity_rules``) keep a NER organization only beside a cue or a legal-form suffix.

A listed name standing alone among capitalised words beats both NER (0.85) and the place
gazetteer (0.86), so "Santander" the bank is not "Santander" the city; inside a longer run
("Santander Consumer Finance Ltd") NER's longer span decides.
"""

from __future__ import annotations

from pathlib import Path

from apps.detection.findings import ORGANIZATION, Finding
from apps.detection.recognizers.gazetteers import find_names, name_list

KNOWN_ORGANIZATION_SCORE = 0.87
KNOWN_ORGANIZATION_IN_RUN_SCORE = 0.8
_COMPANIES_FILE = Path(__file__).resolve().parents[1] / "data" / "companies.txt"


def recognize_known_organizations(text: str) -> list[Finding]:
    return [
        Finding(
            ORGANIZATION,
            start,
            end,
            KNOWN_ORGANIZATION_SCORE if alone else KNOWN_ORGANIZATION_IN_RUN_SCORE,
            "organization_gazetteer",
        )
        for start, end, alone in find_names(text, name_list(_COMPANIES_FILE))
    ]
