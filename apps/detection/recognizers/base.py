"""What every recognizer family shares: the score threshold, the recognizer type, small text helpers."""

from __future__ import annotations

import re
from collections.abc import Callable

from apps.detection.findings import Finding

MIN_SCORE = 0.5

Recognizer = Callable[[str], list[Finding]]

DIGIT_RE = re.compile(r"\d")
_NON_ALNUM = re.compile(r"[^0-9A-Za-z]")


def digits_of(value: str) -> str:
    return re.sub(r"\D", "", value)


def compact(value: str) -> str:
    return _NON_ALNUM.sub("", value).upper()


def lower_words(text: str) -> set[str]:
    """The lowercased whitespace-separated words of ``text`` with edge punctuation split off.

    A cheap pre-check for recognizers that need a cue word: a set intersection costs about a
    microsecond, where running their regexes over every message costs ten.
    """
    lowered = text.lower()
    for mark in ',.;:!?()"':
        lowered = lowered.replace(mark, " ")
    return set(lowered.split())
