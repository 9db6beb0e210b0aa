"""Contact details: e-mail addresses and phone numbers."""

from __future__ import annotations

import re

import phonenumbers

from apps.core.numbers import PHONE_REGIONS, is_valid_phone
from apps.detection.context import CARD_WORDS, REFERENCE_WORDS, make_context
from apps.detection.findings import EMAIL, PHONE, Finding
from apps.detection.recognizers.base import MIN_SCORE, digit_count, digits_of

# --------------------------------------------------------------------------------------- e-mail

_EMAIL_RE = re.compile(
    r"(?<![\w.%+-])[\w](?:[\w.%+-]{0,62}[\w%+-])?@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w-])"
)
# "git@github.com:org/repo" is an SSH remote, not someone's address.
_SSH_REMOTE_RE = re.compile(r"\A(?:git|ssh|hg)@")


# The address's local part starts inside a URL's password: "postgres://app:pa*ss@db.internal".
_URL_USER_BEFORE_RE = re.compile(r"(?i)\b[a-z][a-z0-9+.-]*://[^\s/@:]*:[^\s/@]*\Z")


# An "@" and the first label of a domain with its dot, which every address has: a search that starts
# with the "@" skips straight to it, where the address regex, which starts with a look back, tries
# every position. Mentions ("@user thanks!"), the most common "@" in tweets, stop here.
_EMAIL_QUICK_RE = re.compile(r"@[A-Za-z0-9][A-Za-z0-9-]{0,62}\.")


def recognize_email(text: str) -> list[Finding]:
    if "@" not in text or _EMAIL_QUICK_RE.search(text) is None:
        return []
    found = []
    for m in _EMAIL_RE.finditer(text):
        if _SSH_REMOTE_RE.match(m.group()) and text[m.end() : m.end() + 1] == ":":
            continue
        if _URL_USER_BEFORE_RE.search(text[max(0, m.start() - 200) : m.start()]):
            continue  # "scheme://user:password@host": a password and a host (see secrets), no address
        found.append(Finding(EMAIL, m.start(), m.end(), 0.95, "email"))
    return found


# ---------------------------------------------------------------------------------------- phone

_PHONE_CANDIDATE_RE = re.compile(
    r"(?<![\w+/#@.:=-])(?:\+|00)?\(?\d[\d \u00a0().\-/]{5,22}\d(?:[ \t]?(?i:x|ext\.?)[ \t]?\d{1,6})?"
    r"(?![\w/]|[.\-]\d| ?[-–] ?\d)|(?<![\w+])\+\d{7,15}(?!\w)"
)
# An extension after the number ("345-899-3560x4587", "+1 903 140 4508 ext. 769"): part of the
# finding, not of the number the metadata validates.
_EXTENSION_RE = re.compile(r"[ \t]?(?i:x|ext\.?)[ \t]?\d{1,6}\Z")
_DATE_LIKE_RE = re.compile(r"\A(?:\d{1,4}[./-]\d{1,2}[./-]\d{1,4}|\d{1,2}[./-]\d{1,4})\Z")
_DOTTED_QUAD_RE = re.compile(r"\A\d{1,3}(?:\.\d{1,3}){2,}\Z")
_DATE_INSIDE_RE = re.compile(
    r"(?<!\d)(?:(?:19|20)\d\d[./-](?:0?[1-9]|1[0-2])[./-](?:0?[1-9]|[12]\d|3[01])"
    r"|(?:0?[1-9]|[12]\d|3[01])[./-](?:0?[1-9]|1[0-2])[./-](?:19|20)\d\d)(?!\d)"
)
# Postal codes written with a dash: Portugal "3871-380", Brazil's CEP "01310-100", Poland "00-950".
_POSTCODE_RE = re.compile(r"\A(?:\d{4}-\d{3}|\d{5}-\d{3}|\d{2}-\d{3})\Z")
_DOTTED_ONLY_RE = re.compile(r"\A\d+(?:\.\d+){3,}\Z")
_FRENCH_DOTTED_RE = re.compile(r"\A\d{2}(?:\.\d{2}){4}\Z")
_PHONE_CONTEXT = make_context(
    positive=(
        "phone",
        "telephone",
        "tel",
        "mobile",
        "cell",
        "cellphone",
        "call",
        "call me",
        "ring",
        "text me",
        "whatsapp",
        "sms",
        "fax",
        "contact",
        "number",
        "reach me",
        "teléfono",
        "telefono",
        "móvil",
        "movil",
        "celular",
        "llamar",
        "llámame",
        "telefone",
        "telemóvel",
        "ligar",
        "liga",
        "téléphone",
        "portable",
        "appel*",  # appeler, appelle, appelez(-moi)
        "rappel*",
        "contactez",
        "joindre",
        "telefon*",
        "handy",
        "mobil*",
        "anrufen",
        "ruf",
        "rückruf",
        "erreichbar",
        "zap",
        "cel",
        "cell",
        "tél",
        "tel.",
        "cellulare",
        "cell.",
        "numero",
        "número",
        "numéro",
        "nummer",
        "bel",
        "bellen",
        "chiamami",
        "chiamare",
        "mob",
        # signature line labels: "M: …", "T: …", "P: …"
        "m:",
        "t:",
        "p:",
        "ph:",
        "mob:",
        "msisdn",
        "gsm",
        "tlf",
        "natel",
        "fixo",
        "fijo",
        "landline",
        "hotline",
    ),
    negative=(
        *REFERENCE_WORDS,
        "id",
        "account",
        "account number",
        "sort code",
        "routing",
        "iban",
        "zip",
        "postcode",
        "amount",
        "total",
        "isbn",
        "imei",
        "ssn",
        # a card number next to "number" is not a phone
        *CARD_WORDS,
        "card number",
        "credit card",
        "social security",
        "passport",
        "tax",
        "dni",
        "nif",
        "cpf",
        "nie",
        "steuer-id",
        "cep",
        "código postal",
        "codigo postal",
        "code postal",
        "postleitzahl",
        "plz",
        "cap",
        # a company's tax or registration number
        "vat",
        "vat no",
        "btw",
        "iva",
        "p.iva",
        "partita iva",
        "tva",
        "ust-idnr",
        "siret",
        "siren",
        "kvk",
        "cnpj",
        "cif",
    ),
)
# National numbers of further countries: valid in one of them is weak evidence on its own (most
# 8-10 digit strings are), so these need a phone word nearby (base 0.4).
OTHER_PHONE_REGIONS = (
    "AU",
    "IN",
    "ZA",
    "NZ",
    "SG",
    "NG",
    "KE",
    "CL",
    "PE",
    "UY",
    "MA",
    "LU",
    "SE",
    "NO",
    "DK",
    "FI",
    "PL",
    "CZ",
    "GR",
    "TR",
    "IL",
    "AE",
    "JP",
    "HK",
)


