"""Intent clustering on draws from public *train* splits (CLINC150, BANKING77, HWU64): NMI and speed.

    .venv/bin/python tests/benchmarks/intents.py --clinc DATA/data_oos_plus.json --banking DATA/banking_train.csv \
        --hwu DATA/hwu [--half tune|heldout] [--projection seen|unseen|shipped|none]

Only train splits are read (scripts/nlp_fit_intent_projection.py says how to get them); the
files are not in the repo. Each draw is a random set of intents and requests, mimicking the
held-out sets, and every seed draws a different one:

- ``clinc50``: 50 of CLINC150's 150 intents, 30 requests each, plus the 250 out-of-scope
  requests of ``oos_train`` labelled ``oos`` — 1,750 texts, 14 % out of scope;
- ``banking77``: all 77 BANKING77 intents, 40 requests each — 3,080 texts;
- ``hwu64`` (with ``--hwu``): all 64 HWU64 intents, 30 requests each — never used for tuning.

The shipped intent projection was learnt from these same train splits, so scoring it on them
would be in-sample. ``--projection`` re-learns it for each draw instead:
``seen`` without the drawn requests (what the held-out test sets, other requests of public
intents, see), ``unseen`` without the drawn intents (CLINC150: the other 100 intents; BANKING77
and HWU64: the whole set left out) for intents the projection never saw; ``shipped`` uses the
file (in-sample here), ``none`` the batch's principal directions (the code before the projection).

``--assign`` runs only the ``assign_intents`` check instead (fit on a CLINC150 draw, then place
other requests of its intents and other out-of-scope requests, as enrichment does between
reclusters): shares sent to "other" and landing in their intent's cluster.

Seeds 0-2 are the ``tune`` half (parameters were chosen on them), seeds 100-104 the ``heldout``
half. NMI uses the arithmetic-mean normalisation (scikit-learn's default), "other" (-1) counting
as one cluster. Prints one line per draw and the mean ± standard deviation over seeds, then JSON.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks.nlp_quality import nmi  # noqa: E402  (one NMI for every benchmark and test)

SEEDS = {"tune": [0, 1, 2], "heldout": [100, 101, 102, 103, 104]}


Intents = dict[str, list[str]]


def draw(by_intent: Intents, seed: int, n_intents: int, per_intent: int) -> list[tuple[str, str]]:
    """``n_intents`` random intents (all when there are fewer) x ``per_intent`` random requests."""
    rng = random.Random(seed)
    names = sorted(by_intent)
    if n_intents < len(names):
        names = rng.sample(names, n_intents)
    rows = []
    for intent in names:
        texts = by_intent[intent]
        rows += [(t, intent) for t in rng.sample(texts, min(per_intent, len(texts)))]
    return rows


def projection_for(mode: str, target: str, rows: list[tuple[str, str]], data: dict[str, Intents]) -> np.ndarray | None:
    """The projection the draw is clustered with (see the module docstring)."""
    from nlp_fit_intent_projection import fit_projection

    if mode == "none":
        return None
    if mode == "seen":
        drawn = {t for t, _ in rows}
        groups = [{i: [t for t in ts if t not in drawn] for i, ts in d.items()} for d in data.values()]
    else:  # unseen
        drawn_intents = {i for _, i in rows}
        groups = [
            {i: ts for i, ts in d.items() if i not in drawn_intents}
            for name, d in data.items()
            if name != target or target == "clinc50"
        ]
    return fit_projection(groups)


def score(name: str, rows: list[tuple[str, str]]) -> dict[str, float]:
    from apps.nlp.intents import cluster_intents

    texts, gold = [r[0] for r in rows], [r[1] for r in rows]
    start, cpu = time.perf_counter(), time.process_time()
    labels = cluster_intents(texts)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    inscope = [i for i, g in enumerate(gold) if g != "oos"]
    oos = [i for i, g in enumerate(gold) if g == "oos"]
    out = {
        "nmi": nmi(gold, labels),
        "nmi_inscope": nmi([gold[i] for i in inscope], [labels[i] for i in inscope]),
        "clusters": len({lab for lab in labels if lab >= 0}),
        "other_share": labels.count(-1) / len(labels),
        "oos_to_other": (sum(labels[i] == -1 for i in oos) / len(oos)) if oos else float("nan"),
        "inscope_to_other": sum(labels[i] == -1 for i in inscope) / len(inscope),
        "texts_per_s": len(texts) / seconds,
        # CPU time of this process (all its threads): less noisy than wall time on a shared machine.
        "texts_per_cpu_s": len(texts) / max(cpu_seconds, 1e-9),
    }
    print(f"  {name}: " + "  ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in out.items()))
    return out


def use_projection(mode: str, target: str, rows: list[tuple[str, str]], data: dict[str, Intents], path: Path) -> None:
    """Point ``apps.nlp.intents`` at the projection ``mode`` asks for (kept as ``path``)."""
    from apps.nlp import intents

    if mode == "shipped":
        return
    projection = projection_for(mode, target, rows, data)
    if projection is not None:
        np.save(path, projection)
    # An absolute name replaces the data directory; a missing file means the batch PCA.
    intents.PROJECTION_FILE = str(path)
    intents._projection.cache_clear()


def assign_check(
    clinc: Intents, oos: list[str], data: dict[str, Intents], seed: int, mode: str, path: Path
) -> dict[str, float]:
    """Fit on 50 intents x 30 + 125 out-of-scope requests, then ``assign_intents`` 10 other
    requests per intent and the other 125 out-of-scope ones (what enrichment does between reclusters)."""
    from apps.nlp.intents import assign_intents, fit_intents

    rng = random.Random(seed)
    fit_rows, new_rows = [], []
    for intent in rng.sample(sorted(clinc), 50):
        texts = rng.sample(clinc[intent], 40)
        fit_rows += [(t, intent) for t in texts[:30]]
        new_rows += [(t, intent) for t in texts[30:]]
    shuffled = rng.sample(oos, len(oos))
    fit_rows += [(t, "oos") for t in shuffled[:125]]
    new_rows += [(t, "oos") for t in shuffled[125:250]]
    use_projection(mode, "clinc50", fit_rows + new_rows, data, path)
    model = fit_intents([t for t, _ in fit_rows])
    members: dict[int, Counter[str]] = {}
    for label, (_, gold) in zip(model.labels, fit_rows, strict=True):
        members.setdefault(label, Counter())[gold] += 1
    majority = {label: c.most_common(1)[0][0] for label, c in members.items() if label >= 0}
    got = assign_intents(model, [t for t, _ in new_rows])
    inscope = [(g, lab) for (_, g), lab in zip(new_rows, got, strict=True) if g != "oos"]
    outside = [lab for (_, g), lab in zip(new_rows, got, strict=True) if g == "oos"]
    out = {
        "oos_to_other": sum(lab == -1 for lab in outside) / len(outside),
        "inscope_to_other": sum(lab == -1 for _, lab in inscope) / len(inscope),
        "inscope_to_majority_intent": sum(lab >= 0 and majority.get(lab) == g for g, lab in inscope) / len(inscope),
    }
    print(f"  assign seed {seed}: " + "  ".join(f"{k} {v:.3f}" for k, v in out.items()))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clinc", type=Path, required=True, help="CLINC150 data_oos_plus.json")
    parser.add_argument("--banking", type=Path, required=True, help="BANKING77 train.csv")
    parser.add_argument("--hwu", type=Path, help="HWU64 KFold_1 trainset directory (adds the hwu64 set)")
    parser.add_argument("--half", choices=sorted(SEEDS), default="heldout")
    parser.add_argument("--projection", choices=["seen", "unseen", "shipped", "none"], default="seen")
    parser.add_argument("--assign", action="store_true", help="only the assign_intents check on CLINC150 draws")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "scripts"))
    from nlp_fit_intent_projection import load_banking, load_clinc, load_hwu

    from apps.nlp import embeddings

    embeddings.embed(["warm up"])  # table loading is not clustering time
    clinc, oos = load_clinc(args.clinc)
    data = {"clinc50": clinc, "banking77": load_banking(args.banking)}
    if args.hwu:
        data["hwu64"] = load_hwu(args.hwu)
    shape = {"clinc50": (50, 30), "banking77": (77, 40), "hwu64": (64, 30)}
    summary: dict[str, dict[str, float]] = {}
    if args.assign:
        with tempfile.TemporaryDirectory() as tmp:
            checks = [
                assign_check(clinc, oos, data, s, args.projection, Path(tmp) / f"{s}.npy") for s in SEEDS[args.half]
            ]
        summary["assign"] = {k: statistics.fmean(c[k] for c in checks) for k in checks[0]}
        print(json.dumps({"half": args.half, "projection": args.projection, **summary}))
        return
    with tempfile.TemporaryDirectory() as tmp:
        for set_name in data:
            results = []
            for seed in SEEDS[args.half]:
                rows = draw(data[set_name], seed, *shape[set_name])
                if set_name == "clinc50":
                    rows += [(t, "oos") for t in oos]
                random.Random(seed).shuffle(rows)
                use_projection(args.projection, set_name, rows, data, Path(tmp) / f"{set_name}-{seed}.npy")
                results.append(score(f"{set_name} seed {seed}", rows))
            summary[set_name] = {k: statistics.fmean(r[k] for r in results) for k in results[0]}
            summary[set_name]["nmi_std"] = statistics.pstdev(r["nmi"] for r in results)
            print(f"{set_name} mean: " + "  ".join(f"{k} {v:.3f}" for k, v in summary[set_name].items()))
    print(json.dumps({"half": args.half, "projection": args.projection, **summary}))


if __name__ == "__main__":
    main()
