"""Values worked out once for the content generation, in this process.

A story page needs a few things that change only when content does (is any
story linked to a translation? the page's chrome in each language): worked
out at every request they cost more than the story's own read. Kept here by
key, they are forgotten at once when the generation moves (site/generation.py),
so a kill, a link between two stories or any other change is seen by the next
request, as with cached pages.

Where no clock is shared with every writer (a server database without Redis:
site/generation.py, `shared_safely`), or while Redis's copy is not current,
nothing is kept: each value is worked out afresh.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from .generation import generation_clock, shared_safely

T = TypeVar("T")


def current_token() -> bytes | None:
    """Return the content generation as this process sees it, or None when nothing may be kept."""
    return generation_clock().current() if shared_safely() else None


class PerGeneration(Generic[T]):
    """Values by key, each made once for the current content generation."""

    def __init__(self, max_keys: int = 64) -> None:
        self.max_keys = max_keys
        self._token: bytes | None = None
        self._values: dict[Hashable, T] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], T]) -> T:
        """Return the value kept for `key` in the current generation, else `make()`'s, kept."""
        # The token is read before the value is made: a change committed while
        # it is made moves the token after, and the next request makes it again.
        token = current_token()
        if token is None:
            return make()
        if token == self._token:
            try:
                return self._values[key]
            except KeyError:
                pass
        value = make()
        with self._lock:
            if token != self._token:
                self._token, self._values = token, {}
            if len(self._values) >= self.max_keys:
                self._values.clear()
            self._values[key] = value
        return value

    def forget(self) -> None:
        """Drop every kept value (a change made in this process, before its commit moves the token)."""
        with self._lock:
            self._token, self._values = None, {}
