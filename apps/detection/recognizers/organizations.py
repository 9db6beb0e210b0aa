"""Well-known companies by name (``data/companies.txt``, hand-written, and ``data/listed_companies.txt``,
the members of 20 stock indices): the small NER model calls "Petrobras" a place, "Siemens" a person,
or misses "Accenture" outright, and the ORGANIZATION rules
(``entity_rules``) keep a NER organization only beside a cue or a legal-form suffix.

A listed name standing alone among capitalised words beats both NER (0.85) and the place
gazetteer (0.86), so "Santander" the bank is not "Santander" the city; inside a longer run
("Santander Consumer Finance Ltd") NER's longer span decides.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import numpy as np

from apps.detection.findings import ORGANIZATION, Finding
from apps.detection.recognizers.base import literal_alternation, lower_words, word_set
from apps.detection.recognizers.gazetteers import (
    NOT_NAMES,
    PRODUCT_AFTER_RE,
    ROLE_AND_PLAN_WORDS,
    SHOUTED_WORD_AFTER_RE,
    capitalised_runs,
    find_names,
    first_names,
    known_companies,
    name_list,
    run_words,
    surnames,
)
from apps.detection.recognizers.names import COMMON_WORDS, LEXICON_LANGUAGES, spacy_stop_words
from apps.nlp.word_frequencies import word_frequencies

KNOWN_ORGANIZATION_SCORE = 0.87
KNOWN_ORGANIZATION_IN_RUN_SCORE = 0.8


def recognize_known_organizations(text: str) -> list[Finding]:
    return [
        Finding(
            ORGANIZATION,
            start,
            end,
            KNOWN_ORGANIZATION_SCORE if alone else KNOWN_ORGANIZATION_IN_RUN_SCORE,
            "organization_gazetteer",
        )
        for start, end, alone in find_names(text, known_companies())
        if not PRODUCT_AFTER_RE.match(text, end)
    ]


# A capitalised name followed by a legal form is a company in every language we serve
# ("Vertex Robotics AG", "Nordlicht Versicherung Lda.", "Atelier Moreau srl", "Van den Berg
# Logistiek N.V."): NER tags these as people or places, splits them, or misses them, and on its
# own line under a signature no cue precedes them. Above NER (0.85) and full names (0.86).
SUFFIX_ORGANIZATION_SCORE = 0.88
_NAME_WORD = r"[A-ZÀ-ÖØ-Þ][\w'’&-]*\.?"
_CONNECTOR = r"(?:&|and|und|y|e|et|en|de|del|da|do|dos|van|den|der|von|di|la|le)"
_LEGAL_FORM = (
    r"(?:GmbH|AG|Stiftung)\s*&\s*Co\.?\s*(?:KGaA|KG|OHG)|GmbH|AG|KGaA|KG|OHG|GbR|e\.\s?[VG]\.|SE|Ltd\.?|Limited|LLC|LLP"
    r"|PLC|plc|Inc\.?|Corp\.?|Co\."
    r"|S\.\s?A\.\s+de\s+C\.\s?V\.|S\.\s?de\s+R\.\s?L\.(?:\s+de\s+C\.\s?V\.)?|S\.\s?A\.(?:\s?S\.|R\.L\.|D\.?|T\.|U\.?)?|S\.A\.?R\.?L\.?|S\.A|SA|SAS|SARL|Sàrl|S\.L\.(?:U\.|L\.|N\.E\.?)?|SLU|SLL|SL"
    r"|S\.C\.P\.?|S\.\s?Coop\.?|S\.\s?Com\.?|S/A|S\.r\.l\.?|Srl|srl|SRL|s\.r\.l\.?|S\.p\.A\.?|SpA|SPA"
    r"|B\.V\.?|BV|N\.V\.?|NV|Lda\.?|Ltda\.?|LTDA|EIRELI|Oy|AB|ASA|AS|A/S|ApS|Pty(?:\s+Ltd\.?)?|Group|Holdings?"
    r"|[Ss]p\.\s?z\s?o\.\s?o\.|Pte\.?(?:\s+Ltd\.?)?|Pvt\.?(?:\s+Ltd\.?)?|Sdn\.?\s+Bhd\.?|K\.K\."
)
# "and" in the languages we serve, between partners and before a family word.
_AND = r"(?:and|&|e|y|et|und|en)"
# "y asociados", "e figli", "& Sons" between the partners and the form ("Vendrell y asociados S.Coop.");
# the English and German words only capitalised.
_FAMILY_CAPITALISED = ("Sons", "Daughters", "Partners", "Associates", "Söhne")
_FAMILY_EITHER_CASE = ("figli", "filhos", "fils", "hijos", "asociados", "zonen")
_FAMILY_TAIL = (
    rf"{_AND}[ \t]+(?:"
    + "|".join([*_FAMILY_CAPITALISED, *(f"[{w[0].upper()}{w[0]}]{w[1:]}" for w in _FAMILY_EITHER_CASE)])
    + ")"
)
_SUFFIX_ORG_RE = re.compile(
    # Not inside a word or after an apostrophe within one ("O'Neil"); an opening quote is fine.
    rf"(?<![\w&.-])(?<!\w['’])(?P<name>{_NAME_WORD}(?:[ \t]+(?:{_CONNECTOR}[ \t]+){{0,2}}{_NAME_WORD}){{0,4}}"
    rf"(?:[ \t]+{_FAMILY_TAIL})?)"
    # Brazil's sole traders after a dash ("Caldeira - EI", "Nunes - ME"): only there, "ME" and "EI" are words too.
    rf"(?:,?[ \t]+(?P<form>{_LEGAL_FORM})|[ \t]+-[ \t]+(?P<dash_form>ME|EI|EPP))(?![\w&/])"
)
# Legal forms as written, for a set check on the message's words before the regex runs.
_LEGAL_FORMS_WRITTEN = """
    GmbH AG KG KGaA OHG GbR e.V. e.G. SE Ltd Ltd. Limited LLC LLP PLC plc Inc Inc. Corp Corp. Co. S.A. S.A SA
    S.A.S. S.A.R.L. S.A.D S.A.D. S.A.T. SAS SARL Sàrl S.L. S.L.U. S.L.L. S.L.N.E S.L.N.E. SL SLU SLL S.C.P S.C.P.
    S.Coop. S.Coop S.Com. S.Com S.A.U S.A.U. S/A S.r.l. S.r.l Srl srl SRL s.r.l. s.r.l S.p.A. S.p.A SpA SPA B.V. B.V BV N.V. N.V NV Lda Lda.
    Ltda Ltda. LTDA EIRELI ME EI EPP Oy AB ASA AS A/S ApS Pty Group Holding Holdings Sp. sp. Pte Pte. Pvt Pvt. Bhd Bhd.
    K.K.
