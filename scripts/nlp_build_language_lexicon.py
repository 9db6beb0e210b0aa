"""Build ``apps/nlp/data/language_lexicon.npz``: word frequencies of every language wordfreq lists.

The language detector decides most texts fastText is unsure about with these instead of Lingua
(``apps/nlp/language.py``, ``_words_decide``): Lingua's high-accuracy mode loads ~0.1-0.2 s of
n-gram models per language on first use with the GIL held, which made the first call of a fresh
process run at ~100-300 texts/s. The lists are the ``wordfreq`` package's (3.1.1, data
CC-BY-SA 4.0: Wikipedia, subtitles, news, books, web text, Twitter and Reddit) "small" lists
(every word with frequency >= 1e-6), read straight from the msgpack files in the wheel:

    pip install --no-deps --target /tmp/wf wordfreq==3.1.1 msgpack
    PYTHONPATH=/tmp/wf .venv/bin/python scripts/nlp_build_language_lexicon.py

Output (NumPy ``.npz``, stored uncompressed so it loads in milliseconds): ``languages`` (our
codes), ``offsets`` (language k's entries are ``offsets[k]:offsets[k + 1]``), ``hashes``
(uint32, sorted within each language: CRC-32 of the UTF-8 word) and ``values`` (uint8:
1 + round(-20 * log10 frequency), steps of 0.05 in log10). A hash instead
of the word keeps the file small and the lookup vectorised (``np.searchsorted``); two words of
one language sharing a CRC-32 keep the more frequent one's value, and a word outside a list
matches one of its 60k hashes with probability ~1e-5.
"""

from __future__ import annotations

import argparse
import zlib
from pathlib import Path

import numpy as np
from nlp_build_language_words import lost_accent_spellings, wordfreq_small_list  # same folder: run as a script

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "apps" / "nlp" / "data" / "language_lexicon.npz"
# wordfreq's code where it differs from ours (Norwegian Bokmal, Serbo-Croatian, Filipino).
THEIRS = {"no": "nb", "hr": "sh", "tl": "fil"}


# A spelling that lost its accents is rarer than the word spelled right: its entry counts the
# word's log10 frequency minus this.
VARIANT_PENALTY = 1.0
# Only words at least this frequent (log10) get variants: keeps the file ~1 MB smaller.
VARIANT_MIN_LOG10 = -5.5


def lost_accent_variants(listed: dict[str, float]) -> list[tuple[str, float]]:
    """Spellings of the list's accented words that lost their accents (``lost_accent_spellings``),
    at the word's log10 frequency less VARIANT_PENALTY (words from VARIANT_MIN_LOG10 only); a spelling that is itself a word of the
    list keeps its own entry."""
    variants: dict[str, float] = {}
    for word, logf in listed.items():
        if logf < VARIANT_MIN_LOG10:
            continue
        for variant in lost_accent_spellings(word):
            if variant not in listed:
                variants[variant] = max(variants.get(variant, -99.0), logf - VARIANT_PENALTY)
    return list(variants.items())


def main() -> None:
    import sys

    sys.path.insert(0, str(ROOT))
    from apps.nlp.language import SUPPORTED

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--no-variants", dest="variants", action="store_false", help="no lost-accent spellings")
    args = parser.parse_args()
    arrays: dict[str, np.ndarray] = {}
    languages = []
    for code in SUPPORTED:
        listed = wordfreq_small_list(THEIRS.get(code, code))
        if listed is None:
            continue
        best: dict[int, int] = {}
        entries = list(listed.items())
        if args.variants:
            entries += lost_accent_variants(listed)
        for word, logf in entries:
            key = zlib.crc32(word.encode("utf-8"))
            value = 1 + round(-20 * logf)
            if key not in best or value < best[key]:
                best[key] = value
        keys = np.array(sorted(best), dtype=np.uint32)
        arrays[f"h_{code}"] = keys
        arrays[f"f_{code}"] = np.array([best[int(k)] for k in keys], dtype=np.uint8)
        languages.append(code)
        print(f"{code} (wordfreq {THEIRS.get(code, code)}): {len(listed)} words, {len(keys)} hashes")
    hashes = [arrays[f"h_{code}"] for code in languages]
    offsets = np.cumsum([0, *map(len, hashes)]).astype(np.int64)
    np.savez(
        args.out,
        languages=np.array(languages),
        offsets=offsets,
        hashes=np.concatenate(hashes),
        values=np.concatenate([arrays[f"f_{code}"] for code in languages]),
    )
    print(f"{len(languages)} languages -> {args.out} ({args.out.stat().st_size // 1024} kB)")


if __name__ == "__main__":
    main()
