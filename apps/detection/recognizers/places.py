"""Places the small NER model misses: street addresses, and capitalised words after a place cue.

"Ship it to 42 Elm Street, Springfield" comes out of NER as two fragments, and "I'm based in
Gdansk" often as nothing or a person. A house number plus a street word is an address on its
own; a capitalised word after "live in", "based in", "moving to", "from X to Y" is a place
unless it is a UI label, a common word or a known first name.
"""

from __future__ import annotations

import bisect
import itertools
import re
from functools import cache
from pathlib import Path

from apps.detection.findings import LOCATION, Finding
from apps.detection.recognizers.base import digit_count, literal_alternation, lower_words, lowered, unaccented, word_set
from apps.detection.recognizers.gazetteers import (
    NOT_NAMES,
    ROLE_AND_PLAN_WORDS,
    NameList,
    find_names,
    first_names,
    known_companies,
    name_list,
    name_list_of,
    run_words,
    surnames,
)
from apps.detection.recognizers.names import COMMON_WORDS
from apps.nlp.word_frequencies import word_frequencies

ADDRESS_SCORE = 0.9  # above NER's 0.85, so the whole address beats NER's fragments of it
# A capitalised word right after a place cue is a place: above NER (0.85), which calls unknown towns
# people or companies ("vado a Latisana", "vou pra Gondomar").
CUED_PLACE_SCORE = 0.86
# A known city or country (``data/places.txt``) standing alone among capitalised words ("in
# Sevilla,", "from München") beats NER's guess of another type (0.85); inside a longer run of
# capitalised words ("Paris Hilton", "Banco Santander") it yields to NER.
GAZETTEER_PLACE_SCORE = 0.86
GAZETTEER_PLACE_IN_RUN_SCORE = 0.8
_PLACES_FILE = Path(__file__).resolve().parents[1] / "data" / "places.txt"