"""
_LEGAL_FORM_WORDS = frozenset(_LEGAL_FORMS_WRITTEN.split())


# A legal form standing as a word is also a substring of the text: one trie search (~0.75 µs a
# message) rules out almost every message before the split into words (~1.5 µs).
_LEGAL_FORM_QUICK_RE = re.compile(literal_alternation(_LEGAL_FORM_WORDS))


def _has_legal_form(text: str) -> bool:
    if _LEGAL_FORM_QUICK_RE.search(text) is None:
        return False
    return any(
        # A form at a sentence's end carries its full stop too ("… S.L.U..", "… Group.").
        (bare := word.strip(",;:()\"'")) in _LEGAL_FORM_WORDS
        or (bare := bare.rstrip(".")) in _LEGAL_FORM_WORDS
        or bare + "." in _LEGAL_FORM_WORDS
        for word in text.split()
    )


# Capitalised particles start company names ("Van den Berg Logistiek", "De Vries BV", "La Poste SA").
_NOT_COMPANY_START = (NOT_NAMES | COMMON_WORDS | {"thanks", "thank", "cheers", "regards", "dear", "hi", "hello"}) - {
    "van",
    "von",
    "de",
    "den",
    "der",
    "la",
    "le",
    "el",
    "da",
    "di",
    "del",
    "du",
}


def recognize_legal_form_organizations(text: str) -> list[Finding]:
    """Companies named with their legal form; leading words that cannot start a company name
    ("Thanks Contoso Ltd", "We use Orbital Freight Inc") are left out of the span."""
    found: list[Finding] = []
    if not _has_legal_form(text):
        return found
    for m in _SUFFIX_ORG_RE.finditer(text):
        form_group = "form" if m.group("form") is not None else "dash_form"
        form = m.group(form_group)
        if form.isupper() and len(form) <= 3 and SHOUTED_WORD_AFTER_RE.match(text, m.end(form_group)):
            continue  # "MENTRE LORO SE LA SPASSANO": Italian "se" in shouted text, not a Societas Europaea
        words = list(re.finditer(r"\S+", m.group("name")))
        # A company name does not run across a sentence end ("… del Don Giovanni. Contoso SE").
        for k in range(len(words) - 1, 0, -1):
            if words[k - 1].group().endswith(".") and words[k].group()[:1].isupper() and len(words[k - 1].group()) > 3:
                words = words[k:]
                break
        keep = 0
        while keep < len(words) and words[keep].group().lower().strip(".,") in _NOT_COMPANY_START:
            keep += 1
        if keep == len(words):
            continue
        # Two companies joined by "and" ("Northwind Analytics Inc. and Caldera Biotech GmbH"):
        # a legal form inside the name ends the first.
        for k in range(keep, len(words) - 2):
            # Not "&": "GmbH & Co. KG", "Johnson & Johnson" are one name.
            if words[k].group().rstrip(",") in _LEGAL_FORM_WORDS and words[k + 1].group() in (
                "and",
                "und",
                "et",
                "y",
                "e",
            ):
                first_start, first_end = m.start("name") + words[keep].start(), m.start("name") + words[k].end()
                found.append(
                    Finding(ORGANIZATION, first_start, first_end, SUFFIX_ORGANIZATION_SCORE, "legal_form_organization")
                )
                keep = k + 2
                break
        start = m.start("name") + words[keep].start()
        found.append(
            Finding(ORGANIZATION, start, m.end(form_group), SUFFIX_ORGANIZATION_SCORE, "legal_form_organization")
        )
    return found


# Institutions named by their kind first, in the languages we serve: "Banco Bradesco", "Grupo Bimbo",
# "Hospital Clínic de Barcelona", "Université de Strasbourg", "Policlinico Gemelli", "University of
# Toronto". NER calls them places (the town inside) or people; above NER (0.85), places (0.86) and
# legal forms (0.88), so the whole name wins over the town in it.
INSTITUTION_SCORE = 0.89
_INSTITUTION_KIND = (
    r"Banco|Banca|Banque|Bank|Grupo|Gruppo|Groupe|Hospital|Hôpital|Hopital|Ospedale|Policlinico|Clínica|Clinica"
    r"|Clinique|Klinikum|Universidad|Université|Universite|Università|Universita|Universidade|Universität|University"
    r"|Instituto|Institut|Istituto|Fundación|Fundacion|Fondation|Fondazione|Fundação|Caixa|Caja|Sparkasse"
    r"|Volksbank|Raiffeisenbank|Colegio|Collège|Liceo|Escuela|Escola|École|Ministerio|Ministère|Ministero"
    r"|Ayuntamiento|Comune|Prefeitura|Mairie|Stadtwerke|Cooperativa|Coopérative|Genossenschaft"
)
_INSTITUTION_PARTICLE = r"(?:de la|de|del|di|da|do|das|dos|des|du|of|für|della|dello|degli|d['’]|l['’])"
_INSTITUTION_RE = re.compile(
    # "l'Université de Strasbourg": an elided article may stand before it.
    rf"(?<![\w-])(?:{_INSTITUTION_KIND})"
    # A capital before a full stop and a letter is an abbreviation, not a word ("Valdés S.A. de C.V.").
    rf"(?:[ \t]+(?:{_INSTITUTION_PARTICLE}[ \t]*)?[A-ZÀ-ÖØ-Þ][\w'’&-]*(?<!['’])(?![.]\w)){{1,3}}"
)
# English kinds also end a name: the capitalised words before them belong to it ("Federal Reserve
# Bank of New York", "PKO Bank Polski", "Riverside Community Hospital").
_KIND_ENDS_NAME = frozenset(["Bank", "Hospital", "University"])
_FORM_AFTER_RE = re.compile(rf",?[ \t]+(?:{_LEGAL_FORM})(?![\w&/])")
_WORDS_BEFORE_RE = re.compile(r"(?<![\w'’@#&./-])((?:[A-ZÀ-ÖØ-Þ][\w'’&-]*[ \t]+){1,3})\Z")
_INSTITUTION_QUICK_RE = re.compile(
    literal_alternation(
        (
            "Banc",
            "Banq",
            "Bank",
            "Grup",
            "Group",
            "Hosp",
            "Hôp",
            "Hop",
            "Osped",
            "Policl",
            "Clín",
            "Clin",
            "Klinik",
            "Univ",
            "Inst",
            "Istit",
            "Fund",
            "Fond",
            "Caix",
            "Caja",
            "Sparkasse",
            "Volksbank",
            "Raiffeisen",
            "Coleg",
            "Collège",
            "Liceo",
            "Escu",
            "Escola",
            "École",
            "Minist",
            "Ayunt",
            "Comune",
            "Prefeit",
            "Mairie",
            "Stadtwerke",
            "Coop",
            "Genossenschaft",
        )
    )
)


def recognize_institutions(text: str) -> list[Finding]:
    if _INSTITUTION_QUICK_RE.search(text) is None:
        return []
    found = []
    for m in _INSTITUTION_RE.finditer(text):
        words = m.group().split()
        # "Bank Transfer", "University Campus": the kind before an everyday word is no name.
        if all(w.lower() in NOT_NAMES or w.lower() in COMMON_WORDS for w in words[1:]):
            continue
        start = m.start()
        if words[0] in _KIND_ENDS_NAME and (before := _WORDS_BEFORE_RE.search(text, max(0, start - 60), start)):
            # Leading words that start no company ("Thanks", "My") stay out.
            kept = list(re.finditer(r"\S+", before.group(1)))
            while kept and kept[0].group().lower() in _NOT_COMPANY_START:
                kept.pop(0)
            if kept:
                start = before.start() + kept[0].start()
        form = _FORM_AFTER_RE.match(text, m.end())  # "Grupo Textil Valdés S.A. de C.V."
        found.append(Finding(ORGANIZATION, start, form.end() if form else m.end(), INSTITUTION_SCORE, "institution"))
    return found


# "Company: Vantage Robotics", "Empresa: Iberdata", and the company line of a signature after a job
# title ("Senior Account Manager | Brightwell Partners", "Directora Comercial – Iberdata Consulting",
# "Head of IT Procurement, Kestrel Energy"): the name up to the end of the line or a bracket.
LABELLED_ORGANIZATION_SCORE = 0.87
_ORG_NAME = rf"{_NAME_WORD}(?:[ \t]+(?:{_CONNECTOR}[ \t]+){{0,2}}{_NAME_WORD}){{0,3}}"
_JOB_TITLE_WORDS = word_set(
    """
    manager director directora directeur directrice diretor diretora direttore direttrice head lead
    leader responsable responsabile gerente leiter leiterin geschäftsführer geschäftsführerin ceo cto
    cfo coo cio vp president engineer consultant consultor consultora analyst specialist officer
    partner associate counsel advisor adviser coordinator coordinador coordinadora executive
    representative founder owner accountant recruiter procurement comptes comercial commercial ventas
    vendas vertrieb
    """
)
_LABEL_WORDS = word_set(
    """
    company empresa entreprise société firma unternehmen employer organisation organization azienda
    società compañía companhia empregador
    """
)
_LABEL_RE = re.compile(
    r"(?<![\w-])(?i:company|empresa|entreprise|société|firma|unternehmen|employer|organi[sz]ation|azienda"
    rf"|società|compañía|companhia|empregador)[ \t]*:[ \t]*(?P<name>{_ORG_NAME})[ \t]*(?=\n|\Z|[)|,;.])"
)
# The company after a separator on a signature's title line; the title is checked in the line's
# text before the separator (a word set), so the regex starts at the separator, not at every word.
_AFTER_SEPARATOR_RE = re.compile(rf"(?:[|–—,]|[ \t]-)[ \t]*(?P<name>{_ORG_NAME})[ \t]*(?=\n|\Z|[)|,;.])")
_TITLE_WINDOW = 60


def _names(text: str) -> list[tuple[int, str]]:
    words = lower_words(text)
    found: list[tuple[int, str]] = []
    if not _LABEL_WORDS.isdisjoint(words):
        found.extend((m.start("name"), m.group("name")) for m in _LABEL_RE.finditer(text))
    if not _JOB_TITLE_WORDS.isdisjoint(words):
        for m in _AFTER_SEPARATOR_RE.finditer(text):
            line_start = text.rfind("\n", 0, m.start()) + 1
            before = text[max(line_start, m.start() - _TITLE_WINDOW) : m.start()].lower()
            # The title is the text since the previous separator or bracket ("(VP Procurement, …").
            before = before[max(before.rfind(mark) for mark in "|–—,()") + 1 :]
            if not _JOB_TITLE_WORDS.isdisjoint(re.findall(r"[^\W\d_]+", before)):
                found.append((m.start("name"), m.group("name")))
    return found


def recognize_labelled_organizations(text: str) -> list[Finding]:
    found = []
    for start, raw in _names(text):
        name = raw.rstrip(".")
        words = name.split()
        first = words[0].lower()
        if first in first_names() or first in NOT_NAMES or all(w.lower() in NOT_NAMES for w in words):
            continue
        if name in name_list(_PLACES_FILE).names:
            continue
        found.append(Finding(ORGANIZATION, start, start + len(name), LABELLED_ORGANIZATION_SCORE, "labelled"))
    return found


# "I work for Quantix Labs", "trabajo en Halcyon Foods", "je bosse chez Atelier Moreau", "ich
# arbeite bei Kessler Maschinenbau": the employer after a work cue, unless it is a person's name
# (a known first name starts it) or a known place ("trabajo en Madrid").
EMPLOYER_SCORE = 0.87
_EMPLOYER_RE = re.compile(
    r"(?<![\w'’])(?i:work(?:s|ing|ed)?\s+(?:at|for)|employed\s+(?:at|by)|trabajo\s+(?:en|para)"
    r"|trabajando\s+(?:en|para)|trabalho\s+(?:na|no|em|para)|travaille\s+(?:chez|pour)|bosse\s+(?:chez|pour)"
    r"|arbeite\s+(?:bei|für)|lavoro\s+(?:presso|per|da|in)|werk\s+(?:bij|voor)"
    # "I joined Quantix last year", "she spent two years at Halcyon as the assistant to…",
    # "interned at Orbital"
    r"|joined|(?:spent|spend|spends)\s+(?:a|an|one|two|three|four|five|six|\d+|several|many)\s+(?:years?|months?)\s+at"
    r"|interned\s+at|internship\s+at)\s+(?:(?i:the|la|el|a|o|le|het|de)\s+)?"
    rf"(?P<name>{_NAME_WORD}(?:[ \t]+(?:{_CONNECTOR}[ \t]+){{0,2}}{_NAME_WORD}){{0,3}})"
)
_EMPLOYER_QUICK = (
    "work",
    "employed",
    "trabaj",
    "travaille",
    "bosse",
    "arbeite",
    "lavoro",
    "werk ",
    "joined",
    "spen",
    "intern",
)
_PLACES_FILE = Path(__file__).resolve().parents[1] / "data" / "places.txt"


def recognize_employer(text: str) -> list[Finding]:
    found: list[Finding] = []
    lowered = text.lower()
    if not any(word in lowered for word in _EMPLOYER_QUICK):
        return found
    for m in _EMPLOYER_RE.finditer(text):
        words = m.group("name").rstrip(".").split()
        # "work at Dunkin and I couldn't be happier": the name ends before a pronoun or connector.
        while len(words) > 1 and (words[-1].lower() in NOT_NAMES or re.fullmatch(_CONNECTOR, words[-1])):
            words.pop()
        name = " ".join(words)
        if words[0].lower() in first_names() or all(w.lower() in NOT_NAMES for w in words):
            continue
        if name in name_list(_PLACES_FILE).names or words[0].lower() in NOT_NAMES:
            continue
        found.append(Finding(ORGANIZATION, m.start("name"), m.start("name") + len(name), EMPLOYER_SCORE, "employer"))
    return found


# Firms named after their partners, as law and accounting firms are and as Faker names companies
# (the generator of Presidio's evaluation data and of most synthetic PII sets): "Hawkins,
# Richardson and Santana", "Moore, Wilson & King", "Weeks-Rivas", "Robbins and Sons". NER reads
# each surname as a person or a place, and no cue need stand before them ("Quote from Flores,
# Vang and Snyder attached"). The partners must be listed surnames, not first names ("Anna, Maria
# and John" are people; "Jean-Pierre", "Anne-Marie" one person) nor places ("Paris, Lyon and
# Nice"); a double-barrelled surname after a first name or a title is a person ("Catherine
# Zeta-Jones", "Mrs. Smith-Jones"). Above NER (0.85), full names (0.86), places (0.86) and an
# employer cue's first word (0.87), so the whole firm wins over the surnames in it.
PARTNERSHIP_SCORE = 0.88
_PARTNER = r"[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ]*(?:['’][A-Za-zß-öø-ÿ]+)?"
# Surnames with their particles ("van der Sloot & Huijben", "Rijcken & van Egisheim", "da Luz e Filhos").
_PARTICLES = r"(?:van|von|de|der|den|da|do|dos|das|di|del|la|le|ter|ten)"
_PARTNER_FULL = rf"(?:{_PARTICLES}[ \t]+){{0,2}}{_PARTNER}"
_PARTNERS_RE = re.compile(
    rf"(?<![\w'’.-])(?P<name>{_PARTNER_FULL}(?:,[ \t]*{_PARTNER_FULL}){{1,3}},?[ \t]+{_AND}[ \t]+{_PARTNER_FULL}"
    # Two partners only with "&" ("Hermans & Bosman"): "Smith and Jones" are as often two people.
    rf"|{_PARTNER_FULL}[ \t]+&[ \t]+{_PARTNER_FULL})(?![\w'’-])"
)
_DOUBLE_RE = re.compile(rf"(?<![\w'’.-])(?P<name>{_PARTNER}-{_PARTNER})(?![\w'’-])")
_FAMILY_FIRM_RE = re.compile(
    rf"(?<![\w'’.-])(?P<name>{_PARTNER}[ \t]+(?:{_FAMILY_TAIL}|Brothers|Bros\.))"
    r"(?![\w'’-])"
)
_FAMILY_WORDS = frozenset([*(w.lower() for w in _FAMILY_CAPITALISED), *_FAMILY_EITHER_CASE, "brothers", "bros."])
_LAST_PARTNER_QUICK = re.compile(rf"[ \t]{_AND}[ \t]+(?:[a-z]+[ \t]+){{0,2}}[A-ZÀ-ÖØ-Þ]")
_DOUBLE_QUICK = re.compile(r"[a-zß-öø-ÿ]-[A-ZÀ-ÖØ-Þ]")
# A legal form after the partners belongs to the firm ("Salvemini, Juvara e Gasperi SPA", "Falcone-Ligorio Group").
_FORM_AFTER_RE = re.compile(rf"(?:[ \t]+{_FAMILY_TAIL})?(?:,?[ \t]+(?:{_LEGAL_FORM})(?![\w&/]))?")
# A first name or a form of address right before a double-barrelled surname makes it a person's.
_WORD_BEFORE_RE = re.compile(r"(?P<word>[^\W\d_]+)\.?[ \t]+$")
_FOUNDER_WORD_BEFORE_RE = re.compile(r"(?<![\w'’.-])(?P<word>[A-ZÀ-ÖØ-Þ][\w'’]*)\.?[ \t]+$")
_ADDRESS_FORMS = word_set(
    "mr mrs ms mx miss dr prof sir dame herr frau sr sra srta señor señora don doña mme madame monsieur"
)


# Words that announce people, not a firm, right before a list of surnames.
_PEOPLE_BEFORE_RE = re.compile(
    r"(?i:\b(?:co-?)?founders?|members|team|colleagues|employees|staff|players|authors|friends|children|kids"
    r"|students|siblings|guests|attendees|speakers|panelists|candidates|winners|fundadores|sócios|socios"
    r"|fondateurs|gründer|fondatori|written by|directed by|starring)\b[^.\n]{0,20}$"
)


def _partners_ok(words: list[str]) -> bool:
    lowered = [w.lower() for w in words]
    listed, firsts, places = surnames(), first_names(), name_list(_PLACES_FILE).names
    # Every partner a listed surname; of three or more, one may be missing from the list ("Gilbert,
    # Page and Smith", "Phillips, Gill and May").
    unlisted = sum(1 for w in lowered if w not in listed)
    if unlisted > (1 if len(words) >= 3 else 0):
        return False
    if all(w in places for w in words):
        return False
    return any(w not in firsts and w in listed for w in lowered)


def recognize_partnership_organizations(text: str) -> list[Finding]:
    found: list[Finding] = []
    # Each form only where its joint is: "and"/"&" before a capital, a hyphen between capitals, a
    # family word.
    for m in _PARTNERS_RE.finditer(text) if _LAST_PARTNER_QUICK.search(text) else ():
        line_start = text.rfind("\n", 0, m.start()) + 1
        if _PEOPLE_BEFORE_RE.search(text, max(line_start, m.start() - 50), m.start()):
            continue  # "our 3 founders: Eklund, Michael and Hodge" are people
        partners = [
            w for w in re.findall(r"[^\s,&]+", m.group("name")) if not re.fullmatch(_AND, w) and w[:1].isupper()
        ]
        if _partners_ok(partners):
            found.append(_partnership(text, m.start("name"), m.end("name")))
    for m in _DOUBLE_RE.finditer(text) if _DOUBLE_QUICK.search(text) else ():
        name = m.group("name")
        if name in name_list(_PLACES_FILE).names or not _partners_ok(name.split("-")):
            continue
        line_start = text.rfind("\n", 0, m.start()) + 1
        before = _WORD_BEFORE_RE.search(text, max(line_start, m.start() - 40), m.start())
        if before and before.group("word")[:1].isupper() and before.group("word").lower() in first_names():
            continue
        if before and before.group("word").lower() in _ADDRESS_FORMS:
            continue
        after = re.match(r"[ \t]+([A-ZÀ-ÖØ-Þ][\w'’]*)", text[m.end() : m.end() + 40])
        if after and after.group(1).lower() in first_names():
            continue  # "Zeta-Jones Catherine": a name written surname first
        found.append(_partnership(text, m.start("name"), m.end("name")))
    for m in _FAMILY_FIRM_RE.finditer(text) if not _FAMILY_WORDS.isdisjoint(lower_words(text)) else ():
        if m.group("name").split()[0].lower() in surnames():
            # The founder's first name and initials belong to the firm ("Michael L. Beatty & Associates").
            start = m.start("name")
            while (before := _FOUNDER_WORD_BEFORE_RE.search(text, max(0, start - 30), start)) and (
                len(before.group("word")) == 1 or before.group("word").lower() in first_names()
            ):
                start = before.start()
            found.append(_partnership(text, start, m.end("name")))
    return found


def _partnership(text: str, start: int, end: int) -> Finding:
    if (form := _FORM_AFTER_RE.match(text, end)) is not None:
        end = form.end()
    return Finding(ORGANIZATION, start, end, PARTNERSHIP_SCORE, "partnership")


# The company line of a signature or address block: a person's name on its own line, at most one
# job-title line, then a short capitalised line, then a line with digits (the street, a phone):
#     Julcsa Kárpáthy            Karin M. Beike            Jane Doe
#     Mhealthcoach               Leasing consultant        Acme Robotics
#     50668 Kiannonkatu 98 …     Fritz-Armstrong           +1 555 0100
# Nothing else in a message has that shape; the line is not a place, a job title, a department
# or a greeting.
SIGNATURE_COMPANY_SCORE = 0.87
_LINE_BULLET_RE = re.compile(r"[\s?*•·>|-]*")  # match(text, pos) anchors it at pos
_NAME_LINE_RE = re.compile(r"\A[A-ZÀ-ÖØ-Þ][\w'’-]+(?:[ \t]+(?:[A-ZÀ-ÖØ-Þ]\.?|[A-ZÀ-ÖØ-Þ][\w'’-]+)){1,3}\Z")
_TITLE_LINE_RE = re.compile(r"\A[A-ZÀ-ÖØ-Þa-zß-ÿ][\w'’-]*(?:[ \t,/&]+[\w'’()-]+){0,6}\Z")
_COMPANY_LINE_RE = re.compile(r"\A[A-ZÀ-ÖØ-Þ][\w'’&.-]*(?:[ \t]+[\w'’&.-]+){0,4}\Z")
_SIGNATURE_NOT_COMPANY = word_set(
    """
    department departamento département abteilung dipartimento afdeling team office support
    regards thanks cheers best sincerely saludos cordialement grüße mobile phone tel fax email
    """
)


_SIGN_OFF_END_RE = re.compile(
    r"(?:[,\-–—:]|\b(?i:regards|thanks|cheers|best|sincerely|saludos|cordialement|grüße))\s*\n\Z"
)
_JOB_TITLES_FILE = Path(__file__).resolve().parents[1] / "data" / "job_titles.txt"


@cache
def _job_titles() -> frozenset[str]:
    """Faker's job titles of every Latin-script locale, lower case (``scripts/detection_build_job_titles.py``)."""
    lines = _JOB_TITLES_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def _is_job_title(line: str) -> bool:
    """A listed job title, or one with its speciality after a comma ("Psychologist, clinical")."""
    lowered = " ".join(line.lower().split())
    return lowered in _job_titles() or lowered.split(",", 1)[0] in _job_titles()


