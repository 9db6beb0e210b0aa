"""Build ``apps/nlp/data/language_words.npz``: word frequencies of close languages.

The language detector's second opinion between close languages (``apps/nlp/language_groups.py``)
scores the words of a text against each member's word frequencies. They come from the
``wordfreq`` package (3.1.1, data CC-BY-SA 4.0: Wikipedia, subtitles, news, books, web text,
Twitter and Reddit), its "small" lists (every word with frequency >= 1e-6), read straight from
the msgpack files in the wheel so the runtime needs neither wordfreq nor its dependencies:

    pip install --no-deps --target /tmp/wf wordfreq==3.1.1 msgpack
    PYTHONPATH=/tmp/wf .venv/bin/python scripts/nlp_build_language_words.py

Output (NumPy ``.npz``, compressed; it loads in ~0.1 s): ``languages`` (column order), ``words``
(UTF-8, one per line, sorted) and ``freq`` (uint8, words x languages): 0 where the language's
list lacks the word, else 1 + round(-20 * log10 frequency), i.e. steps of 0.05 in log10;
``folded_words`` / ``folded_rows``: ASCII spellings of accented words that lost their accents
("nemuzu" -> "nemůžu", "descripcin" -> "descripción"; ``lost_accent_spellings``).
wordfreq's ``sh`` (Serbo-Croatian) stands for our ``hr`` and ``nb`` for our ``no``.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import unicodedata
from collections import defaultdict
from pathlib import Path

import msgpack
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "apps" / "nlp" / "data" / "language_words.npz"
# our code -> wordfreq's code
SOURCES = {
    "no": "nb",
    "da": "da",
    "sv": "sv",
    "cs": "cs",
    "sk": "sk",
    "es": "es",
    "pt": "pt",
    "ca": "ca",
    "hr": "sh",
    "sl": "sl",
    "ru": "ru",
    "uk": "uk",
    "bg": "bg",
    "mk": "mk",
}


def wordfreq_small_list(code: str) -> dict[str, float] | None:
    """wordfreq's "small" list of ``code`` (word -> log10 frequency), ``None`` when wordfreq has
    none. cBpack format: bucket i holds the words of frequency 10 ** (-i / 100). Also read by
    scripts/nlp_build_language_lexicon.py."""
    # Located, not imported: importing wordfreq needs its dependencies (langcodes, regex, ftfy).
    spec = importlib.util.find_spec("wordfreq")
    if spec is None or spec.origin is None:
        raise SystemExit("wordfreq is not on the path (see this script's docstring)")
    path = Path(spec.origin).parent / "data" / f"small_{code}.msgpack.gz"
    if not path.exists():
        return None
    with gzip.open(path) as handle:
        data = msgpack.load(handle, raw=False)
    words: dict[str, float] = {}
    for i, bucket in enumerate(data[1:]):
        for word in bucket:
            words.setdefault(word, -i / 100)
    return words


def lost_accent_spellings(word: str) -> tuple[str, ...]:
    """ASCII spellings of an accented word that lost its accents: each accented letter typed as
    its base letter ("tambien", "nemuzu"), and every non-ASCII letter dropped, as broken
    encodings do ("descripcin", "pequeos": 71 % of the even lines of Lingua's Spanish test
    sentences read so). Nothing for ASCII words, nor when less than half the word (or under two
    letters) would be left: non-Latin scripts have no such spelling.
    """
    if word.isascii():
        return ()
    folded = "".join(c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c))
    dropped = "".join(c for c in word if c.isascii())
    least = max(2, len(word) / 2)
    return tuple(dict.fromkeys(v for v in (folded, dropped) if v.isascii() and len(v) >= least))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    table: dict[str, dict[str, float]] = defaultdict(dict)
    for ours, theirs in SOURCES.items():
        listed = wordfreq_small_list(theirs)
        if listed is None:
            raise SystemExit(f"wordfreq has no list for {theirs}")
        print(f"{ours} (wordfreq {theirs}): {len(listed)} words")
        for word, logf in listed.items():
            if "\n" not in word:  # the words are stored newline-separated
                table[word][ours] = logf
    languages = list(SOURCES)
    words = sorted(table)
    freq = np.zeros((len(words), len(languages)), dtype=np.uint8)
    for row, word in enumerate(words):
        for lang, logf in table[word].items():
            freq[row, languages.index(lang)] = 1 + round(-20 * logf)
    # Words typed without diacritics ("nemuzu", "jiz"): each ASCII folding that is not itself a
    # word points at the row of the most frequent word that folds to it.
    rows = {word: row for row, word in enumerate(words)}
    # Best frequency code of each word over its languages (lower = more frequent; 0 = absent).
    peak = np.where(freq > 0, freq, 255).min(axis=1)
    folded: dict[str, int] = {}
    for row, word in enumerate(words):
        for plain in lost_accent_spellings(word):
            if plain in rows:
                continue
            if plain not in folded or peak[row] < peak[folded[plain]]:
                folded[plain] = row
    folded_words = sorted(folded)
    np.savez_compressed(
        args.out,
        languages=np.array(languages),
        words=np.frombuffer("\n".join(words).encode("utf-8"), dtype=np.uint8),
        freq=freq,
        folded_words=np.frombuffer("\n".join(folded_words).encode("utf-8"), dtype=np.uint8),
        folded_rows=np.array([folded[w] for w in folded_words], dtype=np.int32),
    )
    print(f"{len(table)} words -> {args.out} ({args.out.stat().st_size // 1024} kB)")


if __name__ == "__main__":
    main()
