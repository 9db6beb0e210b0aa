"""Pattern recognizers: compiled regexes find candidates, maintained libraries validate them.

Each recognizer is a plain function ``(text) -> list[Finding]`` so it can be tested alone and
run inside the spaCy component (``apps.detection.pipeline``) on ``doc.text``. Candidates are
deliberately generous; checksums (``python-stdnum``), phone metadata (``phonenumbers``) and
context words (``apps.detection.context``) decide. Scores below ``MIN_SCORE`` are dropped by
``detect``, so a recognizer expresses "only with supporting context" as a base score below it.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import phonenumbers
from stdnum import iban as std_iban
from stdnum import luhn
from stdnum.br import cpf
from stdnum.de import idnr
from stdnum.es import dni, nie
from stdnum.eu import vat
from stdnum.exceptions import ValidationError
from stdnum.fr import nir
from stdnum.it import codicefiscale
from stdnum.nl import bsn
from stdnum.pl import pesel
from stdnum.pt import nif
from stdnum.us import ssn as us_ssn

from apps.detection.context import REFERENCE_WORDS, Context, make_context
from apps.detection.findings import (
    CREDIT_CARD,
    DATE_OF_BIRTH,
    EMAIL,
    IBAN,
    IP_ADDRESS,
    NATIONAL_ID,
    PHONE,
    SECRET,
    SSN,
    Finding,
    resolve_overlaps,
)

MIN_SCORE = 0.5

Recognizer = Callable[[str], list[Finding]]

_DIGIT = re.compile(r"\d")
_NON_ALNUM = re.compile(r"[^0-9A-Za-z]")


def _words(spaced: str) -> frozenset[str]:
    return frozenset(spaced.split())


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def _compact(value: str) -> str:
    return _NON_ALNUM.sub("", value).upper()


# --------------------------------------------------------------------------------------- e-mail

_EMAIL_RE = re.compile(
    r"(?<![\w.%+-])[\w](?:[\w.%+-]{0,62}[\w%+-])?@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w-])"
)
# "git@github.com:org/repo" is an SSH remote, not someone's address.
_SSH_REMOTE_RE = re.compile(r"\A(?:git|ssh|hg)@")


def recognize_email(text: str) -> list[Finding]:
    if "@" not in text:
        return []
    found = []
    for m in _EMAIL_RE.finditer(text):
        if _SSH_REMOTE_RE.match(m.group()) and text[m.end() : m.end() + 1] == ":":
            continue
        found.append(Finding(EMAIL, m.start(), m.end(), 0.95, "email"))
    return found


# ---------------------------------------------------------------------------------------- phone

# Regions tried for numbers written without a country code: the markets Tessera's users write
# from. Order matters only for speed (first valid wins).
PHONE_REGIONS = ("US", "GB", "DE", "FR", "ES", "PT", "BR", "MX", "IT", "NL", "CA", "AR", "CO", "CH", "AT", "BE", "IE")
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


def _phone_score(candidate: str) -> float | None:
    """Validate with libphonenumber's metadata; the base score reflects how phone-like the
    writing is, since almost any 8-11 digit string is a valid number somewhere."""
    raw = candidate.strip()
    if _DATE_LIKE_RE.match(raw) or _DOTTED_QUAD_RE.match(raw) or _DATE_INSIDE_RE.search(raw):
        return None
    if _DOTTED_ONLY_RE.match(raw) and not _FRENCH_DOTTED_RE.match(raw):
        return None  # 120.0.6099.109 is a version; only "01.23.45.67.89" is written that way
    digits = _digits(raw)
    if not 7 <= len(digits) <= 15:
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
    found = []
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


# ----------------------------------------------------------------------------------- card (PAN)

_CARD_RE = re.compile(r"(?<![\w.\-/])\d(?:[ \-]?\d){12,18}(?![\w]|[.\-/]\d)")
# Issuer prefixes (IIN ranges) of the networks that matter; a Luhn-valid number outside them
# is far more likely an id.
_CARD_IIN_RE = re.compile(
    r"\A(?:4\d{12}(?:\d{3}){0,2}|5[1-5]\d{14}|2(?:2[2-9][1-9]|2[3-9]\d|[3-6]\d\d|7[01]\d|720)\d{12}"
    r"|3[47]\d{13}|3(?:0[0-5]|[68]\d)\d{11,16}|6(?:011|5\d\d|4[4-9]\d)\d{12,15}|35(?:2[89]|[3-8]\d)\d{12,15}"
    r"|62\d{14,17})\Z"
)
_CARD_CONTEXT = make_context(
    positive=(
        "card",
        "credit",
        "debit",
        "visa",
        "mastercard",
        "amex",
        "american express",
        "discover",
        "cc",
        "pan",
        "cvv",
        "cvc",
        "expiry",
        "exp",
        "payment",
        "pay",
        "charged",
        "tarjeta",
        "crédito",
        "débito",
        "pago",
        "cartão",
        "cartao",
        "pagamento",
        "carte",
        "bancaire",
        "paiement",
        "karte",
        "kreditkarte",
        "kartennummer",
        "zahlung",
    ),
    negative=(*REFERENCE_WORDS, "imei", "account", "id", "isbn", "ean", "barcode", "phone", "tel"),
)


def recognize_credit_card(text: str) -> list[Finding]:
    found = []
    for m in _CARD_RE.finditer(text):
        value = m.group()
        digits = _digits(value)
        if not _CARD_IIN_RE.match(digits) or not luhn.is_valid(digits):
            continue
        groups = re.split(r"[ \-]", value)
        # Cards are written in groups of 4 (Amex 4-6-5) or as one block; anything else
        # (3-3-4, 2-digit groups) is a phone or reference number that happens to pass Luhn.
        if len(groups) > 1 and not (
            all(len(g) == 4 for g in groups[:-1]) or [len(g) for g in groups] in ([4, 6, 5], [4, 6, 4])
        ):
            continue
        base = 0.85 if len(groups) > 1 else 0.7
        score = _CARD_CONTEXT.score(text, m.start(), m.end(), base)
        found.append(Finding(CREDIT_CARD, m.start(), m.end(), score, "credit_card"))
    return found


# ----------------------------------------------------------------------------------------- IBAN

# Case-insensitive: people type "gb82 west ..." too; the mod-97 check keeps that safe.
_IBAN_RE = re.compile(
    r"(?<![\w])[A-Z]{2}\d{2}(?:[ \-]?[A-Z0-9]{4}){2,7}(?:[ \-]?[A-Z0-9]{1,3})?(?![\w])", re.IGNORECASE
)
_IBAN_QUICK_RE = re.compile(r"[A-Z]{2}\d{2}", re.IGNORECASE)
_IBAN_CONTEXT = make_context(positive=("iban", "bank", "account", "cuenta", "conta", "compte", "konto", "transfer"))


def recognize_iban(text: str) -> list[Finding]:
    if not _IBAN_QUICK_RE.search(text):
        return []
    found = []
    for m in _IBAN_RE.finditer(text):
        value = m.group()
        # The regex may swallow a following all-caps word or number group; shrink from the
        # right until the checksum holds.
        parts = re.split(r"([ \-])", value)
        while parts:
            candidate = "".join(parts)
            if len(_compact(candidate)) >= 15 and std_iban.is_valid(candidate.upper()):
                end = m.start() + len(candidate)
                score = _IBAN_CONTEXT.score(text, m.start(), end, 0.95)
                found.append(Finding(IBAN, m.start(), end, score, "iban"))
                break
            parts = parts[:-2] if len(parts) > 2 else []
    return found


# -------------------------------------------------------------------- SSN and national IDs


@dataclass(frozen=True, slots=True)
class _IdSpec:
    """A national identifier: where to look, how to validate, how much a valid hit proves."""

    name: str
    type: str
    pattern: re.Pattern[str]
    validate: Callable[[str], bool]
    base: float  # score when written in its typical formatted shape
    bare_base: float  # score for an unformatted digit run (weak: many ids share lengths)
    context: Context


def _ok(validator: Callable[[str], str]) -> Callable[[str], bool]:
    def check(value: str) -> bool:
        try:
            validator(value)
        except (ValidationError, ValueError, KeyError, IndexError):
            return False
        return True

    return check


def _nino_valid(value: str) -> bool:
    # python-stdnum has no NINO module; HMRC's published prefix rules are the whole check
    # (NINOs carry no checksum).
    v = _compact(value)
    return bool(re.fullmatch(r"[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\d{6}[A-D]", v)) and v[:2] not in {
        "BG",
        "GB",
        "NK",
        "KN",
        "TN",
        "NT",
        "ZZ",
    }


def _ssn_valid(value: str) -> bool:
    digits = _digits(value)
    return len(digits) == 9 and us_ssn.is_valid(digits) and len(set(digits)) > 2


_ID_REFERENCE_NEGATIVE = (*REFERENCE_WORDS, "phone", "tel", "account", "routing", "zip", "amount")

_ID_SPECS: tuple[_IdSpec, ...] = (
    _IdSpec(
        "us_ssn",
        SSN,
        re.compile(r"(?<![\w\-.])\d{3}([ \-]?)\d{2}\1\d{4}(?![\w]|[\-.]\d)"),
        _ssn_valid,
        0.65,
        0.3,
        make_context(
            positive=("ssn", "ss#", "social security", "social", "seguro social", "sécurité sociale"),
            negative=_ID_REFERENCE_NEGATIVE,
        ),
    ),
    _IdSpec(
        "uk_nino",
        NATIONAL_ID,
        re.compile(r"(?<!\w)[A-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D](?!\w)"),
        _nino_valid,
        0.7,
        0.7,
        make_context(positive=("national insurance", "ni number", "nino", "ni no", "ni")),
    ),
    _IdSpec(
        "es_dni",
        NATIONAL_ID,
        re.compile(r"(?<![\w\-])\d{8}[ \-]?[A-Za-z](?!\w)"),
        _ok(dni.validate),
        0.75,
        0.75,
        make_context(positive=("dni", "nif", "documento", "identidad", "id")),
    ),
    _IdSpec(
        "es_nie",
        NATIONAL_ID,
        re.compile(r"(?<![\w\-])[XYZxyz][ \-]?\d{7}[ \-]?[A-Za-z](?!\w)"),
        _ok(nie.validate),
        0.8,
        0.8,
        make_context(positive=("nie", "extranjero", "residencia", "documento")),
    ),
    _IdSpec(
        "fr_nir",
        NATIONAL_ID,
        re.compile(r"(?<![\w])[12] ?\d{2} ?\d{2} ?(?:\d{2}|2[ABab]) ?\d{3} ?\d{3} ?\d{2}(?!\w)"),
        _ok(nir.validate),
        0.7,
        0.5,
        make_context(positive=("sécurité sociale", "securite sociale", "sécu", "secu", "nir", "insee", "carte vitale")),
    ),
    _IdSpec(
        "it_codice_fiscale",
        NATIONAL_ID,
        re.compile(r"(?<!\w)[A-Za-z]{6}\d{2}[A-Za-z]\d{2}[A-Za-z]\d{3}[A-Za-z](?!\w)"),
        _ok(codicefiscale.validate),
        0.9,
        0.9,
        make_context(positive=("codice fiscale", "cf", "fiscale")),
    ),
    _IdSpec(
        "br_cpf",
        NATIONAL_ID,
        re.compile(r"(?<![\w.\-])\d{3}\.?\d{3}\.?\d{3}-?\d{2}(?![\w]|[.\-]\d)"),
        _ok(cpf.validate),
        0.8,
        0.3,
        make_context(positive=("cpf", "cadastro"), negative=_ID_REFERENCE_NEGATIVE),
    ),
    _IdSpec(
        "de_idnr",
        NATIONAL_ID,
        re.compile(r"(?<![\w.\-])\d{2} ?\d{3} ?\d{3} ?\d{3}(?![\w]|[.\-]\d)"),
        _ok(idnr.validate),
        0.3,
        0.3,
        make_context(
            positive=(
                "steuer-id",
                "steuer-idnr",
                "steueridentifikationsnummer",
                "idnr",
                "identifikationsnummer",
                "tax id",
            ),
            negative=_ID_REFERENCE_NEGATIVE,
        ),
    ),
    _IdSpec(
        "nl_bsn",
        NATIONAL_ID,
        re.compile(r"(?<![\w.\-])\d{4}\.?\d{2}\.?\d{3}(?![\w]|[.\-]\d)"),
        _ok(bsn.validate),
        0.3,
        0.2,
        make_context(positive=("bsn", "burgerservicenummer", "sofinummer"), negative=_ID_REFERENCE_NEGATIVE),
    ),
    _IdSpec(
        "pt_nif",
        NATIONAL_ID,
        re.compile(r"(?<![\w.\-])\d{3} ?\d{3} ?\d{3}(?![\w]|[.\-]\d)"),
        _ok(nif.validate),
        0.2,
        0.2,
        make_context(
            positive=("nif", "contribuinte", "número fiscal", "numero fiscal", "nipc"), negative=_ID_REFERENCE_NEGATIVE
        ),
    ),
    _IdSpec(
        "pl_pesel",
        NATIONAL_ID,
        re.compile(r"(?<![\w.\-])\d{11}(?![\w]|[.\-]\d)"),
        _ok(pesel.validate),
        0.2,
        0.2,
        make_context(positive=("pesel",), negative=_ID_REFERENCE_NEGATIVE),
    ),
    _IdSpec(
        "eu_vat",
        NATIONAL_ID,
        re.compile(
            r"(?<!\w)(?:ATU|BE|BG|CY|CZ|DE|DK|EE|EL|ES|FI|FR|HR|HU|IE|IT|LT|LU|LV|MT|NL|PL|PT|RO|SE|SI|SK)"
            r"[ \-]?[0-9A-Z]{8,12}(?!\w)"
        ),
        _ok(vat.validate),
        0.85,
        0.85,
        make_context(
            positive=("vat", "ust-idnr", "ust-id", "umsatzsteuer", "tva", "iva", "btw", "nif-iva", "partita iva")
        ),
    ),
)


def recognize_ids(text: str) -> list[Finding]:
    """US SSN and national IDs / VAT numbers: format regex, then python-stdnum's checksum."""
    if not _DIGIT.search(text):
        return []
    found = []
    for spec in _ID_SPECS:
        for m in spec.pattern.finditer(text):
            value = m.group()
            if not spec.validate(value):
                continue
            bare = value.isdigit()
            base = spec.bare_base if bare else spec.base
            score = spec.context.score(text, m.start(), m.end(), base)
            found.append(Finding(spec.type, m.start(), m.end(), score, spec.name))
    return found