def _contact_line(line: str) -> bool:
    """A street, a postcode or a phone line ("50668 Kiannonkatu 98", "Unit 5022 Box 1225", "+1 555
    0100", "Mobile: …"), not a sentence that holds a number ("Ticket 4521 still open")."""
    digits = sum(c.isdigit() for c in line)
    if not digits:
        return False
    if digits >= 6:
        return True
    lower_words = [w for w in line.split() if w[:1].islower() and not re.fullmatch(_CONNECTOR, w)]
    return len(lower_words) <= 1


def _line_body(text: str, start: int, end: int) -> tuple[int, str]:
    """Where a line's text starts after bullets and markers ("??? ", "• "), and that text."""
    lead = _LINE_BULLET_RE.match(text, start, end)
    body_start = lead.end() if lead else start
    return body_start, text[body_start:end].rstrip()


def recognize_signature_companies(text: str) -> list[Finding]:
    found: list[Finding] = []
    if text.count("\n") < 2:
        return found
    lines = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", text)]
    firsts, places = first_names(), name_list(_PLACES_FILE).names
    for k in range(len(lines) - 2):
        # The name opens the block: the message's first line, after a blank line, or after a
        # sign-off ("Best regards,"); a line inside an address ("Pearson Knoll") is no name.
        # (The previous line and the gap before this one only: the whole prefix would be quadratic.)
        if k and text.count("\n", lines[k - 1][1], lines[k][0]) < 2:
            previous = text[lines[k - 1][0] : lines[k - 1][1]] + "\n"
            if not _SIGN_OFF_END_RE.search(previous):
                continue
        _, name = _line_body(text, *lines[k])
        if not _NAME_LINE_RE.match(name):
            continue
        name_words = [w.lower().rstrip(".") for w in name.split()]
        # A known first name, or words that are none of our common or UI words ("Julcsa Kárpáthy").
        if name_words[0] not in firsts and any(w in NOT_NAMES or w in COMMON_WORDS for w in name_words):
            continue
        for company_k in (k + 1, k + 2):
            if company_k + 1 >= len(lines):
                break
            start, company = _line_body(text, *lines[company_k])
            words = [w.strip(".,").lower() for w in company.split()]
            is_title = (
                not _JOB_TITLE_WORDS.isdisjoint(words)
                or (len(words) > 1 and all(w[:1].islower() for w in company.split()[1:]))
                or _is_job_title(company)
            )
            if company_k == k + 1 and is_title and _TITLE_LINE_RE.match(company):
                continue  # "Leasing consultant": the company is on the next line
            if is_title or not _COMPANY_LINE_RE.match(company) or any(c.isdigit() for c in company):
                break
            if company in places or not _SIGNATURE_NOT_COMPANY.isdisjoint(words) or words[0] in firsts:
                break
            if all(w in NOT_NAMES or w in COMMON_WORDS for w in words):
                break
            # A company's words are capitalised but for connectors ("Civil Service administrator" is a
            # title); one everyday word alone is a title too ("Dentist", "Psychiatrist").
            if any(w[:1].islower() and not re.fullmatch(_CONNECTOR, w) for w in company.split()[1:]):
                break
            following = text[lines[company_k + 1][0] : lines[company_k + 1][1]]
            if _contact_line(following):
                found.append(
                    Finding(ORGANIZATION, start, start + len(company), SIGNATURE_COMPANY_SCORE, "signature_company")
                )
            break
    return found