_CAP = r"[A-ZÀ-ÖØ-Þ][\wß-ÿ'’]+"
# English street types: the USPS standard suffixes people use, plus British ones ("Mews", "Close").
_STREET = (
    r"Street|St\.?|Road|Rd\.?|Avenue|Ave\.?|Lane|Ln\.?|Boulevard|Blvd\.?|Drive|Dr\.?|Way|Place|Pl\.?|Court|Ct\.?"
    r"|Square|Sq\.?|Terrace|Close|Crescent|Row|Parkway|Highway"
    r"|Alley|Bend|Bluffs?|Branch|Bridge|Brooks?|Bypass|Canyon|Causeway|Circle|Cir\.?|Cliffs?|Common|Corners?"
    r"|Courts|Coves?|Creek|Crest|Crossing|Dale|Drives|Estates?|Expressway|Falls|Ferry|Fields?|Flats?|Fords?"
    r"|Forest|Forges?|Forks?|Freeway|Gardens?|Gateway|Glens?|Greens?|Groves?|Harbou?rs?|Haven|Heights|Hills?"
    r"|Hollow|Islands?|Isle|Junctions?|Keys?|Knolls?|Lakes?|Landing|Lights?|Locks?|Lodge|Loop|Manors?|Meadows?"
    r"|Mews|Mills?|Mission|Motorway|Mount|Mountains?|Orchard|Oval|Parks?|Pass|Passage|Path|Pike|Pines?|Plains?"
    r"|Plaza|Points?|Ports?|Prairie|Ranch|Rapids?|Ridges?|Roads|Route|Run|Shoals?|Shores?|Springs?|Squares"
    r"|Station|Stravenue|Stream|Streets|Summit|Throughway|Trace|Track|Trail|Tunnel|Turnpike|Union|Valleys?"
    r"|Viaduct|Views?|Villages?|Ville|Vista|Walks?|Wells?|Ways"
)
# A flat, suite or apartment before or after the street ("Flat 15B, Brooks Manors", "… Suite 211").
_UNIT = r"(?:Flat|Studio|Unit|Apartment|Apt\.?|Suite|Ste\.?|Piso|Planta|Andar|Apto\.?|Dpto\.?|Étage|Interno|Int\.)\s+\w{1,4}"
# What may follow a street: a unit, then a postcode (UK, Dutch, numeric incl. "1000-001") and a town.
# A town's name, with the short words inside many ("Rio de Janeiro", "Frankfurt am Main", "Freiburg im
# Breisgau", "Clermont-Ferrand", "Stratford-upon-Avon").
_TOWN = rf"{_CAP}(?:(?:[ -](?:de|do|da|dos|das|del|di|du|am|an|im|la|le|el|sur|upon|on|en|ob|bei))?[ -]{_CAP}){{0,2}}"
_TAIL = (
    rf"(?:,?\s+{_UNIT})?(?:,?\s*\d{{1,2}}º\s*[A-Z]\b)?"
    rf"(?:,?\s+(?:[A-Z]{{1,2}}\d[A-Z\d]?\s?\d[A-Z]{{2}}\s+|\d{{4}}\s?[A-Z]{{2}}\s+|\d{{4,5}}(?:-\d{{3}})?\s+)?{_TOWN})?"
)
_ROMANCE_STREET = (
    r"(?i:Calle|C/|C\.|Avenida|Avda\.|Av\.|Paseo|Camino|Ronda|Plaza|Pasaje|Carrer|Travesía|Glorieta|Rua|R\."
    r"|Travessa|Largo|Alameda|Praça|Estrada|Via|Viale|Piazza|Piazzale|Corso|Vicolo|Borgo|Canale|Contrada|Strada"
    r"|Incrocio|Rotonda|Vico|ul\.|Aleja|Aleje)"  # Polish "ul. Marszałkowska 84"
)
# Written out, for the number-first form: "65 C. I'm Hannah" is no street.
_ROMANCE_STREET_WORD = (
    r"(?i:Calle|Avenida|Paseo|Camino|Ronda|Plaza|Carrer|Rua|Travessa|Largo|Alameda|Praça|Estrada|Via|Viale"
    r"|Piazza|Corso|Vicolo|Strada)"
)
_FRENCH_STREET = r"(?i:rue|avenue|av\.|boulevard|bd|chemin|allée|impasse|place|quai|route|cours|square)"
_PARTICLE = r"(?:de|del|de la|da|do|dos|das|la|le|les|des|du|di|della|delle|dei|degli|d'|l')"
# Dutch and German compound street names ("Liekestraat 10", "Bryanweg 1", "Elise-Hamann-Gasse 92").
_COMPOUND_STREET = (
    r"(?i:straße|strasse|str\.|weg|platz|allee|gasse|ring|damm|ufer|chaussee|straat|laan|dreef|plein|gracht"
    r"|kade|singel|steeg|dijk|pad)"
)
_ADDRESS_RE = re.compile(
    rf"(?<![\w/.-])(?:{_UNIT},?\s+(?:\d{{1,5}}[A-Za-z]?,?\s+)?|\d{{1,5}}[A-Za-z]?,?\s+)(?:{_CAP}\s+){{1,3}}(?:{_STREET})(?![\w])"
    rf"{_TAIL}"
    rf"|(?<![\w]){_ROMANCE_STREET}\s+(?:{_PARTICLE}\s*)?(?:{_CAP}\s*){{1,4}},?\s*(?:\d{{1,4}}[A-Za-z]?|[Ss]/[Nn])(?![\w/])"
    rf"{_TAIL}"
    rf"|(?<![\w])\d{{1,4}}(?:\s?(?:bis|ter))?,?\s+{_FRENCH_STREET}\s+(?:{_PARTICLE}\s*){{0,2}}{_CAP}(?:[ -]{_CAP}){{0,3}}"
    rf"(?:,?\s+(?:\d{{5}}\s+)?{_CAP}(?:[ -]{_CAP}){{0,2}})?"
    # The number first in es/pt/it ("15 Calle Luna"), after in French-speaking Switzerland and
    # Belgium ("Rue du Rhône 65, Genève").
    rf"|(?<![\w])\d{{1,4}},?\s+{_ROMANCE_STREET_WORD}\s+(?:{_PARTICLE}\s*)?{_CAP}(?:[ -]{_CAP}){{0,3}}(?![\w])"
    rf"{_TAIL}"
    rf"|(?<![\w]){_FRENCH_STREET}\s+(?:{_PARTICLE}\s*){{0,2}}{_CAP}(?:[ -]{_CAP}){{0,3}},?\s+\d{{1,4}}(?:\s?(?:bis|ter))?(?![\w/])"
    rf"{_TAIL}"
    rf"|(?<![\w])[A-ZÄÖÜ][\wäöüß]{{2,}}(?:-[A-ZÄÖÜ][\wäöüß]+)*-?{_COMPOUND_STREET}\s+\d{{1,4}}[a-zA-Z]?(?![\w])"
    rf"{_TAIL}"
)
_ADDRESS_QUICK_RE = re.compile(r"\d")
# The town after a comma at the end of an address ("88 Harbor Way, San Diego", "Hauptstraße 5,
# 69117 Heidelberg", "58 Willow Crescent, Leeds LS6"): a place of its own, as every labelled corpus
# writes it (street and town are two entities), so the address is reported as two findings. The
# postcode between them is neither.
_TOWN_AFTER_STREET_RE = re.compile(
    # After a comma, or on the next line of an address block ("Industriestraße 47\n73033 Göppingen").
    rf"(?:,\s*|[ \t]*\n\s*)(?:[A-Z]{{1,2}}\d[A-Z\d]?\s?\d[A-Z]{{2}}\s+|\d{{4}}\s?[A-Z]{{2}}\s+|\d{{4,5}}(?:-\d{{3}})?\s+)?"
    rf"(?P<town>{_TOWN}?)(?:\s+[A-Z]{{1,2}}\d[A-Z\d]?)?\Z"
)


