"""The counters and histograms Wiredesk keeps, defined once (docs/deploy.md, Metrics).

Labels are small closed sets (a feed's slug, an outcome, a cache layer, a
surface), never a path or a story: each label value is a series Prometheus
keeps for good. Gauges that the database can answer (the outbox, the
quarantine, a feed's health) are read at scrape time instead (desk/gauges.py),
so they are right whichever process is asked.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from prometheus_client import Counter, Histogram, disable_created_metrics

# No `_created` series beside each counter and histogram: Prometheus never reads them.
disable_created_metrics()

# What happened to a delivery, an item or a story (ingest/measures.py says which is which).
OUTCOMES = ("published", "updated", "held", "killed", "unchanged", "kept", "refused", "quarantined")
# Cache layers, from the reader in: the fast path and the revalidated answers
# before Django, the page cache, searches and the API's lists kept by
# generation, and the feeds' rendered items and frames.
CACHE_LAYERS = ("fastpath", "revalidated", "page", "search", "api", "fragments", "frames")
# Where a request that reached Django went (site/timing.py).
SURFACES = ("page", "search", "api", "feed", "desk", "admin", "push", "metrics", "other")

# Arrival to publication: a few milliseconds to an agency's publishing delay.
PUBLICATION_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900)
# A kill must leave every surface within the second (docs/design.md, What it is for).
KILL_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
POLL_BUCKETS = (0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
REQUEST_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

DELIVERIES = Counter(
    "wiredesk_deliveries",
    "Deliveries taken, by feed and what became of them.",
    ["feed", "outcome"],
)
ITEMS = Counter(
    "wiredesk_items",
    "Items of deliveries, by feed and what became of each.",
    ["feed", "outcome"],
)
STORIES = Counter(
    "wiredesk_stories",
    "New stories, by feed and whether they were published, held or killed before they showed.",
    ["feed", "outcome"],
)
PUBLICATION_SECONDS = Histogram(
    "wiredesk_publication_seconds",
    "From a delivery's arrival to its stories' publication being committed.",
    ["feed"],
    buckets=PUBLICATION_BUCKETS,
)
KILL_SECONDS = Histogram(
    "wiredesk_kill_seconds",
    "From a kill to the story gone: every receiver of the change (page cache, CDN purge) done.",
    buckets=KILL_BUCKETS,
)
POLL_SECONDS = Histogram(
    "wiredesk_poll_seconds",
    "How long a poll of a feed took, what it brought stored.",
    ["feed"],
    buckets=POLL_BUCKETS,
)
POLL_FAILURES = Counter(
    "wiredesk_poll_failures",
    "Polls of a feed that failed (the transport's error).",
    ["feed"],
)
CACHE_REQUESTS = Counter(
    "wiredesk_cache_requests",
    "Lookups in each cache layer, by result (hit or miss).",
    ["layer", "result"],
)
REQUEST_SECONDS = Histogram(
    "wiredesk_request_seconds",
    "Requests that reached Django, by surface (answers sent before Django are cache hits).",
    ["surface"],
    buckets=REQUEST_BUCKETS,
)


class CacheCounter:
    """A cache layer's hits and misses, added to the shared counters in batches.

    Counting sits on the fastest paths: a shared counter in multiprocess mode
    costs a lock and a write to a mapped file, more than a fast-path answer's
    own lookup. Counts wait in the object until `BATCH` of one kind are pending
    or a second has passed since the last flush (checked at the next count),
    and `/metrics` flushes this process's before it answers.
    """

    BATCH = 64
    SECONDS = 1.0
    __slots__ = ("due", "layer", "pending", "shared")

    def __init__(self, layer: str) -> None:
        if layer not in CACHE_LAYERS:
            raise ValueError(f"unknown cache layer {layer!r}; one of {CACHE_LAYERS}")
        self.layer = layer
        self.shared = (CACHE_REQUESTS.labels(layer, "hit"), CACHE_REQUESTS.labels(layer, "miss"))
        self.pending = [0, 0]
        self.due = 0.0
        _BATCHED.append(self)

    def hit(self) -> None:
        self._add(0)

    def miss(self) -> None:
        self._add(1)

    def _add(self, which: int) -> None:
        pending = self.pending
        pending[which] += 1
        # Threads of one worker may lose a count here, never the shared total.
        if pending[which] >= self.BATCH or time.monotonic() >= self.due:
            self.flush()

    def flush(self) -> None:
        """Add what is pending to the shared counters."""
        pending, self.pending = self.pending, [0, 0]
        self.due = time.monotonic() + self.SECONDS
        for counter, number in zip(self.shared, pending, strict=True):
            if number:
                counter.inc(number)


_BATCHED: list[CacheCounter] = []


def flush_cache_counts() -> None:
    """Add every cache layer's pending counts of this process to the shared counters."""
    for counter in _BATCHED:
        counter.flush()


def count_outcomes(counter: Counter, feed: str, outcomes: Iterable[str]) -> None:
    """Add one to `counter` for each outcome, by feed."""
    totals: dict[str, int] = {}
    for outcome in outcomes:
        totals[outcome] = totals.get(outcome, 0) + 1
    for outcome, number in totals.items():
        counter.labels(feed, outcome).inc(number)