# A name the sentence describes as a company: "Russell Investments is a design agency based in …",
# "Coden is a startup", "Acme, a logistics firm from Lyon, …", "Iberdata es una empresa de …",
# "Vantage ist ein Unternehmen aus …". The name is the capitalised run before "is a" (or before the
# comma of the apposition), not a known first name or a place (those are people and towns).
DESCRIBED_ORGANIZATION_SCORE = 0.87
_KIND_OF_COMPANY = (
    r"(?:company|agency|firm|start-?up|studio|consultancy|bank|brand|manufacturer|retailer|provider|"
    r"non-?profit|charity|organi[sz]ation|business|corporation|platform|vendor|supplier|distributor|publisher|"
    r"airline|insurer|marketplace|subsidiary|conglomerate|empresa|compañía|companhia|entreprise|société|"
    r"unternehmen|firma|azienda|società|bedrijf|onderneming)"
)
_DESCRIBED_RE = re.compile(
    rf"(?:(?<=[.!?]\s)|(?<=\A)|(?<=\n))(?P<name>{_NAME_WORD}(?:[ \t]+(?:{_CONNECTOR}[ \t]+)?{_NAME_WORD}){{0,3}})"
    r"(?i:[ \t]+(?:is|was|es|era|é|est|était|ist|war|è)[ \t]+(?:a|an|una|uma|une|un|ein|eine|un'|een)[ \t]+"
    r"|,[ \t]+(?:a|an|una|uma|une|un|ein|eine|un'|een)[ \t]+)"
    rf"(?i:(?:[\w'’-]+[ \t]+){{0,3}}{_KIND_OF_COMPANY})\b"
)
_DESCRIBED_QUICK = word_set(
    """
    company agency firm startup start-up studio consultancy bank brand manufacturer retailer provider nonprofit
    non-profit charity organization organisation business corporation platform vendor supplier distributor
    publisher airline insurer marketplace subsidiary conglomerate empresa compañía companhia entreprise société
    unternehmen firma azienda società bedrijf onderneming
    """
)


