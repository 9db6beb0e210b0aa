"""Names introduced by a cue ("my name is john appleseed", "call me bob"), in any case.

NER finds capitalised names; people typing to an assistant often do not capitalise, and the
statistical model misses "my name is john appleseed" entirely. A cue that introduces a person
is strong evidence on its own, so the words after it are a name unless they are plainly not one.

Strong cues ("my name is", "call me", "me llamo", "je m'appelle", "ich heiße", "meu nome é")
take the next one to three words. Weak cues ("i'm", "this is", "soy", "je suis", "ich bin") are
followed by adjectives and verbs far more often than by names ("i'm sure", "this is great"), so
there the candidate must also end its clause (punctuation, end of text, or "from", "and", "here"…)
and be name-shaped: two words, a hyphenated or a capitalised one.
Either way the first word may not be a function word or a common adjective/verb of the five
languages we serve, nor look like one (-ing, -ly, -ed …).
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import numpy as np
import spacy
from spacy.lang.en.stop_words import STOP_WORDS as EN

from apps.detection.findings import PERSON, Finding
from apps.detection.recognizers.base import literal_alternation, lower_words, lowered, word_set
from apps.detection.recognizers.gazetteers import (
    NOT_NAMES,
    NameList,
    capitalised_runs,
    first_names,
    known_companies,
    name_list,
    run_words,
    surnames,
)
from apps.nlp.word_frequencies import word_frequencies, word_languages

CUE_SCORE = 0.85  # as NER's: on the same span the longer one wins (resolve_overlaps)

# Someone else's name ("her maiden name is Møller", "it's under my partner's name Shane Culp"):
# strong cues, but a name after them in lower case must be a listed first name or surname ("under
# the name field" is a form).
_OTHERS = (
    r"his name is|her name is|their name is|maiden name is|last name is|surname is|under the name"
    r"|partner's name|partner’s name|se llama|su nombre es|il s'appelle|elle s'appelle|si chiama|se chama"
)
_OTHERS_CUES = frozenset(_OTHERS.split("|"))
_STRONG = (
    r"my name is|my name's|my names is|call me|you can call me|me llamo|mi nombre es|je m'appelle|je m’appelle"
    r"|mon nom est|mon prénom est|ich heiße|ich heisse|mein name ist|o meu nome é|meu nome é|me chamo|chamo-me"
    r"|" + _OTHERS
)
_WEAK = r"i'm|i’m|i am|this is|soy|je suis|ich bin|hier ist|eu sou"
# Chat openers before a name typed in lower case ("hey its lesley smith again", "oi, aqui é daniel
# rios", "salut c'est marie dupont", "ciao sono luca bianchi", "hoi, met jan de vries"): as weak as
# the cues above and far more often followed by other words, so the first word must also be a
# known first name.
_CHATTY = r"its|it's|it’s|aqui é|aqui e|c'est|c’est|sono|qui è|met|ik ben"
_WORD = r"[^\W\d_][^\W\d_'’-]*(?:['’-][^\W\d_]+)*"
_CUE_RE = re.compile(
    rf"(?<![\w'’])(?:(?P<strong>{_STRONG})|(?P<weak>{_WEAK})|(?P<chatty>{_CHATTY}))\s+(?P<name>{_WORD}(?:\s+{_WORD}){{0,2}})",
    re.IGNORECASE,
)
# Every cue as written above (plain words, no regex syntax: they are escaped here), lowercased,
# then the whitespace ``_CUE_RE`` wants after it; searched in ``lowered(text)``, case-sensitively, so the engine skips to the cues' first letters instead of
# trying thirty case-insensitive alternatives at every position (~20 µs a message). As a trie
# (``literal_alternation``): 1.3 instead of 3 µs a message.
_CUE_QUICK_RE = re.compile(
    "(?:" + literal_alternation(cue for group in (_STRONG, _WEAK, _CHATTY) for cue in group.split("|")) + r")\s"
)
# After a weak cue the name must end the clause: "i'm maria garcia, ...", "this is jean-luc."
_CLAUSE_END_RE = re.compile(
    r"\s*(?:\Z|[.,!?;:()\n]|-\s|–|—|(?:from|and|here|speaking|again|of|at|with|de|da|do|du|von|aus|y|et|und|e)\b)",
    re.IGNORECASE,
)


def spacy_stop_words(language: str) -> frozenset[str]:
    """spaCy's stop words of ``language``, read without importing its language package.

    ``import spacy.lang.fr.stop_words`` first runs ``spacy.lang.fr``'s ``__init__``, which
    compiles the French tokenizer exceptions: about 2 s of CPU in every fresh process, a third
    of a cold ``detect`` call, for a word list. The stop-word modules are plain data files.
    """
    path = Path(spacy.__file__).parent / "lang" / language / "stop_words.py"
    spec = importlib.util.spec_from_file_location(f"{__name__}._stop_words_{language}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"no spaCy stop words for {language!r}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return frozenset(module.STOP_WORDS)


DE, ES, FR, PT = (spacy_stop_words(language) for language in ("de", "es", "fr", "pt"))


# Words that follow a cue without being a name, plus the function words of the five languages.
_COMMON = (
    word_set(
        """
    not no nobody someone something sure sorry happy glad trying looking going wondering new here back fine ok
    okay good great bad awesome amazing terrible urgent important interesting weird strange wrong right correct
    broken slow fast easy hard difficult possible impossible true false confused stuck lost tired busy ready
    done able unable available unavailable interested afraid aware curious worried concerned frustrated annoyed
    a an the my your our his her their its this that what how why when where who which whose just still also
    only really very so too quite pretty kind sort literally actually totally definitely calling writing
    reaching contacting following asking emailing messaging texting replying responding about regarding
    concerning re thanks thank please hello hi hey dear sir madam team support admin user customer test testing
    example sample demo unknown anonymous none null undefined private confidential alright enough over under out
    in on at to for with from into off up down home sick hungry crazy insane perfect wonderful fantastic
    excellent annoying useless odd funny silly stupid dumb nice cool worse worst better best awful horrible
    unacceptable late early single married pregnant student teacher engineer manager developer doctor nurse
    lawyer owner member part one two three four five six seven eight nine ten old young monday tuesday wednesday
    thursday friday saturday sunday today tomorrow yesterday tonight now later soon asap anytime whenever maybe
    directly
    """
    )
    | EN
    | ES
    | FR
    | DE
    | PT
)
COMMON_WORDS = _COMMON

# Endings of the verbs and adjectives that follow "i'm" / "call me"; checked on the first word
# only, since surnames end in anything ("appleseed").
_NOT_NAME_SUFFIX_RE = re.compile(r"(?:ing|ly|ed|ful|ous|able|ible|ive|less|ness|tion|ment)\Z", re.IGNORECASE)


def _name_words(words: list[str]) -> list[str]:
    """The leading words that can be part of a name (stops at the first that cannot)."""
    kept: list[str] = []
    for i, word in enumerate(words):
        lower = word.lower()
        if 0 < i < len(words) - 1 and lower in _PARTICLES:
            kept.append(word)  # "ian da cruz", "jan de vries": a particle between name words
            continue
        if lower in _COMMON or len(lower) < 2 or (i == 0 and len(lower) > 5 and _NOT_NAME_SUFFIX_RE.search(lower)):
            break
        kept.append(word)
    return kept


_GREETING_BEFORE_RE = re.compile(
    r"(?i:\b(?:hi|hello|hey|hiya|good (?:morning|afternoon|evening)|hola|buenas|buenos días|buenos dias|olá|ola|oi"
    r"|bom dia|boa tarde|bonjour|bonsoir|salut|hallo|guten (?:morgen|tag|abend)|moin|servus|ciao|salve|buongiorno"
    r"|hoi|goedemorgen|goedemiddag)\b)[\s,!.]*(?:(?i:this is|it's|its|it is)\s+)?\Z"
)


def recognize_cued_name(text: str) -> list[Finding]:
    found: list[Finding] = []
    if not _CUE_QUICK_RE.search(lowered(text)):
        return found
    for m in _CUE_RE.finditer(text):
        words = m.group("name").split()
        kept = _name_words(words)
        while kept and kept[-1].lower() in _PARTICLES:
            kept.pop()
        if not kept:
            continue
        if m.group("chatty") is not None and kept[0].lower() not in first_names():
            continue
        if (
            m.group("strong") is not None
            and m.group("strong").lower() in _OTHERS_CUES
            and not kept[0][0].isupper()
            and kept[0].lower() not in first_names()
            and kept[0].lower() not in surnames()
        ):
            continue
        # A lower-case name after a weak cue must start with a known first name or follow a
        # greeting: "ich bin echt erschüttert", "yo soy totalmente puntual" are moods; "i'm maria
        # garcia" and "hola soy gusztáv székely" introduce someone.
        if (
            m.group("weak") is not None
            and not kept[0][0].isupper()
            and kept[0].lower().split("-")[0] not in first_names()
            and not _GREETING_BEFORE_RE.search(text[max(0, m.start() - 30) : m.start()])
        ):
            continue
        start = m.start("name")
        end = _span_end(text, start, kept)
        # A weak cue needs a name-shaped candidate that ends its clause: two words or a
        # hyphenated one ("i'm maria garcia", "this is jean-luc."), not "i'm hungry".
        if (m.group("weak") is not None or m.group("chatty") is not None) and (
            not _CLAUSE_END_RE.match(text, end) or (len(kept) < 2 and "-" not in kept[0] and not kept[0][0].isupper())
        ):
            continue
        found.append(Finding(PERSON, start, end, CUE_SCORE, "cued_name"))
    return found


def _span_end(text: str, start: int, kept: list[str]) -> int:
    """End offset of ``kept`` words from ``start`` (whitespace between them may be any)."""
    pos = start
    for word in kept:
        pos = text.index(word, pos) + len(word)
    return pos


# ------------------------------------------------------------------ greetings, signatures, addressees

# Names behind a greeting ("Dear Margaret,", "Hi Tomasz,"), above a sign-off line
# ("Thanks,\nRahul Mehta") and after verbs that take a person ("contact Priya Natarajan",
# "ask Lucia whether"). Unlike the cues above these need capitals: "hi there" and "ask support"
# are common, and a lowercase word after them is almost never a name.
# A capitalised name word, letters of any Latin alphabet ("Tomečeková", "Stănescu", "O'Brien").
_UPPER = "A-ZÀ-ÖØ-ÞĀĂĄĆĈĊČĎĐĒĔĖĘĚĜĞĠĢĤĦĨĪĬĮİĴĶĹĻĽĿŁŃŅŇŌŎŐŒŔŖŘŚŜŞŠŢŤŦŨŪŬŮŰŲŴŶŸŹŻŽ"
_CAP = rf"[{_UPPER}](?:[^\W\d_A-Z'’]+(?:['’][^\W\d_]+)?|['’][{_UPPER}][^\W\d_]+)(?:-[{_UPPER}][^\W\d_]+)?"
_TITLE = r"(?:Mr|Mrs|Ms|Mx|Dr|Prof|Sr|Sra|Srta|Herr|Frau|Mme|Mlle|Dra)\.?"
_GREETING_RE = re.compile(
    rf"(?:\A|(?<=[\n.!?>]\s)|(?<=\n))\s*(?P<cue>(?i:dear|hi|hello|hey|hallo|hola|olá|ola|bonjour|salut|cher|chère"
    rf"|liebe|lieber|querido|querida|caro|cara|beste|hoi|geachte|estimado|estimada|prezado|prezada|gentile))\s+(?P<name>(?:{_TITLE}\s+)?{_CAP}(?:\s+{_CAP}){{0,2}})"
    rf"(?=\s*(?:[,!:\n]|\Z))"
)
_SIGN_OFFS = (
    "regards|best regards|kind regards|warm regards|best|thanks|thank you|many thanks|cheers|sincerely|yours"
    "|saludos|un saludo|atentamente|cordialement|bien à vous|grüße|viele grüße|mit freundlichen grüßen|lg"
    "|atenciosamente|abraços|obrigado|obrigada|gracias|merci|danke"
)
_SIGN_OFF_RE = re.compile(
    rf"(?i:{_SIGN_OFFS})[ \t]*[,!.]?[ \t]*\n[ \t]*(?P<name>{_CAP}(?:[ \t]+{_CAP}){{0,2}})[ \t]*(?=\n|\Z)"
)
_ADDRESSEE_RE = re.compile(
    r"(?<![\w'’])(?i:contact|ask|tell|remind|ping|email|e-mail|cc|call|invite|thank|thanks|thx|cheers"
    r"|forward (?:this|it) to"
    r"|send (?:this|it|the \w+) to|reply to|write to|an email to|a message to|a note to|talk to|speak to)"
    rf"\s+(?P<name>{_CAP}(?:\s+{_CAP}){{0,2}})"
)
# What every ``_SIGN_OFF_RE`` match starts with, up to the name's first capital, written backwards
# and searched in the reversed text: there it starts with the capital, so the engine skips to
# capitals and stops at the first one not at a line's start, where the sign-off regex tries its
# thirty case-insensitive phrases at every position (~46 µs on a multi-line demo answer that says
# "thanks" or "best", against ~2). Reversing a regular expression without look-arounds keeps what
# it can match, reversed. The blanks around the optional comma are written "[ \t]*(?:[,!.][ \t]*)?"
# (the same strings as "[ \t]*[,!.]?[ \t]*"): two stars in a row would try every split of a long
# run of blanks before a line break, seconds on 5,000 spaces.
_SIGN_OFF_QUICK_RE = re.compile(
    rf"[{_UPPER}][ \t]*\n[ \t]*(?:[,!.][ \t]*)?(?i:{'|'.join(phrase[::-1] for phrase in _SIGN_OFFS.split('|'))})"
)
# The same for ``_ADDRESSEE_RE``: each of its cues ends with one of these words ("forward this to"
# with "to"), then whitespace and the name's capital. On the demo answers that say "call", "e-mail"
# or "ask" (one in six) the pre-check costs ~1 µs where the regex costs ~8, and lets a quarter through.
_ADDRESSEE_VERBS = (
    "contact",
    "ask",
    "tell",
    "remind",
    "ping",
    "email",
    "e-mail",
    "cc",
    "call",
    "invite",
    "thank",
    "thanks",  # "Thanks Priya, that worked"
    "thx",
    "cheers",
)
_ADDRESSEE_LAST_WORDS = (*_ADDRESSEE_VERBS, "to")
_ADDRESSEE_QUICK_RE = re.compile(rf"[{_UPPER}]\s+(?i:{'|'.join(word[::-1] for word in _ADDRESSEE_LAST_WORDS)})")
_NOT_ADDRESSEES = frozenset(
    ["team", "all", "everyone", "folks", "guys", "there", "support", "sales", "admin", "everybody"]
)


def _plausible_name(words: list[str], *, single_needs_list: bool) -> bool:
    if any(w.lower().strip(".") in NOT_NAMES or w.lower() in _NOT_ADDRESSEES for w in words):
        return False
    if len(words) == 1 and single_needs_list:
        return words[0].lower() in first_names()
    return True


# Cue words for a set-intersection pre-check: most messages have none, and then the three
# regexes below do not run.
GREETING_WORDS = frozenset(
    [
        "dear",
        "hi",
        "hello",
        "hey",
        "hallo",
        "hola",
        "olá",
        "ola",
        "bonjour",
        "salut",
        "cher",
        "chère",
        "liebe",
        "lieber",
        "querido",
        "querida",
        "caro",
        "cara",
    ]
)
_SIGN_OFF_WORDS = frozenset(
    [
        "regards",
        "best",
        "thanks",
        "thank",
        "cheers",
        "sincerely",
        "yours",
        "saludos",
        "saludo",
        "atentamente",
        "cordialement",
        "vous",
        "grüße",
        "lg",
        "atenciosamente",
        "abraços",
        "obrigado",
        "obrigada",
        "gracias",
        "merci",
        "danke",
    ]
)
_ADDRESSEE_WORDS = frozenset(
    [
        *_ADDRESSEE_VERBS,
        "forward",
        "send",
        "reply",
        "write",
        "message",
        "note",
        "talk",
        "speak",
    ]
)


def recognize_addressed_name(text: str) -> list[Finding]:
    """Names after a greeting, above a sign-off, or after a verb that takes a person."""
    found: list[Finding] = []
    words = lower_words(text)
    greeting = not GREETING_WORDS.isdisjoint(words)
    sign_off = "\n" in text and not _SIGN_OFF_WORDS.isdisjoint(words)
    addressee = not _ADDRESSEE_WORDS.isdisjoint(words)
    if sign_off or addressee:
        backwards = text[::-1]  # both pre-checks read the text from its end (see _SIGN_OFF_QUICK_RE)
        sign_off = sign_off and _SIGN_OFF_QUICK_RE.search(backwards) is not None
        addressee = addressee and _ADDRESSEE_QUICK_RE.search(backwards) is not None
    if not (greeting or sign_off or addressee):
        return found
    for m in _GREETING_RE.finditer(text) if greeting else ():
        name = [w for w in m.group("name").split() if not re.fullmatch(_TITLE, w)]
        # A greeting plus a following comma is a strong cue: one word is enough ("Hi Tomasz,").
        if name and _plausible_name(name, single_needs_list=False):
            found.append(Finding(PERSON, m.start("name"), m.end("name"), CUE_SCORE, "greeting_name"))
    for m in _SIGN_OFF_RE.finditer(text) if sign_off else ():
        if _plausible_name(m.group("name").split(), single_needs_list=True):
            found.append(Finding(PERSON, m.start("name"), m.end("name"), CUE_SCORE, "signature_name"))
    for m in _ADDRESSEE_RE.finditer(text) if addressee else ():
        name = m.group("name").split()
        # "contact Support", "ask Excel": one capitalised word must be a known first name, and
        # with several the first one must be.
        if name[0].lower() in first_names() and _plausible_name(name, single_needs_list=True):
            found.append(Finding(PERSON, m.start("name"), m.end("name"), CUE_SCORE, "addressee_name"))
    return found


# A known first name followed by one or two capitalised words is a person's full name in every
# language we serve ("Lucía Fernández", "Klaus Müller", "Grace Parker"), cue or not; the small
# English NER misses many outside English and mistypes others. Higher than NER (0.85), so the
# name beats NER's ORG/LOCATION guess of the same span, lower than the company list (0.87:
# "Mercedes-Benz").
FULL_NAME_SCORE = 0.86
# Capitalised words after a first name that make a place, a building or a company of it
# ("Victoria Station", "Grace Hospital", "Wayne Retail").
_NOT_SURNAMES = word_set(
    """
    street st road rd avenue ave lane boulevard square station river lake park hotel hospital clinic
    university college school academy church cathedral airport bridge tower center centre mall
    bank group team inc ltd llc gmbh corp company co foundation institute museum theatre theater
    retail foods food health traders trading logistics solutions systems labs lab capital partners
    consulting services software technologies tech media motors airlines airways pharma energy
    insurance industries holdings ventures studio studios store shop market markets news records
    games entertainment digital global international networks electronics analytics cloud ai
    """
)
# First names that, without a cue, are more often a word of a title-case phrase: month
# abbreviations ("Sep Trek Dinner"), seasons, colours and common nouns or verbs ("Summer Sale",
# "Rose Gold", "Amber Alert", "Bill Payment", "Mark Complete", "Ray Tracing").
WORDLIKE_FIRST_NAMES = word_set(
    """
    sep sept oct nov dec feb aug apr jun jul summer autumn rose jade amber holly crystal angel dawn joy
    bill mark frank sue guy jack ray sandy dean chase lucky faith hope star sky river storm
    """
)
# Lowercase particles inside a surname ("Jan van Dijk", "Ana de la Cruz").
_PARTICLES = word_set("de do da dos das del di du la le van von der den ter")
_PARTICLE_WORDS = "(?:de|do|da|dos|das|del|di|du|la|le|van|von|der|den|ter)"


# Greetings that open a letter, some also given names elsewhere (Dutch "Beste", Italian "Cara").
GREETING_WORDS = word_set(
    "dear hi hey hello hallo hoi beste geachte hola ola olá estimado estimada querido querida prezado prezada"
    " caro cara gentile bonjour salut cher chère liebe lieber"
)


def opens_line(text: str, start: int) -> bool:
    """Nothing but blanks or an opening quote before ``start`` on its line."""
    return not text[text.rfind("\n", 0, start) + 1 : start].strip(" \t'\"“‘«")


def recognize_full_name(text: str) -> list[Finding]:
    found: list[Finding] = []
    firsts = first_names()
    if firsts.isdisjoint(map(str.lower, run_words(text))):
        return found  # a name starts with a known first name; no capitalised word is one
    for parts in capitalised_runs(text):
        i = 0
        while i < len(parts) - 1:
            word = parts[i][2].lower()
            if (
                word not in firsts
                or word in NOT_NAMES
                or word in WORDLIKE_FIRST_NAMES
                or (word in GREETING_WORDS and opens_line(text, parts[i][0]))
            ):
                i += 1  # "Beste Bram," opens a Dutch letter: the greeting is no given name
                continue
            # Up to two capitalised surname words, particles between them allowed, after up to two
            # more given names ("Juana Maura Bastida Alberto", "Humberto José Luis Polo Orozco": two
            # given names and two surnames, as Spanish and Portuguese names have them).
            end, surnames, k, given = i, 0, i + 1, 0
            while k < len(parts) and surnames < 2:
                if parts[k][2] in _PARTICLES:
                    k += 1
                    continue
                if (
                    not surnames
                    and given < 2
                    and k + 2 < len(parts)
                    and parts[k][2].lower() in firsts
                    and _surname_like(parts[k + 1][2])
                    and _surname_like(parts[k + 2][2])
                ):
                    given, k = given + 1, k + 1
                    continue
                if not surnames and k + 1 < len(parts) and _INITIAL_RE.fullmatch(parts[k][2]):
                    k += 1  # a middle initial, with or without its dot ("Shane M Culp", "Faina D. Yefremova")
                    continue
                if not _surname_like(parts[k][2]):
                    break
                end, surnames, k = k, surnames + 1, k + 1
                if parts[end][2].endswith(("'s", "’s")):
                    break  # "Terence Vassiliev's Cautionary Tales": what follows is what he owns
            if surnames:
                stop = parts[end][1]
                if text[stop - 2 : stop] in ("'s", "’s"):  # "Grace Parker's": the name without the possessive
                    stop -= 2
                found.append(Finding(PERSON, parts[i][0], stop, FULL_NAME_SCORE, "full_name"))
            i = end + 1
    return found


_INITIAL_RE = re.compile(rf"[{_UPPER}]\.?")


def _surname_like(word: str) -> bool:
    lower = word.lower()
    bare = word.removesuffix("'s").removesuffix("’s").replace("'", "").replace("’", "")
    return (
        len(bare) > 1
        and bare.isalpha()
        and word[0].isupper()
        and not word.isupper()
        and lower not in NOT_NAMES
        and bare.lower() not in _NOT_SURNAMES
    )


# ----------------------------------------------------------------- lists of names, names that say something

# "Milo, Raffaello e Lisa", "Anka Hentschel, Dragana Gloor und Bianca Ernst", "cc: Kathryn Keery,
# Jure Blažičko": capitalised items joined by commas and a conjunction of our languages, or after a
# list label. Most items must start with a known first name (after a label one is enough); then
# every item is a person, surnames and first names outside the list included. No item may be a UI
# or common word, a known place or company ("Paris, London and Berlin", "Python, Java and Rust").
LIST_NAME_SCORE = FULL_NAME_SCORE
_CAP_WORD = rf"(?=[{_UPPER}]){_WORD}"
_ITEM = rf"{_CAP_WORD}(?:[ \t]+(?:(?:de|da|do|dos|del|van|von|der|den|di|la|le)[ \t]+)?{_CAP_WORD}){{0,2}}"
_CONJUNCTION = r"(?:and|y|e|et|und|en|&|or|o|ou|oder|of|i)"
# At most ``_LIST_ITEMS`` items before the conjunction: a long comma list with no conjunction after it
# ("Austin, TX, Austin, TX, …") made the engine read the rest of the list from every item before
# failing — quadratic, ten minutes on 220 kB. Bounded, each start reads a bounded stretch.
_LIST_ITEMS = 30
_NAME_LIST_RE = re.compile(
    rf"(?<![\w'’-])(?P<items>{_ITEM}(?:[ \t]*[,;][ \t]*{_ITEM}){{0,{_LIST_ITEMS}}}"
    rf"(?:[ \t]*,?[ \t]+{_CONJUNCTION}[ \t]+{_ITEM}))(?![\w'’-])"
)
_LIST_LABEL_RE = re.compile(
    r"(?i:cc|bcc|to|attendees|participants|participantes|presentes|teilnehmer|teilnehmende|aanwezig|aanwezigen"
    r"|présents|presenti|partecipanti|invitados|convidados)[ \t]*:[ \t]*"
    rf"(?P<items>{_ITEM}(?:[ \t]*[,;][ \t]*{_ITEM}){{0,{_LIST_ITEMS}}}(?:[ \t]*,?[ \t]+{_CONJUNCTION}[ \t]+{_ITEM})?)"
)
_ITEM_SPLIT_RE = re.compile(rf"[ \t]*[,;][ \t]*|[ \t]+{_CONJUNCTION}[ \t]+")
_LIST_QUICK_RE = re.compile(rf"[,;:][ \t]*[{_UPPER}]|[ \t]{_CONJUNCTION}[ \t]+[{_UPPER}]")


def _list_items(text: str, start: int, items: str) -> list[tuple[int, int, list[str]]]:
    out, pos = [], 0
    for sep in [*_ITEM_SPLIT_RE.finditer(items), None]:
        end = sep.start() if sep is not None else len(items)
        value = items[pos:end]
        out.append((start + pos, start + end, value.split()))
        pos = sep.end() if sep is not None else end
    return out


def _person_item(words: list[str]) -> bool:
    if not words or not all(w[0].isupper() or w.lower() in _PARTICLES for w in words):
        return False
    firsts = first_names()
    for w in words:
        lower = w.lower()
        if w[0].isupper() and (
            lower in NOT_NAMES or lower in _NOT_SURNAMES or (lower in _COMMON and lower not in firsts)
        ):
            return False
    value = " ".join(words)
    return value not in _places().names and value not in known_companies().names


def recognize_name_list(text: str) -> list[Finding]:
    found: list[Finding] = []
    firsts = first_names()
    # A list needs two runs of capitalised words, one starting with a known first name (the runs
    # are cached: the full-name recognizer has just read them).
    runs = capitalised_runs(text)
    if len(runs) < 2 or not any(run[0][2].lower() in firsts for run in runs) or not _LIST_QUICK_RE.search(text):
        return found
    for pattern, labelled in ((_LIST_LABEL_RE, True), (_NAME_LIST_RE, False)):
        for m in pattern.finditer(text):
            items = _list_items(text, m.start("items"), m.group("items"))
            if len(items) < 2 or not all(_person_item(words) for _, _, words in items):
                continue
            known = sum(
                words[0].lower() in firsts and words[0].lower() not in WORDLIKE_FIRST_NAMES for _, _, words in items
            )
            if known < (1 if labelled else (len(items) + 1) // 2 + (len(items) == 2)):
                continue
            found.extend(Finding(PERSON, lo, hi, LIST_NAME_SCORE, "name_list") for lo, hi, _ in items)
    return found


# "Stefan says the dashboard is empty", "Asanti Nazari asked me to…", "o Marco falou que…", "Amahle
# Thole vroeg of…": a name opening a sentence, before a verb that takes a person as its subject.
# NER skips a lone capitalised sentence opener unless it is a known first name (ner_windows), and
# misses names outside English.
_SAYS = (
    r"says|said|asked|asks|told|tells|wants|wanted|wrote|writes|thinks|mentioned|called|emailed|replied|confirmed"
    r"|dice|dijo|pidió|pide|quiere|escribió|comentó|disse|diz|falou|pediu|quer|escreveu|comentou|dit|a dit|veut"
    r"|demande|m'a demandé|m’a demandé|a demandé|a écrit|pense|sagt|hat gesagt|hat gefragt|fragt|meint|schreibt"
    r"|hat geschrieben|ha detto|mi ha chiesto|ha chiesto|vuole|chiede|ha scritto|pensa|zegt|vroeg|wil|schreef"
    r"|heeft gezegd|heeft gevraagd"
)
# Verbs that take anything as their subject ("Scott is a very patient person", "Jacob lives on
# Elm Street", "Asya spent a year at…", but also "Billing is down"): after them the name must
# start with a known first name that is not also a word.
_IS = (
    r"is|was|has|had|lives|lived|works|worked|spent|went|got|will|would|can|could|did|does|needs|needed"
    r"|es|está|era|fue|vive|trabaja|é|foi|mora|trabalha|est|était|habite|travaille|ist|war|wohnt|arbeitet"
    r"|è|era|lavora|woont|werkt"
)
# Matched at each sentence start only (the text's start, or after . ! ? or a line break, then
# blanks): searching the whole text tried the sentence-start test at every character.
_SENTENCE_END_RE = re.compile(r"[.!?\n]")
_SAYS_RE = re.compile(
    rf"[ \t]*(?:(?i:o|a|el|la|il|der|die|le)[ \t]+)?"
    rf"(?P<name>{_CAP_WORD}(?:[ \t]+{_CAP_WORD}){{0,2}})[ \t]+"
    rf"(?:(?:(?i:me|mi|m'|m’|mir|mij)[ \t]*)?(?i:{_SAYS})|(?P<is>(?i:{_IS})))(?![\w'’])"
)
# The last word of each verb phrase ("dit" of "a dit", "chiesto" of "mi ha chiesto"): a set check
# before the regex.
_SAYS_WORDS = frozenset(phrase.split()[-1].replace("m'", "").replace("m’", "") for phrase in _SAYS.split("|"))
# "is", "was", "has" are in most English texts: after them the regex only runs when a capitalised
# word of the text is a known first name (the capitalised words are cached per text).
_IS_WORDS = frozenset(_IS.split("|"))


def recognize_name_says(text: str) -> list[Finding]:
    found: list[Finding] = []
    lowered_words = lower_words(text)
    if _SAYS_WORDS.isdisjoint(lowered_words) and (
        _IS_WORDS.isdisjoint(lowered_words) or first_names().isdisjoint(map(str.lower, run_words(text)))
    ):
        return found
    starts = [0, *(m.end() for m in _SENTENCE_END_RE.finditer(text))]
    for start in starts:
        m = _SAYS_RE.match(text, start)
        if m is None or (start == 0 and m.start("name") > 0 and text[0] in " \t"):
            continue
        words = m.group("name").split()
        if not _person_item(words):
            continue
        first = words[0].lower()
        if (len(words) == 1 or m.group("is")) and (first not in first_names() or first in WORDLIKE_FIRST_NAMES):
            continue
        if m.group("is") and words[0].isupper():
            continue  # a shouted opener ("KATIE is back"), as ``ner_windows`` treats it
        found.append(Finding(PERSON, m.start("name"), m.end("name"), FULL_NAME_SCORE, "name_says"))
    return found


# A full name typed in lower case ("follow up with patricia desrosiers", "ask maria gonzalez"):
# capitals say nothing, so both words are checked against lists. The first is a known first name
# of four letters or more that is not also a word, in English (``WORDLIKE_FIRST_NAMES``) or in
# another language (frequent in one list, far rarer in another: "linda", "alla", "tanya"); the
# last (after an optional initial with its dot, or a particle) is a listed surname that is not a
# very common word ("smith" yes, "long" no), or a word rare in every language's frequency list
# ("desrosiers", "krylova"; not Indonesian "soal"). A name before a venue word is the venue's ("peter
# luger steakhouse", "edward jones account"), and one with a possessive is a shop ("carl jr's").
_LOWER_WORD = r"[a-zß-öø-ÿāăąćčďđēėęěğīįıķļľłńņňōőœŕřśşšţťūůűųźżž]"
_LOWER_FIRST_RE = re.compile(rf"(?<![\w'’@#.-]){_LOWER_WORD}{{4,}}(?![\w'’@-])")
_LOWER_REST_RE = re.compile(
    rf"(?:[ \t]+(?:{_LOWER_WORD}\.|{_PARTICLE_WORDS}))?[ \t]+(?P<last>{_LOWER_WORD}+(?:['’-]{_LOWER_WORD}+)?)"
    rf"(?![\w'’@-])(?:[ \t]+(?P<after>{_LOWER_WORD}+))?"
)
# The words that end a capitalised full name (``_NOT_SURNAMES``: streets, buildings, companies)
# and the venues people book or name after their founders.
_VENUE_WORDS = _NOT_SURNAMES | word_set(
    """
    steakhouse restaurant grill bar cafe pub pizza pizzeria diner bistro kitchen house inn motel arena stadium
    library beach island mountain forest national blvd account card fund funds
    """
)
LOWER_NAME_SCORE = 0.8
# Our languages' word lists (wordfreq, via ``apps.nlp.word_frequencies``), and where a word stops
# being rare in every list (log10 frequency; the lists stop at -6) or is too common in ours to be
# taken as a surname.
# English first and Dutch last: ``entity_rules`` reads the columns by position.
LEXICON_LANGUAGES = ("en", "es", "pt", "fr", "de", "it", "nl")
RARE_WORD_BELOW = -5.7
COMMON_WORD_FROM = -3.9
# A first name is also a word when it is frequent (from ``WORD_FIRST_NAME_FROM``) in some language
# of the lists and far rarer (``WORD_FIRST_NAME_SPREAD`` log10 units or more) in one of ours: a
# name is about as common everywhere ("maria" -3.8 to -4.65, "john" -3.6 to -4.15), a word is not
# ("linda", Portuguese "pretty", -4.0 against French -5.3; "alla" -2.45 in Italian, absent in
# English; Indonesian "tanya", "ask").
WORD_FIRST_NAME_FROM = -4.6
WORD_FIRST_NAME_SPREAD = 1.0
_UNLISTED = -6.5


def recognize_lowercase_name(text: str) -> list[Finding]:
    firsts = first_names()
    wanted = frozenset(
        w
        for w in lower_words(text) & firsts  # a C-level intersection: most texts have no first name
        if len(w) >= 4 and w not in WORDLIKE_FIRST_NAMES and w not in _COMMON and w not in NOT_NAMES
    )
    if not wanted or not any(w in text for w in wanted):
        return []
    candidates: list[tuple[int, int, str, str]] = []
    for m in _LOWER_FIRST_RE.finditer(text):
        if m.group() not in wanted:
            continue
        rest = _LOWER_REST_RE.match(text, m.end())
        if rest is None or rest.group("after") in _VENUE_WORDS:
            continue
        last = rest.group("last").replace("’", "'")
        if len(last) < 3 or last.endswith("'s") or last in _COMMON or last in NOT_NAMES or last in _VENUE_WORDS:
            continue
        if last in firsts and last not in surnames():
            continue
        candidates.append((m.start(), rest.end("last"), m.group(), last))
    if not candidates:
        return []
    # Every word's frequencies in one lookup per language (a long text of names stays linear).
    words = sorted({word for _, _, first, last in candidates for word in (first, last)})
    languages = word_languages()
    table = word_frequencies(words, languages)
    ours = table[:, [languages.index(code) for code in LEXICON_LANGUAGES]]
    highest = np.where(np.isnan(table), -np.inf, table).max(axis=1)
    highest_ours = np.where(np.isnan(ours), -np.inf, ours).max(axis=1)
    lowest_ours = np.where(np.isnan(ours), _UNLISTED, ours).min(axis=1)
    row = {word: k for k, word in enumerate(words)}
    found: list[Finding] = []
    for start, end, first, last in candidates:
        k, f = row[last], row[first]
        listed = last in surnames() and highest_ours[k] < COMMON_WORD_FROM
        # not listed: rare in every language of the lists, not only ours ("tanya soal" is Indonesian)
        if not listed and highest[k] >= RARE_WORD_BELOW:
            continue
        if highest[f] >= WORD_FIRST_NAME_FROM and highest[f] - lowest_ours[f] > WORD_FIRST_NAME_SPREAD:
            continue  # the first name is a word in some language
        found.append(Finding(PERSON, start, end, LOWER_NAME_SCORE, "lowercase_name"))
    return found


_DATA_DIR = Path(__file__).resolve().parents[1] / "data"


def _places() -> NameList:
    return name_list(_DATA_DIR / "places.txt")


# Names written in their own script inside a message in a Latin-script language ("Thanks 淳!", "My
# colleague Всеволод will call you", "Can I speak to 김경자?", "Ask مُنذر about it"): the English
# NER model knows no other script, and the Latin-script rules see no capital. In a mostly Latin
# message a short run of another script's words is a name far more often than anything else;
# in Cyrillic and Greek every word must be capitalised (not all capitals: addresses shout their
# towns), so a quoted word ("привет means hi") is not one. Messages written in those scripts
# are left to their own rules.
FOREIGN_SCRIPT_NAME_SCORE = 0.8
_FOREIGN_SCRIPT_RE = re.compile(
    # Cyrillic and Greek: one to three capitalised words.
    r"(?<![\w'’-])(?:[А-ЯЁЄІЇҐЎ][а-яёєіїґў'’-]+(?:[ \t]+[А-ЯЁЄІЇҐЎ][а-яёєіїґў'’-]+){0,2}"
    r"|[Α-ΩΆΈΉΊΌΎΏ][α-ωάέήίόύώϊϋΐΰς]+(?:[ \t]+[Α-ΩΆΈΉΊΌΎΏ][α-ωάέήίόύώϊϋΐΰς]+){0,2}"
    # Arabic (harakat included) and Devanagari (vowel signs included): one to four words.
    r"|[\u0620-\u064a\u064b-\u065f\u0670-\u06d3]+(?:[ \t]+[\u0620-\u064a\u064b-\u065f\u0670-\u06d3]+){0,3}"
    r"|[\u0900-\u0963\u0966-\u097f’]+(?:[ \t]+[\u0900-\u0963\u0966-\u097f’]+){0,2}"
    # Han, kana and Hangul: one to four characters, a space allowed between family and given name.
    r"|[\u3041-\u3096\u30a1-\u30fa\u30fc\u4e00-\u9fff]{1,4}(?:[ \t][\u3041-\u3096\u30a1-\u30fa\u4e00-\u9fff]{1,3})?"
    r"|[\uac00-\ud7af]{2,4}(?:[ \t][\uac00-\ud7af]{1,3})?)(?![\w'’-])"
)
_NON_LATIN_QUICK_RE = re.compile(
    r"[\u0370-\u03ff\u0400-\u04ff\u0600-\u06ff\u0900-\u097f\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]"
)
# A Latin word with a lower-case letter: "ORD" of an order id in "我的订单 ORD-123 在哪里" is none.
_LATIN_WORD_RE = re.compile(r"(?<![A-Za-zÀ-ÖØ-öø-ÿ])[A-Za-zÀ-ÖØ-öø-ÿ]*[a-zß-öø-ÿ][A-Za-zÀ-ÖØ-öø-ÿ]*")
# Greetings and thanks typed in their script inside a Latin message ("ok 谢谢", "Спасибо, got it").
_FOREIGN_CHAT_WORDS = word_set(
    """
    谢谢 謝謝 你好 好的 没有 是的 对 ありがとう こんにちは はい いいえ 안녕 안녕하세요 감사합니다 네 아니요
    Спасибо Привет Пока Да Нет Дякую Привіт Ευχαριστώ Γεια Ναι Όχι شكرا مرحبا نعم لا धन्यवाद नमस्ते हाँ नहीं
    """
)
_FOREIGN_RUN_MAX_CHARS = 40


def recognize_foreign_script_names(text: str) -> list[Finding]:
    found: list[Finding] = []
    if text.isascii() or _NON_LATIN_QUICK_RE.search(text) is None:
        return found
    runs = [m for m in _FOREIGN_SCRIPT_RE.finditer(text) if len(m.group()) <= _FOREIGN_RUN_MAX_CHARS]
    if not runs or len(runs) > 2 or not any(len(w) > 1 for w in _LATIN_WORD_RE.findall(text)):
        return found
    # Every letter of the other script is in the runs: a message written in it, or quoting a
    # sentence of it, has more (and its lower-case words).
    if sum(len(_NON_LATIN_QUICK_RE.findall(m.group())) for m in runs) < len(_NON_LATIN_QUICK_RE.findall(text)):
        return found
    for m in runs:
        # A lone kana is a smiley ("ツ"); a lone Han character can be a given name ("淳").
        if m.group() not in _FOREIGN_CHAT_WORDS and not (len(m.group()) == 1 and "\u3041" <= m.group() <= "\u30fa"):
            found.append(Finding(PERSON, m.start(), m.end(), FOREIGN_SCRIPT_NAME_SCORE, "foreign_script_name"))
    return found


# A single unknown name in a slot only a person fills, where the lists cannot help ("Tomomi lives on
# Via dei Fiorentini 17", "Alvir spent a year at…", "said Maslin to Antonio", "Why is Glyceria so
# impulsive?", "Warrane, can I please speak to your boss?"): the word is capitalised, not a common
# or UI word, a listed place or a listed company.
PERSON_SLOT_SCORE = 0.86  # above NER (0.85), which calls unknown names places
_PERSON_SLOT_RE = re.compile(
    rf"(?:(?:^|(?<=[.!?]\s)|(?<=\n))(?P<subject>[{_UPPER}][a-zß-öø-ÿ'’]+)[ \t]+(?:lives|lived|spent[ \t]+(?:a|an|one|two|three|\d+)"
    r"[ \t]+(?:year|years|month|months|week|weeks)|was[ \t]+born|grew[ \t]+up|had[ \t]+given|has[ \t]+given|emailed|texted"
    r"|replied|told[ \t]+me|asked[ \t]+me)\b"
    rf"|\b(?:said|says|asked|whispered|shouted|replied)[ \t]+(?P<speaker>[{_UPPER}][a-zß-öø-ÿ'’]+)[ \t]+to[ \t]+"
    rf"(?P<listener>[{_UPPER}][a-zß-öø-ÿ'’]+)\b"
    rf"|\bWhy[ \t]+(?:is|was|does|did)[ \t]+(?P<why>[{_UPPER}][a-zß-öø-ÿ'’]+)[ \t]+(?:so|always|never|still)\b"
    rf"|(?:^|(?<=\n))(?P<vocative>[{_UPPER}][a-zß-öø-ÿ'’]+),[ \t]+(?:can|could|would|will)[ \t]+(?:I|you)\b)",
    re.MULTILINE,
)
# The verbs of the slots; "Why" and a vocative's modal are looked for as written (", can I" is
# rare, "can" everywhere).
_PERSON_SLOT_VERBS = word_set(
    "lives lived spent born grew given emailed texted replied told asked said says whispered shouted"
)
_VOCATIVE_QUICK_RE = re.compile(r", (?:can|could|would|will) (?:I|you)\b")


_SLOT_EVERYDAY_FROM = -5.0  # log10 frequency


def _everyday_in_any_language(word: str) -> bool:
    frequencies = word_frequencies([word], LEXICON_LANGUAGES)[0]
    return bool(np.nan_to_num(frequencies, nan=-99.0).max() >= _SLOT_EVERYDAY_FROM)


def recognize_person_slots(text: str) -> list[Finding]:
    found: list[Finding] = []
    if (
        _PERSON_SLOT_VERBS.isdisjoint(lower_words(text))
        and "Why " not in text
        and (", " not in text or _VOCATIVE_QUICK_RE.search(text) is None)
    ):
        return found
    places, companies = _places().names, known_companies().names
    for m in _PERSON_SLOT_RE.finditer(text):
        for group in ("subject", "speaker", "listener", "why", "vocative"):
            word = m.group(group)
            if word is None:
                continue
            lower = word.lower()
            if lower in NOT_NAMES or lower in COMMON_WORDS or word in places or word in companies:
                continue
            # An everyday word of one of our languages that is no listed first name is a greeting or
            # an addressee ("Hola, can you…", "Guys, can you…", "Bonjour, could you…").
            if lower not in first_names() and _everyday_in_any_language(lower):
                continue
            found.append(Finding(PERSON, m.start(group), m.end(group), PERSON_SLOT_SCORE, "person_slot"))
    return found


# "My name is …" in the non-Latin-script languages we serve, whose messages no other name rule reads
# (the English NER model and the capitalisation rules know only Latin script): Russian "меня зовут
# Иван Петров", Ukrainian "мене звати Ольга", Greek "με λένε Γιώργος", Chinese "我叫王伟", Japanese
# "私の名前は田中です" / "田中と申します", Korean "제 이름은 김민준입니다", Arabic "اسمي أحمد علي", Hindi
# "मेरा नाम राहुल शर्मा है". The name is what the phrase frames: capitalised words in Cyrillic and
# Greek, the Han/kana/Hangul run before the copula or up to punctuation, the words before "है".
NATIVE_CUE_SCORE = 0.9
_CYRILLIC_NAME = r"[А-ЯЁЄІЇҐ][а-яёєіїґ'’-]+(?:[ \t]+[А-ЯЁЄІЇҐ][а-яёєіїґ'’-]+){0,2}"
_GREEK_NAME = r"[Α-ΩΆΈΉΊΌΎΏ][α-ωάέήίόύώϊϋΐΰς]+(?:[ \t]+[Α-ΩΆΈΉΊΌΎΏ][α-ωάέήίόύώϊϋΐΰς]+){0,2}"
_ARABIC_WORD = r"[\u0620-\u064a\u064b-\u065f\u0670-\u06d3]+"
_DEVANAGARI_WORD = r"[\u0900-\u0963\u0966-\u097f]+"
_NATIVE_NAME_RES = (
    re.compile(
        rf"(?i:меня[ \t]+зовут|мо[её][ \t]+имя|мене[ \t]+звати|моє[ \t]+ім['’]я)[ \t]*[:—-]?[ \t]*(?P<name>{_CYRILLIC_NAME})"
    ),
    re.compile(rf"(?i:με[ \t]+λένε|ονομάζομαι|το[ \t]+όνομά[ \t]+μου[ \t]+είναι)[ \t]*(?P<name>{_GREEK_NAME})"),
    # Not "我叫了出租车" (I called a taxi): the name starts with no particle and ends the clause.
    re.compile(r"(?:我叫|我的名字是|我的名字叫)(?P<name>(?![了过着去来到])[\u4e00-\u9fff]{2,3})(?![\u4e00-\u9fff])"),
    # "私は学生です" is "I am a student": only "my name is" frames a name before です.
    re.compile(
        r"(?:私の名前は|わたしの名前は|僕の名前は)(?P<name>[\u3041-\u3096\u30a1-\u30fa\u4e00-\u9fff]{1,6}?)です"
    ),
    re.compile(r"(?:^|[。、\s])(?P<name>[\u30a1-\u30fa\u4e00-\u9fff]{1,6}?)(?:と申します|といいます)"),
    # "저는 학생입니다" is "I am a student": "저는" frames a name only before "…(이)라고 합니다".
    re.compile(r"제[ \t]*이름은[ \t]*(?P<name>[\uac00-\ud7af]{2,4}?)(?:입니다|이에요|예요|이라고|라고)"),
    re.compile(r"저는[ \t]*(?P<name>[\uac00-\ud7af]{2,4}?)(?:이라고|라고)[ \t]*합니다"),
    re.compile(rf"اسمي[ \t]+(?P<name>{_ARABIC_WORD}(?:[ \t]+{_ARABIC_WORD}){{0,2}})"),
    re.compile(rf"मेरा[ \t]+नाम[ \t]+(?P<name>{_DEVANAGARI_WORD}(?:[ \t]+{_DEVANAGARI_WORD}){{0,2}}?)[ \t]+(?:है|हैं)"),
)
_NATIVE_CUE_QUICK_RE = re.compile(
    r"зовут|имя|звати|ім['’]я|λένε|ονομάζομαι|όνομά|我叫|名字|名前|申します|いいます|이름|저는|اسمي|नाम",
    re.I,
)


def recognize_native_cued_names(text: str) -> list[Finding]:
    found: list[Finding] = []
    if text.isascii() or _NATIVE_CUE_QUICK_RE.search(text) is None:
        return found
    for regex in _NATIVE_NAME_RES:
        for m in regex.finditer(text):
            found.append(Finding(PERSON, m.start("name"), m.end("name"), NATIVE_CUE_SCORE, "native_cued_name"))
    return found


# A surname or a full name after a title or form of address: "Hr. Schneider", "Fr. Öztürk", "Sr.
# Domínguez", "meneer De Vries", "sig. Gavino Piras", and typed in lower case after a lower-case
# title ("mr. delgado", "m. benali"). The title is no part of the name. A capital "M." is left
# alone (as often an initial), and so is "Don" (as often a first name).
TITLED_NAME_SCORE = 0.87
_POSSESSIVE_TAIL_RE = re.compile(r"['’]s\b.*\Z", re.DOTALL)
_WORD_BEFORE_RE = re.compile(r"([^\W\d_]+)[ \t]+\Z")
_TITLE_ABBREVIATIONS = (
    "mr|mrs|ms|mx|dr|dra|prof|hr|fr|sr|sra|srta|dña|sig|sig\\.ra|dott|dott\\.ssa|avv|ing|mme|mlle|dhr|mevr|mw"
)
_TITLE_WORDS_WRITTEN = "miss|herr|herrn|frau|señor|señora|doña|signor|signora|monsieur|madame|meneer|mevrouw"
_TITLE_CUES = word_set((_TITLE_ABBREVIATIONS + "|" + _TITLE_WORDS_WRITTEN + "|m").replace("\\.", ".").replace("|", " "))
# Any capitalised word: "McCray", "DeVries", "SMITH" after a title are names as much as "Smith".
_TITLED_WORD = rf"[{_UPPER}][^\W\d_]*(?:['’-][^\W\d_]+)*"
_PARTICLE = r"(?:de|van|von|der|den|da|di|del|la|le|du|dos|das|do|ter|ten)"
_TITLED_RE = re.compile(
    rf"(?<![\w.])(?P<title>(?i:(?:{_TITLE_ABBREVIATIONS})\.|{_TITLE_WORDS_WRITTEN}|(?-i:m\.)))[ \t]+"
    rf"(?:(?P<name>{_TITLED_WORD}(?:[ \t]+(?:{_PARTICLE}[ \t]+){{0,2}}{_TITLED_WORD}){{0,2}})"
    r"|(?P<lower>[^\W\d_A-Z][^\W\d_]{2,}(?:[ \t]+[^\W\d_A-Z][^\W\d_]{2,})?))(?![\w'’-])"
)
# Lower-case words after a title: a name only when rare in every language we serve ("mr. delgado",
# not "mr. right", "m. le directeur") or a listed surname that is no common word.
_TITLED_LOWER_RARE_BELOW = -5.0


def recognize_titled_names(text: str) -> list[Finding]:
    if _TITLE_CUES.isdisjoint(lower_words(text)):
        return []
    found: list[Finding] = []
    for m in _TITLED_RE.finditer(text):
        if m.group("name") is not None:
            # A possessive ends the name ("Dr. Whitaker's office", "Mr. Abdullah's MRI").
            name = _POSSESSIVE_TAIL_RE.sub("", m.group("name"))
            words = name.split()
            if not words or all(w.lower() in NOT_NAMES or w.lower() in _COMMON for w in words):
                continue
            start = m.start("name")
            found.append(Finding(PERSON, start, start + len(name), TITLED_NAME_SCORE, "titled_name"))
            continue
        if not m.group("title").islower():
            continue  # "Mr. delgado": a capital title before a lower-case word is no typed-lower name
        if (
            m.group("title") == "m."
            and (before := _WORD_BEFORE_RE.search(text, max(0, m.start() - 40), m.start()))
            and before.group(1).lower() in first_names()
        ):
            continue  # "bertram m. jørgensen": a middle initial
        typed = list(re.finditer(r"\S+", m.group("lower")))
        frequencies = word_frequencies([w.group() for w in typed], LEXICON_LANGUAGES)
        common = np.where(np.isnan(frequencies), -np.inf, frequencies).max(axis=1) >= _TITLED_LOWER_RARE_BELOW
        end = None
        for typed_word, is_common in zip(typed, common, strict=True):
            value = typed_word.group()
            if value in _COMMON or value in NOT_NAMES or (is_common and value not in surnames()):
                break
            end = m.start("lower") + typed_word.end()
        if end is not None:
            found.append(Finding(PERSON, m.start("lower"), end, TITLED_NAME_SCORE, "titled_name"))
    return found
