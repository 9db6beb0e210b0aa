"""Sentiment of short informal messages in [-1, 1] (en, es, pt, fr, de, it).

A VADER-style lexicon scorer: VADER's maintained English lexicon (read from the
``vadersentiment`` package) plus our hand-written lexicon for Spanish, Portuguese, French,
German and Italian and for support-chat phrases VADER misses ("doesn't work", "not helpful",
``data/sentiment_lexicon_multi.tsv``). VADER's rules are applied in every language: negation in
the three preceding words, boosters ("very", "muy", "sehr"...), ALL-CAPS emphasis, contrast
after "but" ("pero", "mais", "aber"...), exclamation marks, emoji and emoticons, and the same
``x / sqrt(x^2 + 15)`` normalisation, so scores are comparable across languages.

Pure Python and dictionaries: no model, ~10^4-10^5 texts/s. Other languages get 0.0 unless they
use emoji, emoticons or English words (see docs/nlp.md).
"""

from __future__ import annotations

import math
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from apps.nlp.lexicon import NEGATIONS

DATA_DIR = Path(__file__).resolve().parent / "data"
MAX_CHARS = 2000  # sentiment of a 50 kB paste is that of its opening, and costs no more

BOOSTERS = frozenset(
    [
        "very",
        "really",
        "so",
        "extremely",
        "totally",
        "absolutely",
        "too",
        "super",
        "incredibly",
        "completely",
        "muy",
        "muito",
        "tres",
        "vraiment",
        "sehr",
        "echt",
        "total",
        "wirklich",
        "molto",
        "davvero",
        "troppo",
        "tan",
        "tao",
        "bastante",
    ]
)
CONTRAST = frozenset(
    ["but", "however", "pero", "sino", "mas", "porem", "mais", "cependant", "aber", "jedoch", "ma", "pero"]
)
# VADER's constants.
B_INCR = 0.293
C_INCR = 0.733
N_SCALAR = -0.74
ALPHA = 15.0

EMOJI = {
    "😀": 2.0, "😃": 2.0, "😄": 2.2, "😁": 2.0, "😊": 2.2, "🙂": 1.2, "😍": 3.0, "🥰": 3.0,
    "😘": 2.0, "🤩": 2.8, "😎": 1.5, "👍": 1.8, "👏": 2.0, "🙌": 2.0, "🎉": 2.2, "❤": 2.5,
    "💯": 2.0, "✅": 1.2, "🙏": 1.2, "😂": 1.5, "🤣": 1.5, "😉": 1.2, "⭐": 1.5,
    "😞": -2.0, "😔": -1.8, "😟": -1.8, "😢": -2.2, "😭": -2.5, "😠": -2.6, "😡": -3.0,
    "🤬": -3.2, "👎": -2.0, "💩": -2.2, "🙄": -1.5, "😤": -2.0, "😩": -2.0, "😫": -2.0,
    "😒": -1.8, "😕": -1.2, "🤦": -1.8, "❌": -1.2, "😱": -1.5, "💔": -2.4,
}  # fmt: skip
_TOKEN = re.compile(r"[:;=8][-'^]?[()\[\]dDpP/\\|*3]+|<3|\w+(?:'\w+)?|[,.;!?]", re.UNICODE)
# Negation and boosters do not reach across a clause boundary ("non mi aiuta, inutile").
_CLAUSE_END = frozenset(",.;!?")
# Inflectional endings tried when a word is not in the lexicon ("schrecklicher", "buenas").
_SUFFIXES = ("es", "er", "en", "em", "e", "s")
# English lexicon words that are function words in our other languages (German "die",
# Spanish/Italian "con", French "pain" = bread, Italian "fine" = end, German "Gift" = poison).
_FALSE_FRIENDS = ("die", "con", "pain", "fine", "gift", "son", "chance", "lame", "mal")


def _fold(text: str) -> str:
    """Lower-case and strip accents: informal writers drop them ("nao", "pessimo")."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=1)
def _lexicons() -> tuple[dict[str, float], dict[tuple[str, ...], float]]:
    import vaderSentiment

    words: dict[str, float] = {}
    vader_file = Path(vaderSentiment.__file__).parent / "vader_lexicon.txt"
    for line in vader_file.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) >= 2:
            words[_fold(parts[0])] = float(parts[1])
    # Words that are negators (or fillers) here rather than sentiment: "no problem" is fine.
    for neutral in ("no", "like", "please", "ok", "okay", "yes", "help", *_FALSE_FRIENDS):
        words.pop(neutral, None)
    phrases: dict[tuple[str, ...], float] = {}
    for line in (DATA_DIR / "sentiment_lexicon_multi.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        term, value = line.rsplit("\t", 1)
        key = tuple(_TOKEN.findall(_fold(term)))
        if len(key) == 1:
            words[key[0]] = float(value)
        elif key:
            phrases[key] = float(value)
    return words, phrases


def _score(text: str, words: dict[str, float], phrases: dict[tuple[str, ...], float]) -> float:
    text = text[:MAX_CHARS]
    raw_tokens = _TOKEN.findall(text)
    tokens = [_fold(t) for t in raw_tokens]
    letters = [t for t in raw_tokens if t.isalpha()]
    # Caps emphasis only counts when the message is not shouted throughout (VADER's rule).
    mixed_case = any(t.isupper() and len(t) > 1 for t in letters) and not all(t.isupper() for t in letters)
    sentiments: list[float] = []
    contrast_at = -1
    i = 0
    while i < len(tokens):
        token = tokens[i]
        value = 0.0
        width = 1
        for n in (4, 3, 2):
            if i + n <= len(tokens) and tuple(tokens[i : i + n]) in phrases:
                value = phrases[tuple(tokens[i : i + n])]
                width = n
                break
        else:
            value = words.get(token, 0.0)
            if not value and len(token) > 5:
                for suffix in _SUFFIXES:
                    if token.endswith(suffix) and token[: -len(suffix)] in words:
                        value = words[token[: -len(suffix)]]
                        break
            if token in CONTRAST:
                contrast_at = len(sentiments)
        if value and width == 1:
            if mixed_case and raw_tokens[i].isupper() and len(raw_tokens[i]) > 1:
                value += math.copysign(C_INCR, value)
            for distance, j in enumerate(range(i - 1, max(-1, i - 4), -1)):
                previous = tokens[j]
                if previous in _CLAUSE_END:
                    break
                if previous in BOOSTERS:
                    value += math.copysign(B_INCR * (1 - 0.05 * distance), value)
                elif previous in NEGATIONS:
                    value *= N_SCALAR
                    break
        sentiments.extend([value] + [0.0] * (width - 1))
        i += width
    if contrast_at >= 0:
        sentiments = [v * (0.5 if k < contrast_at else 1.5) for k, v in enumerate(sentiments)]
    total = sum(sentiments) + sum(EMOJI.get(c, 0.0) for c in text if ord(c) > 0x2000)
    if total:
        total += math.copysign(min(text.count("!"), 4) * 0.292, total)
    return total / math.sqrt(total * total + ALPHA) if total else 0.0


def score_sentiment(texts: list[str]) -> list[float]:
    """Compound polarity per text in [-1, 1]; 0.0 for empty or unscorable text."""
    words, phrases = _lexicons()
    return [_score(t or "", words, phrases) for t in texts]
