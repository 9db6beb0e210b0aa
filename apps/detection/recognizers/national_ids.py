"""US SSNs, national identifiers and EU VAT numbers: format regex, then python-stdnum's checksum."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

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

from apps.detection.context import CARD_WORDS, REFERENCE_WORDS, Context, make_context, words_regex
from apps.detection.findings import NATIONAL_ID, SSN, Finding
from apps.detection.recognizers.base import compact, digit_count, digits_of, lower_words, word_set


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
    # Whether every match has seven digits in a row, at most one space, dot or dash between two
    # of them (``_ID_DIGIT_RUN_RE``): all but the NINO (six), the codice fiscale and VAT numbers.
    digit_run: bool = True
    # A cheaper regex that every match contains, tried first (a digit-led one lets the engine skip
    # to digits where the pattern itself, case-insensitive or letter-led, tries every position).
    quick: re.Pattern[str] | None = None


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
    v = compact(value)
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
    digits = digits_of(value)
    return len(digits) == 9 and us_ssn.is_valid(digits) and len(set(digits)) > 2


_ID_REFERENCE_NEGATIVE = (*REFERENCE_WORDS, "phone", "tel", "account", "routing", "zip", "amount")

_VAT_COUNTRIES = "ATU|BE|BG|CY|CZ|DE|DK|EE|EL|ES|FI|FR|HR|HU|IE|IT|LT|LU|LV|MT|NL|PL|PT|RO|SE|SI|SK"

_ID_SPECS: tuple[_IdSpec, ...] = (
    _IdSpec(
        "us_ssn",
        SSN,
        re.compile(r"\d(?<![\w\-.]\d)\d{2}([ \-]?)\d{2}\1\d{4}(?![\w]|[\-.]\d)"),
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
        re.compile(r"(?<!\w)[A-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D](?!\w)", re.IGNORECASE),
        _nino_valid,
        0.7,
        0.7,
        make_context(positive=("national insurance", "ni number", "nino", "ni no", "ni")),
        digit_run=False,
        quick=re.compile(r"\d\d ?\d\d ?\d\d"),
    ),
    _IdSpec(
        "es_dni",
        NATIONAL_ID,
        re.compile(r"\d(?<![\w\-]\d)\d{7}[ \-]?[A-Za-z](?!\w)"),
        _ok(dni.validate),
        0.75,
        0.75,
        make_context(positive=("dni", "nif", "documento", "identidad", "id")),
    ),
    _IdSpec(
        "es_nie",
        NATIONAL_ID,
        re.compile(r"[XYZxyz](?<![\w\-][XYZxyz])[ \-]?\d{7}[ \-]?[A-Za-z](?!\w)"),
        _ok(nie.validate),
        0.8,
        0.8,
        make_context(positive=("nie", "extranjero", "residencia", "documento")),
    ),
    _IdSpec(
        "fr_nir",
        NATIONAL_ID,
        re.compile(r"[12](?<![\w][12]) ?\d{2} ?\d{2} ?(?:\d{2}|2[ABab]) ?\d{3} ?\d{3} ?\d{2}(?!\w)"),
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
        digit_run=False,
        quick=re.compile(r"\d\d[A-Za-z]\d\d[A-Za-z]\d\d\d"),
    ),
    _IdSpec(
        "br_cpf",
        NATIONAL_ID,
        re.compile(r"\d(?<![\w.\-]\d)\d{2}\.?\d{3}\.?\d{3}-?\d{2}(?![\w]|[.\-]\d)"),
        _ok(cpf.validate),
        0.8,
        0.3,
        make_context(positive=("cpf", "cadastro"), negative=_ID_REFERENCE_NEGATIVE),
    ),
    _IdSpec(
        "de_idnr",
        NATIONAL_ID,
        re.compile(r"\d(?<![\w.\-]\d)\d ?\d{3} ?\d{3} ?\d{3}(?![\w]|[.\-]\d)"),
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
        re.compile(r"\d(?<![\w.\-]\d)\d{3}\.?\d{2}\.?\d{3}(?![\w]|[.\-]\d)"),
        _ok(bsn.validate),
        0.3,
        0.2,
        make_context(positive=("bsn", "burgerservicenummer", "sofinummer"), negative=_ID_REFERENCE_NEGATIVE),
    ),
    _IdSpec(
        "pt_nif",
        NATIONAL_ID,
        re.compile(r"\d(?<![\w.\-]\d)\d{2} ?\d{3} ?\d{3}(?![\w]|[.\-]\d)"),
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
        re.compile(r"\d(?<![\w.\-]\d)\d{10}(?![\w]|[.\-]\d)"),
        _ok(pesel.validate),
        0.2,
        0.2,
        make_context(positive=("pesel",), negative=_ID_REFERENCE_NEGATIVE),
    ),
    _IdSpec(
        "eu_vat",
        NATIONAL_ID,
        re.compile(
            "(?:"
            # each country code first, then the look back at the character before it
            + "|".join(f"{code}(?<!\\w{'.' * len(code)})" for code in _VAT_COUNTRIES.split("|"))
            + r")[ \-]?[0-9A-Z]{8,12}(?!\w)"
        ),
        _ok(vat.validate),
        0.85,
        0.85,
        make_context(
            positive=("vat", "ust-idnr", "ust-id", "umsatzsteuer", "tva", "iva", "btw", "nif-iva", "partita iva")
        ),
        digit_run=False,
    ),
)

_NO_DIGIT_RUN_SPECS = tuple(spec for spec in _ID_SPECS if not spec.digit_run)

MIN_ID_DIGITS = 6
# Seven digits with at most one separator between two of them: in every SSN, DNI, NIE, NIR, CPF,
# IdNr, BSN, NIF and PESEL. Without such a run ("ORD-455326", "15 min after 5 tries") nine of the
# twelve regexes are skipped. Those that start with a digit (or "X/Y/Z", "1/2", a VAT country code)
# put it before the look back at the character in front of it: a leading look back is tried at
# every position, a leading character lets the engine skip to where it stands (same matches,
# tests/detection/test_prefilters.py; 2.3 -> 1.5 µs a regex on a demo message with six digits).
_ID_DIGIT_RUN_RE = re.compile(r"\d(?:[ .\-]?\d){6}")


def recognize_ids(text: str) -> list[Finding]:
    """US SSN and national IDs / VAT numbers: format regex, then python-stdnum's checksum."""
    # Every format has at least six digits (NINO "AB 12 34 56 C" the fewest): prices, times and
    # short numbers skip the twelve regexes.
    if digit_count(text) < MIN_ID_DIGITS:
        return []
    found = []
    digit_run = _ID_DIGIT_RUN_RE.search(text) is not None
    for spec in _ID_SPECS if digit_run else _NO_DIGIT_RUN_SPECS:
        if spec.quick is not None and spec.quick.search(text) is None:
            continue
        for m in spec.pattern.finditer(text):
            value = m.group()
            if not spec.validate(value):
                continue
            bare = value.isdigit()
            base = spec.bare_base if bare else spec.base
            score = spec.context.score(text, m.start(), m.end(), base)
            found.append(Finding(spec.type, m.start(), m.end(), score, spec.name))
    return found


