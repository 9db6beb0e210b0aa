"""Build ``tests/data/language_heldout_public.tsv``: a held-out set of short public texts.

Never used to choose a weight of ``apps/nlp/language.py`` or ``language_groups.py``; only
scored (``tests/benchmarks/language.py``). Two sources:

* **Lingua's test data** (github.com/pemistahl/lingua-py, ``language-testdata/sentences``,
  Apache-2.0), only the **odd** lines (the even ones are the tuning lines), cut to 3-7 words
  the way the benchmark cuts them: ``PER_LANGUAGE`` fragments of each of 27 languages,
  ``PER_CLOSE_LANGUAGE`` of the close ones (nb/da/sv, cs/sk, es/pt, id). Get it with
  ``fetch github:pemistahl/lingua-py`` then
  ``git --git-dir <dir> archive 754ce21122c083a7200763015fdaf7cda8d85453 language-testdata | tar -x``;
* **Tatoeba** sentence pairs (tatoeba.org, CC-BY 2.0 FR) from the Tatoeba Translation
  Challenge test file ``data/test/dan-nor/test.txt`` (github.com/Helsinki-NLP/Tatoeba-Challenge,
  commit 4398862079c140af913549e2b789994e1d70cca3): 80 Danish/Norwegian pairs from its first
  16,000 characters, both sides differing (Norwegian there mixes Bokmål and Nynorsk). They are
  already in the output file; ``--tatoeba FILE`` (two tab-separated columns, Danish then
  Norwegian) rebuilds them. fastText's lid.176 was trained on Tatoeba among others, so these
  flatter the first pass; they are here for the Danish/Norwegian second opinion.

    .venv/bin/python scripts/nlp_build_language_heldout.py --lingua-testdata DIR/language-testdata \
        [--tatoeba dan-nor.tsv]
"""

from __future__ import annotations

import argparse
import csv
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "data" / "language_heldout_public.tsv"
LANGUAGES = [
    "en",
    "es",
    "pt",
    "fr",
    "de",
    "it",
    "nl",
    "sv",
    "nb",
    "da",
    "fi",
    "pl",
    "cs",
    "sk",
    "ru",
    "uk",
    "tr",
    "ar",
    "zh",
    "ja",
    "ko",
    "hi",
    "id",
    "el",
    "hu",
    "ro",
    "vi",
]
CLOSE = {"nb", "da", "sv", "cs", "sk", "es", "pt", "id"}
PER_LANGUAGE = 30
PER_CLOSE_LANGUAGE = 80
OURS = {"nb": "no"}


def _lingua_rows(directory: Path) -> list[tuple[str, str, str]]:
    rows = []
    for code in LANGUAGES:
        lines = [line.strip() for line in (directory / "sentences" / f"{code}.txt").open(encoding="utf-8")]
        lines = [line for line in lines if line]
        rnd = random.Random(code)  # noqa: S311 -- the benchmark's fragment lengths, not secrets
        fragments = [" ".join(line.split()[: rnd.randint(3, 7)]) for line in lines]
        odd = [text for k, text in enumerate(fragments) if k % 2 == 1 and "\t" not in text]
        size = PER_CLOSE_LANGUAGE if code in CLOSE else PER_LANGUAGE
        picked = random.Random(f"heldout-{code}").sample(odd, size)  # noqa: S311 -- a fixed sample
        rows += [(OURS.get(code, code), text, "lingua-odd") for text in picked]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lingua-testdata", type=Path, required=True)
    parser.add_argument("--tatoeba", type=Path, help="Danish<TAB>Norwegian pairs (default: keep the file's)")
    args = parser.parse_args()
    if args.tatoeba:
        pairs = [line.rstrip("\n").split("\t") for line in args.tatoeba.open(encoding="utf-8") if line.strip()]
        tatoeba = [(lang, text, "tatoeba") for da, no in pairs for lang, text in (("da", da), ("no", no))]
    else:
        with OUT.open(encoding="utf-8") as handle:
            reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
            tatoeba = [(r["lang"], r["text"], r["source"]) for r in reader if r["source"] == "tatoeba"]
    rows = _lingua_rows(args.lingua_testdata) + tatoeba
    with OUT.open("w", encoding="utf-8", newline="") as handle:
        handle.write("lang\ttext\tsource\n")
        for row in rows:
            handle.write("\t".join(row) + "\n")
    print(f"{len(rows)} rows -> {OUT}")


if __name__ == "__main__":
    main()
