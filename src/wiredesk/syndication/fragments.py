"""Rendered feed items kept by story version: a change renders one item again, not the feed.

Most of rendering a feed of fifty full-text stories is building and writing
the fifty items (docs/benchmarks.md); between two changes those items
are the same bytes. Each web worker keeps every item it renders, keyed by what
the item is made of (the feed's format, the story's id, version count, last
change and slug, its agency's byline and disclaimer, and its lead picture), so
a feed request reads fifty small rows and joins kept strings. Nothing here
depends on the content generation: a new story renders one item, the forty-nine
others are kept. A killed story is simply no longer listed.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable
from typing import Any

from wiredesk.metrics.instruments import CacheCounter

MAX_ITEMS = 4096  # per worker and format: about 12 MB of full-text items at most


class FragmentStore:
    """A bounded map from an item's key to its rendered text; the first kept is dropped first."""

    def __init__(self, max_items: int = MAX_ITEMS, layer: str = "fragments") -> None:
        self.max_items = max_items
        self.counts = CacheCounter(layer)
        self.kept: dict[Hashable, Any] = {}
        self.lock = threading.Lock()  # only around changes; reads need none

    def get(self, key: Hashable) -> Any:
        text = self.kept.get(key)
        if text is None:
            self.counts.miss()
        else:
            self.counts.hit()
        return text

    def put(self, key: Hashable, text: Any) -> None:
        with self.lock:
            self.kept.pop(key, None)
            while len(self.kept) >= self.max_items:
                self.kept.pop(next(iter(self.kept)))
            self.kept[key] = text

    def clear(self) -> None:
        with self.lock:
            self.kept.clear()


store = FragmentStore()
# Each feed's frame (the head before its items, what follows them), keyed by all
# it shows: the listing, its newest change, its recent kills, the site's names.
frames = FragmentStore(max_items=256, layer="frames")
