"""Sparse row matrices as scipy would build them, without scipy's general-purpose machinery.

The sentiment and rephrase featurisations build "count the (row, column) pairs, then scale each
row" matrices on every call. ``counts_matrix`` and ``row_scaled`` build the very matrices that
``csr_matrix((ones, (rows, cols))).sum_duplicates()`` and ``diags(scale) @ matrix`` build,
element for element and in the same order within each row: every later sum over a row then
adds the same numbers in the same order, so no score moves in its last bit (the models were
fitted on the scipy construction; tests compare both).
"""

from __future__ import annotations

import numpy as np
from scipy import sparse


def counts_matrix(rows: np.ndarray, cols: np.ndarray, shape: tuple[int, int], dtype: type) -> sparse.csr_matrix:
    """How often each (row, column) pair occurs: canonical CSR (sorted, no duplicates)."""
    n_rows, n_cols = shape
    keys, counts = np.unique(np.asarray(rows, dtype=np.int64) * n_cols + cols, return_counts=True)
    indptr = np.searchsorted(keys, np.arange(n_rows + 1, dtype=np.int64) * n_cols)
    return sparse.csr_matrix((counts.astype(dtype), keys % n_cols, indptr), shape=shape)


def row_scaled(matrix: sparse.csr_matrix, scale: np.ndarray) -> sparse.csr_matrix:
    """``diags(scale) @ matrix`` for a canonical ``matrix``, as scipy's sparse product returns it:
    each row's entries in reverse column order, products that are 0 left out."""
    indptr = matrix.indptr
    lengths = np.diff(indptr)
    scaled = matrix.data * np.repeat(scale, lengths)
    # Position p of row [start, end) takes element start + end - 1 - p: each row reversed.
    reverse = np.repeat(indptr[:-1] + indptr[1:] - 1, lengths) - np.arange(len(scaled))
    data, indices = scaled[reverse], matrix.indices[reverse]
    keep = data != 0
    if not keep.all():
        data, indices = data[keep], indices[keep]
        kept = np.concatenate(([0], np.cumsum(keep)))
        indptr = kept[indptr]
    return sparse.csr_matrix((data, indices, indptr), shape=matrix.shape)
