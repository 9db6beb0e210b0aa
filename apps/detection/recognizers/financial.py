"""Payment data: card numbers (PAN) and IBANs."""

from __future__ import annotations

import re

from stdnum import iban as std_iban
from stdnum import luhn

from apps.core.numbers import is_card_number
from apps.detection.context import CARD_WORDS, REFERENCE_WORDS, make_context
from apps.detection.findings import CREDIT_CARD, IBAN, Finding
from apps.detection.recognizers.base import MIN_SCORE, compact, digit_count, digits_of

# ----------------------------------------------------------------------------------- card (PAN)

# Separators: one space or dash, or a dash with spaces around it ("4111 - 1111 - …").
# 12 to 19 digits (Maestro's shortest are 12).
# The first digit comes before the look back at the character in front of it, so the engine skips
# to digits instead of trying the look back at every position (same matches, tested).
_CARD_RE = re.compile(r"\d(?<![\w.\-/]\d)(?:(?: ?- ?|[ \-])?\d){11,18}(?![\w]|[.\-/]\d)")
_CARD_GROUP_SEP_RE = re.compile(r" ?- ?| ")
_CARD_CONTEXT_NEGATIVE = (*REFERENCE_WORDS, "imei", "account", "id", "isbn", "ean", "barcode", "phone", "tel")
_CARD_CONTEXT = make_context(
    positive=(
        *CARD_WORDS,
        "credit",
        "debit",
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
        "charge",
        "charged",
        "crédito",
        "débito",
        "pago",
        "cartao",
        "pagamento",
        "bancaire",
        "paiement",
        "kreditkarte",
        "zahlung",
        "jcb",
        "diners",
        "carta",
    ),
    negative=_CARD_CONTEXT_NEGATIVE,
)


# A number that fails Luhn is still a card when a card word names it ("my card number 4532 7153
# 3790 1234 was declined"): a mistyped card discloses most of the real one, and people (and test
# writers) type numbers that no checksum would pass. Only the card's own words count here, not
# "pay" or "payment", and only a card's shape: 16 digits in fours or in one block, Amex's 4-6-5.
_UNCHECKED_CARD_CONTEXT = make_context(
    positive=(
        *CARD_WORDS,
        "credit card",
        "debit card",
        "card number",
        "card no",
        "cc",
        "pan",
        "american express",
        "charge it to",
        "carta",
        "cartao",
        "firmenkarte",
        "kreditkarte",
        "bankkarte",
    ),
    negative=_CARD_CONTEXT_NEGATIVE,
    window_before=32,
    window_after=0,
)
_UNCHECKED_CARD_BASE = 0.2  # context lifts it to the floor, 0.6; without, it stays unreported

_MIN_CARD_DIGITS = 12  # ``_CARD_RE``'s shortest number (Maestro)


def recognize_credit_card(text: str) -> list[Finding]:
    found: list[Finding] = []
    if digit_count(text) < _MIN_CARD_DIGITS:
        return found
    for m in _CARD_RE.finditer(text):
        value = m.group()
        digits = digits_of(value)
        known_network = is_card_number(digits)
        groups = _CARD_GROUP_SEP_RE.split(value)
        # Cards are written in groups of 4 (Amex 4-6-5) or as one block; anything else
        # (3-3-4, 2-digit groups) is a phone or reference number that happens to pass Luhn.
        if len(groups) > 1 and not (
            all(len(g) == 4 for g in groups[:-1]) or [len(g) for g in groups] in ([4, 6, 5], [4, 6, 4])
        ):
            continue
        if not known_network and not (len(digits) == 16 and luhn.is_valid(digits)):
            sizes = [len(g) for g in groups]
            if sizes in ([16], [4, 4, 4, 4], [4, 6, 5]) and len(set(digits)) > 1:
                score = _UNCHECKED_CARD_CONTEXT.score(text, m.start(), m.end(), _UNCHECKED_CARD_BASE)
                if score >= MIN_SCORE:
                    found.append(Finding(CREDIT_CARD, m.start(), m.end(), score, "credit_card_unchecked"))
            continue
        base = 0.85 if len(groups) > 1 else 0.7
        if len(digits) < 13 or not known_network:
            # A 12-digit Maestro number looks like any reference, and a Luhn-valid number
            # outside the networks' ranges ("my card 3593 1567 0821 3738": generators and test
            # cards use any 35xx as JCB): only with card words.
            base = 0.4
        score = _CARD_CONTEXT.score(text, m.start(), m.end(), base)
        found.append(Finding(CREDIT_CARD, m.start(), m.end(), score, "credit_card"))
    return found