# ------------------------------------------------------------------------------- IP addresses

_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_IPV4_RE = re.compile(rf"(?<![\w.\-]){_OCTET}(?:\.{_OCTET}){{3}}(?:/\d{{1,2}})?(?![\w\-]|\.\d)")
_IPV6_RE = re.compile(r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?:/\d{1,3})?(?![\w:])")
_IP_CONTEXT = make_context(
    positive=(
        "ip",
        "ips",
        "ipv4",
        "ipv6",
        "address",
        "server",
        "host",
        "ssh",
        "ping",
        "gateway",
        "dns",
        "subnet",
        "firewall",
        "whitelist",
        "allowlist",
        "connect",
        "dirección",
        "servidor",
        "endereço",
        "adresse",
        "serveur",
        "rechner",
    ),
    negative=(
        "version",
        "versión",
        "versão",
        "release",
        "build",
        "v",
        "ver",
        "update",
        "upgrade",
        "patch",
        "firmware",
        "sdk",
        "package",
        "pip",
        "npm",
        "library",
        "changelog",
        "oid",
        "section",
        "chapter",
        "clause",
        "artículo",
        "paragraph",
    ),
    penalty=0.45,
)


def recognize_ip(text: str) -> list[Finding]:
    found = []
    if "." in text and _DIGIT.search(text):
        for m in _IPV4_RE.finditer(text):
            address = m.group().split("/")[0]
            octets = [int(o) for o in address.split(".")]
            # "1.2.3.4"-style small numbers are as often versions or section numbers as hosts.
            base = 0.45 if max(octets) < 32 and octets[0] not in (10, 0) else 0.7
            found.append(
                Finding(IP_ADDRESS, m.start(), m.end(), _IP_CONTEXT.score(text, m.start(), m.end(), base), "ip")
            )
    if "::" in text or text.count(":") >= 7:
        for m in _IPV6_RE.finditer(text):
            address = m.group().split("/")[0]
            if not re.search(r"[0-9A-Fa-f]", address):
                continue
            try:
                ipaddress.IPv6Address(address)
            except ValueError:
                continue
            base = 0.8 if address.count(":") >= 4 else 0.5
            found.append(
                Finding(IP_ADDRESS, m.start(), m.end(), _IP_CONTEXT.score(text, m.start(), m.end(), base), "ip")
            )
    return found


