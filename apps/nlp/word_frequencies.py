"""Word frequencies of 41 languages (wordfreq's lists, ``data/language_lexicon.npz``): how common a
word is, for language identification and for telling a rare word (a surname) from a common one.

A module of its own so that a caller needing only the frequencies (``apps.detection``) does not
import ``apps.nlp.language``, which loads fastText and Lingua.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

LEXICON = Path(__file__).parent / "data" / "language_lexicon.npz"


@lru_cache(maxsize=1)
def lexicon() -> dict[str, tuple[npt.NDArray[np.uint32], npt.NDArray[np.float32]]]:
    """code -> (sorted CRC-32 hashes of its words, their log10 frequencies); ~20 ms CPU to load.
    The lists stop at a frequency of 1e-6."""
    with np.load(LEXICON) as data:
        languages = [str(code) for code in data["languages"]]
        offsets, hashes, values = data["offsets"], data["hashes"], data["values"]
        log10 = (1.0 - values.astype(np.float32)) / 20.0
    return {
        code: (hashes[offsets[k] : offsets[k + 1]], log10[offsets[k] : offsets[k + 1]])
        for k, code in enumerate(languages)
    }


def word_languages() -> tuple[str, ...]:
    """Every language with a list."""
    return tuple(lexicon())


def word_key(word: str) -> int:
    """A word's key in the lists (CRC-32 of its UTF-8 bytes; the lists are lower case)."""
    return zlib.crc32(word.encode("utf-8"))


def frequency_table(
    keys: npt.NDArray[np.uint32], languages: Sequence[str], wanted: npt.NDArray[np.bool_] | None = None
) -> npt.NDArray[np.float32]:
    """log10 frequency of each key (``word_key``) in each language: one row per key, one column
    per language, NaN where the language's list lacks the word. One vectorised search per
    language. A CRC-32 collision can make a rare word look listed, never the other way round.

    ``wanted`` (same shape as the result) limits the searches to its true cells; the others stay
    NaN. A mixed batch asks ~30 languages, each text only its own few: searching every word in
    every list cost most of the time."""
    table = lexicon()
    out = np.full((len(keys), len(languages)), np.nan, dtype=np.float32)
    for k, code in enumerate(languages):
        known, log10 = table[code]
        rows = None if wanted is None else np.flatnonzero(wanted[:, k])
        sought = keys if rows is None else keys[rows]
        if not len(sought):
            continue
        at = np.minimum(np.searchsorted(known, sought), len(known) - 1)
        found = known[at] == sought
        out[found if rows is None else rows[found], k] = log10[at[found]]
    return out


def word_frequencies(words: Sequence[str], languages: Sequence[str]) -> npt.NDArray[np.float32]:
    """``frequency_table`` of ``words`` (as written)."""
    return frequency_table(np.array([word_key(w) for w in words], dtype=np.uint32), languages)
