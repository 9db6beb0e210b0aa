"""Places the small NER model misses: street addresses, and capitalised words after a place cue.

"Ship it to 42 Elm Street, Springfield" comes out of NER as two fragments, and "I'm based in
Gdansk" often as nothing or a person. A house number plus a street word is an address on its
own; a capitalised word after "live in", "based in", "moving to", "from X to Y" is a place
unless it is a UI label, a common word or a known first name.
"""

from __future__ import annotations

import re
from pathlib import Path

from apps.detection.findings import LOCATION, Finding
from apps.detection.recognizers.base import lower_words
from apps.detection.recognizers.gazetteers import NOT_NAMES, find_names, first_names, name_list

ADDRESS_SCORE = 0.9  # above NER's 0.85, so the whole address beats NER's fragments of it
CUED_PLACE_SCORE = 0.8
# A known city or country (``data/places.txt``) standing alone among capitalised words ("in
# Sevilla,", "from München") beats NER's guess of another type (0.85); inside a longer run of
# capitalised words ("Paris Hilton", "Banco Santander") it yields to NER.
GAZETTEER_PLACE_SCORE = 0.86
GAZETTEER_PLACE_IN_RUN_SCORE = 0.8
_PLACES_FILE = Path(__file__).resolve().parents[1] / "data" / "places.txt"

_CAP = r"[A-ZÀ-ÖØ-Þ][\wß-ÿ'’]+"
_STREET = (
    r"Street|St\.?|Road|Rd\.?|Avenue|Ave\.?|Lane|Ln\.?|Boulevard|Blvd\.?|Drive|Dr\.?|Way|Place|Pl\.?|Court|Ct\.?"
    r"|Square|Sq\.?|Terrace|Close|Crescent|Row|Parkway|Highway"
)
_ADDRESS_RE = re.compile(
    rf"(?<![\w/.-])\d{{1,5}}[A-Za-z]?,?\s+(?:{_CAP}\s+){{1,3}}(?:{_STREET})(?![\w])"
    rf"(?:,?\s+{_CAP}(?:\s+{_CAP})?)?"
    rf"|(?<![\w])(?:Calle|Avenida|Av\.|Rua|Rue|Via|Viale|Piazza|Praça|Plaza)\s+(?:(?:de|del|da|do|la|le|des|di)\s+)?"
    rf"(?:{_CAP}\s*){{1,3}},?\s*\d{{1,4}}"
    rf"|(?<![\w])[A-ZÄÖÜ][a-zäöüß]+(?:straße|strasse|weg|platz|allee|gasse|ring|damm)\s+\d{{1,4}}[a-z]?(?![\w])"
)
_ADDRESS_QUICK_RE = re.compile(r"\d")
# Cue words for a set-intersection pre-check (``lower_words``); the regexes run only when
# one is present.
_STREET_WORDS = frozenset(
    [
        "street",
        "st",
        "road",
        "rd",
        "ave",
        "avenue",
        "lane",
        "ln",
        "blvd",
        "boulevard",
        "drive",
        "dr",
        "way",
        "place",
        "pl",
        "court",
        "ct",
        "square",
        "sq",
        "terrace",
        "close",
        "crescent",
        "row",
        "parkway",
        "highway",
        "calle",
        "avenida",
        "av",
        "rua",
        "rue",
        "via",
        "viale",
        "piazza",
        "praça",
        "plaza",
    ]
)
_GERMAN_STREET_ENDINGS = ("straße", "strasse", "weg ", "platz", "allee", "gasse", "ring ", "damm")
_PLACE_CUE_WORDS = frozenset(
    [
        "live",
        "lives",
        "living",
        "lived",
        "based",
        "located",
        "born",
        "grew",
        "moving",
        "moved",
        "move",
        "relocating",
        "relocated",
        "flying",
        "flew",
        "fly",
        "travelling",
        "traveling",
        "office",
        "offices",
        "warehouse",
        "headquartered",
        "i'm",
        "i’m",
        "we're",
        "stationed",
    ]
)
_PLACE_CUE_RE = re.compile(
    rf"(?<![\w])(?i:live in|lives in|living in|lived in|based in|located in|born in|grew up in|moving to|moved to"
    rf"|move to|relocating to|relocated to|flying to|flew to|fly to|travelling to|traveling to|office is in"
    rf"|offices are in|warehouse is in|headquartered in|i'm in|we're in|stationed in)"
    rf"\s+(?P<place>{_CAP}(?:[ -]{_CAP}){{0,2}})"
)
_FROM_TO_RE = re.compile(rf"(?<![\w])(?i:from)\s+(?P<a>{_CAP}(?: {_CAP})?)\s+(?i:to)\s+(?P<b>{_CAP}(?: {_CAP})?)")


def _place_like(value: str) -> bool:
    words = [w.lower() for w in re.split(r"[ -]", value)]
    return not any(w in NOT_NAMES for w in words) and not (len(words) == 1 and words[0] in first_names())


def _gazetteer_places(text: str) -> list[Finding]:
    return [
        Finding(
            LOCATION, start, end, GAZETTEER_PLACE_SCORE if alone else GAZETTEER_PLACE_IN_RUN_SCORE, "place_gazetteer"
        )
        for start, end, alone in find_names(text, name_list(_PLACES_FILE))
    ]


def recognize_places(text: str) -> list[Finding]:
    found: list[Finding] = []
    words = lower_words(text)
    if _ADDRESS_QUICK_RE.search(text) and (
        not _STREET_WORDS.isdisjoint(words) or any(end in text for end in _GERMAN_STREET_ENDINGS)
    ):
        for m in _ADDRESS_RE.finditer(text):
            end = m.end()
            while text[end - 1] in ".,":
                end -= 1
            found.append(Finding(LOCATION, m.start(), end, ADDRESS_SCORE, "street_address"))
    for m in _PLACE_CUE_RE.finditer(text) if not _PLACE_CUE_WORDS.isdisjoint(words) else ():
        if _place_like(m.group("place")):
            found.append(Finding(LOCATION, m.start("place"), m.end("place"), CUED_PLACE_SCORE, "cued_place"))
    for m in _FROM_TO_RE.finditer(text) if "from" in words else ():
        if _place_like(m.group("a")) and _place_like(m.group("b")):
            for group in ("a", "b"):
                found.append(Finding(LOCATION, m.start(group), m.end(group), CUED_PLACE_SCORE, "cued_place"))
    # A known name inside a place found above ("42 Elm Street, Springfield") is part of it.
    found.extend(g for g in _gazetteer_places(text) if all(g.end <= f.start or g.start >= f.end for f in found))
    return found
