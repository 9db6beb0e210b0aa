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