def recognize_described_organizations(text: str) -> list[Finding]:
    found: list[Finding] = []
    if _DESCRIBED_QUICK.isdisjoint(lower_words(text)):
        return found
    for m in _DESCRIBED_RE.finditer(text):
        name = m.group("name").rstrip(".")
        words = name.split()
        first = words[0].lower()
        if (
            first in NOT_NAMES
            or first in COMMON_WORDS
            or (len(words) == 1 and (first in first_names() or first in ROLE_AND_PLAN_WORDS))
        ):
            continue  # "This is a company…", "Maria is a consultancy…" (a person described oddly)
        if name in name_list(_PLACES_FILE).names:
            continue
        found.append(
            Finding(
                ORGANIZATION,
                m.start("name"),
                m.start("name") + len(name),
                DESCRIBED_ORGANIZATION_SCORE,
                "described_organization",
            )
        )
    return found


# A company named for what it does, in the languages we serve: the kind of business last ("Granite
# Peak Insurance", "Redwood Freight", "Sora Robotics", "Hendriks Bouwmaterialen", "Vernier
# Cosmétiques", "Bianco Logistica") or first ("Agenzia Immobiliare Partenope", "Brouwerij De Klok",
# "Maison Duval", "Hotel Mirador del Sol", "Ingenieurbüro Weiss"). NER calls most of these people;
# the ORGANIZATION rules keep its organizations only beside a cue. A kind word after everyday words
# only is no name ("Health Insurance", "Customer Services", "Cloud Hosting"): some other word of the
# run must be rare in every language we serve, or a listed surname or place. Scored as legal forms.
KIND_ORGANIZATION_SCORE = 0.88
_KINDS_LAST = word_set(
    """
    insurance assurance services solutions systems technologies technology tech labs laboratories software
    consulting consultants consultancy capital ventures investments industries logistics freight shipping
    transport transportation robotics analytics media communications creative digital design designs studio
    studios foods coffee roasters brewing brewery bakery textiles apparel pharma pharmaceuticals healthcare medical
    energy solar motors automotive airlines airways bank bancorp finance financial realty properties construction
    builders engineering manufacturing supplies imports exports trading marketing advertising agency hosting
    networks telecom electronics farms dairy wines winery vineyards hotels resorts outfitters outdoor interiors
    furniture skincare cosmetics beauty fashion mill steel chemicals biotech therapeutics diagnostics hospital
    clinic university college academy institute foundation association agents aerospace semiconductors recycling air
    versicherung versicherungen logistik bau maschinenbau immobilien technik elektronik spedition verlag brauerei
    bäckerei apotheke klinik kliniken werke energie medien systeme
    seguros construcciones constructora inmobiliaria transportes logística alimentos consultores consultoría
    tecnología sistemas servicios soluciones ingeniería distribuciones importaciones comunicación diseño abogados
    asesores farmacéutica energía
    construções construtora imobiliária engenharia serviços soluções tecnologia consultoria comunicação advogados
    contabilidade distribuidora
    assurances immobilier transports logistique conseil informatique cosmétiques systèmes ingénierie avocats
    architectes bâtiment énergie
    assicurazioni costruzioni immobiliare trasporti logistica alimentari tecnologie sistemi servizi soluzioni
    ingegneria distribuzione comunicazione tessile arredamenti
    verzekeringen bouw bouwmaterialen logistiek techniek makelaardij vastgoed accountants advocaten
    """
)
# Kind words that open a business's name in our other languages and are no English words: the
# name after them needs no rare word ("Bakkerij Van Dam", "Huisartsenpraktijk De Brug").
_KINDS_FIRST_FOREIGN = word_set(
    """
    agenzia agence agencia agência agentur brouwerij brauerei bodega bodegas ingenieurbüro architekturbüro
    kanzlei autohaus autowerkstatt werkstatt imobiliária inmobiliaria reclamebureau makelaardij transports
    transportes trasporti construcciones construções costruzioni construtora tienda hostal pousada restaurante
    ristorante trattoria pizzeria farmacia farmácia pharmacie apotheke apotheek laboratorio laboratório
    laboratorios laboratoires editora éditions edizioni distribuidora supermercados despacho bufete asesoría
    gestoría consultora contabilidade stichting boulangerie livraria libreria bakkerij huisartsenpraktijk
    tandartspraktijk praktijk reisbureau reisebüro schildersbedrijf hausverwaltung ottica optique óptica viajes
    viagens immo aguas
    """
)
_KINDS_FIRST = _KINDS_FIRST_FOREIGN | word_set(
    "studio estudio estúdio atelier hotel hôtel maison cabinet brasserie editorial garage"
)
# As a capitalised run holds them (a set check on the cached run words: ~0.3 µs a message).
_KINDS_WRITTEN = frozenset(f(w) for w in _KINDS_LAST | _KINDS_FIRST for f in (str.capitalize, str.upper))
_KIND_CONNECTORS = frozenset(["de", "do", "da", "dos", "das", "del", "di", "du", "la", "le", "el", "of", "van", "von"])
# log10 frequency from which a word of the name is everyday in some language we serve (Zipf 4).
_KIND_RARE_BELOW = -5.0
_KIND_NAME_WORDS = 4
_STOP_WORDS = spacy_stop_words("en")


