"""Build ``apps/nlp/data/language_ngrams.npz``: character 4-gram models of close languages' words.

The close-language second opinion (``apps/nlp/language_groups.py``) sums each member's word
frequencies over the words of a text; a word no member lists ("siktemiddel", "leseplass",
"spenningsfelt": compounds, rare inflections) said nothing there. These models give such a word
a likelihood per member from its spelling: 4-grams of the word with ``<`` / ``>`` marking its
ends, counted over the word *types* of each member's wordfreq "small" list (every word once:
unseen words are rare words, whose spelling the type counts describe better than token
counts), add-0.5 smoothed over the grams any member has. Norwegian/Danish/Swedish only (the
group the held-out figures left under 0.90); chosen on the even lines of Lingua's test data.

Data: the ``wordfreq`` package (3.1.1, data CC-BY-SA 4.0; so is the output, a derivative),
read straight from the wheel's msgpack files as ``scripts/nlp_build_language_words.py`` does:

    pip install --no-deps --target /tmp/wf wordfreq==3.1.1 msgpack
    PYTHONPATH=/tmp/wf .venv/bin/python scripts/nlp_build_language_ngrams.py

Output (NumPy ``.npz``, compressed): ``languages`` (column order), ``grams`` (UTF-8, one per
line, sorted), ``logp`` (float16, grams x languages: natural-log probability of the gram in
that language) and ``unseen`` (float32, per language: the log probability of a gram no member
has).
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

import numpy as np
from nlp_build_language_words import wordfreq_small_list  # same folder: run as a script

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "apps" / "nlp" / "data" / "language_ngrams.npz"
# our code -> wordfreq's code (the column order is apps.nlp.language_groups.NGRAM_GROUP's)
SOURCES = {"no": "nb", "da": "da", "sv": "sv"}
N = 4
SMOOTHING = 0.5
_WORD = re.compile(r"[^\W\d_]+")  # the runtime's word pattern (apps/nlp/language_groups.py)


def word_grams(word: str, n: int = N) -> list[str]:
    """The character n-grams of ``word`` with its ends marked; the whole marked word when shorter.
    Mirrors ``apps.nlp.language_groups._grams``."""
    marked = f"<{word}>"
    return [marked[i : i + n] for i in range(len(marked) - n + 1)] if len(marked) >= n else [marked]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    counts: dict[str, Counter[str]] = {}
    for ours, theirs in SOURCES.items():
        listed = wordfreq_small_list(theirs)
        if listed is None:
            raise SystemExit(f"wordfreq has no list for {theirs}")
        counts[ours] = Counter(gram for word in listed if _WORD.fullmatch(word) for gram in word_grams(word))
        print(f"{ours} (wordfreq {theirs}): {len(listed)} words, {len(counts[ours])} grams")
    languages = list(SOURCES)
    grams = sorted(set().union(*counts.values()))
    logp = np.zeros((len(grams), len(languages)), dtype=np.float64)
    unseen = np.zeros(len(languages), dtype=np.float64)
    for k, code in enumerate(languages):
        denominator = sum(counts[code].values()) + SMOOTHING * len(grams)
        logp[:, k] = np.log((np.array([counts[code][g] for g in grams], dtype=np.float64) + SMOOTHING) / denominator)
        unseen[k] = np.log(SMOOTHING / denominator)
    np.savez_compressed(
        args.out,
        languages=np.array(languages),
        grams=np.frombuffer("\n".join(grams).encode("utf-8"), dtype=np.uint8),
        logp=logp.astype(np.float16),
        unseen=unseen.astype(np.float32),
    )
    print(f"{len(grams)} grams -> {args.out} ({args.out.stat().st_size // 1024} kB)")


if __name__ == "__main__":
    main()
