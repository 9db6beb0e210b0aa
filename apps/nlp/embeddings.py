"""Static sentence embeddings: a NumPy lookup table instead of a transformer.

``data/minilm_static.npy`` holds one 256-d float16 vector per WordPiece token, distilled with
model2vec from sentence-transformers all-MiniLM-L6-v2 (see
``scripts/nlp_distill_static_embeddings.py``). Token vectors carry Zipf weighting in their
norm, so frequent words ("the", "?") count for little in a mean. Runtime needs NumPy and
``tokenizers`` only; encoding is ~100x faster than running MiniLM and loses a few points.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

DATA_DIR = Path(__file__).resolve().parent / "data"
# Long messages are cut: the request is in the first sentences, and tokenising 50 kB costs ms.
MAX_CHARS = 2000
MAX_TOKENS = 256
# The table and its tokenizer (file names inside DATA_DIR); tests/benchmarks may point them elsewhere
# and call ``_table.cache_clear()`` to compare teachers.
TABLE_FILE = "minilm_static.npy"
TOKENIZER_FILE = "minilm_tokenizer.json"


@lru_cache(maxsize=1)
def _table() -> tuple[Any, np.ndarray]:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(DATA_DIR / TOKENIZER_FILE))
    tokenizer.no_padding()
    tokenizer.enable_truncation(MAX_TOKENS)
    vectors = np.load(DATA_DIR / TABLE_FILE).astype(np.float32)
    return tokenizer, vectors


def warm_up() -> None:
    """Load the tokenizer and the table now rather than inside the first call (~0.15 s)."""
    _table()


def token_ids(texts: list[str]) -> list[list[int]]:
    tokenizer, _ = _table()
    # The same ids without character offsets, which nothing here reads (~10 % cheaper).
    encode = getattr(tokenizer, "encode_batch_fast", tokenizer.encode_batch)
    encodings = encode([(t or "")[:MAX_CHARS] for t in texts], add_special_tokens=False)
    return [e.ids for e in encodings]


_unit: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # (table it was made from, units, norms)


def unit_vectors() -> tuple[np.ndarray, np.ndarray]:
    """Every token's unit vector as float16 would store it (in a float32 array) and its norm
    (the Zipf weight), one more all-zero row of weight 0 at the end for padding: ``pad_id()``.

    Made once per table (~30 MB) rather than per text: a text's token vectors are then rows of
    it, gathered where a computation needs them. Computed row by row exactly as for one text's
    tokens, so a row is the same whether it comes from here or from ``token_vectors``.
    """
    global _unit
    _, vectors = _table()
    if _unit is None or _unit[0] is not vectors:
        norms = np.linalg.norm(vectors, axis=1)
        units = (vectors / np.maximum(norms, 1e-6)[:, None]).astype(np.float16).astype(np.float32)
        zero = np.zeros((1, vectors.shape[1]), dtype=np.float32)
        _unit = (vectors, np.vstack([units, zero]), np.concatenate([norms, [0.0]]).astype(np.float32))
    return _unit[1], _unit[2]


def pad_id() -> int:
    """The row of ``unit_vectors`` that pads: a zero vector of weight 0."""
    return int(_table()[1].shape[0])


def token_vectors(ids: list[int]) -> np.ndarray:
    """Unnormalised (Zipf-weighted) vectors of the given tokens, shape (n, dim)."""
    return _table()[1][ids]


def dim() -> int:
    return int(_table()[1].shape[1])


def embed(texts: list[str]) -> np.ndarray:
    """L2-normalised mean of token vectors, shape (len(texts), dim); zero rows for empty texts."""
    return embed_token_ids(token_ids(texts))


def embed_token_ids(ids: list[list[int]]) -> np.ndarray:
    """``embed`` of already tokenised texts (callers that also need the token ids tokenise once)."""
    _, vectors = _table()
    lengths = np.fromiter((len(i) for i in ids), dtype=np.int64, count=len(ids))
    if lengths.sum() == 0:
        return np.zeros((len(ids), vectors.shape[1]), dtype=np.float32)
    flat = np.fromiter((t for i in ids for t in i), dtype=np.int64, count=int(lengths.sum()))
    # A (texts x vocabulary) count matrix times the table: each text's sum of token vectors
    # without materialising one 256-d row per token (30x faster than the scatter np.add.at).
    indptr = np.concatenate(([0], np.cumsum(lengths)))
    counts = sparse.csr_matrix((np.ones(len(flat), dtype=np.float32), flat, indptr), shape=(len(ids), vectors.shape[0]))
    out = np.asarray(counts @ vectors, dtype=np.float32)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    np.divide(out, norms, out=out, where=norms > 0)
    return out