# -------------------------------------------------------------------------------------- secrets


def shannon_entropy(value: str) -> float:
    counts = Counter(value)
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def _looks_random(value: str, min_entropy: float = 3.0) -> bool:
    """Rejects placeholders ("sk-xxxxxxxx", "sk-your-key-here") that share a key's prefix."""
    lowered = value.lower()
    if any(p in lowered for p in ("xxxx", "your", "placeholder", "redacted", "dummy", "<", "...", "****")):
        return False
    return shannon_entropy(value) >= min_entropy and bool(re.search(r"\d", value))


def _jwt_valid(value: str) -> bool:
    header = value.split(".", 1)[0]
    try:
        decoded = base64.urlsafe_b64decode(header + "=" * (-len(header) % 4))
        return isinstance(json.loads(decoded), dict)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return False


@dataclass(frozen=True, slots=True)
class _SecretSpec:
    name: str
    pattern: re.Pattern[str]
    score: float
    validate: Callable[[str], bool]


_SECRET_SPECS: tuple[_SecretSpec, ...] = (
    _SecretSpec(
        "private_key",
        re.compile(
            r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"
            r"(?:[\s\S]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|[A-Za-z0-9+/=\s]*)"
        ),
        1.0,
        lambda v: True,
    ),
    # AWS access key ids are 20 chars: a 4-letter type prefix then 16 base-32 characters.
    _SecretSpec(
        "aws_access_key",
        re.compile(
            r"(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)[A-Z2-7]{16}(?![A-Za-z0-9])"
        ),
        0.95,
        lambda v: len(set(v[4:])) > 4,
    ),
    _SecretSpec(
        "jwt",
        re.compile(r"(?<![\w-])eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}(?![\w-])"),
        0.95,
        _jwt_valid,
    ),
    _SecretSpec(
        "openai_key",
        re.compile(r"(?<![\w-])sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}(?![\w-])"),
        0.9,
        lambda v: _looks_random(v.split("-", 1)[1]),
    ),
    _SecretSpec(
        "anthropic_key",
        re.compile(r"(?<![\w-])sk-ant-[a-z0-9]{2,8}-[A-Za-z0-9_-]{20,}(?![\w-])"),
        0.95,
        lambda v: _looks_random(v),
    ),
    _SecretSpec(
        "github_token",
        re.compile(r"(?<![\w])(?:gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{22,255})(?![\w])"),
        0.95,
        lambda v: _looks_random(v),
    ),
    _SecretSpec(
        "gitlab_token",
        re.compile(r"(?<![\w-])glpat-[A-Za-z0-9_-]{20,}(?![\w-])"),
        0.95,
        lambda v: _looks_random(v),
    ),
    _SecretSpec(
        "slack_token",
        re.compile(r"(?<![\w-])xox[abposr]-[A-Za-z0-9-]{10,}(?![\w-])"),
        0.9,
        lambda v: _looks_random(v),
    ),
    _SecretSpec(
        "stripe_key",
        re.compile(r"(?<![\w])(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}(?![\w])"),
        0.95,
        lambda v: _looks_random(v),
    ),
    _SecretSpec(
        "google_api_key",
        re.compile(r"(?<![\w-])AIza[0-9A-Za-z_-]{35}(?![\w-])"),
        0.95,
        lambda v: True,
    ),
    _SecretSpec(
        "sendgrid_key",
        re.compile(r"(?<![\w-])SG\.[\w-]{22}\.[\w-]{43}(?![\w-])"),
        0.95,
        lambda v: True,
    ),
    _SecretSpec(
        "huggingface_token",
        re.compile(r"(?<![\w])hf_[A-Za-z0-9]{30,}(?![\w])"),
        0.9,
        lambda v: _looks_random(v, 3.5) or shannon_entropy(v) >= 4.0,
    ),
    _SecretSpec(
        "npm_token",
        re.compile(r"(?<![\w])npm_[A-Za-z0-9]{36}(?![\w])"),
        0.95,
        lambda v: _looks_random(v),
    ),
)
_SECRET_QUICK_RE = re.compile(
    r"PRIVATE KEY|AKIA|ASIA|A[BCGIRN][A-Z]A|eyJ|sk-|gh[pousr]_|github_pat_|glpat-|xox|_live_|_test_|AIza|SG\.|hf_|npm_"
)