MIN_PHONE_DIGITS = 7
# A candidate needs seven digits with only its separators between them (``_phone_score`` counts
# them): "ORD-455326", "$388.00", "5-7 business days" have fewer in a row, and then the candidate
# regex, which tries its lookbehind at every position, does not run.
_PHONE_QUICK_RE = re.compile(r"\d(?:[ \u00a0().\-/]*\d){6}")
_YEAR_RANGE_RE = re.compile(r"\A(?:19|20)\d\d\s*[-/–]\s*(?:19|20)\d\d\Z")
_SHORT_DATE_INSIDE_RE = re.compile(r"(?<!\d)\d{1,2}([./])\d{1,2}\1\d{2}(?!\d|\1\d)")


def _phone_score(candidate: str) -> float | None:
    """Validate with libphonenumber's metadata; the base score reflects how phone-like the
    writing is, since almost any 8-11 digit string is a valid number somewhere."""
    raw = _EXTENSION_RE.sub("", candidate.strip())
    french_dotted = bool(_FRENCH_DOTTED_RE.match(raw))  # "05.20.15.60.49": five pairs, never a version
    if _DATE_LIKE_RE.match(raw) or (_DOTTED_QUAD_RE.match(raw) and not french_dotted) or _DATE_INSIDE_RE.search(raw):
        return None
    if _DOTTED_ONLY_RE.match(raw) and not french_dotted:
        return None  # 120.0.6099.109 is a version; only "01.23.45.67.89" is written that way
    if _YEAR_RANGE_RE.match(raw) or (_SHORT_DATE_INSIDE_RE.search(raw) and not french_dotted):
        return None  # "2015-2017", "21/10/14 - 21/10/14", "06.08.13 16": years and dates
    digits = digits_of(raw)
    if not MIN_PHONE_DIGITS <= len(digits) <= 15 or _POSTCODE_RE.match(raw):
        return None
    if raw.startswith(("+", "00")):
        text = "+" + raw[2:] if raw.startswith("00") else raw
        # "+41 (0)96 471 07 95": the national trunk prefix in brackets is not dialled from abroad
        text = text.replace("(0)", "")
        try:
            number = phonenumbers.parse(text, None)
        except phonenumbers.NumberParseException:
            return None
        if phonenumbers.is_valid_number(number):
            return 0.85
        # The right length for its country but outside the allocated ranges (the fictional
        # "+44 7700 9…", a new range the metadata lacks): a phone only with a phone word nearby.
        return 0.4 if phonenumbers.is_possible_number(number) else None
    for region in PHONE_REGIONS:
        try:
            number = phonenumbers.parse(raw, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            separated = len(re.findall(r"[ \u00a0().\-/]+", raw)) >= 1
            return 0.6 if separated else 0.4
    return OTHER_REGION


# Marks a number valid only in one of ``OTHER_PHONE_REGIONS``: checked after the context says phone.
OTHER_REGION = -1.0


def recognize_phone(text: str) -> list[Finding]:
    found: list[Finding] = []
    if digit_count(text) < MIN_PHONE_DIGITS or not _PHONE_QUICK_RE.search(text):  # prices, times, short ids
        return found
    for m in _PHONE_CANDIDATE_RE.finditer(text):
        start, end = m.start(), m.end()
        value = m.group()
        # The candidate class admits brackets; keep them balanced so spans are clean.
        if value.endswith(")") and "(" not in value:
            end -= 1
            value = value[:-1]
        if value.startswith("(") and ")" not in value:
            start += 1
            value = value[1:]
        base = _phone_score(value)
        if base is None:
            continue
        if base == OTHER_REGION:
            # Parsing against two dozen more regions is dear: only behind a phone word.
            score = _PHONE_CONTEXT.score(text, start, end, 0.4)
            if score < MIN_SCORE or not is_valid_phone(value, OTHER_PHONE_REGIONS):
                continue
        else:
            score = _PHONE_CONTEXT.score(text, start, end, base)
        found.append(Finding(PHONE, start, end, score, "phone"))
    return found
