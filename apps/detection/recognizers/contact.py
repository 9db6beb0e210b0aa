"""Contact details: e-mail addresses and phone numbers."""

from __future__ import annotations

import re

import phonenumbers

from apps.core.numbers import PHONE_REGIONS
from apps.detection.context import REFERENCE_WORDS, make_context
from apps.detection.findings import EMAIL, PHONE, Finding
from apps.detection.recognizers.base import digits_of

# --------------------------------------------------------------------------------------- e-mail

_EMAIL_RE = re.compile(
    r"(?<![\w.%+-])[\w](?:[\w.%+-]{0,62}[\w%+-])?@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w-])"
)
# "git@github.com:org/repo" is an SSH remote, not someone's address.
_SSH_REMOTE_RE = re.compile(r"\A(?:git|ssh|hg)@")


_URL_USER_BEFORE_RE = re.compile(r"(?i)\b[a-z][a-z0-9+.-]*://[^\s/@:]*:\Z")


def recognize_email(text: str) -> list[Finding]:
    if "@" not in text:
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
    r"(?<![\w+/#@.:=-])(?:\+|00)?\(?\d[\d \u00a0().\-/]{5,22}\d(?![\w/]|[.\-]\d)|(?<![\w+])\+\d{7,15}(?!\w)"
)
_DATE_LIKE_RE = re.compile(r"\A(?:\d{1,4}[./-]\d{1,2}[./-]\d{1,4}|\d{1,2}[./-]\d{1,4})\Z")
_DOTTED_QUAD_RE = re.compile(r"\A\d{1,3}(?:\.\d{1,3}){2,}\Z")
_DATE_INSIDE_RE = re.compile(r"\d{4}[./-]\d{1,2}[./-]\d{1,2}|\d{1,2}[./-]\d{1,2}[./-]\d{4}")
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
        "appeler",
        "appelle",
        "joindre",
        "telefon*",
        "handy",
        "mobil*",
        "anrufen",
        "ruf",
        "rückruf",
        "erreichbar",
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
        "card",
        "card number",
        "credit card",
        "maestro",
        "visa",
        "mastercard",
        "amex",
        "tarjeta",
        "cartão",
        "carte",
        "karte",
        "kartennummer",
        "social security",
        "passport",
        "tax",
        "dni",
        "nif",
        "cpf",
        "nie",
        "steuer-id",
    ),
)


MIN_PHONE_DIGITS = 7


def _phone_score(candidate: str) -> float | None:
    """Validate with libphonenumber's metadata; the base score reflects how phone-like the
    writing is, since almost any 8-11 digit string is a valid number somewhere."""
    raw = candidate.strip()
    if _DATE_LIKE_RE.match(raw) or _DOTTED_QUAD_RE.match(raw) or _DATE_INSIDE_RE.search(raw):
        return None
    if _DOTTED_ONLY_RE.match(raw) and not _FRENCH_DOTTED_RE.match(raw):
        return None  # 120.0.6099.109 is a version; only "01.23.45.67.89" is written that way
    digits = digits_of(raw)
    if not MIN_PHONE_DIGITS <= len(digits) <= 15:
        return None
    if raw.startswith(("+", "00")):
        text = "+" + raw[2:] if raw.startswith("00") else raw
        try:
            number = phonenumbers.parse(text, None)
        except phonenumbers.NumberParseException:
            return None
        return 0.85 if phonenumbers.is_valid_number(number) else None
    for region in PHONE_REGIONS:
        try:
            number = phonenumbers.parse(raw, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            separated = len(re.findall(r"[ \u00a0().\-/]+", raw)) >= 1
            return 0.6 if separated else 0.4
    return None


def recognize_phone(text: str) -> list[Finding]:
    found: list[Finding] = []
    if sum(map(str.isdigit, text)) < MIN_PHONE_DIGITS:  # prices, times, short ids: no candidate can pass
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
        score = _PHONE_CONTEXT.score(text, start, end, base)
        found.append(Finding(PHONE, start, end, score, "phone"))
    return found
