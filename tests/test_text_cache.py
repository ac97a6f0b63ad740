"""The scenario caches are bounded in bytes, not in entries: a few huge texts cannot fill memory."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from coach.text_cache import ENTRY_OVERHEAD, TextCache


def counting_cache(max_bytes: int, factor: int = 1) -> tuple[TextCache[int], list[str]]:
    computed: list[str] = []

    def compute(text: str) -> int:
        computed.append(text)
        return len(text)

    return TextCache(compute, max_bytes, factor), computed


def test_a_text_is_computed_once_while_it_stays_cached() -> None:
    cache, computed = counting_cache(10 * ENTRY_OVERHEAD)
    assert [cache.get("abc"), cache.get("abc"), cache.get("de")] == [3, 3, 2]
    assert computed == ["abc", "de"]


def test_the_estimated_size_never_passes_the_budget_and_the_least_recently_used_go_first() -> None:
    text_bytes = 100_000
    budget = 3 * (ENTRY_OVERHEAD + 2 * text_bytes)
    cache, computed = counting_cache(budget, factor=2)
    texts = [str(n) * text_bytes for n in range(5)]
    cache.get(texts[0]), cache.get(texts[1]), cache.get(texts[2])
    cache.get(texts[0])  # used again: texts[1] is now the oldest
    cache.get(texts[3])
    assert len(cache) == 3 and cache.size <= budget
    computed.clear()
    cache.get(texts[0]), cache.get(texts[2]), cache.get(texts[3])
    assert computed == []
    cache.get(texts[1])
    assert computed == [texts[1]]


def test_a_text_too_big_for_the_budget_is_computed_but_not_kept() -> None:
    cache, computed = counting_cache(ENTRY_OVERHEAD + 1000)
    huge = "x" * 2000
    assert cache.get(huge) == 2000 and cache.get(huge) == 2000
    assert computed == [huge, huge] and len(cache) == 0 and cache.size == 0


def test_many_sessions_at_once_keep_the_accounts_straight() -> None:
    cache, _ = counting_cache(20 * (ENTRY_OVERHEAD + 500))
    texts = [f"{n:03d}" * 100 for n in range(60)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(cache.get, texts * 5))
    assert results == [len(text) for text in texts * 5]
    assert cache.size == sum(cache.cost(text) for text in cache._entries) <= cache.max_bytes