# ------------------------------------------------------------------- identity documents by cue

# Identifiers without a public checksum (passports, driving licences, identity cards, tax and
# social-insurance numbers of countries stdnum does not cover) or typed with a mistake: the word
# that names the document, then an id-shaped value right after it ("passport FX482913", "RUT
# 16.482.397-5", "SIN 046 454 286", "Personalausweis L01X00T47", "patente U1A23B456C").
# Abbreviations match in capitals only: "sin" is Spanish for "without", "pan" and "run" are words.
_ID_CUE_WORDS = (
    r"(?i:passport|passeport|pasaporte|passaporto|passaporte|reisepass(?:nummer)?|paspoort"
    r"|personalausweis(?:nummer)?|ausweis(?:nummer)?|identity\s+card|id\s+card|national\s+id(?:entity)?(?:\s+card)?"
    r"|id\s+(?:number|no\.?|nr\.?)|identification\s+number|carte\s+d['’]identit[ée]|carta\s+d['’]identit[àa]"
    r"|documento\s+de\s+identidad|c[ée]dula(?:\s+de\s+(?:identidad|ciudadan[íi]a))?|cart[ãa]o\s+de\s+cidad[ãa]o"
    r"|driver['’]?s\s+licen[cs]e|driving\s+licen[cs]e|licen[cs]e\s+(?:number|no\.?|#)|permis\s+de\s+conduire"
    r"|carn[ée]\s+de\s+conducir|carteira\s+de\s+motorista|f[üu]hrerschein(?:nummer)?|patente(?:\s+di\s+guida)?"
    r"|social\s+insurance\s+number|national\s+insurance(?:\s+number)?|ni\s+number|sozialversicherungsnummer"
    r"|sv-nummer|rentenversicherungsnummer|steuer-?id(?:nr)?|steueridentifikationsnummer|steuernummer"
    r"|num[ée]ro\s+de\s+s[ée]cu(?:rit[ée]\s+sociale)?|n[º°]\s+de\s+s[ée]curit[ée]\s+sociale|s[ée]cu"
    r"|codice\s+fiscale|tessera\s+sanitaria|clave\s+de\s+elector|tarjeta\s+sanitaria|n[úu]mero\s+de\s+utente"
    r"|rijksregisternummer|num[ée]ro\s+national|versichertennummer|passnummer|paspoortnummer|rijbewijsnummer"
    r"|permis(?=\s+n[º°o])|carta\s+de\s+condu[çc][ãa]o|licen[cs]e(?=\s+[A-Z0-9]{6})"
    r"|tax\s+(?:id|file\s+number|identification\s+number)|nhs\s+number|medicare\s+(?:number|card)|aadhaar)"
    r"|(?-i:SIN|PAN|RG|RUT|RUN|NIE|NIF|DNI|CPF|CNI|BSN|UTR|TIN|TFN|CURP|RFC|NIR|NINO|PPSN?|AHV|SVNR|NIC|CNP|CF|CI|NHS)"
)
_ID_CUE_RE = re.compile(
    rf"(?<![\w-])(?:{_ID_CUE_WORDS})(?![\w-])"
    # A nationality between the document and its number ("passeport marocain n° UZ4589123").
    r"(?:\s+[a-zà-ÿ]{4,12}(?=\s*(?i:n[º°o]|no\.|nr\.|number|número|numéro|nummer)))?"
    # The number's word as a word: "licence number NOWAK802157…" keeps its "NO".
    r"(?:\s*(?i:number|no\.?|nr\.?|n[º°o]\.?|#|num\.?|número|numéro|nummer)(?![A-Za-z]))?"
    # Whose it is, then a colon: "Passeport de Karim Haddad : 19AB12345", "Reisepass von Tim
    # Hoffmann: C4J8K2L9M", "the PAN of consultant Rohit Kulkarni: ABCPK1234F".
    r"(?:\s+(?i:of|for|de|du|des|del|da|do|di|von)(?:\s+[a-z]{3,12})?(?:\s+[A-ZÀ-ÖØ-Þ][\w'’-]+){1,3}(?=\s*:))?"
    # Or a German possessive: "die Passnummer meines Mannes: X4829173".
    r"(?:\s+(?i:meines|meiner|seines|seiner|ihres|ihrer|unseres|unserer)\s+[^\W\d_]+(?=\s*:))?"
    r"(?:\s*(?i:is|es|é|est|ist|lautet|era|was|:|=|-|–))*\s*"
    # Groups of capitals and digits, a space, dot, dash or slash between two; every group has a
    # digit or is one to three capitals ("QQ 12 34 56 C", "65 170839 J 003").
    r"(?P<value>(?:[A-Z]{1,3}|[A-Za-z]*\d[A-Za-z\d]*)(?:[ .\-/](?:[A-Z]{1,3}|[A-Za-z]*\d[A-Za-z\d]*)){0,7})"
    r"(?![\w@]|[.\-/]\w)"
)
_ID_CUE_QUICK_RE = re.compile(r"\d{2}")


