"""A second opinion between close languages: Norwegian/Danish/Swedish,
Czech/Slovak/Croatian/Slovene, Spanish/Portuguese/Catalan, Russian/Ukrainian/Bulgarian/Macedonian.

General identifiers confuse these on a few words (on our public held-out fragments, a sixth of
three-to-seven-word Norwegian fragments were called Danish). When the first answer falls in one
of these groups, only the group's members are weighed again, with two signals the first pass
lacks or under-weights:

* **word frequencies** of each member (``data/language_words.npz``, built from the
  ``wordfreq`` package by ``scripts/nlp_build_language_words.py``): every word known to at least
  one member adds its log10 frequency in each member, ``FLOOR`` where a member lacks it. This is
  where "ikkje"/"ikke"/"inte", "hva"/"hvad", "av"/"af", "čo"/"co" and thousands of subtler
  spellings (-sjon/-tion, æ/ä, ř/ŕ) weigh in;
* **Lingua** (high accuracy) restricted to the group's members, whose confidence (natural log)
  is added: it covers words outside the lists through character n-grams. It is asked only when
  the words leave the members closer than ``WORDS_DECISIVE``.

Norwegian is written in two standards and wordfreq and Lingua's Bokmål model know only the
first: Nynorsk word frequencies (``data/language_nordic.npz``, from the Norwegian Dependency
Treebank's train split, ``scripts/nlp_build_language_nordic.py``) are mixed into Norwegian's
column and Lingua's Nynorsk model counts for Norwegian too. The same file lists Norwegian
infinitives: after "at" one is Danish ("har at holde"; Norwegian says "har å holde"). A Nordic
word no list has counts its two listed parts, if it splits into some ("kildesorteret":
"kilde" + Danish "sorteret").

A user's locale, when the caller knows it and it names a member of the group, adds
``LOCALE_PRIOR`` to that member: enough to settle a near tie, not to overrule evidence.
Weights were chosen on the even lines of Lingua's public test sentences (fragments of 3-7
words, word pairs, whole sentences); see docs/nlp.md for the held-out figures.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

DATA = Path(__file__).parent / "data" / "language_words.npz"
NORDIC = Path(__file__).parent / "data" / "language_nordic.npz"

# Each group is weighed as a whole; a language belongs to at most one.
# Czech typed without diacritics ("zkusime to nastavit") is often called Croatian or Slovene
# first, so the Latin-script Slavic languages form one group (Czech on the tuning fragments
# 0.894 -> 0.898, Croatian and Slovene up too; separate cs/sk and hr/sl groups before).
# Cyrillic: Russian and Ukrainian fragments were called each other or Bulgarian ("а ти де" ->
# bg); with the group, tuning fragments ru 0.968 -> 0.986, uk 0.952 -> 0.988.
GROUPS: tuple[tuple[str, ...], ...] = (
    ("no", "da", "sv"),
    ("cs", "sk", "hr", "sl"),
    ("es", "pt", "ca"),
    ("ru", "uk", "bg", "mk"),
)
GROUP_OF: dict[str, tuple[str, ...]] = {code: group for group in GROUPS for code in group}
# Lingua's languages per code; a code's confidence is its best model's (Norwegian: Bokmål or
# Nynorsk). Summing the two instead tilts every near tie to Norwegian (tuning fragments: no
# 0.886 -> 0.940, da 0.896 -> 0.834); the best of the two gives no 0.904, da 0.892, and Nynorsk
# fragments ("Han vart fødd som", "Dikta brukar stemmene deira") go 0.842 -> 0.882.
_LINGUA_NAMES: dict[str, tuple[str, ...]] = {
    "no": ("BOKMAL", "NYNORSK"),
    "da": ("DANISH",),
    "sv": ("SWEDISH",),
    "cs": ("CZECH",),
    "sk": ("SLOVAK",),
    "es": ("SPANISH",),
    "pt": ("PORTUGUESE",),
    "ca": ("CATALAN",),
    "hr": ("CROATIAN",),
    "sl": ("SLOVENE",),
    "ru": ("RUSSIAN",),
    "uk": ("UKRAINIAN",),
    "bg": ("BULGARIAN",),
    "mk": ("MACEDONIAN",),
}
# log10 frequency of a word a member lacks while another member has it: a bit below the lists'
# cut (1e-6). -6.5 and -8 measured the same on the tuning lines; -7 sits between.
FLOOR = -7.0
# Weight of the word score against Lingua's log-confidence: 0.5-2 measured within 0.2 points.
WORD_WEIGHT = 1.0
# Bonus for the member the user's locale names (score units: one word ten times likelier).
LOCALE_PRIOR = 1.0
# A word-score lead (log10 units) past which Lingua is not asked: on the tuning lines 3, 5 and 8
# gave the same accuracy as always asking, and 3 spares Lingua for most sentences.
WORDS_DECISIVE = 3.0
# Lingua's thread pool pays only for batches of at least this many texts.
PARALLEL_MIN = 16
# Norwegian's word frequency is Bokmål's (wordfreq) and Nynorsk's (treebank) mixed in this share
# of Nynorsk. Nynorsk is ~10-15 % of written Norwegian; on the tuning lines 0.1 and 0.3 gave the
# same Bokmål/Danish figures and 0.3 a little more Nynorsk (fragments 0.910 / 0.914).
NYNORSK_SHARE = 0.3
# Word score (log10 units) Danish gains for each "at" followed by an infinitive. On the tuning
# fragments 1 and 3 fix the same three Danish texts ("For at tvinge England til", "Det var svært
# at forholde") and cost nothing: the smaller one.
AT_INFINITIVE = 1.0
# A Nordic word no list has (compounds: "samfundskritisk", "siktemiddel", "kildesorteret") counts
# its two parts, when both are listed words, each at this weight. Tuning lines (27 languages):
# fragments +3, word pairs +5, sentences +2, all in the group; 1.0 the same (+3 / +6 / +2),
# Lingua's Nynorsk fragments -1 at 0.5, -3 at 1.0. Only words of COMPOUND_CHARS letters or more.
COMPOUND_WEIGHT = 0.5
COMPOUND_CHARS = 8
# Letters that may join the parts ("samfund-s-kritisk", "forberedelse-s-eksamen").
_LINKS = ("s", "e")
_NORDIC = ("no", "da", "sv")
_WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class _WordTable:
    """word -> row; per group, the members' log10 frequencies per row (FLOOR where absent)."""

    rows: dict[str, int]
    # Words typed without their diacritics ("nemuzu", "nao"): the row of the most frequent word
    # that folds to them, for words the table lacks as typed.
    folded: dict[str, int]
    groups: dict[tuple[str, ...], npt.NDArray[np.float32]]
    # Per group: does the row tell the members apart (some member has it, not all equally)?
    informative: dict[tuple[str, ...], npt.NDArray[np.bool_]]
    # Norwegian (Bokmål) infinitives: "at" before one is Danish.
    infinitives: frozenset[str]


