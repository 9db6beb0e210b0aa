"""What every recognizer family shares: the score threshold, the recognizer type, small text helpers."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from apps.detection.findings import Finding

MIN_SCORE = 0.5

Recognizer = Callable[[str], list[Finding]]

DIGIT_RE = re.compile(r"\d")
_NON_ALNUM = re.compile(r"[^0-9A-Za-z]")


def digits_of(value: str) -> str:
    return re.sub(r"\D", "", value)


def compact(value: str) -> str:
    return _NON_ALNUM.sub("", value).upper()


# The per-text helpers below are shared prefilters: every recognizer runs on the same text one
# after the other (``recognize_patterns``), so each is computed once per text and the next
# recognizer reads it back. A few entries are enough; the cache never holds more than the last
# texts scanned.
_TEXT_CACHE = 4


@lru_cache(maxsize=_TEXT_CACHE)
def lower_words(text: str) -> frozenset[str]:
    """The lowercased whitespace-separated words of ``text`` with edge punctuation split off.

    A cheap pre-check for recognizers that need a cue word: a set intersection costs about a
    microsecond, where running their regexes over every message costs ten.
    """
    low = text.lower()
    for mark in ',.;:!?()"':  # nine replaces: twice as fast as one str.translate
        low = low.replace(mark, " ")
    return frozenset(low.split())


# str.lower() differs from how the regex engine compares letters under re.IGNORECASE in three
# characters: "İ" lowers to "i" plus a combining dot (the engine: "i"), and the engine also takes
# dotless "ı" for "i" and the long "ſ" for "s". Mapping them makes a literal search in
# ``lowered(text)`` find everything a case-insensitive regex finds (tests/detection/test_prefilters.py
# checks every code point).
_REGEX_CASE = str.maketrans({"ı": "i", "ſ": "s", "\u0307": None})


@lru_cache(maxsize=_TEXT_CACHE)
def lowered(text: str) -> str:
    """``text`` lowercased so that a case-sensitive search for a lowercase literal in it finds
    every place where a case-insensitive regex would match that literal (perhaps more: never
    fewer). Offsets may differ from ``text``'s: for prefilters only, not for spans."""
    low = text.lower()
    return low if low.isascii() else low.translate(_REGEX_CASE)


@lru_cache(maxsize=_TEXT_CACHE)
def digit_count(text: str) -> int:
    """Characters of ``text`` for which ``str.isdigit`` holds: at least as many as ``\\d`` matches."""
    return sum(map(str.isdigit, text))


@lru_cache(maxsize=_TEXT_CACHE)
def longest_word(text: str) -> int:
    """Length of the longest whitespace-separated chunk: a token of N characters drawn from a class
    without whitespace (keys, tokens, digit runs) needs a chunk at least N long."""
    return max(map(len, text.split()), default=0)
