"""Stress set for sensitive-data detection: varied chat messages in seven languages, hard negatives.

    .venv/bin/python tests/data/sensitive_stress_generate.py

Writes ``sensitive_stress_dev.jsonl`` (misses may be looked at and rules fixed on it) and
``sensitive_stress_heldout.jsonl`` (only its score is read, once at the end of a round of work).
Unlike ``sensitive_hard_generate.py`` (hand-written lines, English) and ``sensitive_generate.py``
(the 700-message templates), this one draws values and phrasing apart:

* every template is written here, in en/es/pt/fr/de/it/nl chat style (informal typing, lower-case
  names, names at sentence start and in lists, e-mail signatures, addresses);
* templates are split between the halves by position (even: dev, odd: held-out), so the held-out
  half has phrasings the dev half never showed; the values come from two random streams;
* values: names from Faker locales, some of them outside the first-name list (hu, ro, id, sw, yo,
  zu, vi); phones of 30 countries in E.164, international and national writing; IBANs of ~40
  countries built from the SWIFT registry shapes python-stdnum ships; national IDs (US SSN, UK NINO,
  ES DNI/NIE, PT NIF, FR NIR, DE Steuer-ID, IT codice fiscale, NL BSN, BR CPF, PL PESEL) computed
  with their checksums; cards of every network in their usual groupings; secrets of ~30 providers;
  dates of birth in many formats;
* hard negatives: order and tracking numbers (some Luhn-valid), versions, SSNs and IBANs that fail
  their checksum, dates without a birth word, prices, UI labels, product names, SQL and code.

Faker is needed only to write the files (it is a dev dependency), never at run time. Secrets are
random strings in the providers' formats, not real credentials. Fixed seeds: rerunning rewrites
the same files.
"""

from __future__ import annotations

import json
import os
import random
import re
import string
import sys
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import phonenumbers
import stdnum
from faker import Faker
from stdnum import iban as std_iban
from stdnum import luhn
from stdnum.br import cpf
from stdnum.de import idnr
from stdnum.es import dni, nie
from stdnum.fr import nir
from stdnum.it import codicefiscale
from stdnum.nl import bsn
from stdnum.pl import pesel
from stdnum.pt import nif
from stdnum.us import ssn

HERE = Path(__file__).resolve().parent
PER_TEMPLATE = 5  # instances of each template per half

Value = tuple[str, str | None]  # (text, entity type or None for a hard negative / filler)