# The first word of every cue as ``lower_words`` splits it (a set intersection, ~1 µs, where the
# case-insensitive regex costs ~5 µs a message with digits).
_ID_CUE_FIRST_WORDS = word_set(
    """
    passport passeport pasaporte passaporto reisepass reisepassnummer paspoort personalausweis
    personalausweisnummer ausweis ausweisnummer identity id national identification carte carta documento
    cedula cédula cartão cartao driver's driver’s drivers driver driving license licence permis carné carne
    carnet carteira führerschein fuhrerschein führerscheinnummer fuhrerscheinnummer patente social ni
    sozialversicherungsnummer sv-nummer rentenversicherungsnummer steuer-id steuerid steuer-idnr steueridnr
    steueridentifikationsnummer steuernummer numéro numero sécu secu codice tessera tax nhs medicare aadhaar
    sin pan rg rut run nie nif dni cpf cni bsn utr tin tfn curp rfc nir nino pps ppsn ahv svnr nic cnp cf
    n° nº clave tarjeta rijksregisternummer versichertennummer passnummer paspoortnummer rijbewijsnummer
    permis condução conducao licence license ci passaporte número
    """
)
# The value stands right after the cue: surer than a phone read from the same digits ("NHS number
# 943 476 5919"), under a card or checked id its context raised to 1.0 ("PAN 4111 1111 1111 1111").
_ID_CUE_SCORE = 0.96
_DATE_SHAPE_RE = re.compile(r"\A\d{1,4}[./\-]\d{1,2}[./\-]\d{1,4}\Z")