def _literal_start(alternative: str) -> str:
    """The part of one alternative of the street lists above that every match of it starts with:
    up to the first escape, group, or character made optional ("Harbou?rs?" -> "Harbo", "St\\.?" -> "St")."""
    for i, char in enumerate(alternative):
        if char in "\\(" or alternative[i + 1 : i + 2] == "?":
            return alternative[:i]
    return alternative


def _alternatives(group: str) -> list[str]:
    return group.removeprefix("(?i:").removesuffix(")").split("|")


# Which street word an address could have, checked before the address regex (23 µs on a demo answer
# that passed the word check with "lock", "point", "track" or a sentence's "r."): an English street
# type as written, capital first ("Lock", "St"; the regex reads them case-sensitively), or a Romance,
# French or compound street word followed by whitespace in ``lowered(text)`` (they are read
# case-insensitively; their dots are literal).
_ENGLISH_STREET_QUICK_RE = re.compile(literal_alternation(_literal_start(alt) for alt in _alternatives(_STREET)))
_OTHER_STREET_QUICK_RE = re.compile(
    "(?:"
    + literal_alternation(
        alt.replace("\\.", ".").lower()
        for group in (_ROMANCE_STREET, _FRENCH_STREET, _COMPOUND_STREET)
        for alt in _alternatives(group)
    )
    + r")\s"
)
# Cue words for a set-intersection pre-check (``lower_words``); the regexes run only when
# one is present.
_STREET_WORDS = frozenset(
    word.lower().rstrip("s") if strip else word.lower()
    for word in re.findall(r"[^\W\d_]+/?", _STREET + _UNIT + _ROMANCE_STREET + _FRENCH_STREET)
    for strip in (False, True)
) - {"", "i", "flat"}  # "flat" is common; a flat's address still has a street word
_COMPOUND_ENDINGS = (
    "straße",
    "strasse",
    "str.",
    "weg ",
    "platz",
    "allee",
    "gasse",
    "ring ",
    "damm",
    "ufer",
    "chaussee",
    "straat",
    "laan",
    "dreef",
    "plein",
    "gracht",
    "kade",
    "singel",
    "steeg",
    "dijk",
    "pad ",
)
# Any compound street ending in the lowercased text, as one trie search (``literal_alternation``)
# instead of twenty-one substring searches.
_COMPOUND_ENDINGS_RE = re.compile(literal_alternation(_COMPOUND_ENDINGS))
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
        "am",
        "are",
        "originally",
        "arrived",
        "arriving",
        "came",
        "come",
        "comes",
        "visiting",
        "trip",
        "flight",
        "flights",
        "shipping",
        "ship",
        "shipped",
        "deliver",
        "delivery",
        "delivering",
        "train",
        "drive",
        "driving",
        # es/pt/fr/de/it/nl
        "vivo",
        "vivimos",
        "moro",
        "moramos",
        "viajo",
        "voy",
        "vou",
        "mudo",
        "mudamos",
        "habite",
        "j'habite",
        "déménage",
        "déménageons",
        "vais",
        "wohne",
        "wohnen",
        "ziehe",
        "ziehen",
        "fliege",
        "fahre",
        "woon",
        "wonen",
        "verhuis",
        "verhuizen",
        "vado",
        "abito",
        "trasferisco",
        "trasferiamo",
    ]
)
_PLACE_CUE_RE = re.compile(
    rf"(?<![\w])(?i:live in|lives in|living in|lived in|based in|located in|born in|grew up in|moving to|moved to"
    rf"|move to|relocating to|relocated to|flying to|flew to|fly to|travelling to|traveling to|office is in"
    rf"|offices are in|warehouse is in|headquartered in|i'm in|we're in|stationed in"
    # "I am in Ullaste for a business trip", "originally from Kiel", "arrived at Riverlea this morning"
    rf"|i am in|we are in|originally from|arrived in|arrived at|arriving in|came from|come from|comes from"
    rf"|moved here from|moved from|visiting|trip to"
    # "Flight to Schmölln tomorrow", "Shipping to Teruel please", "deliver it to…" is not one (a pronoun between)
    rf"|flight to|flights to|shipping to|ship to|shipped to|deliver to|delivery to|delivering to"
    rf"|train to|drive to|driving to"
    # "vivo en León", "vou pra Faro", "on déménage à Rennes", "wir ziehen nächsten Monat nach Koblenz",
    # "we verhuizen naar Leiden", "domani vado a Latisana"
    rf"|vivo en|vivimos en|me mudo a|nos mudamos a|viajo a|vivo em|moro em|moramos em|moro no|moro na"
    rf"|vou pra|vou para|viajo para|mudamos para|j'habite à|j’habite à|habite à|déménage à|déménageons à"
    rf"|je vais à|wohne in|wohnen in|ziehe(?:n)?(?: \w+){{0,2}} nach|fliege nach|fahre nach|woon in|wonen in"
    rf"|verhuis naar|verhuizen naar|vado a|abito a|vivo a|mi trasferisco a|ci trasferiamo a)"
    rf"\s+(?P<place>{_CAP}(?:[ -](?:(?:de|do|da|dos|das|del|di|am|an|la|le|sur|upon|on)[ -])?{_CAP}){{0,3}})"
)
# The cues of ``_PLACE_CUE_RE`` as written there; a plain phrase must be followed by whitespace,
# "ziehe(?:n)?(?: \w+){0,2} nach" needs at least "ziehe". Searched case-sensitively in ``lowered(text)``
# as one trie: most messages with a cue word ("i'm", "move") hold no cue phrase ("I'm sorry"), and
# then the case-insensitive cue regex, which tries sixty phrases at every position, does not run.
_PLACE_CUES = _PLACE_CUE_RE.pattern.split("(?i:", 1)[1].split(r")\s+(?P<place>", 1)[0].split("|")
_REGEX_SYNTAX = re.compile(r"[()\[\]{}?*+.\\]")
_PLACE_CUE_QUICK_RE = re.compile(
    "(?:"
    + literal_alternation(cue for cue in _PLACE_CUES if not _REGEX_SYNTAX.search(cue))
    + r")\s|"
    + literal_alternation(_REGEX_SYNTAX.split(cue, maxsplit=1)[0] for cue in _PLACE_CUES if _REGEX_SYNTAX.search(cue))
)
_FROM_TO_RE = re.compile(rf"(?<![\w])(?i:from)\s+(?P<a>{_CAP}(?: {_CAP})?)\s+(?i:to)\s+(?P<b>{_CAP}(?: {_CAP})?)")


