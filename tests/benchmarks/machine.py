"""How fast this machine's cores are, so figures measured on different machines can be compared.

    .venv/bin/python tests/benchmarks/machine.py

Every figure in the README was measured on "this 2-core machine", but the machine changes from
session to session: on the third 2026-11-30 session's machine the same code gave about half the
earlier sessions' rates per CPU second (detection 1,456 vs 2,601 messages, the pipeline ~1,600
vs 2,100-3,900 events), while a plain Python loop ran at normal speed. Quote this
line next to a figure. Four single-core CPU-time probes, best of five (the least disturbed by
other work): a pure-Python loop (the interpreter alone), a million small objects built and
hashed into a dict (the interpreter with memory: most of detection and the NLP features), a
regular-expression scan (the recognizers) and a float32 matrix product through NumPy's BLAS,
one thread (the NER and embedding arithmetic). Last line is JSON. Not a timed test.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable

# One BLAS thread, as every Tessera process runs (config/__init__.py).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np


def _python_loop() -> None:
    total = 0
    for i in range(5_000_000):
        total += i


def _python_objects() -> None:
    # Allocation and hashing over a working set larger than the caches: on the third
    # 2026-11-30 machine this ran ~3-4x slower than the plain loop suggests, and the pipeline's
    # figures followed this probe, not the loop.
    table: dict[str, int] = {}
    for i in range(1_000_000):
        table[str(i)] = i


_TEXT = "Order 4512 for jane.doe@example.com, call +44 20 7946 0958 before 12/03. " * 2_000
_PATTERN = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+|\+?\d[\d ()-]{7,}\d")


def _regex_scan() -> None:
    for _ in range(10):
        _PATTERN.findall(_TEXT)


_A = np.random.default_rng(0).standard_normal((384, 384), dtype=np.float32)


def _matmul() -> None:
    for _ in range(100):
        _A @ _A


def _best_cpu_s(probe: Callable[[], None], rounds: int = 5) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        probe()
        best = min(best, time.process_time() - start)
    return best


def main() -> None:
    figures = {
        "python_loop_5M_s": _best_cpu_s(_python_loop),
        "python_objects_1M_s": _best_cpu_s(_python_objects, rounds=3),
        "regex_scan_s": _best_cpu_s(_regex_scan),
        "matmul_384_x100_s": _best_cpu_s(_matmul),
    }
    print(
        json.dumps(
            {
                "benchmark": "machine",
                **{k: round(v, 3) for k, v in figures.items()},
                "cpus": os.cpu_count(),
                "load_average": [round(x, 2) for x in os.getloadavg()],
            }
        )
    )


if __name__ == "__main__":
    main()
