"""A batch: index writes held until the end of many deliveries stored in one transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from . import band_index, search_index


class Batch:
    """Index changes of a batch of deliveries, written together when it ends.

    For a backfill: FTS5 writes what it holds as a new segment at every
    savepoint and merges segments as they pile up, so a hundred stories a
    savepoint cost more to index than the storing of them
    (benchmarks/ingest.py). Passed down to every write of the batch (`batch=`);
    without one, each write goes to the indexes at once.
    """

    def __init__(self) -> None:
        self.search: dict[int, bool] = {}  # story id -> new (no entry to replace)
        self.bands: dict[int, list[int]] = {}  # story id -> its band keys

    def write(self) -> None:
        """Write what the batch holds, inside the transaction that stored its stories."""
        search_index.write_held(self.search)
        band_index.write_held(self.bands)
        self.search, self.bands = {}, {}


@contextmanager
def batch() -> Iterator[Batch]:
    """Give a Batch to pass down, and write it at the end (inside the caller's transaction).

    When the block raises, nothing is written: its transaction is rolled back anyway.
    """
    held = Batch()
    yield held
    held.write()