# Towns typed in lower case on a trip: "el vuelo de barcelona a bogota", "un volo roma napoli", "un
# train paris marseille", "einen flug von münchen nach hamburg", "from lisbon to porto". Both must
# be listed places (accents optional) and neither a common word ("from home to work").
_TRIP_WORD = r"[a-zà-öø-ÿ]+(?:[ -][a-zà-öø-ÿ]+)??"
_TRIP_RE = re.compile(
    r"(?<![\w])(?:(?:from|de|desde|da|dal|von|du|van)\s+"
    rf"(?P<a>{_TRIP_WORD})\s+(?:to|a|à|para|al|nach|per|au|bis|naar|pour)\s+(?P<b>{_TRIP_WORD})"
    r"|(?:flights?|vuelos?|vol[io]?|vols|voos?|flug|flüge|trains?|tren|treno|trem|zug|billets?|biglietto|billete"
    r"|passagem)\s+(?:(?:from|de|desde|da|dal|von|du|van)\s+)?"
    rf"(?P<c>{_TRIP_WORD})\s+(?:(?:to|a|à|para|al|nach|per|au|bis|naar|pour)\s+)?(?P<d>{_TRIP_WORD}))(?![\w])"
)
_TRIP_CUE_WORDS = frozenset(
    [
        "from",
        "de",
        "desde",
        "da",
        "dal",
        "von",
        "du",
        "van",
        "flight",
        "flights",
        "vuelo",
        "vuelos",
        "volo",
        "voli",
        "vol",
        "vols",
        "voo",
        "voos",
        "flug",
        "flüge",
        "train",
        "trains",
        "tren",
        "treno",
        "trem",
        "zug",
        "billet",
        "billets",
        "biglietto",
        "billete",
        "passagem",
    ]
)