# "password: hunter2", "api_key=...", "mi contraseña es ...": the value after the keyword.
_CREDENTIAL_RE = re.compile(
    r"(?<!\w)(?P<key>pass(?:word|wd|phrase)?|pwd|passwort|kennwort|contraseña|contrasena|clave|senha|mot de passe|mdp"
    r"|secret|client[_ -]?secret|api[_ -]?key|apikey|access[_ -]?key|secret[_ -]?key|access[_ -]?token|auth[_ -]?token"
    r"|token|bearer|pin)(?!\w)"
    r"(?P<sep>[\"']?\s*(?:=>|:=|[:=])\s*|\s+(?:is|es|é|est|ist|era|was|sería|:)\s*[:=]?\s*|\s+)"
    r"[\"'`]?(?P<value>[^\s\"'`,;<>]{4,200})",
    re.IGNORECASE,
)
_CREDENTIAL_STOPWORDS = _words(
    "the a an my your his her our their this that it is was not to for of and or reset change changed expired "
    "field manager policy requirements required generator strength please null none empty true false undefined "
    "here there below above same again too very el la mi tu su es de que para une un le mon ma est pas das der die "
    "mein ist nicht o a meu minha não"
)

# Random-looking tokens next to a credential word; pure hex (git SHAs, UUIDs, checksums) is
# excluded unless the context names it a key.
_TOKEN_RE = re.compile(r"(?<![\w/+=.-])[A-Za-z0-9+/_\-]{20,}={0,2}(?![\w/+=-])")
_UUID_RE = re.compile(r"\A[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")
_HEX_RE = re.compile(r"\A[0-9a-fA-F]+\Z")
_TOKEN_CONTEXT = make_context(
    positive=(
        "key",
        "api key",
        "apikey",
        "secret",
        "token",
        "bearer",
        "authorization",
        "auth",
        "credential*",
        "password",
        "passwort",
        "contraseña",
        "senha",
        "clé",
        "clave",
        "chave",
        "schlüssel",
        "private",
        "signing",
        "webhook",
    ),
    negative=(
        "commit",
        "sha",
        "hash",
        "checksum",
        "md5",
        "sha1",
        "sha256",
        "uuid",
        "guid",
        "request id",
        "trace",
        "url",
        "path",
        "file",
        "base64",
        "image",
        "data",
        "png",
        "jpeg",
        *REFERENCE_WORDS,
    ),
    boost=0.4,
    floor_with_context=0.7,
)


