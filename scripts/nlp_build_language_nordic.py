"""Build ``apps/nlp/data/language_nordic.npz``: Nynorsk words and Norwegian infinitives.

Two additions to the Norwegian/Danish/Swedish second opinion (``apps/nlp/language_groups.py``):

* **Nynorsk word frequencies.** wordfreq has Bokmål (``nb``) only, so Nynorsk words ("noko",
  "deira", "korleis", "vart") scored as unknown or as Swedish. Counted here over the Nynorsk
  part of the Norwegian Dependency Treebank (``ndt/nno``), train split only: every sentence of UD
  Norwegian-Nynorsk's dev and test files (``ud/nno``) is left out;
* **Norwegian infinitives** (``ndt/nob``, train split likewise): Danish marks the infinitive with
  "at" ("har at holde"), Norwegian with "å" ("har å holde"); Norwegian "at" is only the
  conjunction "that", followed by a clause, never by an infinitive. The verb after "at" is
  mostly spelt the same in both, which is why the word lists cannot see this.

Source, read with git from the fetched snapshot (nothing of it is copied into the repo but word
types, their counts and a list of verb forms; no text):

    fetch github:ltgoslo/norne     # commit bd311de55b5a7fc1255aee7b088364f8271c2330
    .venv/bin/python scripts/nlp_build_language_nordic.py --repo /work/.mirror/ltgoslo+norne/repo

Licence: the treebank's annotations are CC0 (``LICENSE_NDT.txt``); its texts are third-party and
"may not be republished as stand-alone texts", which a list of word types with counts is not.

Output (NumPy ``.npz``): ``nynorsk_words`` (UTF-8, one per line), ``nynorsk_log10`` (float32,
log10 relative frequency in the Nynorsk train split; words seen at least ``MIN_COUNT`` times) and
``infinitives`` (UTF-8, one per line: word forms tagged infinitive in at least half of their
``MIN_COUNT``-plus Bokmål occurrences).
"""

from __future__ import annotations

import argparse
import math
import re
import subprocess
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "apps" / "nlp" / "data" / "language_nordic.npz"
# Words seen once are mostly names and typos.
MIN_COUNT = 2
# Same tokenisation as language_groups._WORD.
_WORD = re.compile(r"[^\W\d_]+")


def _show(repo: Path, path: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), "show", f"HEAD:{path}"], capture_output=True, text=True, check=True
    ).stdout


def _sentences(text: str) -> list[list[list[str]]]:
    """CoNLL(-U) text -> sentences -> token rows (multiword and empty nodes dropped)."""
    sentences: list[list[list[str]]] = []
    current: list[list[str]] = []
    for line in text.splitlines():
        if not line.strip():
            if current:
                sentences.append(current)
                current = []
            continue
        if line.startswith("#"):
            continue
        fields = line.split("\t")
        if "-" not in fields[0] and "." not in fields[0]:
            current.append(fields)
    if current:
        sentences.append(current)
    return sentences


def _train_split(repo: Path, variety: str) -> list[list[list[str]]]:
    """``ndt/<variety>`` sentences less those of the UD dev and test files."""
    held_out: set[tuple[str, ...]] = set()
    for path in subprocess.run(
        ["git", "-C", str(repo), "ls-tree", "-r", "--name-only", "HEAD", f"ud/{variety}/"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split():
        if path.endswith(("-dev.conllu", "-test.conllu")):
            held_out |= {tuple(row[1] for row in s) for s in _sentences(_show(repo, path))}
    files = subprocess.run(
        ["git", "-C", str(repo), "ls-tree", "-r", "--name-only", "HEAD", f"ndt/{variety}/"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return [
        s
        for path in files
        if path.endswith(".conll")
        for s in _sentences(_show(repo, path))
        if tuple(row[1] for row in s) not in held_out
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repo", type=Path, required=True, help="git directory of the ltgoslo/norne snapshot")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()

    counts: Counter[str] = Counter()
    nynorsk = _train_split(args.repo, "nno")
    for sentence in nynorsk:
        for row in sentence:
            counts.update(_WORD.findall(row[1].lower()))
    total = sum(counts.values())
    words = sorted(word for word, n in counts.items() if n >= MIN_COUNT)
    log10 = np.array([math.log10(counts[word] / total) for word in words], dtype=np.float32)

    seen: Counter[str] = Counter()
    infinitive: Counter[str] = Counter()
    bokmal = _train_split(args.repo, "nob")
    for sentence in bokmal:
        for row in sentence:
            form = row[1].lower()
            seen[form] += 1
            if row[3] == "verb" and "inf" in row[5].split("|"):
                infinitive[form] += 1
    infinitives = sorted(w for w, n in infinitive.items() if n >= MIN_COUNT and n >= 0.5 * seen[w])

    np.savez_compressed(
        args.out,
        nynorsk_words=np.frombuffer("\n".join(words).encode("utf-8"), dtype=np.uint8),
        nynorsk_log10=log10,
        infinitives=np.frombuffer("\n".join(infinitives).encode("utf-8"), dtype=np.uint8),
    )
    print(
        f"{args.out}: {len(words)} Nynorsk words ({len(nynorsk)} sentences, {total} words), "
        f"{len(infinitives)} infinitives ({len(bokmal)} Bokmål sentences)"
    )


if __name__ == "__main__":
    main()
