"""Dates of birth: a plausible date becomes personal data only next to birth words."""

from __future__ import annotations

import re
from datetime import date

from apps.detection.context import make_context
from apps.detection.findings import DATE_OF_BIRTH, Finding
from apps.detection.recognizers.base import digit_count

_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december"
    "|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
    "|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre"
    "|janeiro|fevereiro|março|marco|maio|junho|julho|setembro|outubro|novembro|dezembro"
    "|janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|novembre|décembre|decembre"
    "|januar|jänner|februar|märz|maerz|juni|juli|oktober|dezember"
    "|gennaio|febbraio|aprile|maggio|giugno|luglio|settembre|ottobre|dicembre"
    "|januari|februari|maart|mei|augustus"
    # abbreviations: es/pt/it/fr/de/nl ("17/set/1948", "11. Mär. 1943", "3 févr. 1980", "5 mrt 1990")
    "|ene|abr|ago|dic|fev|mai|set|out|dez|gen|mag|giu|lug|ott|janv|févr|fevr|avr|juil|déc|mär|mrz|okt|jän|mrt"
)
_ABBREVIATIONS = {
    **dict.fromkeys(("ene", "gen", "janv", "jän"), 1),
    **dict.fromkeys(("fev", "févr", "fevr"), 2),
    **dict.fromkeys(("mär", "mrz", "mrt"), 3),
    **dict.fromkeys(("abr", "avr"), 4),
    **dict.fromkeys(("mai", "mag"), 5),
    "giu": 6,
    **dict.fromkeys(("lug", "juil"), 7),
    "ago": 8,
    "set": 9,
    **dict.fromkeys(("out", "ott", "okt"), 10),
    **dict.fromkeys(("dic", "dez", "déc"), 12),
}
_MONTH_NUMBER = {
    **dict.fromkeys(("january", "jan", "enero", "janeiro", "janvier", "januar", "jänner", "gennaio", "januari"), 1),
    **dict.fromkeys(
        ("february", "feb", "febrero", "fevereiro", "février", "fevrier", "februar", "febbraio", "februari"), 2
    ),
    **dict.fromkeys(("march", "mar", "marzo", "março", "marco", "mars", "märz", "maerz", "maart"), 3),
    **dict.fromkeys(("april", "apr", "abril", "avril", "aprile"), 4),
    **dict.fromkeys(("may", "mayo", "maio", "mai", "maggio", "mei"), 5),
    **dict.fromkeys(("june", "jun", "junio", "junho", "juin", "juni", "giugno"), 6),
    **dict.fromkeys(("july", "jul", "julio", "julho", "juillet", "juli", "luglio"), 7),
    **dict.fromkeys(("august", "aug", "agosto", "août", "aout", "augustus"), 8),
    **dict.fromkeys(("september", "sep", "sept", "septiembre", "setiembre", "setembro", "septembre", "settembre"), 9),
    **dict.fromkeys(("october", "oct", "octubre", "outubro", "octobre", "oktober", "ottobre"), 10),
    **dict.fromkeys(("november", "nov", "noviembre", "novembro", "novembre"), 11),
    **dict.fromkeys(("december", "dec", "diciembre", "dezembro", "décembre", "decembre", "dezember", "dicembre"), 12),
    **_ABBREVIATIONS,
}
_DATE_RE = re.compile(
    rf"(?<![\w./-])(?:"
    rf"(?P<d1>\d{{1,2}})[./-](?P<m1>\d{{1,2}})[./-](?P<y1>(?:19|20)\d{{2}}|\d{{2}})"
    rf"|(?P<y2>(?:19|20)\d{{2}})[./-](?P<m2>\d{{1,2}})[./-](?P<d2>\d{{1,2}})"
    # "14 March 1985", "the 2nd of February 1970", "12 de mayo de 1980", "14-Mar-1985"
    rf"|(?P<d3>\d{{1,2}})(?:st|nd|rd|th|º|°|\.|er)?(?:\s+|[-/])(?:de\s+|of\s+)?(?P<m3>{_MONTHS})\.?,?(?:\s+|[-/])(?:de\s+|del\s+)?(?P<y3>(?:19|20)\d{{2}})"
    rf"|(?P<m4>{_MONTHS})\.?\s+(?P<d4>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y4>(?:19|20)\d{{2}})"
    rf")(?![\w]|[./-]\d)",
    re.IGNORECASE,
)
# What every match of ``_DATE_RE`` contains: a numeric date's "d.m." / "m/d/" part with the next
# digit, or a year 19xx/20xx (the other three forms). The big case-insensitive regex costs
# ~100 µs on a chat message with digits; this one finds nothing in most of them ("5-7 business
# days", "$388.00", "ORD-455326") and then the regex does not run.
# Written to start with \d so the engine skips to digits (no per-position branch).
_DATE_QUICK_RE = re.compile(r"\d(?:[./-]\d\d?[./-]\d|(?<=1)9\d\d|(?<=2)0\d\d)")
_DOB_CONTEXT = make_context(
    positive=(
        "born",
        "birth",
        "birthday",
        "birthdate",
        "date of birth",
        "dob",
        "d.o.b",
        "b.",
        "nacido",
        "nacida",
        "nací",
        "naci",
        "nacimiento",
        "cumpleaños",
        "f. nac",
        "nascido",
        "nascida",
        "nasci",
        "nascimento",
        "aniversário",
        "né",
        "née",
        "naissance",
        "geboren",
        "geburtsdatum",
        "geburtstag",
        "geb.",
        "geb",
        "age",
        "edad",
        "idade",
        "âge",
        "alter",
        "nato",
        "nata",
        "nascita",
        "compleanno",
        "geboortedatum",
        "verjaardag",
    ),
    boost=0.6,
    floor_with_context=0.85,
    window_before=60,
)


def _plausible_birth_date(m: re.Match[str]) -> bool:
    groups = m.groupdict()
    for i in "1234":
        if groups[f"y{i}"]:
            year_text, month_text, day_text = groups[f"y{i}"], groups[f"m{i}"], groups[f"d{i}"]
            break
    else:
        return False
    year = int(year_text)
    if len(year_text) == 2:
        year += 1900 if year > 25 else 2000
    month = int(month_text) if month_text.isdigit() else _MONTH_NUMBER.get(month_text.lower().rstrip("."), 0)
    day = int(day_text)
    if i == "1" and month > 12 and day <= 12:
        day, month = month, day  # US month/day order
    try:
        born = date(year, month, day)
    except ValueError:
        return False
    return date(1900, 1, 1) <= born <= date.today()  # noqa: DTZ011 — a calendar bound, not a timestamp


def recognize_date_of_birth(text: str) -> list[Finding]:
    # Every ``_DATE_QUICK_RE`` match has three digits at least (``digit_count``, shared and cached,
    # counts every \d): more than half the demo messages have none, and skip the search.
    if digit_count(text) < 3 or not _DATE_QUICK_RE.search(text):
        return []
    found = []
    for m in _DATE_RE.finditer(text):
        if not _plausible_birth_date(m):
            continue
        # A date alone is not personal data; it becomes a date of birth only in context.
        score = _DOB_CONTEXT.score(text, m.start(), m.end(), 0.2)
        found.append(Finding(DATE_OF_BIRTH, m.start(), m.end(), score, "date_of_birth"))
    return found