class Gen:
    """Value generators over one random stream."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.fakers: dict[str, Faker] = {}
        self.seed = seed

    def faker(self, locale: str) -> Faker:
        if locale not in self.fakers:
            fake = Faker(locale)
            fake.seed_instance(self.seed * 1000 + len(self.fakers))
            self.fakers[locale] = fake
        return self.fakers[locale]

    def choice(self, seq):
        return self.rng.choice(seq)

    def digits(self, n: int) -> str:
        return "".join(self.rng.choice(string.digits) for _ in range(n))

    def alnum(self, n: int, alphabet: str = string.ascii_letters + string.digits) -> str:
        # Random keys have digits and, when the alphabet has both, both cases.
        need_digit = any(c.isdigit() for c in alphabet) and n >= 8
        need_cases = any(c.islower() for c in alphabet) and any(c.isupper() for c in alphabet) and n >= 8
        while True:
            value = "".join(self.rng.choice(alphabet) for _ in range(n))
            if (not need_digit or any(c.isdigit() for c in value)) and (
                not need_cases or (value.lower() != value and value.upper() != value)
            ):
                return value


LANG_LOCALES = {
    "en": ["en_US", "en_GB", "en_IE", "en_IN", "en_NG"],
    "es": ["es_ES", "es_MX", "es_AR", "es_CO"],
    "pt": ["pt_PT", "pt_BR"],
    "fr": ["fr_FR", "fr_CH", "fr_CA"],
    "de": ["de_DE", "de_AT", "de_CH"],
    "it": ["it_IT"],
    "nl": ["nl_NL", "nl_BE"],
}
# Names from locales whose first names are not in data/first_names.txt.
OUTSIDE_LOCALES = ["hu_HU", "ro_RO", "id_ID", "sw", "yo_NG", "zu_ZA", "vi_VN", "hr_HR", "sk_SK"]


# ------------------------------------------------------------------------------- people, places


def _name_locale(g: Gen, lang: str) -> str:
    return g.choice(OUTSIDE_LOCALES) if g.rng.random() < 0.25 else g.choice(LANG_LOCALES[lang])


def first(g: Gen, lang: str) -> Value:
    return g.faker(_name_locale(g, lang)).first_name(), "PERSON"


def person(g: Gen, lang: str) -> Value:
    fake = g.faker(_name_locale(g, lang))
    return f"{fake.first_name()} {fake.last_name()}", "PERSON"


def person_lc(g: Gen, lang: str) -> Value:
    return person(g, lang)[0].lower(), "PERSON"


REAL_CITIES = {
    "en": [
        "Manchester",
        "Leeds",
        "Glasgow",
        "Boston",
        "Seattle",
        "Toronto",
        "Dublin",
        "Melbourne",
        "Austin",
        "Pune",
        "Lagos",
        "Nairobi",
        "Cardiff",
        "Brighton",
        "Denver",
        "Portland",
        "Bangalore",
        "Auckland",
    ],
    "es": [
        "Valencia",
        "Sevilla",
        "Bilbao",
        "Zaragoza",
        "Málaga",
        "Guadalajara",
        "Monterrey",
        "Rosario",
        "Medellín",
        "Cali",
        "Salamanca",
        "Granada",
        "Oviedo",
        "Cuenca",
        "Córdoba",
        "Puebla",
    ],
    "pt": [
        "Porto",
        "Braga",
        "Coimbra",
        "Faro",
        "Curitiba",
        "Recife",
        "Salvador",
        "Fortaleza",
        "Campinas",
        "Belo Horizonte",
        "Aveiro",
        "Setúbal",
        "Florianópolis",
        "Manaus",
    ],
    "fr": [
        "Lyon",
        "Marseille",
        "Toulouse",
        "Bordeaux",
        "Lille",
        "Nantes",
        "Strasbourg",
        "Grenoble",
        "Genève",
        "Lausanne",
        "Montréal",
        "Rennes",
        "Montpellier",
        "Dijon",
        "Liège",
    ],
    "de": [
        "München",
        "Hamburg",
        "Köln",
        "Stuttgart",
        "Leipzig",
        "Dresden",
        "Graz",
        "Zürich",
        "Basel",
        "Bremen",
        "Hannover",
        "Nürnberg",
        "Innsbruck",
        "Freiburg",
        "Wien",
        "Mainz",
    ],
    "it": [
        "Milano",
        "Torino",
        "Bologna",
        "Firenze",
        "Napoli",
        "Genova",
        "Verona",
        "Padova",
        "Bari",
        "Trieste",
        "Palermo",
        "Parma",
        "Brescia",
        "Bergamo",
    ],
    "nl": [
        "Utrecht",
        "Eindhoven",
        "Groningen",
        "Haarlem",
        "Leiden",
        "Nijmegen",
        "Antwerpen",
        "Gent",
        "Breda",
        "Delft",
        "Maastricht",
        "Arnhem",
        "Zwolle",
        "Brugge",
    ],
}
CITY_LOCALES = {"es": "es_ES", "pt": "pt_PT", "de": "de_DE", "it": "it_IT", "nl": "nl_NL"}


def city(g: Gen, lang: str) -> Value:
    # Real towns from Faker's lists for the languages where they are real, else a hand list.
    if lang in CITY_LOCALES and g.rng.random() < 0.35:
        return g.faker(CITY_LOCALES[lang]).city(), "LOCATION"
    return g.choice(REAL_CITIES[lang]), "LOCATION"


ADDRESS_LOCALES = {
    "en": "en_GB",
    "es": "es_ES",
    "pt": "pt_PT",
    "fr": "fr_FR",
    "de": "de_DE",
    "it": "it_IT",
    "nl": "nl_NL",
}


def address(g: Gen, lang: str) -> Value | list[Value]:
    fake = g.faker(ADDRESS_LOCALES[lang] if g.rng.random() < 0.8 else "en_US")
    street = fake.street_address().replace("\n", ", ")
    town = city(g, lang)[0]
    shape = g.rng.random()
    # The street and the town are two places, the postcode between them neither (ninth session;
    # the whole address was one LOCATION before).
    if shape < 0.4:
        return [(street, "LOCATION"), (f", {fake.postcode()} ", None), (town, "LOCATION")]
    if shape < 0.7:
        return [(street, "LOCATION"), (", ", None), (town, "LOCATION")]
    return street, "LOCATION"


ORG_NAMES = [
    "Northwind Traders",
    "Bluepeak Analytics",
    "Halcyon Foods",
    "Vertex Robotics",
    "Solaria Energia",
    "Kessler Maschinenbau",
    "Duarte & Filhos",
    "Brasserie Lemaire",
    "Van den Berg Logistiek",
    "Ferretti Arredamenti",
    "Greenfield Dental",
    "Oakridge Capital",
    "Lumen Optics",
    "Tierra Verde Cafés",
    "Nordlicht Versicherung",
    "Atelier Moreau",
    "Costa Azul Turismo",
    "Hoekstra Bouw",
    "Pietra Serena Vini",
    "Quantix Labs",
]
ORG_SUFFIXES = {
    "en": ["Ltd", "Inc.", "LLC", "plc", "Group"],
    "es": ["S.L.", "S.A.", "SL"],
    "pt": ["Lda.", "S.A.", "Ltda."],
    "fr": ["SAS", "SARL", "S.A."],
    "de": ["GmbH", "AG", "GmbH & Co. KG"],
    "it": ["S.r.l.", "S.p.A.", "srl"],
    "nl": ["B.V.", "BV", "N.V."],
}


def org(g: Gen, lang: str) -> Value:
    name = g.choice(ORG_NAMES)
    if g.rng.random() < 0.5:
        name = f"{name} {g.choice(ORG_SUFFIXES[lang])}"
    return name, "ORGANIZATION"


def org_suffix(g: Gen, lang: str) -> Value:
    return f"{g.choice(ORG_NAMES)} {g.choice(ORG_SUFFIXES[lang])}", "ORGANIZATION"


# ----------------------------------------------------------------------------- contact details


def email(g: Gen, lang: str) -> Value:
    fake = g.faker(g.choice(LANG_LOCALES[lang]))
    shape = g.rng.random()
    if shape < 0.4:
        return fake.email(), "EMAIL"
    user = re.sub(r"[^a-z]", "", fake.first_name().lower()) or "ana"
    last = re.sub(r"[^a-z]", "", fake.last_name().lower()) or "lopez"
    domain = g.choice(
        [
            "gmail.com",
            "outlook.com",
            "hotmail.fr",
            "web.de",
            "libero.it",
            "ziggo.nl",
            "sapo.pt",
            "empresa.com.br",
            "correo.es",
            "acme-corp.co.uk",
            "uni-heidelberg.de",
            "example.org",
        ]
    )
    local = g.choice(
        [
            f"{user}.{last}",
            f"{user[0]}.{last}",
            f"{user}{g.digits(2)}",
            f"{user}+billing",
            f"{user}_{last}",
            f"{last}.{user}",
        ]
    )
    value = f"{local}@{domain}"
    return (value.upper() if shape > 0.95 else value), "EMAIL"


PHONE_REGIONS = {
    "en": ["US", "GB", "IE", "CA", "AU", "IN", "ZA", "NZ", "NG", "SG"],
    "es": ["ES", "MX", "AR", "CO", "CL", "PE"],
    "pt": ["PT", "BR"],
    "fr": ["FR", "BE", "CH", "MA"],
    "de": ["DE", "AT", "CH"],
    "it": ["IT", "CH"],
    "nl": ["NL", "BE"],
}
WORLD_REGIONS = ["SE", "PL", "JP", "AE", "KE", "DK", "NO", "FI", "CZ", "GR", "TR", "IL", "HK"]


def _phone_number(g: Gen, region: str) -> phonenumbers.PhoneNumber:
    kind = g.choice([phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE])
    example = phonenumbers.example_number_for_type(region, kind) or phonenumbers.example_number(region)
    national = str(example.national_number)
    for _ in range(200):
        keep = max(2, len(national) - g.rng.randint(4, 6))
        candidate = national[:keep] + g.digits(len(national) - keep)
        number = phonenumbers.parse("+" + str(example.country_code) + candidate, None)
        if phonenumbers.is_valid_number(number) and "555" not in candidate[3:6]:
            return number
    return example


def phone(g: Gen, lang: str) -> Value:
    region = g.choice(PHONE_REGIONS[lang]) if g.rng.random() < 0.75 else g.choice(WORLD_REGIONS)
    number = _phone_number(g, region)
    shape = g.rng.random()
    if shape < 0.2:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), "PHONE"
    if shape < 0.5:
        value = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
        if g.rng.random() < 0.2:
            value = "00" + value[1:]
        return value, "PHONE"
    value = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    if shape > 0.85:
        value = value.replace(" ", g.choice([".", "-", ""]))
    return value, "PHONE"


def phone_e164(g: Gen, lang: str) -> Value:
    number = _phone_number(g, g.choice(PHONE_REGIONS[lang] + WORLD_REGIONS))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), "PHONE"


# ------------------------------------------------------------------------------------ financial


def _iban_shapes() -> dict[str, str]:
    text = (Path(stdnum.__file__).parent / "iban.dat").read_text(encoding="utf-8")
    return dict(re.findall(r'^([A-Z]{2}) country="[^"]*" bban="([^"]+)"', text, re.MULTILINE))


IBAN_SHAPES = _iban_shapes()
IBAN_COUNTRIES = [
    "DE",
    "ES",
    "FR",
    "IT",
    "NL",
    "PT",
    "GB",
    "BE",
    "AT",
    "CH",
    "IE",
    "LU",
    "PL",
    "SE",
    "DK",
    "FI",
    "NO",
    "CZ",
    "HU",
    "RO",
    "GR",
    "HR",
    "SI",
    "SK",
    "LT",
    "LV",
    "EE",
    "BG",
    "MT",
    "CY",
    "TR",
    "SA",
    "AE",
    "QA",
    "IS",
    "LI",
    "MC",
    "BR",
    "IL",
    "GE",
]
LANG_IBAN = {
    "en": ["GB", "IE"],
    "es": ["ES"],
    "pt": ["PT", "BR"],
    "fr": ["FR", "BE", "LU"],
    "de": ["DE", "AT", "CH"],
    "it": ["IT"],
    "nl": ["NL", "BE"],
}


def _bban(g: Gen, shape: str) -> str:
    out = []
    for count, kind in re.findall(r"(\d+)!([nac])", shape):
        alphabet = {"n": string.digits, "a": string.ascii_uppercase, "c": string.ascii_uppercase + string.digits}[kind]
        out.append("".join(g.choice(alphabet) for _ in range(int(count))))
    return "".join(out)


def iban_compact(g: Gen, lang: str) -> str:
    country = g.choice(LANG_IBAN[lang]) if g.rng.random() < 0.5 else g.choice(IBAN_COUNTRIES)
    for _ in range(5000):
        bban = _bban(g, IBAN_SHAPES[country])
        check = 98 - int("".join(str(int(c, 36)) for c in bban + country + "00")) % 97
        value = f"{country}{check:02d}{bban}"
        if std_iban.is_valid(value):
            return value
    raise RuntimeError(country)


def iban(g: Gen, lang: str) -> Value:
    value = iban_compact(g, lang)
    shape = g.rng.random()
    if shape < 0.55:
        value = " ".join(value[i : i + 4] for i in range(0, len(value), 4))
    elif shape < 0.65:
        value = value.lower()
    return value, "IBAN"


CARD_NETWORKS = [  # (prefixes, lengths)
    (["4"], [16, 16, 13, 19]),  # Visa
    (["51", "52", "53", "54", "55", "2221", "2500", "2720"], [16]),  # Mastercard
    (["34", "37"], [15]),  # Amex
    (["6011", "644", "65", "622126"], [16, 19]),  # Discover
    (["300", "305", "36", "38"], [14]),  # Diners Club International
    (["3528", "3589", "3540"], [16, 19]),  # JCB
    (["62"], [16, 17, 18, 19]),  # UnionPay
    (["5018", "5020", "5038", "5893", "6304", "6759", "6761", "6763"], [12, 13, 16, 18, 19]),  # Maestro
    (["2200", "2201", "2204"], [16]),  # Mir
    (["6521", "6522", "508"], [16]),  # RuPay
    (["636368", "504175", "438935", "627780"], [16]),  # Elo
    (["606282"], [16]),  # Hipercard
    (["5019"], [16]),  # Dankort
    (["9792"], [16]),  # Troy
]


def card_digits(g: Gen) -> tuple[str, int]:
    prefixes, lengths = g.choice(CARD_NETWORKS)
    prefix, length = g.choice(prefixes), g.choice(lengths)
    body = prefix + g.digits(length - len(prefix) - 1)
    return body + luhn.calc_check_digit(body), length


def group_card(g: Gen, digits: str) -> str:
    n = len(digits)
    sep = g.choice([" ", " ", "-", "", " - "]) if n not in (14, 15) else g.choice([" ", "-", ""])
    if not sep:
        return digits
    if n == 15:
        sizes = [4, 6, 5]
    elif n == 14:
        sizes = [4, 6, 4]
    else:
        sizes = [4] * (n // 4) + ([n % 4] if n % 4 else [])
    out, i = [], 0
    for size in sizes:
        out.append(digits[i : i + size])
        i += size
    return sep.join(out)


def card(g: Gen, lang: str) -> Value:
    digits, _ = card_digits(g)
    return group_card(g, digits), "CREDIT_CARD"


# ---------------------------------------------------------------------------------- national ids


def us_ssn(g: Gen, lang: str) -> Value:
    while True:
        value = f"{g.rng.randint(1, 899):03d}{g.rng.randint(1, 99):02d}{g.rng.randint(1, 9999):04d}"
        if ssn.is_valid(value):
            break
    shape = g.rng.random()
    if shape < 0.6:
        return f"{value[:3]}-{value[3:5]}-{value[5:]}", "SSN"
    if shape < 0.8:
        return f"{value[:3]} {value[3:5]} {value[5:]}", "SSN"
    return value, "SSN"


def nino(g: Gen, lang: str) -> Value:
    first_letters, second_letters = "ABCEGHJKLMNOPRSTWXYZ", "ABCEGHJKLMNPRSTWXYZ"
    while True:
        prefix = g.choice(first_letters) + g.choice(second_letters)
        if prefix not in {"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"}:
            break
    d = g.digits(6)
    suffix = g.choice("ABCD")
    value = g.choice([f"{prefix}{d}{suffix}", f"{prefix} {d[:2]} {d[2:4]} {d[4:]} {suffix}"])
    return (value.lower() if g.rng.random() < 0.15 else value), "NATIONAL_ID"


def es_dni(g: Gen, lang: str) -> Value:
    number = g.digits(8)
    value = number + dni.calc_check_digit(number)
    return g.choice([value, value, f"{number}-{value[-1]}", value.lower()]), "NATIONAL_ID"


def es_nie(g: Gen, lang: str) -> Value:
    letter, number = g.choice("XYZ"), g.digits(7)
    check = dni.calc_check_digit(str("XYZ".index(letter)) + number)
    value = f"{letter}{number}{check}"
    assert nie.is_valid(value)
    return g.choice([value, f"{letter}-{number}-{check}"]), "NATIONAL_ID"


def pt_nif(g: Gen, lang: str) -> Value:
    body = g.choice("12356") + g.digits(7)
    value = body + nif.calc_check_digit(body)
    return g.choice([value, f"{value[:3]} {value[3:6]} {value[6:]}"]), "NATIONAL_ID"


def fr_nir(g: Gen, lang: str) -> Value:
    body = f"{g.choice('12')}{g.rng.randint(40, 99):02d}{g.rng.randint(1, 12):02d}{g.rng.randint(1, 95):02d}{g.digits(3)}{g.digits(3)}"
    value = body + nir.calc_check_digits(body)
    assert nir.is_valid(value)
    spaced = f"{value[0]} {value[1:3]} {value[3:5]} {value[5:7]} {value[7:10]} {value[10:13]} {value[13:]}"
    return g.choice([value, spaced, spaced]), "NATIONAL_ID"


def de_idnr(g: Gen, lang: str) -> Value:
    while True:
        body = g.choice("123456789") + g.digits(9)
        value = body + g.digits(1)  # python-stdnum has no check-digit function for it: draw until valid
        if idnr.is_valid(value):
            break
    return g.choice([value, f"{value[:2]} {value[2:5]} {value[5:8]} {value[8:]}"]), "NATIONAL_ID"


def it_cf(g: Gen, lang: str) -> Value:
    value = g.faker("it_IT").ssn()
    assert codicefiscale.is_valid(value)
    return (value.lower() if g.rng.random() < 0.15 else value), "NATIONAL_ID"


def nl_bsn(g: Gen, lang: str) -> Value:
    value = g.faker("nl_NL").ssn()
    assert bsn.is_valid(value)
    return g.choice([value, f"{value[:4]}.{value[4:6]}.{value[6:]}"]), "NATIONAL_ID"


def br_cpf(g: Gen, lang: str) -> Value:
    value = g.faker("pt_BR").cpf()
    assert cpf.is_valid(value)
    return g.choice([value, value, re.sub(r"\D", "", value)]), "NATIONAL_ID"


def pl_pesel(g: Gen, lang: str) -> Value:
    value = g.faker("pl_PL").pesel()
    assert pesel.is_valid(value)
    return value, "NATIONAL_ID"


# --------------------------------------------------------------------------------------- network


def ipv4(g: Gen, lang: str) -> Value:
    fake = g.faker("en_US")
    return (fake.ipv4_public() if g.rng.random() < 0.6 else fake.ipv4_private()), "IP_ADDRESS"


def ipv6(g: Gen, lang: str) -> Value:
    shape = g.rng.random()
    if shape < 0.5:
        return g.faker("en_US").ipv6(), "IP_ADDRESS"
    groups = [f"{g.rng.randint(0, 0xFFFF):x}" for _ in range(3)]
    return f"2001:db8:{groups[0]}::{groups[1]}:{groups[2]}", "IP_ADDRESS"


# --------------------------------------------------------------------------------------- secrets

B62 = string.ascii_letters + string.digits
HEX = "0123456789abcdef"


def secret(g: Gen, lang: str) -> Value:
    a = g.alnum
    makers: list[Callable[[], str]] = [
        lambda: "AKIA" + a(16, string.ascii_uppercase + "234567"),
        lambda: "ghp_" + a(36),
        lambda: "github_pat_11" + a(20, string.ascii_uppercase + string.digits) + "_" + a(59),
        lambda: "glpat-" + a(20),
        lambda: "xoxb-" + g.digits(11) + "-" + g.digits(12) + "-" + a(24),
        lambda: "sk_live_" + a(24),
        lambda: "rk_live_" + a(24),
        lambda: "sk-proj-" + a(48),
        lambda: "sk-ant-api03-" + a(80) + "-" + a(6) + "AA",
        lambda: "AIza" + a(35, B62 + "-_"),
        lambda: "SG." + a(22) + "." + a(43),
        lambda: "hf_" + a(34),
        lambda: "npm_" + a(36),
        lambda: "SK" + a(32, HEX),  # Twilio API key
        lambda: "key-" + a(32, HEX),  # Mailgun
        lambda: "shpat_" + a(32, HEX),  # Shopify
        lambda: "dop_v1_" + a(64, HEX),  # DigitalOcean
        lambda: "pypi-AgEIcHlwaS5vcmc" + a(50, B62 + "-_"),
        lambda: g.digits(10) + ":AA" + a(33, B62 + "-_"),  # Telegram bot
        lambda: "sq0atp-" + a(22, B62 + "-_"),  # Square
        lambda: "dapi" + a(32, HEX),  # Databricks
        lambda: "hvs." + a(24),  # Vault
        lambda: "PMAK-" + a(24, HEX) + "-" + a(34, HEX),  # Postman
        lambda: "lin_api_" + a(40),  # Linear
        lambda: "secret_" + a(43),  # Notion
        lambda: "NRAK-" + a(27, string.ascii_uppercase + string.digits),  # New Relic
        lambda: "glsa_" + a(32) + "_" + a(8, HEX),  # Grafana
        lambda: "xapp-1-" + a(11, string.ascii_uppercase + string.digits) + "-" + g.digits(13) + "-" + a(64, HEX),
        lambda: "AccountKey=" + a(86) + "==",  # Azure storage
        lambda: "ya29." + a(60, B62 + "-_"),  # Google OAuth access token
    ]
    return g.choice(makers)(), "SECRET"


def url_password(g: Gen, lang: str) -> Value:
    # In a URL's user info "@", "#", "/" and ":" would have to be percent-encoded.
    return g.alnum(g.rng.randint(8, 16), B62 + "!*-_.~"), "SECRET"


def password(g: Gen, lang: str) -> Value:
    words = ["Sommer", "verano", "Bella", "Lisboa", "soleil", "Tulpen", "Gatto", "river", "Dragao", "koffie"]
    shape = g.rng.random()
    if shape < 0.4:
        return f"{g.choice(words)}{g.rng.randint(1, 2025)}{g.choice('!#$%*?&')}", "SECRET"
    if shape < 0.7:
        return g.alnum(g.rng.randint(8, 14), B62 + "!#$%&*@"), "SECRET"
    return f"{g.choice(words).lower()}-{g.choice(words).lower()}-{g.digits(2)}", "SECRET"


# ---------------------------------------------------------------------------------- dates of birth

MONTHS = {
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    "es": [
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ],
    "pt": [
        "janeiro",
        "fevereiro",
        "março",
        "abril",
        "maio",
        "junho",
        "julho",
        "agosto",
        "setembro",
        "outubro",
        "novembro",
        "dezembro",
    ],
    "fr": [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
    "de": [
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    ],
    "it": [
        "gennaio",
        "febbraio",
        "marzo",
        "aprile",
        "maggio",
        "giugno",
        "luglio",
        "agosto",
        "settembre",
        "ottobre",
        "novembre",
        "dicembre",
    ],
    "nl": [
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ],
}


def _birth(g: Gen) -> date:
    return date(1940, 1, 1) + timedelta(days=g.rng.randint(0, 66 * 365))


def _ordinal(day: int) -> str:
    return "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


def dob(g: Gen, lang: str) -> Value:
    d = _birth(g)
    month = MONTHS[lang][d.month - 1]
    numeric = [
        f"{d.day:02d}/{d.month:02d}/{d.year}",
        f"{d.day}/{d.month}/{d.year}",
        f"{d.day:02d}.{d.month:02d}.{d.year}",
        f"{d.day:02d}-{d.month:02d}-{d.year}",
        d.isoformat(),
        f"{d.day:02d}/{d.month:02d}/{d.year % 100:02d}",
    ]
    if lang == "en":
        words = [
            f"{month} {d.day}, {d.year}",
            f"{month} {d.day}{_ordinal(d.day)} {d.year}",
            f"{d.day}{_ordinal(d.day)} {month} {d.year}",
            f"{d.day} {month[:3]} {d.year}",
            f"{month[:3]} {d.day} {d.year}",
            f"{d.month}/{d.day}/{d.year}",
            f"{d.month:02d}/{d.day:02d}/{d.year % 100:02d}",
            f"{d.day}-{month[:3]}-{d.year}",
            f"{month.lower()} {d.day} {d.year}",
        ]
    elif lang in ("es", "pt"):
        words = [f"{d.day} de {month} de {d.year}", f"{d.day} {month} {d.year}", f"{d.day}/{month[:3]}/{d.year}"]
    elif lang == "fr":
        words = [f"{d.day} {month} {d.year}", f"{'1er' if d.day == 1 else d.day} {month} {d.year}"]
    elif lang == "de":
        words = [f"{d.day}. {month} {d.year}", f"{d.day}.{d.month}.{d.year}", f"{d.day}. {month[:3]}. {d.year}"]
    elif lang == "it":
        words = [f"{d.day} {month} {d.year}", f"{d.day} {month.capitalize()} {d.year}"]
    else:
        words = [f"{d.day} {month} {d.year}", f"{d.day}-{d.month}-{d.year}"]
    return g.choice(numeric + words + words), "DATE_OF_BIRTH"


# --------------------------------------------------------------------------------- hard negatives


def neg(maker: Callable[[Gen, str], str]) -> Callable[[Gen, str], Value]:
    def make(g: Gen, lang: str) -> Value:
        return maker(g, lang), None

    return make


def _luhn_order(g: Gen) -> str:
    body = g.choice(["4", "5"]) + g.digits(14)
    return body + luhn.calc_check_digit(body)


def _bad_card(g: Gen) -> str:
    digits, _ = card_digits(g)
    return group_card(g, digits[:-1] + str((int(digits[-1]) + g.rng.randint(1, 9)) % 10))


def _bad_iban(g: Gen, lang: str) -> str:
    value = iban_compact(g, lang)
    bad = value[:2] + f"{(int(value[2:4]) + g.rng.randint(1, 50)) % 97 + 2:02d}" + value[4:]
    if std_iban.is_valid(bad):
        bad = value[:-1] + str((int(value[-1]) + 1) % 10) if value[-1].isdigit() else value[:-1] + "0"
    return " ".join(bad[i : i + 4] for i in range(0, len(bad), 4)) if g.rng.random() < 0.5 else bad


def _bad_dni(g: Gen) -> str:
    number = g.digits(8)
    good = dni.calc_check_digit(number)
    return number + g.choice([c for c in "TRWAGMYFPDXBNJZSQVHLCKE" if c != good])


def _bad_cpf(g: Gen) -> str:
    while True:
        value = f"{g.digits(3)}.{g.digits(3)}.{g.digits(3)}-{g.digits(2)}"
        if not cpf.is_valid(value):
            return value


def _bad_ssn(g: Gen) -> str:
    return g.choice(["000", "666", f"9{g.digits(2)}"]) + f"-{g.digits(2)}-{g.digits(4)}"


def _plain_date(g: Gen) -> str:
    d = date(2019, 1, 1) + timedelta(days=g.rng.randint(0, 2500))
    return g.choice([d.isoformat(), f"{d.day:02d}/{d.month:02d}/{d.year}", f"{d.day:02d}.{d.month:02d}.{d.year}"])


def _old_date(g: Gen) -> str:
    d = _birth(g)
    return g.choice([d.isoformat(), f"{d.day:02d}/{d.month:02d}/{d.year}", f"{d.day:02d}.{d.month:02d}.{d.year}"])


NEGATIVES: dict[str, Callable[[Gen, str], Value]] = {
    "order": neg(
        lambda g, _: g.choice(
            [
                f"#{g.digits(8)}",
                f"ORD-{g.digits(6)}",
                f"{g.digits(3)}-{g.digits(7)}",
                f"A{g.digits(9)}",
                f"{g.digits(10)}",
            ]
        )
    ),
    "order_luhn": neg(lambda g, _: _luhn_order(g)),
    "version": neg(
        lambda g, _: g.choice(
            [
                f"v{g.rng.randint(1, 9)}.{g.rng.randint(0, 20)}.{g.rng.randint(0, 30)}",
                f"{g.rng.randint(1, 4)}.{g.rng.randint(0, 12)}.{g.rng.randint(0, 40)}",
                f"10.0.{g.rng.randint(10000, 26000)}.{g.rng.randint(100, 4000)}",
                f"{g.rng.randint(100, 130)}.0.{g.rng.randint(1000, 7000)}.{g.rng.randint(10, 200)}",
            ]
        )
    ),
    "tracking": neg(
        lambda g, _: g.choice(
            [
                "1Z" + g.alnum(6, string.ascii_uppercase + string.digits) + g.digits(10),
                "9400 " + " ".join(g.digits(4) for _ in range(4)) + " " + g.digits(2),
                g.digits(10),
                g.choice(["RR", "LX", "CP", "RB"]) + g.digits(9) + g.choice(["DE", "NL", "PT", "ES", "FR", "CN"]),
                "3S" + g.alnum(4, string.ascii_uppercase) + g.digits(7),
            ]
        )
    ),
    "bad_card": neg(lambda g, _: _bad_card(g)),
    "bad_iban": neg(_bad_iban),
    # right after the word "IBAN" a mistyped number is still the account (ninth session)
    "typo_iban": lambda g, lang: (_bad_iban(g, lang), "IBAN"),
    # A mistyped id after its document's name is still the person's id (ninth session; these two
    # were hard negatives before): the detector reports it from the cue, without the checksum.
    "bad_dni": lambda g, _: (_bad_dni(g), "NATIONAL_ID"),
    "bad_cpf": lambda g, _: (_bad_cpf(g), "NATIONAL_ID"),
    "rg_sample": lambda g, _: ("12.345.678-9", "NATIONAL_ID"),
    "bad_ssn": neg(lambda g, _: _bad_ssn(g)),
    "date": neg(lambda g, _: _plain_date(g)),
    "old_date": neg(lambda g, _: _old_date(g)),
    "price": neg(
        lambda g, _: g.choice(
            [
                f"€{g.rng.randint(1, 9)}.{g.digits(3)},{g.digits(2)}",
                f"${g.rng.randint(1, 99)},{g.digits(3)}.{g.digits(2)}",
                f"R$ {g.rng.randint(1, 9)}.{g.digits(3)},{g.digits(2)}",
                f"{g.rng.randint(1, 999)} {g.digits(3)},{g.digits(2)} €",
                f"£{g.rng.randint(10, 999)}.{g.digits(2)}",
            ]
        )
    ),
    "uuid": neg(lambda g, _: g.faker("en_US").uuid4()),
    "sha": neg(lambda g, _: "".join(g.choice(HEX) for _ in range(g.choice([7, 12, 40])))),
    "product": neg(
        lambda g, _: g.choice(
            [
                "iPhone 15 Pro",
                "Galaxy S24 Ultra",
                "Windows 11 Pro",
                "Office 365",
                "PlayStation 5",
                "ThinkPad X1 Carbon",
                "Pixel 8a",
                "MacBook Air M2",
                "Surface Pro 9",
                "Kindle Paperwhite",
                "AirPods Pro",
                "Nintendo Switch",
            ]
        )
    ),
    "small_ip": neg(
        lambda g, _: f"{g.rng.randint(1, 4)}.{g.rng.randint(0, 9)}.{g.rng.randint(0, 9)}.{g.rng.randint(0, 20)}"
    ),
    "phone_ref": neg(lambda g, _: g.digits(g.choice([9, 10, 11]))),
}

SLOTS: dict[str, Callable[[Gen, str], Value]] = {
    "first": first,
    "person": person,
    "person_lc": person_lc,
    "city": city,
    "address": address,
    "org": org,
    "org_suffix": org_suffix,
    "email": email,
    "phone": phone,
    "phone_e164": phone_e164,
    "iban": iban,
    "card": card,
    "ssn": us_ssn,
    "nino": nino,
    "dni": es_dni,
    "nie": es_nie,
    "nif": pt_nif,
    "nir": fr_nir,
    "idnr": de_idnr,
    "cf": it_cf,
    "bsn": nl_bsn,
    "cpf": br_cpf,
    "pesel": pl_pesel,
    "ipv4": ipv4,
    "ipv6": ipv6,
    "secret": secret,
    "password": password,
    "url_password": url_password,
    "dob": dob,
    **NEGATIVES,
}

# ------------------------------------------------------------------------------------ templates
# (lang, template). Even positions go to dev, odd ones to held-out, within each group.

PEOPLE = [
    ("en", "{person} asked me to resend the invoice, can u draft it"),
    ("en", "meeting notes: {first}, {first} and {first} agreed to ship friday"),
    ("en", "hey its {person_lc} again, the export still fails"),
    ("en", "pls add {person} and {person} to the shared inbox"),
    ("en", "{first} says the dashboard is empty since monday"),
    ("en", "Can you summarise what {person} wrote in the thread?"),
    ("en", "cc: {person}, {person}"),
    ("en", "my manager {person} wants the numbers by noon"),
    ("es", "{person} me pidió que revisara el contrato, me ayudas?"),
    ("es", "hola soy {person_lc}, no puedo entrar a mi cuenta"),
    ("es", "en la reunión estaban {first}, {first} y {first}"),
    ("es", "Mi jefa {person} quiere el informe hoy"),
    ("pt", "o {first} falou que o relatório ta errado"),
    ("pt", "{person} pediu pra eu mandar a proposta amanhã"),
    ("pt", "oi, aqui é {person_lc}, preciso de ajuda com o boleto"),
    ("pt", "participantes: {person}; {person}; {person}"),
    ("fr", "{person} m'a demandé de relancer le client"),
    ("fr", "salut c'est {person_lc}, j'arrive pas à me connecter"),
    ("fr", "Ma collègue {person} est absente cette semaine"),
    ("fr", "étaient présents : {first}, {first} et {first}"),
    ("de", "{person} hat gesagt, dass der Export nicht geht"),
    ("de", "hallo, hier ist {person_lc}, ich komme nicht ins Konto"),
    ("de", "Teilnehmer: {person}, {person} und {person}"),
    ("de", "Mein Kollege {person} braucht Zugriff auf das Repo"),
    ("it", "{person} mi ha chiesto di rifare la presentazione"),
    ("it", "ciao sono {person_lc}, non riesco ad accedere"),
    ("it", "alla call c'erano {first}, {first} e {first}"),
    ("it", "Il mio capo {person} vuole i dati entro stasera"),
    ("nl", "{person} vroeg of ik de offerte kan aanpassen"),
    ("nl", "hoi, met {person_lc}, ik kan niet inloggen"),
    ("nl", "aanwezig: {first}, {first} en {first}"),
    ("nl", "Mijn collega {person} is ziek vandaag"),
]

SIGNATURES = [
    ("en", "Thanks for the help!\n\n--\n{person}\nSenior Buyer, {org_suffix}\nM: {phone} | {email}"),
    ("en", "ok will do\n\nBest,\n{person}\n{phone}"),
    ("es", "Quedo atento.\n\nUn saludo,\n{person}\nDepartamento de Compras\nTel.: {phone}\n{email}"),
    ("es", "gracias!!\n{person} | {org_suffix} | {email}"),
    ("pt", "Obrigada pela ajuda.\n\nAtenciosamente,\n{person}\n{org_suffix}\nCel: {phone}"),
    ("pt", "abs,\n{person}\n{email}"),
    ("fr", "Merci d'avance.\n\nCordialement,\n{person}\nResponsable achats – {org_suffix}\nTél : {phone}"),
    ("fr", "Bonne journée,\n{person}\n{email} / {phone}"),
    ("de", "Danke euch!\n\nViele Grüße\n{person}\n{org_suffix}\nTel. {phone}\nE-Mail: {email}"),
    ("de", "MfG\n{person}\nMobil: {phone}"),
    ("it", "Grazie mille.\n\nCordiali saluti,\n{person}\nUfficio acquisti, {org_suffix}\nCell. {phone}"),
    ("it", "Saluti\n{person} - {email}"),
    ("nl", "Alvast bedankt.\n\nMet vriendelijke groet,\n{person}\n{org_suffix}\nT: {phone}\nE: {email}"),
    ("nl", "groetjes,\n{person}\n{phone}"),
]

CONTACT = [
    ("en", "reach me at {email} or {phone} after 5"),
    ("en", "my number changed, it's {phone} now"),
    ("en", "whatsapp me on {phone_e164}"),
    ("en", "email {email} and cc {email}"),
    ("es", "mi correo es {email}, escríbeme ahí"),
    ("es", "llámame al {phone} porfa"),
    ("es", "mi móvil: {phone}"),
    ("pt", "meu zap é {phone}"),
    ("pt", "manda pro meu email {email} por favor"),
    ("pt", "liga no {phone} depois das 18h"),
    ("fr", "mon numéro c'est le {phone}"),
    ("fr", "écris-moi sur {email}"),
    ("fr", "tu peux m'appeler au {phone} demain"),
    ("de", "meine Nummer ist {phone}"),
    ("de", "schreib mir an {email}"),
    ("de", "ruf mich unter {phone} an"),
    ("it", "il mio numero è {phone}"),
    ("it", "scrivimi a {email}"),
    ("it", "chiamami al {phone}"),
    ("nl", "mijn nummer is {phone}"),
    ("nl", "mail me op {email}"),
    ("nl", "bel me op {phone}"),
]

ADDRESSES = [
    ("en", "ship to {address} pls"),
    ("en", "My new address is {address}."),
    ("es", "envíalo a {address}"),
    ("es", "mi dirección es {address}, 2º B"),
    ("pt", "a morada é {address}"),
    ("pt", "entrega em {address} por favor"),
    ("fr", "livraison au {address}"),
    ("fr", "j'habite {address} depuis mars"),
    ("de", "Lieferadresse: {address}"),
    ("de", "ich wohne jetzt in der {address}"),
    ("it", "spedisci a {address}"),
    ("it", "abito in {address}"),
    ("nl", "stuur het naar {address}"),
    ("nl", "mijn adres is {address}"),
]

PLACES_ORGS = [
    ("en", "i'm flying to {city} next week for the offsite"),
    ("en", "we just opened an office in {city}"),
    ("en", "I work for {org} as a data analyst"),
    ("en", "{org_suffix} sent us a quote yesterday"),
    ("es", "vivo en {city} desde hace dos años"),
    ("es", "trabajo en {org}, en el área de ventas"),
    ("es", "mañana viajo a {city}"),
    ("pt", "moro em {city} e trabalho na {org}"),
    ("pt", "vou pra {city} sexta"),
    ("fr", "je bosse chez {org} depuis 2021"),
    ("fr", "on déménage à {city} en septembre"),
    ("de", "ich arbeite bei {org} in {city}"),
    ("de", "wir ziehen nächsten Monat nach {city}"),
    ("it", "lavoro presso {org} a {city}"),
    ("it", "domani vado a {city} per un cliente"),
    ("nl", "ik werk bij {org} in {city}"),
    ("nl", "we verhuizen naar {city}"),
    ("en", "{city} office is closed tomorrow"),
]

FINANCIAL = [
    ("en", "card is {card} exp 09/27 cvv on the back"),
    ("en", "charged twice on my {card}??"),
    ("en", "pls refund to card ending... actually full number {card}"),
    ("en", "wire it to {iban}"),
    ("en", "my iban: {iban}"),
    ("es", "mi tarjeta {card} no pasa"),
    ("es", "te paso el IBAN {iban} para la transferencia"),
    ("es", "número de cuenta {iban}"),
    ("pt", "o cartão {card} foi recusado"),
    ("pt", "meu IBAN é {iban}"),
    ("fr", "ma carte {card} a été refusée"),
    ("fr", "voici mon RIB : {iban}"),
    ("fr", "IBAN {iban} (compte joint)"),
    ("de", "Kreditkarte {card} wird abgelehnt"),
    ("de", "Bitte überweisen auf {iban}"),
    ("de", "meine IBAN lautet {iban}"),
    ("it", "la carta {card} non funziona"),
    ("it", "il mio IBAN è {iban}"),
    ("nl", "mijn pas {card} werkt niet"),
    ("nl", "rekeningnummer {iban} graag"),
    ("en", "{card}"),
    ("en", "payment failed: {card} / 11/26"),
]

IDS = [
    ("en", "my ssn is {ssn}"),
    ("en", "SSN {ssn}, DOB {dob}"),
    ("en", "NI number {nino}"),
    ("en", "national insurance no: {nino}"),
    ("es", "mi DNI es {dni}"),
    ("es", "NIE: {nie}"),
    ("es", "dni {dni} y fecha de nacimiento {dob}"),
    ("es", "adjunto copia del DNI ({dni})"),
    ("pt", "NIF {nif} para a fatura"),
    ("pt", "meu CPF é {cpf}"),
    ("pt", "cpf: {cpf}"),
    ("pt", "contribuinte n.º {nif}"),
    ("fr", "mon numéro de sécu : {nir}"),
    ("fr", "NIR {nir}"),
    ("de", "Steuer-ID: {idnr}"),
    ("de", "meine steuerliche Identifikationsnummer ist {idnr}"),
    ("it", "codice fiscale {cf}"),
    ("it", "il mio CF è {cf}"),
    ("nl", "mijn BSN is {bsn}"),
    ("nl", "burgerservicenummer: {bsn}"),
    ("en", "PESEL {pesel}"),
    ("pt", "CPF {cpf} / RG {rg_sample}"),
]

NETWORK_SECRETS = [
    ("en", "server ip is {ipv4}, ssh as root"),
    ("en", "whitelist {ipv4} and {ipv6} pls"),
    ("en", "can't ping {ipv6}"),
    ("es", "la IP del servidor es {ipv4}"),
    ("pt", "o ip do servidor é {ipv4}"),
    ("fr", "l'adresse IP est {ipv4}"),
    ("de", "die IP vom Server ist {ipv4}"),
    ("it", "l'indirizzo IP è {ipv4}"),
    ("nl", "het ip-adres is {ipv4}"),
    ("en", "here's the key {secret} dont share it"),
    ("en", "export TOKEN={secret}"),
    ("en", "{secret}"),
    ("en", "why does {secret} return 401?"),
    ("en", 'config: api_key: "{secret}"'),
    ("es", "mi clave de API es {secret}"),
    ("pt", "a chave é {secret}"),
    ("fr", "voici le token {secret}"),
    ("de", "der Schlüssel ist {secret}"),
    ("it", "la chiave API è {secret}"),
    ("nl", "de sleutel is {secret}"),
    ("en", "my password is {password}"),
    ("en", "login: admin / {password}"),
    ("es", "mi contraseña es {password}"),
    ("es", "la clave del wifi es {password}"),
    ("pt", "minha senha é {password}"),
    ("fr", "mon mot de passe c'est {password}"),
    ("de", "mein Passwort ist {password}"),
    ("it", "la mia password è {password}"),
    ("it", "la password del wifi è {password}"),
    ("nl", "mijn wachtwoord is {password}"),
    ("en", "DATABASE_URL=postgres://app:{url_password}@db.internal:5432/prod"),
    ("en", "user: {email} pass: {password}"),
]

BIRTH = [
    ("en", "born {dob}"),
    ("en", "dob {dob}"),
    ("en", "my date of birth is {dob}"),
    ("en", "DOB: {dob} (as on my passport)"),
    ("en", "i was born on {dob} if that matters"),
    ("en", "birthday {dob}"),
    ("es", "nací el {dob}"),
    ("es", "fecha de nacimiento: {dob}"),
    ("es", "f. nac. {dob}"),
    ("pt", "nasci em {dob}"),
    ("pt", "data de nascimento {dob}"),
    ("fr", "je suis né le {dob}"),
    ("fr", "date de naissance : {dob}"),
    ("fr", "née le {dob} à {city}"),
    ("de", "geboren am {dob}"),
    ("de", "Geburtsdatum: {dob}"),
    ("de", "geb. {dob}"),
    ("it", "sono nato il {dob}"),
    ("it", "data di nascita: {dob}"),
    ("it", "nata il {dob} a {city}"),
    ("nl", "geboren op {dob}"),
    ("nl", "geboortedatum {dob}"),
]

# Hard negatives: nothing in these lines may be found.
NEGATIVE_LINES = [
    ("en", "order {order} still not delivered"),
    ("en", "order number {order_luhn} was charged but never shipped"),
    ("en", "upgraded to {version} and now it crashes"),
    ("en", "tracking number {tracking} says delivered, it isn't"),
    ("en", "is {bad_card} a valid card? the form says no"),
    ("en", "the IBAN {typo_iban} is rejected, typo?"),
    ("en", "ssn field rejects {bad_ssn}, is that format wrong"),
    ("en", "the deadline is {date}, can we move it"),
    ("en", "invoice from {date} for {price} is overdue"),
    ("en", "my {product} keeps rebooting"),
    ("en", "Click Save, then Export to CSV."),
    ("en", "SELECT order_id, total FROM orders WHERE created_at > '{date}' AND total > 100;"),
    ("en", "git checkout {sha} and rerun the tests"),
    ("en", "request id {uuid} failed with 502"),
    ("en", "password = os.environ['DB_PASSWORD']"),
    ("en", 'api_key = os.getenv("OPENAI_API_KEY")'),
    ("en", "set max_tokens=4096 and temperature=0.2"),
    ("en", "the token limit is 128000 for this model"),
    ("en", "release {small_ip} fixed the login bug"),
    ("en", "call the function with id={phone_ref}"),
    ("en", "the account was opened on {old_date}"),
    ("en", "Secret Santa list is in the Drive folder"),
    ("en", "password reset link goes to the wrong page"),
    ("en", "token: ${{{{ secrets.GITHUB_TOKEN }}}}"),
    ("en", "password: <your password here>"),
    ("es", "pedido {order} sin entregar"),
    ("es", "número de pedido {order_luhn}"),
    ("es", "el DNI {bad_dni} da error, está mal la letra?"),
    ("es", "la factura del {date} es de {price}"),
    ("es", "actualicé a la versión {version}"),
    ("es", "Haz clic en Guardar y luego en Enviar."),
    ("pt", "pedido {order} não chegou"),
    ("pt", "o CPF {bad_cpf} dá inválido"),
    ("pt", "a fatura vence em {date}, valor {price}"),
    ("pt", "código de rastreio {tracking}"),
    ("fr", "commande {order} toujours pas reçue"),
    ("fr", "la facture du {date} fait {price}"),
    ("fr", "mise à jour vers la version {version}"),
    ("fr", "Cliquez sur Enregistrer puis Fermer."),
    ("de", "Bestellnummer {order_luhn} ist noch offen"),
    ("de", "Rechnung vom {date} über {price}"),
    ("de", "Sendungsnummer {tracking}"),
    ("de", "Update auf Version {version} hat alles kaputt gemacht"),
    ("de", "Klicken Sie auf Speichern und dann auf Weiter."),
    ("it", "ordine {order} non ancora arrivato"),
    ("it", "fattura del {date} di {price}"),
    ("it", "aggiornato alla versione {version}"),
    ("nl", "bestelling {order} is nog niet bezorgd"),
    ("nl", "factuur van {date} voor {price}"),
    ("nl", "update naar versie {version} werkt niet"),
    ("en", "my {product} and {product} won't pair"),
    ("en", "contract signed {old_date}, renewal due {date}"),
    ("en", "the IBAN field shows {bad_iban}, looks wrong"),
    ("en", "ticket {order}: card declined again"),
]

GROUPS = [PEOPLE, SIGNATURES, CONTACT, ADDRESSES, PLACES_ORGS, FINANCIAL, IDS, NETWORK_SECRETS, BIRTH, NEGATIVE_LINES]
_SLOT_RE = re.compile(r"\{(\w+)\}")


def render(g: Gen, lang: str, template: str) -> dict:
    text, entities, pos = "", [], 0
    for m in _SLOT_RE.finditer(template):
        text += template[pos : m.start()].replace("{{", "{").replace("}}", "}")
        drawn = SLOTS[m.group(1)](g, lang)
        for value, kind in drawn if isinstance(drawn, list) else [drawn]:
            if kind is not None:
                entities.append({"type": kind, "start": len(text), "end": len(text) + len(value), "value": value})
            text += value
        pos = m.end()
    text += template[pos:].replace("{{", "{").replace("}}", "}")
    for e in entities:
        assert text[e["start"] : e["end"]] == e["value"], (text, e)
    return {"lang": lang, "text": text, "entities": entities}


def build(split: str, parity: int, seed: int) -> list[dict]:
    g = Gen(seed)
    rows = []
    for group in GROUPS:
        for lang, template in group[parity::2]:
            for _ in range(PER_TEMPLATE):
                rows.append(render(g, lang, template))
    g.rng.shuffle(rows)
    return [{"id": f"stress-{split}-{n:04d}", **row} for n, row in enumerate(rows)]


def main() -> None:
    if os.environ.get("PYTHONHASHSEED") != "0":
        # Some Faker locale lists are built from sets: fix string hashing so reruns are identical.
        os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, "PYTHONHASHSEED": "0"})  # noqa: S606
    for split, parity, seed in (("dev", 0, 20261201), ("heldout", 1, 19700101)):
        rows = build(split, parity, seed)
        path = HERE / f"sensitive_stress_{split}.jsonl"
        path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
        kinds = Counter(e["type"] for row in rows for e in row["entities"])
        negatives = sum(not row["entities"] for row in rows)
        print(f"{path.name}: {len(rows)} messages, {negatives} without entities, {dict(sorted(kinds.items()))}")


if __name__ == "__main__":
    main()