def _distinctive(words: list[str], *, places: bool) -> bool:
    """Some word is a listed surname, a listed place when ``places`` ("Malaysia Airlines"; after a
    kind word first, a town is where it is: "Cheap Hotel Rome"), or rare in every language we serve."""
    lowered = [w.lower() for w in words]
    if any(w in surnames() for w in lowered) or (places and any(w in name_list(_PLACES_FILE).names for w in words)):
        return True
    table = word_frequencies(lowered, LEXICON_LANGUAGES)
    common = np.fmax.reduce(table, axis=1) >= _KIND_RARE_BELOW  # NaN (in no list) compares False
    return not bool(common.all())


def _kind_span(text: str, parts: list[tuple[int, int, str]]) -> tuple[int, int] | None:
    """Indices ``[i, j)`` of the company inside a run of capitalised words, if a kind word names one:
    the run up to its last kind-last word, else the run from its first kind-first word."""
    lowered = [w.lower() for _, _, w in parts]
    # Not after a connector: "Helena Sousa da Contabilidade" is someone of the accounts firm.
    last = next(
        (
            k
            for k in range(len(parts) - 1, 0, -1)
            if lowered[k] in _KINDS_LAST and lowered[k - 1] not in _KIND_CONNECTORS
        ),
        None,
    )
    first = next((k for k in range(len(parts) - 1) if lowered[k] in _KINDS_FIRST), None)
    spans = ([(0, last + 1, True)] if last is not None else []) + (
        [(first, len(parts), False)] if first is not None else []
    )
    for i, j, kind_last in spans:
        for k in range(i, j - 1):
            if lowered[k].endswith(("'s", "’s")) or any(c.isdigit() for c in lowered[k]):
                i = k + 1  # "Ben Bernanke's Social Engineering", "MH17 Malaysia Airlines"
        while i < j and (
            lowered[i] in _NOT_COMPANY_START or lowered[i] in _KIND_CONNECTORS or _tagged(text, parts[i][0])
        ):
            i += 1  # "Thanks Granite Peak Insurance", "Hi Maison Duval", "#BREAKINGNEWS MALAYSIA AIRLINES"
        name = [
            parts[k][2]
            for k in range(i, j)
            if lowered[k] not in _KINDS_LAST and lowered[k] not in _KINDS_FIRST and lowered[k] not in _KIND_CONNECTORS
        ]
        if (
            not name
            or len(name) > _KIND_NAME_WORDS
            or all(w.lower() in NOT_NAMES or w.lower() in COMMON_WORDS for w in name)
        ):
            continue
        if any(lowered[k] in _STOP_WORDS for k in range(i + 1, j)):
            continue  # a title-cased sentence ("Thanks For The Prompt Service And … Our New Solar System")
        # "Rebecca Mills", "Ana Seguros": a first name and a kind word that is a surname too.
        if len(name) == 1 and name[0].lower() in first_names() and j - i == 2:
            continue
        if (not kind_last and lowered[i] in _KINDS_FIRST_FOREIGN) or _distinctive(name, places=kind_last):
            return i, j
    return None


def _tagged(text: str, start: int) -> bool:
    """A hashtag or a handle: a topic or an account, no part of a company's name as written."""
    return text[start - 1 : start] in ("#", "@")


# A partner before "&" starts the company ("Dale & Hartley Estate Agents"); runs stop at "&".
_PARTNER_BEFORE_RE = re.compile(r"(?<![\w'’&-])[A-ZÀ-ÖØ-Þ][\w'’-]*[ \t]*&[ \t]*\Z")


def recognize_kind_organizations(text: str) -> list[Finding]:
    if _KINDS_WRITTEN.isdisjoint(run_words(text)):
        return []
    found = []
    for parts in capitalised_runs(text):
        if len(parts) < 2:
            continue
        span = _kind_span(text, list(parts))
        if span is not None:
            start, end = parts[span[0]][0], parts[span[1] - 1][1]
            if span[0] == 0 and (partner := _PARTNER_BEFORE_RE.search(text, max(0, start - 40), start)):
                start = partner.start()
            found.append(Finding(ORGANIZATION, start, end, KIND_ORGANIZATION_SCORE, "kind_organization"))
    return found