@lru_cache(maxsize=1)
def _word_table() -> _WordTable:
    with np.load(DATA) as data:
        languages = [str(code) for code in data["languages"]]
        words = data["words"].tobytes().decode("utf-8").split("\n")
        freq = data["freq"]
        folded_words = data["folded_words"].tobytes().decode("utf-8").split("\n")
        folded_rows = data["folded_rows"]
    with np.load(NORDIC) as data:
        nynorsk_words = data["nynorsk_words"].tobytes().decode("utf-8").split("\n")
        nynorsk_log10 = data["nynorsk_log10"].astype(np.float64)
        infinitives = frozenset(data["infinitives"].tobytes().decode("utf-8").split("\n"))
    rows = dict(zip(words, range(len(words)), strict=True))
    folded = dict(zip(folded_words, folded_rows.tolist(), strict=True))
    # Nynorsk words no list has get rows of their own (FLOOR for every other member), except the
    # 98 that are also a listed word without its accents ("forklarar", "kann"): a row of their
    # own would hide that word from every group.
    new_words = [word for word in nynorsk_words if word not in rows and word not in folded]
    rows.update(zip(new_words, range(len(words), len(words) + len(new_words)), strict=True))
    mixed = [(rows[word], value) for word, value in zip(nynorsk_words, nynorsk_log10, strict=True) if word in rows]
    groups = {}
    informative = {}
    for group in GROUPS:
        codes = freq[:, [languages.index(code) for code in group]]
        present = codes > 0
        log10 = np.where(present, (1.0 - codes.astype(np.float32)) / 20.0, np.float32(FLOOR)).astype(np.float32)
        log10 = np.vstack([log10, np.full((len(new_words), len(group)), FLOOR, dtype=np.float32)])
        present = np.vstack([present, np.zeros((len(new_words), len(group)), dtype=bool)])
        if group == _NORDIC:
            _mix_nynorsk(log10, present, [row for row, _ in mixed], np.array([value for _, value in mixed]))
        groups[group] = log10
        informative[group] = present.any(axis=1) & (log10.max(axis=1) - log10.min(axis=1) > 0.01)
    return _WordTable(rows=rows, folded=folded, groups=groups, informative=informative, infinitives=infinitives)