# ----------------------------------------------------------------------------------------- IBAN

# Case-insensitive: people type "gb82 west ..." too; the mod-97 check keeps that safe.
_IBAN_RE = re.compile(
    r"(?<![\w])[A-Z]{2}\d{2}(?:[ \-]?[A-Z0-9]{4}){2,7}(?:[ \-]?[A-Z0-9]{1,3})?(?![\w])", re.IGNORECASE
)
# Two letters then two digits, written digits first so the engine skips to digits and looks back
# for the letters (the same texts pass as with "[A-Z]{2}\d{2}", in a third of the time).
_IBAN_QUICK_RE = re.compile(r"\d\d(?<=[A-Z]{2}\d\d)", re.IGNORECASE)
_IBAN_CONTEXT = make_context(positive=("iban", "bank", "account", "cuenta", "conta", "compte", "konto", "transfer"))


# Right after the word "IBAN", a number with a country's IBAN structure whose check digits fail is
# still an account number (mistyped, or made up in an example someone pastes): as with cards.
# The account's word in our languages too, and whose it is between ("o IBAN da empresa:", "rekening").
_IBAN_WORD_BEFORE_RE = re.compile(
    r"(?i:iban|rekening(?:nummer)?|conta|cuenta|compte|konto(?:nummer)?|bank\s+account)"
    r"(?:\s+(?:da|de|del|do|of|der|van|du)\s+[^\W\d_]+)?\s*(?:[:#]|no\.?|n[º°]|number)?\s*\Z"
)


def _iban_kind(candidate: str) -> str | None:
    """ "valid": mod-97 and the country's BBAN structure hold (the country's own extra check is
    not asked: "BE68 5390 0754 7034", the standard's example, fails Belgium's); "mistyped": only
    the check digits fail; None: not an IBAN."""
    number = std_iban.compact(candidate.upper())
    if not (number.isascii() and number.isalnum()):
        return None  # "ı".upper() is "I" but "i̇" is not ASCII: no IBAN either way
    if std_iban.is_valid(number, check_country=False):
        return "valid"
    repaired = number[:2] + std_iban.calc_check_digits(number) + number[4:]
    return "mistyped" if std_iban.is_valid(repaired, check_country=False) else None


def recognize_iban(text: str) -> list[Finding]:
    # Two digits first (``digit_count``, shared and cached, counts every \d): most messages have none.
    if digit_count(text) < 2 or not _IBAN_QUICK_RE.search(text):
        return []
    found = []
    for m in _IBAN_RE.finditer(text):
        value = m.group()
        # The regex may swallow a following all-caps word or number group; shrink from the
        # right until the checksum holds.
        parts = re.split(r"([ \-])", value)
        while parts:
            candidate = "".join(parts)
            kind = _iban_kind(candidate) if len(compact(candidate)) >= 15 else None
            if kind == "valid":
                end = m.start() + len(candidate)
                score = _IBAN_CONTEXT.score(text, m.start(), end, 0.95)
                found.append(Finding(IBAN, m.start(), end, score, "iban"))
                break
            if kind == "mistyped" and _IBAN_WORD_BEFORE_RE.search(text, max(0, m.start() - 32), m.start()):
                found.append(Finding(IBAN, m.start(), m.start() + len(candidate), 0.7, "iban_unchecked"))
                break
            parts = parts[:-2] if len(parts) > 2 else []
    return found