def recognize_cued_ids(text: str) -> list[Finding]:
    """An id-shaped value right after the name of an identity document or number."""
    if digit_count(text) < 4 or _ID_CUE_QUICK_RE.search(text) is None:
        return []
    if _ID_CUE_FIRST_WORDS.isdisjoint(lower_words(text)):
        return []
    found = []
    for m in _ID_CUE_RE.finditer(text):
        value = m.group("value")
        digits = sum(c.isdigit() for c in value)
        if digits < 4 or sum(c.isalnum() for c in value) < 6 or _DATE_SHAPE_RE.match(value):
            continue
        found.append(Finding(NATIONAL_ID, m.start("value"), m.end("value"), _ID_CUE_SCORE, "id_after_cue"))
    return found


# What may stand between an id and the next one of a list: a comma or a conjunction, then up to
# 40 characters without a digit or a full stop ("47 036 892 816, meine 81 295 473 016"; "X1234567
# and his is X7654321"), ending in a space, colon or equals sign.
_LIST_GAP_RE = re.compile(r"\s*(?:[,;/&]|\s(?:and|or|und|oder|y|o|e|ou|et|en|of)\s)[^\d.!?\n]{0,40}[\s:=]|\s*[,;/&]\s*")
_SHAPE_CLASS = {"d": r"\d", "a": "[A-Za-z]"}


def listed_after(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Where a value written exactly like the id ``text[start:end]`` follows it in a list: the
    same kind of number, though its cue or checksum named only the first."""
    value = text[start:end]
    shape = "".join(
        _SHAPE_CLASS["d"] if c.isdigit() else _SHAPE_CLASS["a"] if c.isascii() and c.isalpha() else re.escape(c)
        for c in value
    )
    m = re.compile(rf"(?<![\w.\-/]){shape}(?![\w@]|[.\-/]\w)").search(text, end, end + 48 + len(value))
    if m is None or m.group() == value or _LIST_GAP_RE.fullmatch(text, end, m.start()) is None:
        return None
    if _OTHER_KIND_RE.search(text, end, m.start()):
        return None  # "ID 123 456 7890, phone 555 123 4567": the gap names the next value
    return m.start(), m.end()


# Words naming what a next value of the same shape is instead.
_OTHER_KIND_RE = words_regex(
    (*REFERENCE_WORDS, *CARD_WORDS, "phone", "tel", "mobile", "cell", "fax", "account", "iban", "number")
)


def ids_listed_after(findings: list[Finding], text: str) -> list[Finding]:
    """``findings`` plus, after each national id or SSN, the next value of a list written the
    same way (``listed_after``), with the first one's type and score."""
    extra = []
    for finding in findings:
        if finding.type in (NATIONAL_ID, SSN):
            span = listed_after(text, finding.start, finding.end)
            if span is not None:
                extra.append(Finding(finding.type, span[0], span[1], finding.score, "id_listed"))
    return findings + extra if extra else findings