def _mix_nynorsk(
    log10: npt.NDArray[np.float32], present: npt.NDArray[np.bool_], at: list[int], nynorsk: npt.NDArray[np.float64]
) -> None:
    """Norwegian's column (0) of the Nordic group becomes Bokmål and Nynorsk mixed, in place."""
    column = _NORDIC.index("no")
    bokmal = np.where(present[at, column], 10.0 ** log10[at, column].astype(np.float64), 0.0)
    mixed = np.log10((1.0 - NYNORSK_SHARE) * bokmal + NYNORSK_SHARE * 10.0**nynorsk)
    log10[at, column] = np.maximum(mixed, FLOOR).astype(np.float32)
    present[at, column] = True


@lru_cache(maxsize=1)
def _lingua_detectors() -> dict[tuple[str, ...], tuple[Any, dict[Any, str]]]:
    from lingua import Language, LanguageDetectorBuilder

    detectors = {}
    for group in GROUPS:
        to_code = {getattr(Language, name): code for code in group for name in _LINGUA_NAMES[code]}
        detectors[group] = (LanguageDetectorBuilder.from_languages(*to_code).build(), to_code)
    return detectors


def warm_up() -> None:
    """Load the word tables and Lingua's models of every group member."""
    _word_table()
    for group, (detector, _) in _lingua_detectors().items():
        # One text per member so Lingua loads each member's n-gram models now.
        detector.compute_language_confidence_values_in_parallel([_SAMPLES[code] for code in group] * 8)


_SAMPLES = {
    "no": "jeg vet ikke hva som skjer med kontoen min",
    "da": "jeg ved ikke hvad der sker med min konto",
    "sv": "jag vet inte vad som händer med mitt konto",
    "cs": "nevím, co se děje s mým účtem",
    "sk": "neviem, čo sa deje s mojím účtom",
    "es": "no sé qué pasa con mi cuenta",
    "pt": "não sei o que está acontecendo com a minha conta",
    "ca": "no sé què passa amb el meu compte",
    "hr": "ne znam što se događa s mojim računom",
    "sl": "ne vem, kaj se dogaja z mojim računom",
    "ru": "я не знаю, что происходит с моим счётом",
    "uk": "я не знаю, що відбувається з моїм рахунком",
    "bg": "не знам какво става с моята сметка",
    "mk": "не знам што се случува со мојата сметка",
}


def _word_scores(texts: Sequence[str], group: tuple[str, ...], table: _WordTable) -> list[list[float]]:
    """Per text, the sum over its informative listed words of each member's log10 frequency."""
    rows, folded = table.rows, table.folded
    informative = table.informative[group]
    lowered = [_WORD.findall(text.lower()) for text in texts]
    owners: list[int] = []
    found: list[int] = []
    for k, words in enumerate(lowered):
        for word in words:
            row = rows.get(word, folded.get(word) if word.isascii() else None)
            if row is not None and informative[row]:
                owners.append(k)
                found.append(row)
    # One gather and one unbuffered add for the whole call instead of a fancy index and a sum per
    # text: the same float32 additions in the same order (a text's words in turn), so the same sums.
    sums = np.zeros((len(texts), len(group)), dtype=np.float32)
    if found:
        np.add.at(sums, np.asarray(owners), table.groups[group][found])
    scores: list[list[float]] = sums.tolist()
    if group != _NORDIC:
        return scores
    for words, text_scores in zip(lowered, scores, strict=True):
        _nordic_extras(words, text_scores, table)
    return scores


