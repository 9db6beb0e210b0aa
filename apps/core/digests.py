"""Per-process caches of results computed from texts, keyed by a digest of the text.

A worker remembers what it computed for a text (findings, a sentiment score) across batches,
because chat repeats itself ("ok thanks", canned answers), without keeping the text: the key is a
128-bit digest, and a reader can only look up a text it already has.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import TypeVar

V = TypeVar("V")


def text_digest(text: str) -> bytes:
    """128-bit blake2b of the text (lone surrogates included, as received)."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


class LRUCache(OrderedDict[bytes, V]):
    """A bounded mapping that forgets the least recently used entry: memory stays flat over a
    long-running worker. Reading an entry (``cache[key]`` or ``get``) counts as a use."""

    def __init__(self, maxsize: int) -> None:
        super().__init__()
        self.maxsize = maxsize

    def __getitem__(self, key: bytes) -> V:
        value = super().__getitem__(key)
        self.move_to_end(key)
        return value

    def get(self, key: bytes, default: V | None = None) -> V | None:  # type: ignore[override]
        if key not in self:
            return default
        self.move_to_end(key)
        return super().__getitem__(key)

    def __setitem__(self, key: bytes, value: V) -> None:
        super().__setitem__(key, value)
        self.move_to_end(key)
        while len(self) > self.maxsize:
            self.popitem(last=False)
