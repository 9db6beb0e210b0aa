import os

# One BLAS/OpenMP thread per process, before anything imports NumPy: Tessera scales by processes
# (Celery prefork children, web workers), and OpenBLAS's own threads, started by any large enough
# float64 product (the rephrase projection), spin on the other cores after each call — measured
# +0.8 s of worker CPU per 20k enriched events (tests/benchmarks/pipeline.py), for no speed-up.
# An operator who wants threads sets the variables.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

from config.celery import app as celery_app  # noqa: E402

__all__ = ("celery_app",)
