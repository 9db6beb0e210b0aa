"""Writes apps/detection/data/first_names.txt and surnames.txt from Faker's person lists (MIT licence).

    .venv/bin/python scripts/detection_build_first_names.py

Faker is a dev dependency (factories); the list is copied into the repo so detection needs no
Faker and nothing is downloaded at run time. Only Latin-script locales of the languages whose
users we serve or often see. Words that are also common capitalised English words or UI labels
("Will", "May", "Save") are left out: the list only ever confirms a name after a cue, and those
would confirm a false one. Surnames of the same locales confirm a full name typed in lower case
("ask maria gonzalez"), where capitals cannot.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from faker import Generator  # noqa: E402

from apps.detection.recognizers.base import unaccented  # noqa: E402 — after the path setup
from apps.detection.recognizers.gazetteers import NOT_NAMES  # noqa: E402
from apps.nlp.word_frequencies import word_frequencies  # noqa: E402

LOCALES = [
    "en_US",
    "en_GB",
    "en_IN",
    "en_IE",
    "es_ES",
    "es_MX",
    "pt_BR",
    "pt_PT",
    "fr_FR",
    "de_DE",
    "it_IT",
    "nl_NL",
    "pl_PL",
    "sv_SE",
    "no_NO",
    "da_DK",
    "cs_CZ",
    "fi_FI",
    "tr_TR",
    # Twelfth-fourteenth sessions: the other Latin-script languages of our 27 and regional variants
    # (Hungarian, Romanian and Indonesian first names were missing: "Magdolna", "Sânziana", "Salsabila").
    "hu_HU",
    "ro_RO",
    "id_ID",
    "sk_SK",
    "sl_SI",
    "hr_HR",
    "et_EE",
    "lt_LT",
    "lv_LV",
    "en_NZ",
    "fr_CA",
    "fr_CH",
    "de_AT",
    "de_CH",
    "es_AR",
    "es_CO",
    "es_CL",
    "nl_BE",
    "ga_IE",
]
# Surnames only of the first twenty locales: the others' (Romanian, Indonesian, Hungarian, …) hold
# everyday words of Portuguese and Spanish and cost more on public sets than they found (Bosque test
# 0.518 -> 0.511 with them).
SURNAME_LOCALES = LOCALES[: LOCALES.index("hu_HU")]
_EVERYDAY_LANGUAGES = ("en", "es", "pt", "fr", "de", "it", "nl")
_EVERYDAY_FROM = -5.0  # log10 frequency: a word seen once in 100,000
OUT = ROOT / "apps" / "detection" / "data" / "first_names.txt"
SURNAMES = ROOT / "apps" / "detection" / "data" / "surnames.txt"


def main() -> None:
    names: set[str] = set()
    for locale in LOCALES:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        found: set[str] = set()
        for attr in ("first_names", "first_names_male", "first_names_female"):
            value = getattr(provider, attr, ()) or ()
            if isinstance(value, property):  # a list some providers build per instance (ga_IE)
                value = getattr(provider(Generator()), attr)
            found.update(value)
        if locale in SURNAME_LOCALES:
            names |= found
        else:
            # The later locales' names that are everyday words of a language we serve ("Santa",
            # "Liga", "Vida", "Uma", "Ela" read as names all over Portuguese text) are left out.
            # With and without accents: detection also knows "liga" of Latvian "Līga".
            new = sorted(found - names)
            spelt = word_frequencies([n.lower() for n in new], _EVERYDAY_LANGUAGES)
            bare = word_frequencies([unaccented(n.lower()) for n in new], _EVERYDAY_LANGUAGES)
            highest = np.fmax(spelt, bare)  # fmax: an unknown word is NaN
            common = [any(float(x) >= _EVERYDAY_FROM for x in row) for row in highest]
            names.update(n for n, everyday in zip(new, common, strict=True) if not everyday)
    kept = sorted(
        n
        for n in names
        if n.replace("-", "").isalpha() and len(n) >= 2 and n[0].isupper() and n.lower() not in NOT_NAMES
    )
    header = "# First names from Faker's person providers (MIT licence), " + " ".join(LOCALES) + "\n"
    OUT.write_text(header + "\n".join(kept) + "\n", encoding="utf-8")
    print(f"{OUT}: {len(kept)} names")
    surnames: set[str] = set()
    for locale in SURNAME_LOCALES:
        surnames.update(getattr(importlib.import_module(f"faker.providers.person.{locale}").Provider, "last_names", ()))
    # One word each ("Van der Berg" and "Garcia Lopez" are two words: the recognizer reads one),
    # three letters or more, no common word ("Long", "Will").
    kept = sorted(
        n
        for n in surnames
        if n.replace("-", "").replace("'", "").isalpha()
        and len(n) >= 3
        and n[0].isupper()
        and n.lower() not in NOT_NAMES
    )
    header = "# Surnames from Faker's person providers (MIT licence), " + " ".join(SURNAME_LOCALES) + "\n"
    SURNAMES.write_text(header + "\n".join(kept) + "\n", encoding="utf-8")
    print(f"{SURNAMES}: {len(kept)} names")


if __name__ == "__main__":
    main()
