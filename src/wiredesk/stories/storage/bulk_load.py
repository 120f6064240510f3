"""SQLite's settings for a bulk load (a backfill), and putting them back after.

Measured in benchmarks/ingest.py; PostgreSQL needs none of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import connection
from django.db.backends.utils import CursorWrapper

from .checkpoints import BackgroundCheckpoints
from .search_index import TABLES, entries, optimize
from .statistics import analyze

RESTART_LOG_BYTES = 128 * 2**20  # of write-ahead log, then it starts again (benchmarks/ingest.py)
BULK_CACHE_SIZE = -262_144  # KiB: 256 MB
BULK_AUTOMERGE, LIVE_AUTOMERGE = 16, 4  # FTS5 segments merged at once (4 is its default)
LIVE_LEAF_BYTES = 4050  # FTS5's own leaf size ("pgsz")
# A load that wrote at least this share of the search index's entries merges
# it into one segment after (see _worth_merging).
MERGE_SHARE = 0.1


@contextmanager
def bulk_load() -> Iterator[Callable[[], None]]:
    """On SQLite, tune the writer for a long run of large transactions, then tidy up.

    Yield what to call after each commit.

    - Checkpoint the write-ahead log in a thread of its own after each
      commit (checkpoints.py), not in this one every 1,000 pages; start the
      log again every 128 MB or so (a longer log is slower: every read
      searches it, and never starting it again made each commit several
      times slower: docs/benchmarks.md).
    - A 256 MB page cache for the writer (SQLite's default is 2 MB): the
      indexes being written stay in memory.
    - FTS5 merges the search index's segments sixteen at a time instead of
      four: each story's entries are rewritten about half as often
      (at 100,000 stories, merging was the largest cost of a commit). Live
      ingest merges four at a time again afterwards.
    - A load that wrote a tenth of the search index or more leaves it merged
      into one segment (FTS5's 'optimize', with the live leaf size): a
      search looks each word up in every segment, and a backfill leaves
      many.
    """
    if connection.vendor != "sqlite":
        yield lambda: None
        analyze()  # before autovacuum gets to it (statistics.py)
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (cache_size,) = cursor.fetchone()
        cursor.execute("PRAGMA page_size")
        page_size = int(cursor.fetchone()[0])
        cursor.execute(f"PRAGMA cache_size = {BULK_CACHE_SIZE}")
        before = entries()
        _set_automerge(cursor, BULK_AUTOMERGE)
        _set_leaf_size(cursor, _bulk_leaf_bytes(page_size))
        checkpoints = _background_checkpoints(cursor, page_size)
    if checkpoints is not None:
        checkpoints.start()
    finished = False
    try:
        yield checkpoints.committed if checkpoints is not None else lambda: None
        finished = True
    finally:
        if checkpoints is not None:
            checkpoints.stop()
        with connection.cursor() as cursor:
            _set_automerge(cursor, LIVE_AUTOMERGE)
            _set_leaf_size(cursor, LIVE_LEAF_BYTES)
            # Not after a load that failed or was stopped: it is run again,
            # and an interrupted one should not then wait for a rewrite.
            if finished and _worth_merging(before, entries()):
                # After the leaf size is set back: merged into the live size's
                # leaves, the index searched faster than into the load's
                # (docs/benchmarks.md).
                optimize()
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            cursor.execute("PRAGMA wal_autocheckpoint = 1000")
            cursor.execute(f"PRAGMA cache_size = {int(cache_size)}")
        analyze()  # the tables grew: plans chosen on the old statistics may be poor


def _worth_merging(before: int, after: int) -> bool:
    """Say whether a load that took the search index from `before` entries to `after`
    should merge it into one segment.

    'optimize' rewrites the whole index, so its cost is the index's size, not
    the load's: after a first import or a large backfill it is a small part of
    the load's own time, but a backfill of a few thousand stories into a
    million would rewrite the million. Such a load leaves a few small
    segments beside the large one; `wiredesk optimize_search` merges them
    when an operator chooses.
    """
    added = after - before
    return added > 0 and added >= MERGE_SHARE * after


def _background_checkpoints(cursor: CursorWrapper, page_size: int) -> BackgroundCheckpoints | None:
    """Return a checkpointer for this database's log (None: not a file in WAL mode)."""
    cursor.execute("PRAGMA journal_mode")
    (mode,) = cursor.fetchone()
    cursor.execute("PRAGMA database_list")
    path = next((file for _, name, file in cursor.fetchall() if name == "main"), "")
    if mode.lower() != "wal" or not path:
        return None
    cursor.execute("PRAGMA wal_autocheckpoint = 0")  # restored to 1,000 pages after
    return BackgroundCheckpoints(path, page_size, RESTART_LOG_BYTES, _checkpoint_here)


def _checkpoint_here() -> None:
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
        cursor.fetchone()


def _bulk_leaf_bytes(page_size: int) -> int:
    # The search index's FTS5 leaves as large as a database page holds without
    # overflow, where its own 4,050 bytes put eight in each of our 32 KB pages:
    # fewer rows and b-tree entries a batch writes. Not the band index's: a
    # lookup reads a leaf for each of a delivery's 1,800 keys, and larger
    # leaves made the second agency's backfill slower (docs/benchmarks.md).
    # A 4 KB-page database keeps 4,050.
    return max(LIVE_LEAF_BYTES, page_size - 1024)


def _set_leaf_size(cursor: CursorWrapper, size: int) -> None:
    for table in TABLES:
        cursor.execute(f"INSERT INTO {table} ({table}, rank) VALUES ('pgsz', %s)", [size])


def _set_automerge(cursor: CursorWrapper, segments: int) -> None:
    for table in TABLES:
        cursor.execute(f"INSERT INTO {table} ({table}, rank) VALUES ('automerge', %s)", [segments])
