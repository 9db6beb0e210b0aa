"""Choose the rephrase pair-score weights on our own labelled data (never public test splits).

    cd /work/main && .venv/bin/python scripts/nlp_fit_rephrase.py

Prints ROC-AUC for a grid of number/negation-mismatch penalties on top of the shipped
``cos - MISSING_WORD_PENALTY * missing`` score, on tests/data/rephrase_pairs.tsv (all hard
negatives), the ``fit`` split of tests/data/rephrase_pairs_chat.tsv (used to choose) and its
``heldout`` split (only reported; groups of pairs sharing an anchor never straddle splits).
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "benchmarks"))


def _rows(name: str) -> list[dict[str, str]]:
    with (ROOT / "tests" / "data" / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def main() -> None:
    from nlp_quality import roc_auc

    from apps.nlp.rephrase import MISSING_WORD_PENALTY, RAW_THRESHOLD, features

    chat = _rows("rephrase_pairs_chat.tsv")
    sets = {
        "old": _rows("rephrase_pairs.tsv"),
        "fit": [r for r in chat if r["split"] == "fit"],
        "heldout": [r for r in chat if r["split"] == "heldout"],
    }
    feats = {k: features([(r["a"], r["b"]) for r in v]) for k, v in sets.items()}
    labels = {k: np.array([int(r["label"]) for r in v]) for k, v in sets.items()}
    for number in (0.0, 0.1, 0.2, 0.5, 0.8):
        for negation in (0.0, 0.1):
            cells = []
            for k, f in feats.items():
                raw = f[:, 0] - MISSING_WORD_PENALTY * f[:, 1] - number * f[:, 2] - negation * f[:, 3]
                cells.append(f"{k}={roc_auc(labels[k], raw):.3f} (pos {np.mean(raw >= RAW_THRESHOLD):.2f})")
            print(f"number={number:<4} negation={negation:<4} " + "  ".join(cells))


if __name__ == "__main__":
    main()
