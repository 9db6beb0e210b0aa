"""Names, organizations and places from the statistical pipeline's NER, and when to run it.

NER is the one expensive step (about 2 ms per message on the small English pipeline, against
tens of microseconds for every pattern recognizer together), so it runs only on texts where it
can find something: names of people, companies and places are capitalised in every language we
serve. A text whose only capitalised words are sentence starters ("Can you…", "Hola,") or our
own keywords ("IBAN", "SSN") cannot hold an entity the model would tag correctly, and skipping
it is what makes detection several times faster than running NER everywhere.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from apps.detection.findings import LOCATION, ORGANIZATION, PERSON, Finding
from apps.detection.recognizers.base import word_set
from apps.detection.recognizers.gazetteers import PRODUCT_WORDS, ROLE_AND_PLAN_WORDS, UI_WORDS, first_names
from apps.detection.recognizers.names import WORDLIKE_FIRST_NAMES, spacy_stop_words

if TYPE_CHECKING:
    from spacy.tokens import Span, Token

NER_SCORE = 0.85
LABELS = {"PERSON": PERSON, "PER": PERSON, "ORG": ORGANIZATION, "GPE": LOCATION, "LOC": LOCATION, "FAC": LOCATION}

# Not inside a word, a path, an @mention or a #hashtag ("#MasterChefBR" is a topic, not a name).
# The capital first, then the lookbehind on the character before it (two characters wide): same
# matches, but the engine can skip straight to capitals instead of trying the lookbehind everywhere.
_CAPITALISED_RE = re.compile(r"[A-ZÀ-ÖØ-ÞĀ-Ž](?<![\w'’@#./\\-][A-ZÀ-ÖØ-ÞĀ-Ž])[\w'’.-]*")
_SENTENCE_END_RE = re.compile(r"(?:\A|[.!?:;¿¡\"“”«»()\[\]>*\n-]|\d)\s*\Z")


# Capitalised words that start sentences or are shouted keywords, in the five languages we
# serve. Only the first word of a sentence is checked against this list; any other capitalised
# word triggers NER.

_NON_ENTITY_WORDS = word_set(
    """
    i i'm i've i'll i'd im a an the this that these those my your our his her their its it it's is are was were be
    can could would should will shall may might must do does did don't doesn't please pls plz thanks thank hi hello
    hey dear ok okay yes no not so and but or if when what why how who where which whose also just still then now
    here there hope sorry sure great good fine cool help write make create give show tell find check fix explain
    summarize translate draft send update add remove list convert rewrite generate use let lets let's need want
    got get have has had am as at by for from in of on to with about after before again all any each every few
    more most other some such only own same than too very one two three new see look note also btw fyi re fw fwd
    hola gracias por favor buenos buenas días dime puedes podrías necesito quiero tengo mi mis tu tus su el la los
    las un una es son está estoy cómo como qué que cuál donde dónde cuando cuándo para con sin sobre hay también
    olá ola obrigado obrigada bom boa dia preciso quero tenho meu minha você voce pode poderia ajuda como o os as
    um uma é está não sim
    bonjour salut merci bonsoir je j'ai tu il elle nous vous ils mon ma mes ton ta ses le les un une des est
    c'est peux pouvez pourriez voici voilà quel quelle comment pourquoi aussi avec pour dans sur oui non
    hallo danke bitte guten tag ich du er sie es wir ihr mein meine dein deine kannst können könnten könntest
    brauche habe ist sind war wie was warum wo wann auch mit für auf und oder nicht ja nein der die das ein eine
    iban ssn dob nif nie dni cpf bsn nir pesel vat tva iva cvv cvc pin id api url json sql csv pdf html http https
    ip ipv4 ipv6 aws jwt ssh dns vpn faq asap eta tl;dr pm am ps nb
    redacta escribe escriba resume traduce explica tras después antes según hoy ayer mañana
    escreva redija resuma traduza explique depois nasci nasceu ontem hoje amanhã
    écris écrivez rédige rédigez résume résumez traduis explique depuis après avant hier aujourd'hui demain né née
    schreib schreibe schreiben fasse übersetze erkläre erklär seit nach vor heute gestern morgen bin wurde
    ihre ihren ihrem ihrer ihnen unser unsere unseren unserem unserer meinen meinem meiner deinen deinem deiner
    einen einem einer dem diese dieser dieses diesen jede jeder jedes alle kein keine keinen euer eure
    customer client cliente kunde user usuario utilizador utilisateur benutzer subject re asunto assunto objet betreff
    rt via para lo esse essa isso eso esa gente questo questa sono non
    """
)


# An entity made only of other languages' function words is none: the English model tags
# sentence openers of Portuguese or Spanish text as names ("Quando", "Mas", "Entretanto", "Ele",
# "Já", "Yo"). Only whole entities are dropped, never trimmed: "Ed", "Al", "Van", "De" are also
# parts of names ("Ed Vaizey", "Al Pacino", "De Jong"). On UNER Portuguese-Bosque train, PERSON
# false positives fell 1,143 → 1,060 with the same true positives; BTC and WNUT-17 train
# unchanged but for 19 fewer false positives. English stop words are not in it ("US" is a place).
# Less the known first names among them ("Ali", "Sara", "Otto", "Ben"), which stay possible names.
_FOREIGN_STOP_WORDS = frozenset().union(*map(spacy_stop_words, ("es", "pt", "fr", "de", "it", "nl"))) - first_names()
_KEYWORDS_ANYWHERE = word_set(
    "i i'm i've i'll i'd iban ssn dob nif nie dni cpf bsn nir pesel vat tva iva cvv cvc pin id api url json sql csv"
    " pdf html http https ip ipv4 ipv6 jwt ssh dns vpn faq asap eta ok pm am ps nb usd eur gbp brl mxn akia bearer e-mail email udp tcp nino steuer steuer-id idnr ust-idnr tel telefon handy dni nie cf"
)


# Words that name a plan, a job title, a department or a business acronym (gazetteers'
# ROLE_AND_PLAN_WORDS: "for the Family plan", "pour l'offre Premium", "für den Tarif Basic", "Hannah
# Smith, VP Operations"): as triggers they only sent plan and signature lines to NER, which tagged
# the plan as a person ("l'offre Business" → PERSON). A company or place they are part of ("Harvard
# Business School", "Standard Chartered") still opens a window through its other words.
# Never a name on their own: UI labels, products and those words (one set, one lookup).
_NEVER_NAMES_ALONE = UI_WORDS | PRODUCT_WORDS | ROLE_AND_PLAN_WORDS

_PLACE_PREFIXES = frozenset(
    [
        "New",
        "Buenos",
        "San",
        "Santa",
        "Santo",
        "Los",
        "Las",
        "El",
        "La",
        "Le",
        "Les",
        "Saint",
        "St.",
        "São",
        "Rio",
        "Porto",
        "Port",
        "Fort",
        "Mount",
        "Den",
        "Der",
        "Bad",
    ]
)

_NEXT_WORD_RE = re.compile(r"[\s,]*([^\s,]+)")
_POSSESSIVE_RE = re.compile(r"['’]s\Z")
_ELISION_RE = re.compile(r"\A(?:l|d|j|qu|n|s|c|m|t)['’]", re.IGNORECASE)


# Characters of context kept around a capitalised word when NER runs on a window of the
# text rather than all of it. The small pipeline's NER decides each token from its CNN
# features (depth 4, window 1: four tokens either side) and the transition state's features
# (the current entity and the next token), so no decision about a trigger's entity looks
# further than about six tokens away. 32 characters is six to eight tokens of chat prose;
# on the labelled, hard-dev and hard-held-out sets 80 and 32 give the same entities, and
# 24 starts to lose some. Every character kept is NER time: NER costs ~80 µs a token.
WINDOW_CHARS = 32
# A known first name opening a sentence triggers NER from this many letters (see ``_triggers``).
OPENER_NAME_MIN_LETTERS = 4

# Capitalised words that are code, not names: exception classes ("ValueError", "KeyError")
# and SQL keywords in capitals ("GROUP BY", "ORDER BY"). Chat with coding assistants is full of
# them, and each opened a NER window for nothing.
_CODE_IDENTIFIER_RE = re.compile(r"\w+(?:Error|Exception|Warning)")
_SQL_KEYWORDS = word_set(
    "select from where group by order having limit join inner outer left right on as and or not null insert into"
    " values update set delete create table index distinct union all case when then else end count sum avg min max"
    " asc desc like in is between exists head"
)
# German capitalises every noun: a lone capitalised word in German text is a noun far more
# often than a name, and ``sensitive`` drops a one-word entity in German text unless one of
# these cues introduces a person.
GERMAN_NAME_CUE = re.compile(
    r"(?:ich bin|ich heiße|ich heisse|mein name ist|name:|herr|frau|dr\.|kollegin|kollege|ansprechpartner(?:in)?:?)\s*\Z",
    re.IGNORECASE,
)
_CAPITALISED_NEIGHBOUR_BEFORE_RE = re.compile(r"([A-ZÀ-ÖØ-ÞĀ-Ž][\w'’.-]*)[ \t]+\Z")
_CAPITALISED_NEIGHBOUR_AFTER_RE = re.compile(r"[ \t]+([A-ZÀ-ÖØ-ÞĀ-Ž][\w'’.-]*)")


def _triggers(text: str) -> list[tuple[int, int]]:
    """Spans of capitalised words that could start a name.

    Mid-sentence capitalised words trigger NER. A sentence's first word is capitalised anyway,
    so it triggers only when the next word is capitalised too ("Sarah Johnson called"): a
    single capitalised opener ("Schedule a call", "Transfira o valor") is almost always a
    verb or a noun, and the small model rarely tags a lone sentence-initial name correctly.
    Words with digits or underscores (keys, ids, invoice numbers), exception class names and
    SQL keywords in capitals are never names.
    """
    spans = []
    for m in _CAPITALISED_RE.finditer(text):
        token = m.group()
        if "_" in token or any(map(str.isdigit, token)):
            continue
        word = token.rstrip(".'’-")
        if "'" in word or "’" in word:  # an elision needs its apostrophe ("l'Oréal")
            word = _ELISION_RE.sub("", word)
        word = word.lower()
        # UI labels ("choose Reset", "click Submit") and product names ("in Postgres") are
        # dropped by entity_rules anyway; not sending them to NER saves its cost on how-to
        # questions about an interface or a tool.
        if (len(word) < 2 and word != "i") or word in _KEYWORDS_ANYWHERE or word in _NEVER_NAMES_ALONE:
            continue
        if (token.isupper() and word in _SQL_KEYWORDS) or _CODE_IDENTIFIER_RE.fullmatch(token.rstrip(".'’-")):
            continue
        if _SENTENCE_END_RE.search(text[max(0, m.start() - 3) : m.start()]):
            if word in _NON_ENTITY_WORDS:
                continue
            following = _NEXT_WORD_RE.match(text, m.end())
            # The next word must be capitalised and could itself be part of a name ("Order
            # ORD-365528 is…" is not "Sarah Johnson called"), unless the opener is a known
            # first name written as one ("Katie is back", "Mary's order"): on the public NER
            # train sets (BTC, WNUT-17) 5 % of the names missed were such openers. Short ones
            # are too often a word of another language ("Dan" is Indonesian "and", "Jo" Danish "yes"),
            # and names that are also words ("Bill me monthly", "Frank feedback") open none.
            if (following is None or not following.group(1)[:1].isupper() or _has_digit(following.group(1))) and not (
                len(word) >= OPENER_NAME_MIN_LETTERS
                and word in first_names()
                and word not in WORDLIKE_FIRST_NAMES
                and not token.isupper()
            ):
                continue
        # The span is the word itself, without a possessive or trailing punctuation ("Walker's",
        # "Reed."): a pattern finding for the name ("Ryan Walker") then covers it, and NER,
        # which would only find the same name again, does not run for it.
        spans.append((m.start(), m.start() + len(_POSSESSIVE_RE.sub("", token.rstrip(".'’-")))))
    return spans


def _has_digit(word: str) -> bool:
    return any(c.isdigit() for c in word)


def _german_keeps(text: str, start: int, end: int) -> bool:
    """In German text, whether a trigger can still yield an entity ``sensitive`` keeps: it has a
    capitalised neighbour (a two-word name, "Klaus Müller") or follows a cue for a person."""
    if text[start:end].lower() in _NON_ENTITY_WORDS:
        return False  # the polite "Sie", "Ihre", "Ihnen" are capitalised mid-sentence
    before = _CAPITALISED_NEIGHBOUR_BEFORE_RE.search(text[max(0, start - 40) : start])
    after = _CAPITALISED_NEIGHBOUR_AFTER_RE.match(text, end)
    return bool(
        (before is not None and _could_be_name_part(before.group(1)))
        or (after is not None and _could_be_name_part(after.group(1).rstrip(".,;:!?")))
        or GERMAN_NAME_CUE.search(text[max(0, start - 30) : start])
    )


def _could_be_name_part(word: str) -> bool:
    """Whether a capitalised neighbour could be the other half of a two-word name. A pronoun or
    article ("Ihre Bestellung", "Unser Support-Team"), an id ("Bestellung ORD-248762"), a
    product or plan ("Tarif Basic") or a UI label is not."""
    low = word.rstrip(".'’-").lower()
    return not (low in _NON_ENTITY_WORDS or low in _NEVER_NAMES_ALONE or _has_digit(word))


def needs_ner(text: str) -> bool:
    """True when the text has a capitalised word that could start a name."""
    return bool(_triggers(text))


def ner_windows(
    text: str,
    window: int = WINDOW_CHARS,
    *,
    covered: Sequence[tuple[int, int]] = (),
    german: bool = False,
) -> list[tuple[int, int]]:
    """Non-overlapping character ranges NER should see: each trigger plus ``window`` characters
    either side, widened to whole words, merged when they touch. Empty: skip NER.

    Triggers inside a ``covered`` span (a pattern finding NER cannot beat: an e-mail, a name
    after "my name is") open no window. In ``german`` text a lone capitalised word opens none
    either (see ``_german_keeps``): its entity would be dropped anyway.
    """
    merged: list[list[int]] = []
    n = len(text)
    # A trigger is covered when some span starting at or before it ends at or after it: the
    # furthest end among the spans that start by then tells (bisect; comparing each trigger with
    # every span was quadratic: 10 s on "name: Ana Lopez" repeated over 120,000 characters).
    spans = sorted(covered)
    starts = [lo for lo, _ in spans]
    furthest = list(itertools.accumulate((hi for _, hi in spans), max))
    for start, end in _triggers(text):
        i = bisect.bisect_right(starts, start)
        if i and furthest[i - 1] >= end:
            continue
        if german and not _german_keeps(text, start, end):
            continue
        lo, hi = max(0, start - window), min(n, end + window)
        while lo > 0 and not text[lo - 1].isspace():
            lo -= 1
        while hi < n and not text[hi].isspace():
            hi += 1
        if merged and lo <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    return [(lo, hi) for lo, hi in merged]


def _trim(ent: Span) -> tuple[int, int] | None:
    """Token range of the entity without leading/trailing words that cannot be part of a name.

    The English model, run on Spanish or German, glues neighbouring words to entities ("la
    historia de México", "Meine Steuer-ID"); names start and end with a capitalised word.
    """
    tokens = list(ent)
    lo, hi = 0, len(tokens)
    # A name never runs across a line break: in a signature or an address block the model glues
    # the next line on ("Idris Ibragimov\nOnvia", "Ohrí\n Czech Republic"). The first line's part
    # that holds a capitalised word is the entity.
    for k, token in enumerate(tokens):
        if "\n" in token.text or "\n" in token.whitespace_:
            cut = k if "\n" in token.text else k + 1
            if any(t.text[:1].isupper() for t in tokens[lo:cut]):
                hi = cut
                break
            lo = cut + 1 if "\n" in token.text else cut
    # A person's possessive ends the name: "Terence Vassiliev's Cautionary Tales", "Anna's Bakery
    # order" are "Terence Vassiliev" and "Anna" (the rest is what they own).
    if ent.label_ in ("PERSON", "PER"):
        for k in range(lo + 1, hi):
            if tokens[k].text in ("'s", "’s", "'", "’") and k + 1 < hi:
                hi = k
                break

    def ok(token: Token) -> bool:
        text = token.text
        return text[:1].isupper() and text.lower() not in _NON_ENTITY_WORDS and text.lower() not in _KEYWORDS_ANYWHERE

    while lo < hi and not ok(tokens[lo]):
        # "New York", "Buenos Aires", "Los Angeles": a capitalised place prefix followed by a
        # capitalised word is part of the name, though "new" or "los" alone is not.
        if tokens[lo].text in _PLACE_PREFIXES and lo + 1 < hi and tokens[lo + 1].text[:1].isupper():
            break
        lo += 1
    while hi > lo and not ok(tokens[hi - 1]):
        hi -= 1
    if lo == hi:
        return None
    return tokens[lo].idx, tokens[hi - 1].idx + len(tokens[hi - 1].text)


def entity_findings(ents: Iterable[Span], offset: int = 0) -> list[Finding]:
    """spaCy entities mapped to finding types, minus the model's obvious confusions.

    ``offset`` shifts spans when the entities come from a window of the text."""
    found = []
    # Doc.text joins every token again on each access: read once per doc, or a long message
    # full of entities costs quadratic time (seconds for 20k characters of capitalised words).
    doc, doc_text = None, ""
    for ent in ents:
        entity_type = LABELS.get(ent.label_)
        if entity_type is None:
            continue
        span = _trim(ent)
        if span is None:
            continue
        start, end = span
        if ent.doc is not doc:
            doc, doc_text = ent.doc, ent.doc.text
        value = doc_text[start:end]
        letters = sum(c.isalpha() for c in value)
        # The small model tags keywords ("IBAN"), digit runs and lowercase words as entities;
        # those are never names.
        if letters < 2 or letters < len(value) / 2 or not any(c.isupper() for c in value):
            continue
        if value.lower() in _KEYWORDS_ANYWHERE or "@" in value or "://" in value or any(c.isdigit() for c in value):
            continue
        # (A country code in capitals stays: "USA" is also Spanish "uses".)
        if not (ent.label_ == "GPE" and value.isupper()) and all(
            word.strip(".,;:!?'’").lower() in _FOREIGN_STOP_WORDS for word in value.split()
        ):
            continue
        found.append(Finding(entity_type, start + offset, end + offset, NER_SCORE, "spacy_ner"))
    return found