def _folded(value: str) -> str:
    return unaccented(value.lower())


@cache
def _lower_places() -> dict[str, int]:
    """Listed places, lower case without accents, and how many words each has."""
    return {_folded(name): len(name.split()) for name in name_list(_PLACES_FILE).names}


def _listed_lower_place(value: str) -> bool:
    words = value.split()
    if any(w in NOT_NAMES or w in COMMON_WORDS for w in words):
        return False
    return _folded(value) in _lower_places()


@cache
def _lower_place_words() -> frozenset[str]:
    """Every word of a listed place, lower case, with and without accents (for ``lower_words``)."""
    names = name_list(_PLACES_FILE).names
    return frozenset(w for name in names for w in (*name.lower().split(), *_folded(name).split()))


def _trip_places(text: str) -> list[Finding]:
    words = lower_words(text)
    if words.isdisjoint(_TRIP_CUE_WORDS) or words.isdisjoint(_lower_place_words()):
        return []
    found: list[Finding] = []
    for m in _TRIP_RE.finditer(text):
        pair = ("a", "b") if m.group("a") is not None else ("c", "d")
        spans = []
        for group in pair:
            start, end = m.span(group)
            value = text[start:end]
            # Two words may be one place ("rio de janeiro") or a place and the next word.
            if not _listed_lower_place(value) and " " in value:
                end = start + value.index(" ")
                value = text[start:end]
            if not value.islower() or not _listed_lower_place(value):
                break
            spans.append((start, end))
        else:
            found.extend(Finding(LOCATION, start, end, CUED_PLACE_SCORE, "cued_place") for start, end in spans)
    return found


# Capitalised words after a cue that are not places: German nouns ("wir ziehen nach Hause").
_NOT_PLACES = frozenset(["hause", "haus", "ausland", "deutschland's"])


