"""A cache of results computed from texts (scenario checks, autoplays), bounded in bytes.

Scenario texts reach 1 MiB and a parsed one takes about 40 times its text in memory, so a
cache bounded by entries alone could hold gigabytes; this one keeps the most recently used
results while their estimated size stays under a budget. Thread-safe: one instance serves
every session of a process.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

Result = TypeVar("Result")

ENTRY_OVERHEAD = 16 * 1024  # bytes counted for every entry, whatever its text


class TextCache(Generic[Result]):
    def __init__(self, compute: Callable[[str], Result], max_bytes: int, bytes_per_text_byte: int) -> None:
        self._compute = compute
        self.max_bytes = max_bytes
        self._factor = bytes_per_text_byte
        self._entries: OrderedDict[str, tuple[Result, int]] = OrderedDict()
        self._lock = threading.Lock()
        self.size = 0  # estimated bytes held

    def cost(self, text: str) -> int:
        return ENTRY_OVERHEAD + self._factor * len(text.encode("utf-8"))

    def get(self, text: str) -> Result:
        with self._lock:
            hit = self._entries.get(text)
            if hit is not None:
                self._entries.move_to_end(text)
                return hit[0]
        result = self._compute(text)  # outside the lock: two sessions may compute the same text once each
        cost = self.cost(text)
        if cost > self.max_bytes:
            return result  # too big to keep at all
        with self._lock:
            if text not in self._entries:
                self._entries[text] = (result, cost)
                self.size += cost
            while self.size > self.max_bytes:
                _, (_, evicted) = self._entries.popitem(last=False)
                self.size -= evicted
        return result

    def __contains__(self, text: str) -> bool:
        with self._lock:
            return text in self._entries

    def __len__(self) -> int:
        return len(self._entries)
