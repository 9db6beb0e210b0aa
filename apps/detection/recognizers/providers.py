"""The company a customer deals with, named by the relationship: "ik ben klant bij Telenet",
"verzekerd bij Interpolis", "mon abonnement chez Free", "meinen Vertrag bei der Telekom", "booked
via Rentalcars", "comprei na Worten", "o voo da TAP", "Sono cliente Fastweb".

Customers write to support assistants about their telecom, bank, insurer, airline, landlord and
shop, by a brand name NER reads as a person ("Interpolis"), a place or nothing at all, and the
brands of seven markets are too many to list. The relationship word before the name is the cue:
customer of, insured with, a contract, subscription, bill or booking with, bought or ordered
from, a technician or a flight of, in the languages we serve.

The name after the cue is one to four capitalised words (an article between is skipped); it is
no company when it is a person (a title or a known first name starts it), a known place, or
made of everyday words only ("bei der Firma", "client de Paris", "ordered from Home"): some word
must be rare in every language we serve, an acronym ("TIM", "MEO") or written in mixed case or
with digits ("easyJet", "Pharmacy2U"). Above NER (0.85) and the full-name and place rules (0.86).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from apps.detection.findings import ORGANIZATION, Finding
from apps.detection.recognizers.base import lower_words, word_set
from apps.detection.recognizers.gazetteers import MONTHS_AND_DAYS, NOT_NAMES, first_names, is_ui_phrase, name_list
from apps.detection.recognizers.names import COMMON_WORDS, LEXICON_LANGUAGES, spacy_stop_words
from apps.nlp.word_frequencies import word_frequencies

PROVIDER_SCORE = 0.87
_PLACES_FILE = Path(__file__).resolve().parents[1] / "data" / "places.txt"

# The relationship, as each language writes it; matched case-insensitively, whole words.
_CUES = (
    # English
    r"customer\s+(?:of|at|with)|client\s+of|member\s+of|insured\s+(?:with|by)|insurance\s+(?:with|from)"
    r"|(?:policy|account|mortgage|loan|contract|subscription|plan|tariff)\s+with|subscription\s+to"
    r"|(?:broadband|internet|mobile|phone|energy|electricity|gas|water|fibre|fiber)\s+(?:with|from)"
    r"|(?:bill|invoice|statement|refund)\s+from|booked\s+(?:through|via|with)|ordered\s+(?:from|through|via)"
    r"|bought\s+(?:it\s+)?from|purchased\s+(?:it\s+)?from|flights?\s+with|flying\s+with|flew\s+with"
    r"|switch(?:ed|ing)?\s+(?:from|to)|technician\s+from|engineer\s+from|rented\s+(?:it\s+)?(?:from|through)"
    r"|held\s+with|pre-?approved\s+(?:with|w/)|banks?\s+with"
    # Spanish
    r"|(?:soy\s+)?cliente\s+de|asegurad[oa]\s+(?:con|en|por)|seguro\s+(?:con|en)|p[óo]liza\s+con|contrato\s+con"
    r"|factura\s+de|reserv[ée]\s+(?:con|por|en|a\s+trav[ée]s\s+de)|compr[ée]\s+en|ped[íi]\s+(?:a|en)"
    r"|t[ée]cnico\s+de|vuelo\s+de"
    # Portuguese
    r"|cliente\s+(?:da|do)|segurad[oa]\s+(?:na|no|pela|pelo|com)|seguro\s+(?:com|na|no)|ap[óo]lice\s+(?:da|do)"
    r"|contrato\s+com|fatura\s+(?:da|do)|reservei\s+(?:com|pela|pelo|na|no)|comprei\s+(?:na|no|em)"
    r"|t[ée]cnico\s+(?:da|do)|voo\s+(?:da|do)"
    # French
    r"|client(?:e)?\s+(?:de|chez)|assur[ée](?:e)?\s+(?:chez|par|aupr[èe]s\s+de)|abonnement\s+(?:chez|avec)"
    r"|contrat\s+(?:chez|avec)|facture\s+de|r[ée]serv[ée](?:e)?\s+(?:avec|via|chez|sur)"
    r"|command[ée](?:e)?\s+(?:chez|sur)|achet[ée](?:e)?\s+(?:chez|sur)|technicien\s+de"
    # German
    r"|kund(?:e|in)\s+(?:bei|der|von|des)|versichert\s+bei|versicherung\s+bei|vertrag\s+(?:bei|mit)"
    r"|rechnung\s+(?:von|der|des)|gebucht\s+(?:bei|über)|bestellt\s+(?:bei|über)|gekauft\s+bei"
    r"|techniker\s+(?:von|der|des)|flug\s+mit"
    # Italian
    r"|cliente(?:\s+(?:di|del|della|presso))?|assicurat[oa]\s+(?:con|presso)|contratto\s+(?:con|di)"
    r"|bolletta\s+(?:di|del|della)|fattura\s+(?:di|del|della)|prenotat[oa]\s+(?:con|tramite|su)"
    r"|comprat[oa]\s+(?:da|su)|ordinat[oa]\s+(?:da|su)|tecnico\s+(?:di|del|della)"
    # Dutch
    r"|klant\s+(?:bij|van)|verzekerd\s+bij|verzekering\s+bij|polis\s+bij|abonnement\s+bij|contract\s+bij"
    r"|factuur\s+van|geboekt\s+(?:bij|via)|besteld\s+bij|gekocht\s+bij|monteur\s+van|reservering\s+bij"
    r"|vlucht\s+(?:met|van)"
)
# Every cue's first word, for a set check before the regex runs.
_CUE_FIRST_WORDS = word_set(
    """
    customer client member insured insurance policy account mortgage loan contract subscription plan tariff
    broadband internet mobile phone energy electricity gas water fibre fiber bill invoice statement refund
    booked ordered bought purchased flight flights flying flew switch switched switching technician engineer
    rented held pre-approved preapproved bank banks soy cliente asegurado asegurada seguro póliza poliza
    contrato factura reservé reserve compré compre pedí pedi técnico tecnico vuelo segurado segurada apólice
    apolice fatura reservei comprei voo cliente assuré assure assurée abonnement contrat facture réservé
    réservée reservee commandé commande commandée achete acheté achetée technicien kunde kundin versichert
    versicherung vertrag rechnung gebucht bestellt gekauft techniker flug assicurato assicurata contratto
    bolletta fattura prenotato prenotata comprato comprata ordinato ordinata klant verzekerd verzekering polis
    contract factuur geboekt besteld gekocht monteur reservering vlucht
    """
)
_ARTICLE = r"(?:the|der|die|das|den|dem|la|le|les|el|los|las|a|o|os|as|het|de|il|lo|gli)"
# A word of the name: capitalised, or lower case then a capital ("easyJet", "eDreams").
_WORD = r"(?:[A-ZÀ-ÖØ-Þ][\w'’&+-]*|[a-z]{1,5}[A-Z][\w'’&+-]*)"
_CONNECTOR = r"(?:&|and|und|y|e|et|en|de|del|da|do|dos|van|von|di|della)"
_PROVIDER_RE = re.compile(
    rf"(?<![\w'’-])(?i:{_CUES})[ \t]+(?:(?i:{_ARTICLE})[ \t]+)?"
    rf"(?P<name>{_WORD}(?:[ \t]+(?:{_CONNECTOR}[ \t]+)?{_WORD}){{0,3}})"
)
_TITLES = word_set("mr mrs ms mx dr prof sr sra srta herr herrn frau mme mlle dra dott dottssa signor signora m")
_FLIGHT_OR_CODE_RE = re.compile(r"[A-Z0-9]{2,3}\d|\d")
_ACRONYM_RE = re.compile(r"[A-Z]{2,6}\Z")
_STOP_WORDS = spacy_stop_words("en") | MONTHS_AND_DAYS
_MIXED_RE = re.compile(r"[a-z][A-Z]|[A-Za-z]\d|\d[A-Za-z]")
# log10 frequency from which a word is everyday in some language we serve (Zipf 4).
_RARE_BELOW = -5.0


def _name_end(name: str) -> int:
    """Where the name ends inside the matched run: at a sentence's full stop ("Telenet. Mijn …"),
    before trailing function words and connectors."""
    tokens = list(re.finditer(r"\S+", name))
    ends = []
    for token in tokens:
        word = token.group()
        if word.endswith(".") and len(word) > 4 and word.count(".") == 1:
            ends.append(token.end() - 1)
            break
        ends.append(token.end())
    while len(ends) > 1:
        last = name[: ends[-1]].rsplit(None, 1)[-1]
        if last.lower() not in NOT_NAMES and not re.fullmatch(_CONNECTOR, last):
            break
        ends.pop()
    return ends[-1] if ends else 0


def _company_like(words: list[str]) -> bool:
    lowered = [w.lower() for w in words]
    if len(words) == 1 and _ACRONYM_RE.match(words[0]) and lowered[0] not in _STOP_WORDS:
        return True  # "o voo da TAP", "cliente TIM": a UI word's letters ("tap") in capitals are a brand
    if lowered[0] in _TITLES or lowered[0] in NOT_NAMES or _FLIGHT_OR_CODE_RE.match(words[0]):
        return False
    if lowered[0] in first_names() or all(w in COMMON_WORDS or w in NOT_NAMES for w in lowered):
        return False  # "cliente de Marta", "client of Three"
    if " ".join(words) in name_list(_PLACES_FILE).names or is_ui_phrase(" ".join(words)):
        return False
    if any(_ACRONYM_RE.match(w) or _MIXED_RE.search(w) for w in words):
        return True
    table = word_frequencies(lowered, LEXICON_LANGUAGES)
    return not bool((np.fmax.reduce(table, axis=1) >= _RARE_BELOW).all())


def recognize_provider_organizations(text: str) -> list[Finding]:
    if _CUE_FIRST_WORDS.isdisjoint(lower_words(text)):
        return []
    found = []
    for m in _PROVIDER_RE.finditer(text):
        end = _name_end(m.group("name"))
        words = m.group("name")[:end].split()
        if not words or not _company_like(words):
            continue
        start = m.start("name")
        found.append(Finding(ORGANIZATION, start, start + end, PROVIDER_SCORE, "provider_organization"))
    return found