# An unlisted place made only of everyday English words is a department, a state or an activity
# after "I'm in" ("I'm in Sales", "we're in Trouble", "I am in Meetings all day"); from this log10
# frequency a word is everyday ("sales" -4.0; "lisbon" -5.0, "riverlea" unlisted).
EVERYDAY_WORD_FROM = -4.6


def _place_like(value: str) -> bool:
    words = [w.lower() for w in re.split(r"[ -]", value)]
    if any(w in NOT_NAMES or w in _NOT_PLACES or w in ROLE_AND_PLAN_WORDS for w in words) or (
        len(words) == 1 and words[0] in first_names()
    ):
        return False
    if value in name_list(_PLACES_FILE).names:
        return True
    frequencies = word_frequencies(words, ("en",))[:, 0]
    return not bool((frequencies >= EVERYDAY_WORD_FROM).all())


# A place name glued to symbols or digits is part of a token ("DB_PASS=Sevilla#2024", "Paris2024!").
_GLUED_AFTER = frozenset("#@$%_0123456789")
_GLUED_BEFORE = frozenset("=_/$")  # not "#": a hashtag place ("#Palermo") is still named


def _gazetteer_places(text: str) -> list[Finding]:
    return [
        Finding(
            LOCATION, start, end, GAZETTEER_PLACE_SCORE if alone else GAZETTEER_PLACE_IN_RUN_SCORE, "place_gazetteer"
        )
        for start, end, alone in find_names(text, name_list(_PLACES_FILE))
        if text[end : end + 1] not in _GLUED_AFTER and text[start - 1 : start] not in _GLUED_BEFORE
    ]


# A city written before its country, as in addresses and signatures: "Oulu, Finland", "Apt. 656
# Brønderslev   Denmark 35018", a line "KOKKOLA" above "Finland". The country must be a listed one
# (``data/countries.txt``, with and without a leading "The"); between the two a comma, a line break
# or a run of blanks. The city is one to three capitalised words (or in capitals) that pass
# ``_place_like`` and are no company ("Acme Corp, Germany").
CITY_BEFORE_COUNTRY_SCORE = 0.8  # under a full name's 0.86: "Hi Maria Lopez, Spain is…" stays a person
_COUNTRIES_FILE = _PLACES_FILE.with_name("countries.txt")
_CITY_WORD = r"[A-ZÀ-ÖØ-Þ][\wß-ÿ'’]*"
_CITY_BEFORE_RE = re.compile(
    rf"(?<![\w'’.-])(?P<city>{_CITY_WORD}(?:[ -](?:(?:de|del|di|am|an|la|le|sur|upon|nad|u)[ -])?{_CITY_WORD}){{0,2}})"
    r"(?:[ \t]*,[ \t]*|[ \t]*\n[ \t\n]*|[ \t]{2,})\Z"
)
_NOT_CITY_WORDS = frozenset(
    [
        "inc",
        "ltd",
        "llc",
        "gmbh",
        "corp",
        "co",
        "ag",
        "sa",
        "srl",
        "bv",
        "plc",
        "bank",
        "group",
        "company",
        "office",
        "team",
        "department",
        "support",
        "sales",
    ]
)


@cache
def _countries() -> NameList:
    lines = _COUNTRIES_FILE.read_text(encoding="utf-8").splitlines()
    names = [line for line in lines if line and not line.startswith("#")]
    return name_list_of(names + [name.removeprefix("The ") for name in names if name.startswith("The ")])


