"""A small per-process TTL cache for hot, rarely-changing lookups (credentials -> principal)."""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class TtlCache(Generic[V]):
    """Entries live `ttl` seconds; the oldest are dropped past `max_entries`. TTL 0 disables it."""

    def __init__(self, ttl: float, max_entries: int = 10_000) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: dict[Hashable, tuple[float, V]] = {}

    def get(self, key: Hashable) -> V | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires, value = entry
        if expires < time.monotonic():
            self._entries.pop(key, None)
            return None
        return value

    def put(self, key: Hashable, value: V) -> None:
        if self.ttl <= 0:
            return
        if len(self._entries) >= self.max_entries:
            # Dicts keep insertion order: drop the oldest tenth in one go.
            for stale in list(self._entries)[: self.max_entries // 10 or 1]:
                self._entries.pop(stale, None)
        self._entries[key] = (time.monotonic() + self.ttl, value)

    def discard_where(self, predicate: Callable[[V], bool]) -> None:
        """Drop every entry whose value satisfies `predicate`."""
        for key in [k for k, (_, v) in self._entries.items() if predicate(v)]:
            self._entries.pop(key, None)

    def clear(self) -> None:
        self._entries.clear()
