"""Generated entities in chat lines, per Faker locale: the class of data synthetic PII sets are made of.

    .venv/bin/python tests/benchmarks/detect_faker.py [--n 60] [--seed 3] [--misses]

Presidio's evaluation set and most synthetic PII sets fill templates with Faker (a dev
dependency here, for the factories). This fills short chat lines with Faker's people, companies,
towns, secrets and identifiers of 27 locales and prints, per locale and kind, how many values
``apps.detection.sensitive.detect`` finds with exact offsets (any type for the pattern kinds;
PERSON, ORGANIZATION, LOCATION, SECRET where the kind is one). It is a **probe the rules of the
fourteenth session were written against** (docs/detection.md, "Generated data"), not a held-out
figure: the held-out figures are presidio-research's odd templates and the public sets
(``detect_public_ner.py``). Titles and degrees ("Dr", "B.Sc.") are kept out of the names, as every
labelled corpus we score on has them, so a locale whose Faker names carry them stays under 100 %.
Last line is JSON. Not a timed test.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import string
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from faker import Faker  # noqa: E402

from apps.detection.sensitive import detect  # noqa: E402

NAME_LOCALES = [
    "en_US",
    "en_GB",
    "de_DE",
    "fr_FR",
    "es_ES",
    "it_IT",
    "pt_BR",
    "nl_NL",
    "pl_PL",
    "sv_SE",
    "da_DK",
    "fi_FI",
    "hu_HU",
    "cs_CZ",
    "tr_TR",
    "ru_RU",
    "ja_JP",
    "zh_CN",
    "hi_IN",
    "id_ID",
    "ro_RO",
    "el_GR",
    "uk_UA",
    "vi_VN",
    "ar_AA",
    "ko_KR",
    "no_NO",
]
COMPANY_LOCALES = ["en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "pt_BR", "nl_NL"]
NAME_LINES = (
    "Hi {v}, thanks for the quick reply.",
    "Thanks {v}!",
    "{v} said the refund is on its way.",
    "Ask {v} about it",
    "I'm {v}, the new account manager.",
    "This is {v} from support.",
    "{v} lives in Lisbon.",
    "Why is {v} so slow to answer?",
    "Can I speak to {v}?",
    "My colleague {v} will call you",
    "Dear {v},",
    "Regards,\n{v}",
)
COMPANY_LINES = (
    "I work at {v}.",
    "{v} sent me the invoice.",
    "Contract with {v} renewed",
    "Quote from {v} attached",
    "Please forward this to {v} legal team.",
)
TOWN_LINES = ("I live in {v}.", "Shipping to {v} please", "She moved to {v} last year", "Flight to {v} tomorrow")
SECRET_LINES = (
    "my password is {v}",
    "password: {v}",
    "the code is {v}",
    "creds: admin:{v}",
    "try logging in with {v}",
    "I think my key {v} leaked",
    "Here are the credentials: user admin / {v}",
)
PATTERN_KINDS: dict[str, tuple[str, Callable[[Faker], str], tuple[str, ...]]] = {
    "ssn": ("en_US", lambda f: f.ssn(), ("My SSN is {v}", "SSN: {v}")),
    "nif": ("es_ES", lambda f: f.nif(), ("Mi DNI es {v}", "NIF: {v}")),
    "cpf": ("pt_BR", lambda f: f.cpf(), ("Meu CPF é {v}", "CPF: {v}")),
    "codice_fiscale": ("it_IT", lambda f: f.ssn(), ("Il mio codice fiscale è {v}",)),
    "card": ("en_US", lambda f: f.credit_card_number(), ("My card number is {v}", "card: {v}")),
    "iban": ("de_DE", lambda f: f.iban(), ("IBAN {v}", "Please wire to {v}")),
    "phone_fr": ("fr_FR", lambda f: f.phone_number(), ("Appelez-moi au {v}", "tél : {v}")),
    "phone_gb": ("en_GB", lambda f: f.phone_number(), ("call {v}", "phone: {v}")),
    "email": ("de_DE", lambda f: f.email(), ("Mail an {v}",)),
    "ipv6": ("en_US", lambda f: f.ipv6(), ("server {v} is down",)),
}


def _person(fake: Faker, rng: random.Random) -> str:
    return str(fake.first_name() if rng.random() < 0.6 else fake.name())


def _password(fake: Faker, rng: random.Random) -> str:
    return str(fake.password(length=rng.choice([8, 10, 12, 16])))


def _github_token(rng: random.Random) -> str:
    return "ghp_" + "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(36))


def _signatures(fake: Faker, rng: random.Random, n: int) -> tuple[int, int]:
    """Signature blocks: n with a company line (name / title / company / address, name / company /
    address / phone), as many without one (name / title / address / phone, a sign-off, name /
    address / phone); companies found exactly, and ORGANIZATION findings in the blocks without one."""
    found = wrong = 0
    for i in range(2 * n):
        name, job, company = fake.name(), fake.job(), fake.company()
        address, phone = fake.address(), fake.phone_number()
        if i % 2 == 0:
            text = (
                f"{name}\n{job}\n{company}\n{address}"
                if rng.random() < 0.5
                else f"{name}\n{company}\n{address}\nMobile: {phone}"
            )
            start = text.index(company)
            found += any(
                f.type == "ORGANIZATION" and f.start == start and f.end == start + len(company)
                for f in detect([text])[0]
            )
        else:
            text = rng.choice(
                (
                    f"{name}\n{job}\n{address}\nTel: {phone}",
                    f"Best regards,\n{name}\n{job}\nPhone: {phone}",
                    f"{name}\n{address}\n{phone}",
                )
            )
            wrong += sum(1 for f in detect([text])[0] if f.type == "ORGANIZATION")
    return found, wrong


def _rate(
    lines: tuple[str, ...], value: Callable[[], str], kind: str | None, n: int, rng: random.Random
) -> tuple[int, list[str]]:
    found, misses = 0, list[str]()
    for _ in range(n):
        v = value()
        text = rng.choice(lines).format(v=v)
        start = text.index(v)
        hits = [f for f in detect([text])[0] if f.start == start and f.end == start + len(v)]
        if any(kind is None or f.type == kind for f in hits):
            found += 1
        elif len(misses) < 3:
            misses.append(text)
    return found, misses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=60, help="values per locale and kind")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--misses", action="store_true", help="print up to three missed lines per row")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    figures: dict[str, dict[str, str]] = {}

    def row(section: str, label: str, found: int, misses: list[str]) -> None:
        figures.setdefault(section, {})[label] = f"{found}/{args.n}"
        print(f"{section:10s} {label:16s} {found:3d}/{args.n}")
        if args.misses:
            for text in misses:
                print(f"    {text!r}")

    for locale in NAME_LOCALES:
        fake = Faker(locale)
        fake.seed_instance(args.seed)
        row(
            "names",
            locale,
            *_rate(NAME_LINES, partial(_person, fake, rng), "PERSON", args.n, rng),
        )
    for locale in COMPANY_LOCALES:
        fake = Faker(locale)
        fake.seed_instance(args.seed)
        row("companies", locale, *_rate(COMPANY_LINES, fake.company, "ORGANIZATION", args.n, rng))
        row("towns", locale, *_rate(TOWN_LINES, fake.city, "LOCATION", args.n, rng))
    for locale in COMPANY_LOCALES:
        fake = Faker(locale)
        fake.seed_instance(args.seed)
        found, wrong = _signatures(fake, rng, args.n)
        figures.setdefault("signatures", {})[locale] = f"{found}/{args.n} wrong {wrong}"
        print(f"signature  {locale:16s} {found:3d}/{args.n} companies, {wrong} organizations on lines without one")
    fake = Faker("en_US")
    fake.seed_instance(args.seed)
    row(
        "secrets",
        "generated",
        *_rate(SECRET_LINES, partial(_password, fake, rng), "SECRET", args.n, rng),
    )
    row(
        "secrets",
        "provider keys",
        *_rate(
            SECRET_LINES,
            partial(_github_token, rng),
            "SECRET",
            args.n,
            rng,
        ),
    )
    for kind, (locale, make, lines) in PATTERN_KINDS.items():
        fake = Faker(locale)
        fake.seed_instance(args.seed)
        row("patterns", kind, *_rate(lines, partial(make, fake), None, args.n, rng))
    print(json.dumps({"benchmark": "detect_faker", "n": args.n, "seed": args.seed, **figures}))


if __name__ == "__main__":
    main()
