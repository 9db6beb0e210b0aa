"""HyperLogLog sketches of distinct users (docs/analytics.md "Distinct users").

Each ``DailyPeople`` row (a day and a finest cut) carries the HyperLogLog registers of its users'
``user_key`` (already the first 64 bits of an md5, so well mixed): 2^12 one-byte registers, the
low 12 bits choosing the register and the rank of the first 1 bit among the other 52 its value.
Sketches merge by taking the register-wise maximum, so a multi-day window or a coarser cut is the
maximum over its rows, whatever the days and cuts — the same value whether the rows were written
incrementally or by a rebuild. The count is Ertl's improved raw estimator ("New cardinality
estimation algorithms for HyperLogLog sketches", 2017): no bias table, unbiased from 0 to far
beyond our sizes, standard error 1.04 / sqrt(4096) = 1.6%.

A row of few users (most rows: a day and a finest cut hold one to a handful) stores the users'
keys themselves instead, sorted, 8 bytes each (at most ``SPARSE_MAX``): the registers are a
function of the keys, computed when merged, so every count is the one the registers would give.
Writing 4 KiB of registers per row cost ten times the rest of the row (TOAST) on every batch that
changed it. The keys are the ``ActiveUser`` rows' own, refreshed and erased with them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from itertools import chain

import numpy as np
from django.db.backends.utils import CursorWrapper
from psycopg import sql

P = 12
M = 1 << P
Q = 64 - P  # bits left for the rank; register values are 0..Q+1
RELATIVE_ERROR = 1.04 / math.sqrt(M)
_ALPHA_INF = 1 / (2 * math.log(2))


# Rows of at most this many users store their keys (2 KiB at most, never ``M`` bytes long, so the
# two forms are told apart by length; PostgreSQL keeps values under ~2 KiB inside the row).
SPARSE_MAX = 256
_KEY = np.dtype("<i8")


def registers(user_keys: Iterable[int]) -> bytes:
    """The registers of a set of 64-bit user keys (signed, as PostgreSQL's bigint stores them)."""
    return _registers_each([list(user_keys)])[0].tobytes()


def _registers_each(key_sets: Sequence[Sequence[int]]) -> np.ndarray:
    """The registers of each set of user keys, computed together (one numpy pass for a refresh's
    rows instead of one per row), one row each."""
    sizes = [len(keys) for keys in key_sets]
    out = np.zeros((len(key_sets), M), dtype=np.uint8)
    keys = np.fromiter(chain.from_iterable(key_sets), dtype=np.int64, count=sum(sizes))
    _raise(out, np.repeat(np.arange(len(key_sets), dtype=np.intp), sizes), keys)
    return out


def _raise(out: np.ndarray, rows: np.ndarray, signed_keys: np.ndarray) -> None:
    """Raise ``out[rows[i]]``'s registers to what key ``i`` sets them to."""
    if not signed_keys.size:
        return
    keys = signed_keys.astype(np.int64, copy=False).view(np.uint64)
    index = (keys & np.uint64(M - 1)).astype(np.intp)
    rest = keys >> np.uint64(P)  # < 2^52: exact in a double, so frexp's exponent is its bit length
    _, bit_length = np.frexp(rest.astype(np.float64))
    np.maximum.at(out, (rows, index), (Q + 1 - bit_length).astype(np.uint8))


def sketches_each(key_sets: Sequence[Sequence[int]]) -> list[bytes]:
    """What a row stores for each set of distinct user keys: the sorted keys of a set of at most
    ``SPARSE_MAX``, else its registers. Either form depends on the set only, not its order."""
    dense = [n for n, keys in enumerate(key_sets) if len(keys) > SPARSE_MAX]
    stored: list[bytes] = [np.sort(np.asarray(keys, dtype=_KEY)).tobytes() for keys in key_sets]
    for n, row in zip(dense, _registers_each([key_sets[n] for n in dense]), strict=True):
        stored[n] = row.tobytes()
    return stored


def merge(sketches: Iterable[bytes | memoryview]) -> np.ndarray:
    """Register-wise maximum of sketches: the registers of the union of their sets."""
    out = np.zeros(M, dtype=np.uint8)
    sparse: list[np.ndarray] = []
    for sketch in sketches:
        if len(sketch) == M:
            np.maximum(out, np.frombuffer(sketch, dtype=np.uint8), out=out)
        elif len(sketch):
            sparse.append(np.frombuffer(sketch, dtype=_KEY))
    if sparse:
        # A key in several rows sets the same register to the same value: no need to dedupe.
        keys = np.concatenate(sparse)
        registers = out.reshape(1, M)
        _raise(registers, np.zeros(keys.size, dtype=np.intp), keys)
    return out


def _sigma(x: float) -> float:
    if x == 1.0:
        return math.inf
    y, z = 1.0, x
    while True:
        x *= x
        before = z
        z += x * y
        y += y
        if z == before:
            return z


def _tau(x: float) -> float:
    if x in (0.0, 1.0):
        return 0.0
    y, z = 1.0, 1 - x
    while True:
        x = math.sqrt(x)
        before = z
        y *= 0.5
        z -= (1 - x) ** 2 * y
        if z == before:
            return z / 3


def estimate(merged: np.ndarray) -> float:
    """Distinct elements of a (merged) sketch."""
    counts = np.bincount(merged, minlength=Q + 2)
    z = M * _tau(1 - counts[Q + 1] / M)
    for k in range(Q, 0, -1):
        z = 0.5 * (z + counts[k])
    z += M * _sigma(counts[0] / M)
    return _ALPHA_INF * M * M / z


# Fills ``sketch`` of the DailyPeople rows of the refreshed pairs (``analytics_pairs``), of the rows
# whose key is in a ``changed`` table (a batch: the keys whose users went or came), or of every
# row (``everything``: the migration that added the column), from their ``ActiveUser`` rows. Raw
# SQL over table names so that the migration can run it against the schema as it was then. Each
# row's users are read by its key (the ``ActiveUser`` unique index): a join of the few changed
# keys to the tables let the planner, expecting one user per key, scan every DailyPeople row.
_PEOPLE_USERS = """
SELECT dp.id, ARRAY(
    SELECT a.user_key FROM {active} a
    WHERE a.day = dp.day AND a.assistant_id = dp.assistant_id AND a.variant = dp.variant
      AND a.feature = dp.feature AND a.language = dp.language AND a.department = dp.department
      AND a.dim1 = dp.dim1 AND a.dim2 = dp.dim2 AND a.dim3 = dp.dim3
) FROM {people} dp {rows}
"""
_PAIRS = "JOIN analytics_pairs p ON p.assistant_id = dp.assistant_id AND p.day = dp.day"
_CHANGED = """JOIN (SELECT DISTINCT day, assistant_id, variant, feature, language, department, dim1, dim2, dim3
      FROM {changed}) c
    ON c.day = dp.day AND c.assistant_id = dp.assistant_id AND c.variant = dp.variant AND c.feature = dp.feature
    AND c.language = dp.language AND c.department = dp.department AND c.dim1 = dp.dim1 AND c.dim2 = dp.dim2
    AND c.dim3 = dp.dim3"""
_CHUNK = 2000  # rows per UPDATE: their sketches are computed together (2000 x 4 KiB at most)
_UPDATE = (
    "UPDATE {people} dp SET sketch = v.sketch FROM unnest(%s::bigint[], %s::bytea[]) v(id, sketch) WHERE dp.id = v.id"
)


def sketches_fill(
    cursor: CursorWrapper, *, people: str, active: str, everything: bool = False, changed: str | None = None
) -> int:
    names = {"people": sql.Identifier(people), "active": sql.Identifier(active)}
    if everything:
        scope: sql.Composable = sql.SQL("")
    elif changed is not None:
        scope = sql.SQL(_CHANGED).format(changed=sql.Identifier(changed))
    else:
        scope = sql.SQL(_PAIRS)
    cursor.execute(sql.SQL(_PEOPLE_USERS).format(rows=scope, **names))
    # Every row counts at least one user (the pairs' rows are recounted from them).
    rows = [(row_id, keys) for row_id, keys in cursor.fetchall() if keys]
    for start in range(0, len(rows), _CHUNK):
        chunk = rows[start : start + _CHUNK]
        sketches = sketches_each([keys for _, keys in chunk])
        cursor.execute(sql.SQL(_UPDATE).format(**names), [[row_id for row_id, _ in chunk], sketches])
    return len(rows)