def _nordic_extras(words: list[str], scores: list[float], table: _WordTable) -> None:
    """Danish "at" + a Bokmål infinitive, and unlisted compounds by their listed parts, in place."""
    rows, folded = table.rows, table.folded
    informative = table.informative[_NORDIC]
    if "at" in words:
        infinitives = table.infinitives
        marked = sum(1 for first, second in itertools.pairwise(words) if first == "at" and second in infinitives)
        scores[_NORDIC.index("da")] += AT_INFINITIVE * marked
    parts = [
        row
        for word in words
        if len(word) >= COMPOUND_CHARS and word not in rows and word not in folded
        for row in _compound_rows(word, rows)
        if informative[row]
    ]
    if parts:
        extra = table.groups[_NORDIC][parts].sum(axis=0)
        for m, v in enumerate(extra.tolist()):
            scores[m] += COMPOUND_WEIGHT * v


def _compound_rows(word: str, rows: dict[str, int]) -> tuple[int, ...]:
    """The rows of a compound's two listed parts, the longest first part that fits; () if none."""
    for cut in range(len(word) - 3, 2, -1):
        tail = rows.get(word[cut:])
        if tail is None:
            continue
        head = word[:cut]
        for candidate in (head, head[:-1] if head.endswith(_LINKS) else ""):
            if len(candidate) >= 3 and (row := rows.get(candidate)) is not None:
                return row, tail
    return ()


def decide_within_groups(
    items: Sequence[tuple[int, str, str]],
    results: list[str | None],
    locales: Sequence[str | None] | None = None,
) -> None:
    """Re-decide ``results[i]`` for each ``(i, text, first answer)`` whose answer is in a group.

    ``locales[i]``, when given, is the language (ISO 639-1) of the user's locale.
    """
    by_group: dict[tuple[str, ...], list[tuple[int, str]]] = {}
    for i, text, first in items:
        group = GROUP_OF.get(first)
        if group is not None:
            by_group.setdefault(group, []).append((i, text))
    if not by_group:
        return
    table = _word_table()
    detectors = _lingua_detectors()
    for group, members in by_group.items():
        words = _word_scores([text for _, text in members], group, table)
        for (i, _), scores in zip(members, words, strict=True):
            locale = locales[i] if locales is not None else None
            if locale is not None and locale in group:
                scores[group.index(locale)] += LOCALE_PRIOR
        # Clear word evidence needs no Lingua pass (most sentences; Lingua costs ~50-100 us).
        unsure = [k for k, scores in enumerate(words) if _margin(scores) < WORDS_DECISIVE]
        for k, scores in enumerate(words):
            if _margin(scores) >= WORDS_DECISIVE:
                results[members[k][0]] = group[scores.index(max(scores))]
        if not unsure:
            continue
        detector, to_code = detectors[group]
        texts = [members[k][1] for k in unsure]
        if len(texts) < PARALLEL_MIN:
            confidences = [detector.compute_language_confidence_values(text) for text in texts]
        else:
            confidences = detector.compute_language_confidence_values_in_parallel(texts)
        for k, values in zip(unsure, confidences, strict=True):
            lingua = dict.fromkeys(group, 0.0)
            for value in values:
                code = to_code[value.language]
                lingua[code] = max(lingua[code], value.value)
            scores = [WORD_WEIGHT * words[k][m] + math.log(max(lingua[code], 1e-9)) for m, code in enumerate(group)]
            results[members[k][0]] = group[scores.index(max(scores))]


def _margin(scores: list[float]) -> float:
    """How far the best member's word score is ahead of the second best."""
    first, second = sorted(scores, reverse=True)[:2]
    return first - second