def _cities_before_countries(text: str) -> list[Finding]:
    found: list[Finding] = []
    for start, _, _ in find_names(text, _countries()):
        m = _CITY_BEFORE_RE.search(text, max(0, start - 80), start)
        if m is None:
            continue
        city, city_start = m.group("city"), m.start("city")
        # A run that holds another country ends after it ("Finland Oulu, Finland" is "Oulu").
        for word in reversed(list(re.finditer(r"[^ -]+", city))):
            if word.group() in _countries().names:
                city, city_start = city[word.end() + 1 :], city_start + word.end() + 1
                break
        if not city:
            continue
        words = [w.lower() for w in re.split(r"[ -]", city)]
        if any(w in _NOT_CITY_WORDS for w in words) or words[0] in COMMON_WORDS or city in _countries().names:
            continue  # a company, a greeting ("Hi Maria, Spain is…"), a list of countries
        if _place_like(city) and city not in known_companies().names:
            found.append(Finding(LOCATION, city_start, m.end("city"), CITY_BEFORE_COUNTRY_SCORE, "city_country"))
    return found


# Towns named after a person, the way English place names and Faker's invented towns (the data
# behind Presidio's evaluation set and most synthetic PII sets) are made: a first name or a
# surname with a town ending ("Jonathanchester", "Smithville", "Williamberg", "Leeport") or after a
# compass or water word ("Port Hayley", "North Brandon", "Lake Jennifer", "West Brittany"). No cue
# is needed: neither form is anything but a town. A word that is itself a listed name is a
# person's ("Johnston", "Preston", "Ashton"), and a suffix needs a stem of three letters or more.
# "New" only before a named town ("New Colinshire"; "New Day", "New Taylor Swift album" are none).
NAMED_TOWN_SCORE = 0.86
_TOWN_ENDINGS = tuple(
    sorted(
        word_set(
            "town ton land ville berg burgh borough bury view port mouth stad furt chester fort haven side shire field ford"
            " wood dale mont burg"
        )
    )
)
_TOWN_SUFFIX = "(?:" + "|".join(_TOWN_ENDINGS) + ")"
_NAMED_TOWN_RE = re.compile(
    # "Port Mathewbury", "New Brucemouth": a prefix before a named town ("New" only there).
    rf"(?<![\w'’.-])(?:(?:North|East|West|South|Lake|Port|Fort|New)[ \t]+(?P<stem2>[A-Z][a-z]{{2,}}?){_TOWN_SUFFIX}"
    r"|(?P<prefix>North|East|West|South|Lake|Port|Fort)[ \t]+(?P<name>[A-Z][a-z]{2,})"
    rf"|(?P<stem>[A-Z][a-z]{{2,}}?){_TOWN_SUFFIX})(?![\w'’-])"
)
# Both forms hold a capitalised word (``run_words``, computed once per text for the name rules)
# that ends in a town ending or is a prefix: a set check and a suffix test rule out most messages.
_TOWN_PREFIXES = frozenset(["North", "East", "West", "South", "Lake", "Port", "Fort", "New"])


def _named_towns(text: str) -> list[Finding]:
    found: list[Finding] = []
    words = run_words(text)
    if _TOWN_PREFIXES.isdisjoint(words) and not any(word.endswith(_TOWN_ENDINGS) for word in words):
        return found
    firsts, listed = first_names(), surnames()
    for m in _NAMED_TOWN_RE.finditer(text):
        stem = (m.group("name") or m.group("stem") or m.group("stem2")).lower()
        if stem not in firsts and stem not in listed:
            continue
        if m.group("stem") is not None:  # one word: not itself a name ("Johnston")
            whole = m.group().lower()
            if whole in firsts or whole in listed or whole in COMMON_WORDS:
                continue
        found.append(Finding(LOCATION, m.start(), m.end(), NAMED_TOWN_SCORE, "named_town"))
    return found


