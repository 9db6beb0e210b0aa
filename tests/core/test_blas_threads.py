"""Every Tessera process runs NumPy's BLAS on one thread (config/__init__.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = "import config, numpy, psutil\na = numpy.ones((600, 600))\na @ a\nprint(psutil.Process().num_threads())\n"


def _threads(env: dict[str, str]) -> int:
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return int(out.stdout.strip())


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="OpenBLAS starts no extra thread on one core")
def test_importing_config_keeps_blas_on_one_thread() -> None:
    env = {
        k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
    }
    assert _threads(env) == 1
    # The probe can see the difference: an operator's explicit setting still wins.
    assert _threads({**env, "OPENBLAS_NUM_THREADS": "2"}) >= 2
