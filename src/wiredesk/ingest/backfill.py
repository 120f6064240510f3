"""Backfill: ingest many deliveries of one feed at once (an archive, a first import).

Preparing a delivery (parse, normalize, classify, MinHash) is most of the
cost and needs no database, so worker processes do it, one delivery each,
while this process stores the prepared deliveries in their original order: a
batch of deliveries a transaction (2,000 stories, or a second), each delivery
in a savepoint of its own, a run of new stories with a few statements
(stories.services.store_items), the search and band indexes written once a
batch (a `stories.storage.Batch` passed down). The outcome is what ingesting the deliveries one by one would give.
"""

from __future__ import annotations

import gc
import os
import time
from collections import Counter, deque
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

from django.db import transaction

from wiredesk.sources.models import Feed
from wiredesk.stories import storage
from wiredesk.stories.storage.bulk_load import bulk_load
from wiredesk.wire.formats import MAX_DELIVERY_BYTES

from .pipeline import IngestReport, prepare_options, store_prepared
from .prepare import PreparedDelivery, PrepareOptions, prepare, start_worker

BATCH_STORIES = 2_000  # stories a transaction (benchmarks/ingest.py)
BATCH_SECONDS = 1.0  # a transaction at most
GC_ALLOCATIONS = 50_000  # between collections in the storing process (Python's: 700)
WORKER_NICE = 10  # added to the preparing workers' niceness
AHEAD = 16  # deliveries in flight a worker: the cores stay busy while a batch commits (4: 7% idle)


@dataclass
class BackfillReport:
    """What a backfill did: deliveries read and refused, and counts by action."""

    deliveries: int = 0
    quarantined: int = 0
    actions: Counter = field(default_factory=Counter)

    def add(self, report: IngestReport) -> None:
        self.deliveries += 1
        self.quarantined += not report.ok
        self.actions.update(report.actions)


def backfill(
    feed: Feed,
    deliveries: Iterable[tuple[str, bytes]],
    workers: int | None = None,
    on_stored: Callable[[IngestReport], None] | None = None,
) -> BackfillReport:
    """Ingest `deliveries` ((origin, bytes) pairs, in order) of `feed`.

    `workers` processes prepare them (default: one a core: with one fewer,
    this process, which stores, waited for them, docs/benchmarks.md;
    0 prepares here).
    """
    with _collecting_less(), bulk_load() as committed:
        return _backfill(feed, deliveries, workers, on_stored, committed)


@contextmanager
def _collecting_less() -> Iterator[None]:
    """Run the garbage collector less often in this process during a backfill.

    Storing a story makes a few dozen objects that reference counting frees;
    the collector still ran every 700 allocations and now and then walked
    every object alive (Django's own included). With what exists at the start
    left out of its walks (`gc.freeze`) and 50,000 allocations between
    collections, the storing process spends less a story (docs/benchmarks.md).
    """
    thresholds = gc.get_threshold()
    # A process that froze objects itself (a server, before forking) keeps them frozen.
    ours = gc.get_freeze_count() == 0
    if ours:
        gc.freeze()
    gc.set_threshold(GC_ALLOCATIONS, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        if ours:
            gc.unfreeze()


def _backfill(
    feed: Feed,
    deliveries: Iterable[tuple[str, bytes]],
    workers: int | None,
    on_stored: Callable[[IngestReport], None] | None,
    committed: Callable[[], None],
) -> BackfillReport:
    workers = (os.cpu_count() or 1) if workers is None else workers
    total = BackfillReport()
    with closing(_prepared(deliveries, prepare_options(feed), workers)) as stream:
        entry = next(stream, None)
        while entry is not None:
            # Deliveries in batches a transaction, each delivery in a savepoint
            # of its own: what one delivery writes still lands whole or not at all.
            with transaction.atomic(), storage.batch() as batch:
                started, count = time.monotonic(), 0
                while entry is not None:
                    origin, data, prepared = entry
                    report = store_prepared(feed, data, origin, prepared, batch=batch)
                    total.add(report)
                    if on_stored:
                        on_stored(report)
                    count += len(prepared.items)
                    entry = next(stream, None)
                    if _batch_done(feed, count, started):
                        break
            committed()
    return total


def _batch_done(feed: Feed, stories: int, started: float) -> bool:
    # A feed that fetches each story's article would hold the transaction open
    # during the fetches: its deliveries commit one by one. Otherwise a commit
    # every 2,000 stories, or every second, so that readers see the progress.
    return feed.full_text or stories >= BATCH_STORIES or time.monotonic() - started >= BATCH_SECONDS


def _prepared(
    deliveries: Iterable[tuple[str, bytes]], options: PrepareOptions, workers: int
) -> Generator[tuple[str, bytes, PreparedDelivery]]:
    """Yield (origin, bytes, prepared delivery) in the deliveries' order."""
    if workers == 0:
        for origin, data in deliveries:
            yield origin, data, prepare(data, options, signatures=True)
        return
    # "spawn": the workers import only the pure wire code, never this
    # process's database connections. Niced: when the cores are all busy, the
    # one process that stores (and that everything waits for) goes first.
    spawn = get_context("spawn")
    with ProcessPoolExecutor(
        workers, spawn, initializer=start_worker, initargs=(WORKER_NICE,)
    ) as pool:
        pending: deque[tuple[str, bytes, Future]] = deque()
        for origin, data in deliveries:
            pending.append((origin, data, pool.submit(prepare, data, options, True)))
            if len(pending) >= workers * AHEAD:
                origin, data, future = pending.popleft()
                yield origin, data, future.result()
        while pending:
            origin, data, future = pending.popleft()
            yield origin, data, future.result()


def read_files(paths: Iterable[Path]) -> Iterable[tuple[str, bytes]]:
    """Yield (name, bytes) of every file under `paths`, by name; hidden files are skipped."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(
                p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")
            )
        else:
            files.append(path)
    for path in files:
        with path.open("rb") as file:
            # One byte over the limit is enough for the parser to refuse it (and
            # quarantine why); the file itself stays where it is.
            yield path.name, file.read(MAX_DELIVERY_BYTES + 1)