def recognize_places(text: str) -> list[Finding]:
    found: list[Finding] = []
    words = lower_words(text)
    if (
        digit_count(text)  # shared and cached: over half of all messages have no digit, and stop here
        and _ADDRESS_QUICK_RE.search(text)
        and (not _STREET_WORDS.isdisjoint(words) or _COMPOUND_ENDINGS_RE.search(text.lower()) is not None)
        and (
            _ENGLISH_STREET_QUICK_RE.search(text) is not None
            or _OTHER_STREET_QUICK_RE.search(lowered(text)) is not None
        )
    ):
        for m in _ADDRESS_RE.finditer(text):
            end = m.end()
            while text[end - 1] in ".,":
                end -= 1
            town = _TOWN_AFTER_STREET_RE.search(text, m.start(), end)
            if town is not None and not _STREET_WORDS.isdisjoint(town.group("town").lower().split()):
                town = None  # "Flat 15B, Brooks Manors": the comma is inside the street
            found.append(Finding(LOCATION, m.start(), town.start() if town else end, ADDRESS_SCORE, "street_address"))
            if town is not None:
                town_end = town.end("town")
                head, _, last = town.group("town").rpartition(" ")
                if head and last in _REGION_CODES:
                    town_end -= len(last) + 1  # "Sydney NSW 2000": the state is a place of its own
                found.append(Finding(LOCATION, town.start("town"), town_end, ADDRESS_SCORE, "street_address"))
    cued = not _PLACE_CUE_WORDS.isdisjoint(words) and _PLACE_CUE_QUICK_RE.search(lowered(text)) is not None
    for m in _PLACE_CUE_RE.finditer(text) if cued else ():
        if _place_like(m.group("place")):
            found.append(Finding(LOCATION, m.start("place"), m.end("place"), CUED_PLACE_SCORE, "cued_place"))
    for m in _FROM_TO_RE.finditer(text) if "from" in words else ():
        if _place_like(m.group("a")) and _place_like(m.group("b")):
            for group in ("a", "b"):
                found.append(Finding(LOCATION, m.start(group), m.end(group), CUED_PLACE_SCORE, "cued_place"))
    found.extend(_outside(_trip_places(text), found))
    found.extend(_outside(_cities_before_countries(text), found))
    # A known name inside a place found above ("42 Elm Street, Springfield") is part of it.
    found.extend(_outside(_gazetteer_places(text), found))
    # After the gazetteer: a listed town that only looks named after someone keeps its full name
    # ("Frankfurt am Main").
    found.extend(_outside(_named_towns(text), found))
    if "," in text or " - " in text:
        found.extend(_outside(_region_codes(text, found), found))
    return found


# A state's or province's code after its town, as US, Canadian, Australian and Brazilian addresses
# write it ("Austin, TX 78701", "Toronto, ON", "Sydney NSW 2000", "São Paulo - SP"): a place of its
# own, as the town is. Only after a town found above and before a postcode or the end of the part.
_REGION_CODES = word_set(
    """
    AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC
    ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY
    ON QC BC AB MB NS NB NL PE SK YT NU NT
    NSW VIC QLD TAS ACT
    SP RJ MG RS PR BA CE GO DF ES AM PB RN PI MT RO TO AC AP RR SE
    """
)
_REGION_AFTER_RE = re.compile(
    r"(?:,[ \t]*|[ \t]+-[ \t]+|[ \t]+)(?P<code>[A-Z]{2,3})(?=[ \t]+\d{4,5}\b|[ \t]*(?:[,.;)\n]|\Z))"
)


def _region_codes(text: str, found: list[Finding]) -> list[Finding]:
    codes = []
    for finding in found:
        if (
            finding.type == LOCATION
            and (m := _REGION_AFTER_RE.match(text, finding.end))
            and m.group("code") in _REGION_CODES
        ):
            codes.append(Finding(LOCATION, m.start("code"), m.end("code"), ADDRESS_SCORE, "region_code"))
    return codes


def _outside(candidates: list[Finding], found: list[Finding]) -> list[Finding]:
    """The ``candidates`` that overlap none of ``found``, in n log n: sorted by start, a candidate
    overlaps when the furthest end among the findings that start before its end passes its start
    (comparing each with all of them was quadratic: 7 s on "Finland " repeated 20,000 times)."""
    if not found or not candidates:
        return candidates
    spans = sorted((f.start, f.end) for f in found)
    starts = [start for start, _ in spans]
    furthest = list(itertools.accumulate((end for _, end in spans), max))
    kept = []
    for c in candidates:
        i = bisect.bisect_left(starts, c.end)
        if not i or furthest[i - 1] <= c.start:
            kept.append(c)
    return kept
