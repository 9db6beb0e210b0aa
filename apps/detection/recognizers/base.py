"""What every recognizer family shares: the score threshold, the recognizer type, small text helpers."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from functools import lru_cache

from apps.detection.findings import Finding

MIN_SCORE = 0.5

Recognizer = Callable[[str], list[Finding]]

DIGIT_RE = re.compile(r"\d")
_ASCII_DIGIT_RE = re.compile("[0-9]")
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


def word_set(spaced: str) -> frozenset[str]:
    """The whitespace-separated words of a word list written as one string."""
    return frozenset(spaced.split())


def unaccented(value: str) -> str:
    """``value`` without combining marks: letters that decompose (é, ã, ç, ü) lose them, others
    (ß, ø, ł) stay as they are."""
    return "".join(c for c in unicodedata.normalize("NFKD", value) if not unicodedata.combining(c))


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
    if text.isascii():  # then str.isdigit and \d both mean 0-9, and the engine counts them faster
        return len(_ASCII_DIGIT_RE.findall(text))
    return sum(map(str.isdigit, text))


@lru_cache(maxsize=_TEXT_CACHE)
def longest_word(text: str) -> int:
    """Length of the longest whitespace-separated chunk: a token of N characters drawn from a class
    without whitespace (keys, tokens, digit runs) needs a chunk at least N long."""
    return max(map(len, text.split()), default=0)


_Trie = dict[str, "_Trie"]


def literal_alternation(words: Iterable[str]) -> str:
    """A regex matching exactly the strings ``words`` (each escaped), as a trie: "call me|cc" becomes
    "c(?:all\\ me|c)". A flat alternation of N literals tries all N at every position where one of
    their first letters stands; the trie tries one branch per letter, so a search for any of forty
    cue phrases costs ~1.3 instead of ~3 µs on a chat message. For ``search`` as a yes/no pre-check
    only: alternatives come in sorted order, not in the order given, so where one word is a prefix of
    another the match may differ in length from the flat alternation's (its position does not)."""
    trie: _Trie = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: _Trie) -> str:
        branches = [re.escape(char) + build(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = "|".join(branches)
        if "" in node:  # a word ends here and longer ones go on
            return f"(?:{body})?"
        return body if len(branches) == 1 else f"(?:{body})"

    return build(trie)
