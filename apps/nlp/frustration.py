"""Per-conversation frustration score 0..1 (METRICS.md); frustrated at >= 0.5.

Each signal adds points, capped per signal so that no single noisy signal decides alone and
the sum is clipped to 1:

| signal (user messages)                                | points each | cap  |
|-------------------------------------------------------|-------------|------|
| rephrase of one of the two previous user messages     | 0.25        | 0.50 |
| negative sentiment (score <= -0.3), scaled by |score| | 0.25 x |s|  | 0.40 |
| frustration phrase ("that's wrong", "no sirve"...)    | 0.35        | 0.55 |
| asking for a human                                    | 0.35        | 0.35 |
| shouting (mostly capitals, >= 8 letters)              | 0.20        | 0.30 |
| repeated punctuation ("!!", "???", "?!")              | 0.10        | 0.20 |
| down rating (any message)                             | 0.40        | 0.60 |
| up rating                                             | -0.20       | -0.40|

So one explicit complaint plus any other sign, two down ratings, or a rephrase loop with a
negative message crosses 0.5; a single rephrase or a single "!!" does not. Rephrases,
ratings, shouting and punctuation work in every language; phrases cover en, es, pt, fr, de, it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

FRUSTRATED_AT = 0.5

# (points each, cap) per signal.
WEIGHTS: dict[str, tuple[float, float]] = {
    "rephrase": (0.25, 0.50),
    "negative_sentiment": (0.25, 0.40),
    "frustration_phrase": (0.35, 0.55),
    "human_request": (0.35, 0.35),
    "shouting": (0.20, 0.30),
    "repeated_punctuation": (0.10, 0.20),
    "down_rating": (0.40, 0.60),
    "up_rating": (-0.20, -0.40),
}
NEGATIVE_SENTIMENT = -0.3

# Matched on lower-cased, accent-stripped text.
_FRUSTRATION_PHRASES = [
    # en
    r"that'?s (wrong|not (right|it|what i (asked|meant|said)))", r"(you'?re|this is|it'?s) wrong",
    r"not (helpful|useful|working|what i (asked|meant))", r"(doesn'?t|does not|didn'?t|did not) (help|work|answer)",
    r"(useless|pointless|waste of (my )?time|ridiculous|nonsense|makes no sense)",
    r"(you )?(don'?t|do not) understand", r"(i )?already (told|said|asked)", r"(still|again) (wrong|broken|not)",
    r"(stupid|dumb) (bot|answer|ai)", r"(wtf|ffs|omg)\b",
    # es
    r"(esta|eso es|es) (mal|incorrecto|equivocado)", r"no (me )?(sirve|ayuda|funciona|entiendes)",
    r"(inutil|no tiene sentido|perdida de tiempo)", r"ya te (lo )?(dije|pregunte)", r"otra vez (mal|lo mismo)",
    # pt
    r"(esta|isso esta|e) errad[oa]", r"nao (me )?(serve|ajuda|ajudou|funciona|entende)",
    r"(inutil|nao faz sentido|perda de tempo)", r"ja (te )?(disse|falei|perguntei)",
    # fr
    r"(c'?est|est) (faux|nul|n'importe quoi)", r"(ne|n') ?(marche|fonctionne|sert|aide|m'aide) (pas|a rien)",
    r"(inutile|aucun sens|perte de temps)", r"(tu ne|vous ne) compren(d|ez)", r"je (te l'?|vous l'?)?ai deja dit",
    r"(ca|cela) ne (marche|fonctionne) (pas|toujours pas)", r"pas (utile|ce que j'ai demande)",
    # de
    r"(das ist|ist|stimmt) (falsch|nicht)", r"(funktioniert|hilft|klappt) (nicht|immer noch nicht)",
    r"(nutzlos|sinnlos|zeitverschwendung|quatsch|unsinn)", r"(du verstehst|sie verstehen) (mich )?nicht",
    r"(habe|hab) (ich )?(doch )?schon gesagt", r"schon wieder (falsch|nicht)",
    # it
    r"(e|questo e) sbagliat[oa]", r"non (mi )?(serve|aiuta|funziona|capisci)", r"(inutile|non ha senso|perdita di tempo)",
]  # fmt: skip
_HUMAN_REQUEST = [
    r"\b(talk|speak|chat) (to|with) (a |an |some )?(human|person|agent|someone|representative|operator|real person)",
    r"\b(human|real person|live agent|customer service|representative|operator)( please| now|!|$)",
    r"\b(connect|transfer|put) me (to|through|with)", r"\bescalate",
    r"\b(hablar|comunicarme) con (una persona|un humano|un agente|alguien|un operador|un asesor)",
    r"\b(falar|conversar) com (uma pessoa|um humano|um atendente|alguem|um agente)", r"\batendente\b",
    r"\b(parler|discuter) (a|avec) (un humain|une personne|quelqu'un|un conseiller|un agent)",
    r"\b(mit )?(einem menschen|einer person|einem mitarbeiter|jemandem|einem berater) (sprechen|reden)",
    r"\b(parlare|chattare) con (un operatore|una persona|un umano|qualcuno)",
]  # fmt: skip


def _any_of(patterns: list[str]) -> re.Pattern[str]:
    """One pattern matching wherever any of ``patterns`` does.

    The lists' groups are written as plain "(...)" for readability, but only whether a text
    matches is ever read: they become non-capturing "(?:...)". That matches the same texts, and
    lets the regex engine skip an alternative on its first character instead of entering a
    capturing group (3x faster searches; this was ~10 % of the NLP enrichment step).
    """
    return re.compile("|".join(re.sub(r"(?<!\\)\((?!\?)", "(?:", p) for p in patterns))


_PHRASE_RE = _any_of(_FRUSTRATION_PHRASES)
_HUMAN_RE = _any_of(_HUMAN_REQUEST)
_REPEATED_PUNCT = re.compile(r"[!?]{2,}|[!?]\s[!?]")
SHOUT_MIN_LETTERS = 8
SHOUT_CAPS_SHARE = 0.7
MAX_CHARS = 5000
# Distinct message texts whose signals are kept, and the longest text kept: bounded memory
# (~20k x 500 chars at most); long pasted texts rarely recur.
TEXT_CACHE_SIZE = 20_000
CACHE_TEXT_CHARS = 500


# ``Feedback.thumb`` as enrichment stores it; a rating that is neither is stored as NULL.
Rating = Literal["up", "down"]


@dataclass(frozen=True)
class MessageSignals:
    """One message of a conversation, in order. Precomputed detector outputs are optional.

    ``rating``: the rating attached to this message as enrichment normalised it
    (``Feedback.thumb``: 1-5 scales already mapped to up/down/neither). ``sentiment`` / ``is_rephrase``: pass what enrichment already
    computed; ``None`` means compute it here.
    """

    text: str
    is_user: bool = True
    rating: Rating | None = None
    sentiment: float | None = None
    is_rephrase: bool | None = None


@dataclass(frozen=True)
class FrustrationResult:
    score: float
    frustrated: bool
    signals: dict[str, int] = field(default_factory=dict)


def _fold(text: str) -> str:
    lowered = text.lower().replace("’", "'")
    if lowered.isascii():  # nothing to decompose: the common case, at C speed
        return lowered
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def is_shouting(text: str) -> bool:
    sample = text[:MAX_CHARS]
    # Fewer capitals than the smallest shouting message has: no need to look at each letter.
    if sum(map(str.isupper, sample)) < SHOUT_MIN_LETTERS * SHOUT_CAPS_SHARE:
        return False
    letters = [c for c in sample if c.isalpha() and c.lower() != c.upper()]
    if len(letters) < SHOUT_MIN_LETTERS:
        return False
    return sum(1 for c in letters if c.isupper()) / len(letters) >= SHOUT_CAPS_SHARE


def has_frustration_phrase(text: str) -> bool:
    return _PHRASE_RE.search(_fold(text[:MAX_CHARS])) is not None


def asks_for_human(text: str) -> bool:
    return _HUMAN_RE.search(_fold(text[:MAX_CHARS])) is not None


@lru_cache(maxsize=TEXT_CACHE_SIZE)
def _text_signals(text: str) -> tuple[bool, bool, bool, bool]:
    """Phrase, human request, shouting, repeated punctuation of one (cut) message.

    Cached per text: enrichment re-scores every conversation a batch touches, so a
    conversation's earlier messages (and chat's recurring "ok thanks") come back batch after
    batch; the folding and the phrase regexes were ~5 % of the whole enrichment step.
    """
    folded = _fold(text[:MAX_CHARS])  # once for both phrase lists
    return (
        _PHRASE_RE.search(folded) is not None,
        _HUMAN_RE.search(folded) is not None,
        is_shouting(text),
        _REPEATED_PUNCT.search(text) is not None,
    )


def _fill_missing(messages: Sequence[MessageSignals]) -> tuple[list[float], list[bool]]:
    """Sentiment and rephrase flags of the user messages, computing only what was not given."""
    users = [m for m in messages if m.is_user]
    need_sentiment = [k for k, m in enumerate(users) if m.sentiment is None]
    sentiments = [m.sentiment or 0.0 for m in users]
    if need_sentiment:
        from apps.nlp.sentiment import score_sentiment

        for k, s in zip(need_sentiment, score_sentiment([users[k].text for k in need_sentiment]), strict=True):
            sentiments[k] = s
    rephrases = [bool(m.is_rephrase) for m in users]
    pairs: list[tuple[str, str]] = []
    owners: list[int] = []
    for k, m in enumerate(users):
        if m.is_rephrase is None:
            # METRICS.md: a rephrase of one of the previous two user messages.
            for j in range(max(0, k - 2), k):
                pairs.append((users[j].text, m.text))
                owners.append(k)
    if pairs:
        from apps.nlp.rephrase import rephrase_scores

        for k, score in zip(owners, rephrase_scores(pairs), strict=True):
            rephrases[k] = rephrases[k] or score >= 0.5
    return sentiments, rephrases


def score_frustration(messages: Sequence[MessageSignals]) -> FrustrationResult:
    """Frustration of one conversation from its messages in order."""
    counts = dict.fromkeys(WEIGHTS, 0)
    points = dict.fromkeys(WEIGHTS, 0.0)
    sentiments, rephrases = _fill_missing(messages)
    user_index = 0
    for message in messages:
        if message.rating == "down":
            counts["down_rating"] += 1
        elif message.rating == "up":
            counts["up_rating"] += 1
        if not message.is_user:
            continue
        text = message.text or ""
        sentiment = sentiments[user_index]
        if rephrases[user_index]:
            counts["rephrase"] += 1
        user_index += 1
        if sentiment <= NEGATIVE_SENTIMENT:
            counts["negative_sentiment"] += 1
            points["negative_sentiment"] += WEIGHTS["negative_sentiment"][0] * abs(sentiment)
        cut = text[:MAX_CHARS]
        signals = _text_signals(cut) if len(cut) <= CACHE_TEXT_CHARS else _text_signals.__wrapped__(cut)
        phrase, human, shouting, punctuation = signals
        counts["frustration_phrase"] += phrase
        counts["human_request"] += human
        counts["shouting"] += shouting
        counts["repeated_punctuation"] += punctuation
    total = 0.0
    for name, (each, cap) in WEIGHTS.items():
        raw = points[name] if name == "negative_sentiment" else each * counts[name]
        total += max(raw, cap) if cap < 0 else min(raw, cap)
    score = round(min(1.0, max(0.0, total)), 4)
    return FrustrationResult(
        score=score, frustrated=score >= FRUSTRATED_AT, signals={k: v for k, v in counts.items() if v}
    )


def frustration_score(messages: Sequence[MessageSignals]) -> float:
    return score_frustration(messages).score
