"""Rules over NER's entities with the whole text in view: UI labels, organization cues, place cues.

The small English model tags capitalised UI labels as people ("choose Reset" → PERSON), most
capitalised noun phrases as organizations ("the Quarterly Review", "Terms of Service"), and
places after "in" as people. Held-out ORGANIZATION precision was 0.29. So:

* a span made only of UI labels and common words is dropped, and leading imperatives are cut
  ("Click Submit" → "Submit" → dropped; "Compare Python" → "Python" → dropped);
* an organization stands only with a legal-form suffix (Inc, Ltd, GmbH, …), which also turns a
  PERSON/LOCATION into an ORGANIZATION, or right after a cue that introduces one ("work at",
  "from", "to", "with", "supplier", "Company:", es/pt "a"/"no", fr "à"); otherwise it is
  dropped (a sentence opener, "the Quarterly Review", "Terms of Service");
* a PERSON or ORGANIZATION right after a place cue ("in", "based in", "moving to") is a LOCATION.

Once the overlaps are resolved, ``propagate_person_names`` makes a text agree with itself: a
word of a name found as a PERSON is a PERSON wherever else it stands in the same text, as it is
written ("My name is Aantje Mourik but everyone calls me Aantje", "directed by Maciej Borkowski
and starring Borkowski"), and a place or company NER made of such words only becomes a PERSON.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from apps.detection.findings import LOCATION, ORGANIZATION, PERSON, Finding
from apps.detection.recognizers.base import word_set
from apps.detection.recognizers.gazetteers import (
    NOT_NAMES,
    PRODUCT_AFTER_RE,
    SHOUTED_WORD_AFTER_RE,
    UI_WORDS,
    first_names,
    is_ui_phrase,
    name_list,
    surnames,
)
from apps.detection.recognizers.names import (
    COMMON_WORDS,
    GREETING_WORDS,
    LEXICON_LANGUAGES,
    WORDLIKE_FIRST_NAMES,
    opens_line,
)
from apps.nlp.word_frequencies import word_frequencies

_ORG_SUFFIXES = (
    r"(?:Inc|Incorporated|Ltd|Limited|LLC|LLP|PLC|plc|Corp|Corporation|Co|GmbH|AG|KG|SE|SA|S\.A|SAS|SARL"
    r"|SL|S\.L|SpA|S\.p\.A|BV|B\.V|NV|N\.V|AB|ASA|Oy|Pty|Ltda|LTDA|S\.A\.S|Group|Holdings|Bank|University"
    r"|Universidad|Université|Universität|Foundation|Institute|Association)\.?(?![\w])"
)
_ORG_SUFFIX_RE = re.compile(r"(?<![\w])" + _ORG_SUFFIXES)
_ORG_SUFFIX_AFTER_RE = re.compile(r",?[ \t]*" + _ORG_SUFFIXES)
_ORG_CUE_BEFORE_RE = re.compile(
    r"(?:(?<![\w])(?i:work(?:s|ed|ing)?\s+(?:at|for|with)|employed\s+(?:at|by)|join(?:ed|ing)?|with|at|for|from|to"
    r"|supplier|vendor|client|customer|company|firm|employer|partner|contract\s+with|signed\s+with|acquired\s+by"
    r"|a|à|no|na|chez|bei|für|empresa|entreprise|société|firma|unternehmen)\s+(?:the\s+)?"
    r"|(?i:company|empresa|entreprise|société|firma|unternehmen|employer|organi[sz]ation)\s*:\s*)\Z"
)
_PLACE_CUE_BEFORE_RE = re.compile(
    r"(?i:in|live\s+in|lives\s+in|based\s+in|located\s+in|born\s+in|moving\s+to|moved\s+to|flying\s+to|flew\s+to"
    r"|relocating\s+to|near|en|em|à|nach)\s+\Z"
)
_CUE_WINDOW = 40
# "Apple Pay", "Samsung Pay": a wallet, however NER tags it.
_WALLET_RE = re.compile(r"\s[Pp]ay\Z")


def _cut_leading_ui_words(text: str, finding: Finding) -> Finding | None:
    """Without its leading UI words ("Click Submit"), or the greeting that opens a letter ("Beste Bram,")."""
    start = finding.start
    for word in re.finditer(r"\S+", text[finding.start : finding.end]):
        lowered = word.group().strip(".,:;").lower()
        greeting = start == finding.start and lowered in GREETING_WORDS and opens_line(text, finding.start)
        if lowered not in UI_WORDS and not greeting:
            break
        start = finding.start + word.end()
        while start < finding.end and text[start].isspace():
            start += 1
    if start >= finding.end:
        return None
    return Finding(finding.type, start, finding.end, finding.score, finding.recognizer)


def _country_code(text: str, finding: Finding) -> bool:
    """A place NER found written in capitals that would otherwise read as a common word ("US
    officials", "from the US"), outside a shouted sentence ("LET US KNOW")."""
    if finding.type != LOCATION or not text[finding.start : finding.end].isupper():
        return False
    # Only the last few characters: searched over the whole text before the span, the pattern
    # would backtrack through every long run of letters (quadratic on hostile input).
    before = _WORD_BEFORE_RE.search(text[max(0, finding.start - _CUE_WINDOW) : finding.start])
    shouted_before = before is not None and before.group(1).isupper() and len(before.group(1)) > 1
    return not shouted_before and not SHOUTED_WORD_AFTER_RE.match(text, finding.end)


_WORD_BEFORE_RE = re.compile(r"([^\W\d_]+)[ \t]+\Z")


# log10 frequency from which a word counts as everyday here: -5.5 and -6.0 measured on the tuning
# sets (BTC / WNUT-17 / Bosque train, EWT dev, presidio even): -5.5 gains 0.000-0.005 F1 on each,
# -6.0 costs BTC and Bosque recall.
_EVERYDAY_FROM = -5.5
# How much more (log10) English must use a word than the next language, for a word other languages
# borrowed to count as an everyday English word ("monitoring" 0.8; "Merkel" is German's most, "Biden" 0.6).
_EVERYDAY_MARGIN = 0.7
# Any language using a word this much more than every other makes it that language's word, however
# many lists also hold it (Dutch "kun" -3.5, elsewhere -5.6 at most; "Merkel" 1.0, "Macron" 1.3).
_EVERYDAY_ONE_LANGUAGE = 1.5


def _everyday_words(value: str, *, english: bool = True) -> bool:
    """Every word of a NER PERSON is a word of some language we serve and none is a listed first
    name or surname ("Hablé", "Rückmeldung zum Angebot", "Regenerate Key", "Payroll"). Without
    ``english``, only words other languages use most count: English lists hold its place names
    ("Missouri", "UK"), as common there as "Backlog"."""
    words = [w.lower() for w in re.findall(r"[^\W\d_]+", value)]
    if not words or any(w in first_names() or w in surnames() for w in words):
        return False
    table = word_frequencies(words, LEXICON_LANGUAGES)
    best = np.fmax.reduce(table, axis=1)  # NaN: in no list
    # A name is written the same in every language and listed in most of them at similar rates
    # ("Obama", "Merkel"); a word belongs to one or two ("Hablé", "Rückmeldung", "Payroll", Dutch
    # "Beste"), or is an English word the others borrowed and use far less ("Monitoring", "Void"),
    # or one language's by far ("Kun").
    # Dutch lists hold many German and English words ("zum", "Angebot"): Dutch counts for how
    # common a word is, not for how many languages list it.
    listed = (~np.isnan(table[:, :-1])).sum(axis=1)
    ranked = np.sort(np.nan_to_num(table, nan=-9.0), axis=1)
    lead = ranked[:, -1] - ranked[:, -2]
    borrowed = ((table[:, 0] == best) & (lead >= _EVERYDAY_MARGIN)) | (lead >= _EVERYDAY_ONE_LANGUAGE)
    everyday = (best >= _EVERYDAY_FROM) & ((listed <= 2) | borrowed)
    if not english:
        everyday &= table[:, 0] != best  # NaN (unlisted in English) compares unequal
    return bool(everyday.all())


# Words before a place that make a listed first name there a place after all ("flew to Victoria",
# "from Alexandra") — beside the place cues above.
_PLACE_PREPOSITION_BEFORE_RE = re.compile(r"(?i:to|from|at|of|via|near|around|outside|across)\s+\Z")
_PLACES_FILE = Path(__file__).resolve().parent / "data" / "places.txt"
# Places that are first names too ("Israel", "Jordan", "Victoria", "Milan"): left out of places.txt.
_FIRST_NAME_PLACES_FILE = _PLACES_FILE.with_name("first_name_places.txt")


def _first_name_not_place(value: str, before: str) -> bool:
    """A lone word NER calls a place that is a listed first name and no listed place, with no place
    cue before it: the small model reads unfamiliar names as places ("Why is Rebecca so impulsive?",
    "Andrew had given Andrew his address", "Kuba, can I please speak to your boss?")."""
    lower = value.lower()
    return (
        " " not in value
        and not value.isupper()
        and lower in first_names()
        and lower not in WORDLIKE_FIRST_NAMES
        and value not in name_list(_PLACES_FILE).names
        and value not in name_list(_FIRST_NAME_PLACES_FILE).names
        and _PLACE_CUE_BEFORE_RE.search(before) is None
        and _PLACE_PREPOSITION_BEFORE_RE.search(before) is None
    )


def refine_entities(text: str, entities: Iterable[Finding]) -> list[Finding]:
    """NER findings of one text with the rules above applied; other findings pass through."""
    kept: list[Finding] = []
    for finding in entities:
        if finding.recognizer != "spacy_ner":
            kept.append(finding)
            continue
        value = text[finding.start : finding.end]
        if (is_ui_phrase(value) and not _country_code(text, finding)) or _WALLET_RE.search(value):
            continue
        if PRODUCT_AFTER_RE.match(text, finding.end):
            continue
        if text[finding.start - 1 : finding.start] in ("#", "@"):
            continue  # a hashtag or a handle: a topic or an account, not a name in the text
        if value.lower().rstrip(".") in _TITLE_WORDS:
            continue  # "Dott. Irma Mazzini", "Srta. Ana Castro": the model tags the title alone as a place
        if ("_" in value and not _HANDLE_NAME_RE.fullmatch(value)) or _CAMEL_CASE_RE.fullmatch(value):
            # An identifier ("REDIS_PASSWORD", "max_retries") or a camel-case term ("CrashLoopBackOff"),
            # not a name; a handle written as one ("Bruno_Vespa") still is.
            continue
        if " " in value and value.isupper() and SHOUTED_WORD_AFTER_RE.match(text, finding.end):
            continue  # words of a shouted sentence ("MENTRE LORO SE LA SPASSANO"), not a name
        trimmed = _cut_leading_ui_words(text, finding)
        if trimmed is None:
            continue
        finding, value = trimmed, text[trimmed.start : trimmed.end]
        before = text[max(0, finding.start - _CUE_WINDOW) : finding.start]
        suffix_after = _ORG_SUFFIX_AFTER_RE.match(text, finding.end)
        if _ORG_SUFFIX_RE.search(value) or suffix_after:
            end = suffix_after.end() if suffix_after else finding.end
            kept.append(Finding(ORGANIZATION, finding.start, end, finding.score, finding.recognizer))
        elif finding.type in (PERSON, ORGANIZATION) and _PLACE_CUE_BEFORE_RE.search(before):
            kept.append(Finding(LOCATION, finding.start, finding.end, finding.score, finding.recognizer))
        elif finding.type == ORGANIZATION:
            if _ORG_CUE_BEFORE_RE.search(before):
                kept.append(finding)
        elif finding.type == PERSON and _everyday_words(value):
            continue  # a place after a place cue was kept above: towns are words of one language too
        elif finding.type == LOCATION and _first_name_not_place(value, before):
            kept.append(Finding(PERSON, finding.start, finding.end, finding.score, finding.recognizer))
        elif (
            finding.type == LOCATION
            and _PLACE_CUE_BEFORE_RE.search(before) is None
            and _PLACE_PREPOSITION_BEFORE_RE.search(before) is None
            and value not in name_list(_PLACES_FILE).names
            and _everyday_words(value, english=False)
        ):
            continue  # "Mobil 0171…", "naar het Engels", "clicca su Procedi", "marcad como Ganada"
        else:
            kept.append(finding)
    return kept


# A word of a name as written: capitalised, at least three letters ("Al", "Jo" and initials
# repeat as other things too often), apostrophes and hyphens inside ("O'Neil", "Jean-Luc").
_NAME_WORD_RE = re.compile(r"(?<![\w'’-])[^\W\d_][^\W\d_'’-]{2,}(?:['’-][^\W\d_]+)*(?![\w'’-])")

_NOT_REPEATED = NOT_NAMES | COMMON_WORDS


def _name_words(value: str) -> set[str]:
    return {
        word
        for word in _NAME_WORD_RE.findall(value)
        if word[0].isupper() and not word.isupper() and word.lower() not in _NOT_REPEATED
    }


# What may end the part of an NER span left before a stronger finding: "Bruno Galli del |Policlinico
# Gemelli|" keeps "Bruno Galli".
_TRAILING_LINK_RE = re.compile(r"\s+(?:del|de|di|da|do|of|at|from|von|du|des|chez|bei|presso)\s*\Z", re.IGNORECASE)


def trim_names_at_stronger(text: str, findings: list[Finding]) -> list[Finding]:
    """``findings`` with each PERSON / LOCATION / ORGANIZATION cut before the first stronger finding
    that starts inside it.

    A name runs on into what follows ("Bruno Galli del Policlinico Gemelli" as one PERSON, from NER
    or the full-name rule); the institution beats it in ``resolve_overlaps`` and the person would be
    lost with it. Only where a link word ("del", "of", "at", "from", …) stands between the two and
    the stronger finding is of another type is the part before it kept: a greeting NER ran into a
    name ("Saluti\nGianfranco Micca") is no name of its own."""
    if len(findings) < 2:
        return findings
    ordered = sorted(findings, key=lambda f: f.start)
    starts = [f.start for f in ordered]
    out = []
    for finding in findings:
        if finding.type not in (PERSON, LOCATION, ORGANIZATION):
            out.append(finding)
            continue
        i = bisect.bisect_right(starts, finding.start)
        while i < len(ordered) and ordered[i].start < finding.end and ordered[i].score <= finding.score:
            i += 1
        if i < len(ordered) and ordered[i].start < finding.end and ordered[i].type != finding.type:
            head = text[finding.start : ordered[i].start]
            cut = _TRAILING_LINK_RE.search(head)
            if cut is not None and cut.start() >= 2:
                finding = Finding(
                    finding.type, finding.start, finding.start + cut.start(), finding.score, finding.recognizer
                )
        out.append(finding)
    return out


# "<person> at / from / of <company>": in CRM notes, signatures and meeting notes the words after a
# named person and one of these links name their employer ("Sven Lindqvist at Volvo Cars", "Ji-woo
# Park from Samsung SDS", "Luca Ferrari di Luxottica"), which NER calls a person or a place.
# Not "with": "compare Rick Perry with Trump", "Maria with Peter" join two people.
_ORG_WORD = r"[A-ZÀ-ÖØ-Þ](?:[^\W\d_]|['’&-])+"
_EMPLOYER_AFTER_PERSON_RE = re.compile(
    r"[ \t]+(?:at|from|of|de|di|da|del|do|chez|bei|von|@)[ \t]+"
    rf"(?P<org>{_ORG_WORD}(?:[ \t]+(?:&[ \t]+)?{_ORG_WORD}){{0,2}})(?![\w'’-])"
)


def companies_after_people(text: str, findings: list[Finding]) -> list[Finding]:
    """``findings`` (overlaps resolved) with the capitalised words after "<PERSON> at|from|of …" an
    ORGANIZATION, replacing what NER made of them; a listed town or country ("Ana from Madrid"), a
    first name ("Ana de Maria"), a department or everyday words stay as they were."""
    added: list[Finding] = []
    replaced: set[int] = set()
    # Resolved findings do not overlap: sorted by start they are sorted by end too, and the ones a
    # span touches are a slice found by bisect (a scan per person was quadratic on pasted lists).
    starts = [f.start for f in findings]
    ends = [f.end for f in findings]
    for person in findings:
        if person.type != PERSON:
            continue
        m = _EMPLOYER_AFTER_PERSON_RE.match(text, person.end)
        if m is None:
            continue
        org = m.group("org")
        words = org.split()
        if org in name_list(_PLACES_FILE).names or words[0].lower() in first_names():
            continue
        if all(w.lower() in _NOT_REPEATED for w in words) or _everyday_words(org):
            continue
        start, end = m.span("org")
        touched = range(bisect.bisect_right(ends, start), bisect.bisect_left(starts, end))
        patterns = [findings[i] for i in touched if findings[i].recognizer != "spacy_ner"]
        if any(f.type != ORGANIZATION or f.end >= end for f in patterns):
            # A pattern finding stands there (an e-mail, a cued place, an address), or a company
            # found whole already ("Tidewater Brewing Co." with its legal form's full stop).
            continue
        replaced.update(touched)
        added.append(Finding(ORGANIZATION, start, end, 0.86, "employer_after_person"))
    if not added:
        return findings
    kept = [f for i, f in enumerate(findings) if i not in replaced]
    return sorted(kept + added, key=lambda f: f.start)


# Titles and forms of address before a name: not part of it ("Herr Schneider" → "Schneider"), as
# every labelled corpus has it. A lone "M." is left alone: it is as often an initial, and "Don",
# "Dona", "Dom" are as often first names ("Don Meredith").
_TITLE_RE = re.compile(
    r"(?:(?:Mr|Mrs|Ms|Mx|Miss|Dr|Dra|Drs|Prof|Prof\.ssa|Sir|Dame|Herr|Herrn|Frau|Fräulein|Madame|Mme|Mmes"
    r"|Mademoiselle|Mlle|Monsieur|Messieurs|Sr|Sra|Srta|Señor|Señora|Señorita|Doña|Sig|Sig\.ra|Sig\.na"
    r"|Signor|Signora|Signorina|Dott|Dott\.ssa|Dottor|Dottore|Dottoressa|Avv|Ing|Doutor|Doutora|Mevrouw|Meneer"
    r"|Dhr|Mevr|Mw)\.?\s+)+(?=[^\W\d_])"
)


# The titles of _TITLE_RE as words, and academic ones Faker's German names carry ("Univ.Prof. Leyla
# Bolzmann"): alone, none is a name, a place or a company.
_TITLE_WORDS = word_set(
    """
    mr mrs ms mx miss dr dra drs prof sir dame herr herrn frau fräulein madame mme mmes mademoiselle mlle
    monsieur messieurs sr sra srta señor señora señorita doña sig sig.ra sig.na signor signora signorina dott
    dott.ssa dottor dottore dottoressa avv ing doutor doutora mevrouw meneer dhr mevr mw univ univ.prof dipl
    dipl.-ing mag
    """
)


# One word with a capital inside after a lower-case letter three times: "CrashLoopBackOff",
# "ImagePullBackOff" ("McDonald", "DeVito" have one; handles written as names, "SharonDClarke", two).
_HANDLE_NAME_RE = re.compile(r"[A-Z][a-z]+(?:_[A-Z][a-z]+)+")
_CAMEL_CASE_RE = re.compile(r"[A-Za-z]*(?:[a-z][A-Z][A-Za-z]*){3,}")


def trim_person_titles(text: str, findings: list[Finding]) -> list[Finding]:
    """``findings`` with a leading title or form of address cut from each PERSON, and a PERSON that
    is a title alone dropped ("this is Dr. Whitaker's office": the cue took "Dr")."""
    out = []
    for finding in findings:
        if finding.type == PERSON:
            if text[finding.start : finding.end].lower().rstrip(".") in _TITLE_WORDS:
                continue
            if m := _TITLE_RE.match(text, finding.start, finding.end):
                finding = Finding(PERSON, m.end(), finding.end, finding.score, finding.recognizer)
        out.append(finding)
    return out


def propagate_person_names(text: str, findings: list[Finding]) -> list[Finding]:
    """``findings`` (overlaps resolved) with the PERSON names made consistent over ``text``:
    each other uncovered occurrence of a word of a PERSON is a PERSON too (at the score of the
    name it repeats), and a LOCATION / ORGANIZATION from NER whose words all come from PERSON
    names is relabelled PERSON. Case-sensitive, whole words only: "Mark" repeats "Mark Hall",
    "mark" does not; a word in capitals ("SMITH") or a common word is never propagated."""
    scores: dict[str, float] = {}
    known = first_names()
    for person in findings:
        if person.type != PERSON:
            continue
        # Only a name of two words or more is sure enough to repeat, and from NER only with a known
        # first name in it: a lone PERSON or a run of capitalised nouns is as often something NER
        # misread ("Jobs", "Dorchester Jobs"), and repeating it repeats the mistake. The cue and
        # list recognizers' names ("my name is Aantje Mourik") stand on their cue.
        words = _name_words(text[person.start : person.end])
        if len(words) < 2 or (person.recognizer == "spacy_ner" and not any(word.lower() in known for word in words)):
            continue
        for word in words:
            scores[word] = max(scores.get(word, 0.0), person.score)
    if not scores:
        return findings
    out: list[Finding] = []
    for finding in findings:
        if finding.type in (LOCATION, ORGANIZATION) and finding.recognizer == "spacy_ner":
            parts = _NAME_WORD_RE.findall(text[finding.start : finding.end])
            if parts and all(part in scores for part in parts):
                finding = Finding(PERSON, finding.start, finding.end, finding.score, finding.recognizer)
        out.append(finding)
    # The findings do not overlap, so sorted by start they are sorted by end too (bisect, as in
    # ``resolve_overlaps``: a long text with many findings stays n log n).
    starts = [f.start for f in out]
    ends = [f.end for f in out]
    added: list[Finding] = []
    for match in _NAME_WORD_RE.finditer(text):
        score = scores.get(match.group())
        if score is None:
            continue
        start, end = match.span()
        if text[start - 1 : start] in ("#", "@"):
            continue  # a hashtag or a handle (as in ``refine_entities``)
        i = bisect.bisect_left(starts, end)
        if i and ends[i - 1] > start:
            continue
        added.append(Finding(PERSON, start, end, score, "name_repeat"))
    return sorted(out + added, key=lambda f: f.start) if added else out
