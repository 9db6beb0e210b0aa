"""Context scoring: words near a match raise or lower its score.

Like Presidio's context enhancer, a recognizer's base score reflects how much the pattern and
checksum alone prove; a nearby context word ("IBAN", "teléfono", "geboren") raises it, and
here, unlike Presidio, a nearby *negative* word ("order", "version", "Rechnung") also lowers it.
That second half is what keeps order numbers that happen to pass Luhn, or version strings
shaped like IPv4 addresses, below the reporting threshold. Windows are measured in characters
rather than tokens so the check needs no tokenizer and costs one bounded regex search.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypedDict, Unpack

WINDOW_BEFORE = 48
WINDOW_AFTER = 24


def words_regex(words: Iterable[str]) -> re.Pattern[str]:
    """Case-insensitive whole-word alternation; a trailing ``*`` allows any word ending
    (``telefon*`` covers Telefonnummer, telefone, telefono)."""
    alternatives = []
    for word in sorted(set(words), key=len, reverse=True):
        if word.endswith("*"):
            alternatives.append(re.escape(word[:-1]) + r"\w*")
        else:
            alternatives.append(re.escape(word))
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Context:
    positive: re.Pattern[str] | None = None
    negative: re.Pattern[str] | None = None
    boost: float = 0.35
    penalty: float = 0.4
    # A supportive context word means the match is at least this likely (Presidio's
    # "min_score_with_context_similarity" idea): weak patterns become reportable with context.
    floor_with_context: float = 0.6
    window_before: int = WINDOW_BEFORE
    window_after: int = WINDOW_AFTER

    def score(self, text: str, start: int, end: int, base: float) -> float:
        before = text[max(0, start - self.window_before) : start]
        boundaries = list(_SENTENCE_BOUNDARY_RE.finditer(before))
        if boundaries:
            # Context does not cross sentences: "born in 1985. Meeting on 2024-01-15".
            before = before[boundaries[-1].end() :]
        after = text[end : end + self.window_after]
        cut = _SENTENCE_BOUNDARY_RE.search(after)
        if cut is not None:
            after = after[: cut.start()]
        positive = _distance(self.positive, before, after)
        negative = _distance(self.negative, before, after)
        score = base
        # The nearer word wins: in "card 4111…, order #4000…" the second number belongs to
        # "order" even though "card" is also within its window. On a tie the more specific,
        # negative phrase wins ("account number" beats "number").
        if positive is not None and (negative is None or positive < negative):
            score = max(score + self.boost, self.floor_with_context)
        elif negative is not None:
            score -= self.penalty
        return round(min(max(score, 0.0), 1.0), 3)


_SENTENCE_BOUNDARY_RE = re.compile(r"[.!?]\s+(?=[A-ZÀ-Þ¿¡])|\n")


def _distance(words: re.Pattern[str] | None, before: str, after: str) -> int | None:
    """Characters between the match and the nearest context word, or None if there is none."""
    if words is None:
        return None
    best = None
    for m in words.finditer(before):
        best = len(before) - m.end()
    first_after = words.search(after)
    if first_after is not None and (best is None or first_after.start() < best):
        best = first_after.start()
    return best


class ContextOptions(TypedDict, total=False):
    """The tunable fields of ``Context``, passed through ``make_context``."""

    boost: float
    penalty: float
    floor_with_context: float
    window_before: int
    window_after: int


def make_context(
    positive: Iterable[str] = (), negative: Iterable[str] = (), **options: Unpack[ContextOptions]
) -> Context:
    return Context(
        positive=words_regex(positive) if positive else None,
        negative=words_regex(negative) if negative else None,
        **options,
    )


# Words naming a payment card: evidence for a card number, against a phone number.
CARD_WORDS = (
    "card",
    "visa",
    "mastercard",
    "amex",
    "maestro",
    "tarjeta",
    "cartão",
    "carte",
    "karte",
    "kartennummer",
    "kaart",
    "kaartnummer",
    "creditcard",
)

# Identifiers that are *not* personal data and often sit next to numbers in chat messages.
REFERENCE_WORDS = (
    "order",
    "order id",
    "order no",
    # "<reference> number": as near to the digits as a phone's "number", and more specific.
    "order number",
    "invoice number",
    "ticket number",
    "reference number",
    "tracking number",
    "case number",
    "booking number",
    "confirmation number",
    "invoice",
    "inv",
    "ticket",
    "ref",
    "reference",
    "tracking",
    "shipment",
    "sku",
    "serial",
    "part",
    "build",
    "version",
    "issue",
    "case",
    "booking",
    "confirmation",
    "transaction id",
    "pedido",
    "factura",
    "albarán",
    "referencia",
    "número de pedido",
    "encomenda",
    "fatura",
    "nota fiscal",
    "commande",
    "facture",
    "référence",
    "bestellung",
    "bestellnummer",
    "rechnung",
    "rechnungsnummer",
    "auftrag",
    "sendungsnummer",
    "kundennummer",
    "ticketnummer",
    "ordine",
    "numero d'ordine",
    "fattura",
    "spedizione",
    "bestelling",
    "bestelnummer",
    "factuur",
    "zending",
    "rastreio",
    "rastreamento",
    "seguimiento",
    "suivi",
    "colis",
    "sendung",
    # insurance policies and claims (ninth session: "policy 77-2231-9" was a phone)
    "policy",
    "policy number",
    "claim",
    "claim number",
    "póliza",
    "apólice",
    "polizza",
    "polizze",
    "sinistro",
    "siniestro",
    "schadennummer",
    "versicherungsnummer",
    "polis",
    "polisnummer",
    # case files, customer numbers and payment references in our other languages (sixteenth
    # session: a Dutch "betalingskenmerk", a Portuguese "referência Multibanco" or a boleto's
    # digit groups were phones)
    "dossier",
    "dossiernummer",
    "klantnummer",
    "ordernummer",
    "kenmerk",
    "betalingskenmerk",
    "referentie",
    "referência",
    "entidade",
    "boleto",
    "código de barras",
    "linha digitável",
    "expediente",
    "pratica",
    "aktenzeichen",
    "vorgangsnummer",
    # laws and regulations are cited by number ("Reglamento 261/2004")
    "regulation",
    "reglamento",
    "regulamento",
    "règlement",
    "verordnung",
    "regolamento",
    "directive",
    "directiva",
)
