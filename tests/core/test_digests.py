"""The per-process text caches' shared pieces (apps/core/digests.py)."""

from apps.core.digests import LRUCache, text_digest


def test_a_digest_is_of_the_text_and_keeps_lone_surrogates_apart() -> None:
    assert text_digest("ok thanks") == text_digest("ok thanks")
    assert len(text_digest("ok thanks")) == 16
    assert text_digest("a\ud800") != text_digest("a\ud801")


def test_the_least_recently_used_entry_goes_first_and_get_counts_as_a_use() -> None:
    cache: LRUCache[int] = LRUCache(maxsize=2)
    cache[b"a"], cache[b"b"] = 1, 2
    assert cache.get(b"a") == 1  # a is now the most recent
    cache[b"c"] = 3
    assert list(cache) == [b"a", b"c"]
    assert cache[b"a"] == 1
    cache[b"d"] = 4
    assert list(cache) == [b"a", b"d"]
    assert cache.get(b"zz") is None
    assert cache.get(b"zz", 7) == 7