_MARKUP_EDGES = re.compile(r"^[*_`~]+|[*_`~]+$")


def recognize_secrets(text: str) -> list[Finding]:
    found: list[Finding] = []
    if _SECRET_QUICK_RE.search(text):
        for spec in _SECRET_SPECS:
            for m in spec.pattern.finditer(text):
                end = m.end()
                while end > m.start() and text[end - 1].isspace():
                    end -= 1
                if spec.validate(m.group()):
                    found.append(Finding(SECRET, m.start(), end, spec.score, spec.name))
    for m in _CREDENTIAL_RE.finditer(text):
        value = m.group("value").rstrip(".,:;)")
        # Markdown emphasis around a UI label ("**Mot de passe oublié**") is not part of a value.
        if _MARKUP_EDGES.search(value) and not re.search(r"[\d\W_]", value.strip("*_`~")):
            continue
        # A closing "?" or "!" belongs to a password that has digits or symbols of its own
        # ("Sommer2024!"), and is sentence punctuation after a plain word ("Passwort zurück?").
        bare = value.rstrip("?!")
        if not re.search(r"[\d\W_]", bare):
            value = bare
        if text[m.start() - 1 : m.start()] in ("?", "&"):
            value = value.split("&", 1)[0]  # a URL query parameter ends at the next "&"
        if value.lower() in _CREDENTIAL_STOPWORDS or len(value) < 4:
            continue
        explicit = any(c in m.group("sep") for c in ":=")
        has_digit_or_symbol = bool(re.search(r"[\d\W_]", value))
        if not explicit and not has_digit_or_symbol:
            continue  # "my password is weak" / "token expired" — prose, not a value
        if m.group("key").lower() in ("token", "pin", "bearer", "secret") and not explicit and len(value) < 8:
            continue
        score = 0.85 if explicit else 0.7
        found.append(Finding(SECRET, m.start("value"), m.start("value") + len(value), score, "credential_in_context"))
    for m in _TOKEN_RE.finditer(text):
        value = m.group()
        if _UUID_RE.match(value) or not re.search(r"\d", value) or not re.search(r"[A-Za-z]", value):
            continue
        entropy = shannon_entropy(value)
        if _HEX_RE.match(value):
            base, needed = 0.3, 3.0  # hex is git SHAs and checksums unless context says key
        else:
            if not (re.search(r"[a-z]", value) and re.search(r"[A-Z]", value)) or "/" in value.strip("/"):
                continue  # single-case words-with-digits and paths are identifiers, not keys
            base, needed = (0.55 if len(value) >= 32 else 0.4), 3.5
        if entropy < needed:
            continue
        score = _TOKEN_CONTEXT.score(text, m.start(), m.end(), base)
        found.append(Finding(SECRET, m.start(), m.end(), score, "high_entropy_token"))
    # A provider key is also a high-entropy token and often sits after "key:"; report it once,
    # under the most specific recognizer (ties in score go to the longer span).
    return resolve_overlaps(f for f in found if f.score >= MIN_SCORE)


# ------------------------------------------------------------------------------ date of birth

_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december"
    "|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
    "|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre"
    "|janeiro|fevereiro|março|marco|maio|junho|julho|setembro|outubro|novembro|dezembro"
    "|janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|novembre|décembre|decembre"
    "|januar|jänner|februar|märz|maerz|juni|juli|oktober|dezember"
)
_MONTH_NUMBER = {
    **dict.fromkeys(("january", "jan", "enero", "janeiro", "janvier", "januar", "jänner"), 1),
    **dict.fromkeys(("february", "feb", "febrero", "fevereiro", "février", "fevrier", "februar"), 2),
    **dict.fromkeys(("march", "mar", "marzo", "março", "marco", "mars", "märz", "maerz"), 3),
    **dict.fromkeys(("april", "apr", "abril", "avril"), 4),
    **dict.fromkeys(("may", "mayo", "maio", "mai"), 5),
    **dict.fromkeys(("june", "jun", "junio", "junho", "juin", "juni"), 6),
    **dict.fromkeys(("july", "jul", "julio", "julho", "juillet", "juli"), 7),
    **dict.fromkeys(("august", "aug", "agosto", "août", "aout"), 8),
    **dict.fromkeys(("september", "sep", "sept", "septiembre", "setiembre", "setembro", "septembre"), 9),
    **dict.fromkeys(("october", "oct", "octubre", "outubro", "octobre", "oktober"), 10),
    **dict.fromkeys(("november", "nov", "noviembre", "novembro", "novembre"), 11),
    **dict.fromkeys(("december", "dec", "diciembre", "dezembro", "décembre", "decembre", "dezember"), 12),
}
_DATE_RE = re.compile(
    rf"(?<![\w./-])(?:"
    rf"(?P<d1>\d{{1,2}})[./-](?P<m1>\d{{1,2}})[./-](?P<y1>(?:19|20)\d{{2}}|\d{{2}})"
    rf"|(?P<y2>(?:19|20)\d{{2}})[./-](?P<m2>\d{{1,2}})[./-](?P<d2>\d{{1,2}})"
    rf"|(?P<d3>\d{{1,2}})(?:st|nd|rd|th|º|°|\.|er)?\s+(?:de\s+)?(?P<m3>{_MONTHS})\.?,?\s+(?:de\s+|del\s+)?(?P<y3>(?:19|20)\d{{2}})"
    rf"|(?P<m4>{_MONTHS})\.?\s+(?P<d4>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y4>(?:19|20)\d{{2}})"
    rf")(?![\w]|[./-]\d)",
    re.IGNORECASE,
)
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
    if not _DIGIT.search(text):
        return []
    found = []
    for m in _DATE_RE.finditer(text):
        if not _plausible_birth_date(m):
            continue
        # A date alone is not personal data; it becomes a date of birth only in context.
        score = _DOB_CONTEXT.score(text, m.start(), m.end(), 0.2)
        found.append(Finding(DATE_OF_BIRTH, m.start(), m.end(), score, "date_of_birth"))
    return found


PATTERN_RECOGNIZERS: tuple[Recognizer, ...] = (
    recognize_email,
    recognize_phone,
    recognize_credit_card,
    recognize_iban,
    recognize_ids,
    recognize_ip,
    recognize_secrets,
    recognize_date_of_birth,
)


def recognize_patterns(text: str, min_score: float = MIN_SCORE) -> list[Finding]:
    """All pattern recognizers over one text, before overlap resolution."""
    findings: list[Finding] = []
    for recognizer in PATTERN_RECOGNIZERS:
        findings.extend(f for f in recognizer(text) if f.score >= min_score)
    return findings
