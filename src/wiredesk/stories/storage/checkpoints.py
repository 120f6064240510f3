"""Checkpoint SQLite's write-ahead log beside a backfill, out of the storing thread's way.

A checkpoint copies the log's pages into the database file and syncs both
files: every few batches, for a while that grew with the database, the
storing process, and everything waiting for it, stood still
(docs/benchmarks.md). Here a thread of its own, on a connection of its
own, copies each batch's pages as soon as it is committed (a PASSIVE
checkpoint: it never waits for, nor blocks, a reader or a writer; SQLite's
module releases the GIL while it runs). The log must also start again from
its beginning now and then (a log that only grows made every commit several
times slower), which SQLite does at a write only when every page of the log
has been copied: so once the log is past `restart_bytes`, the storing
thread checkpoints itself after a commit, copying only the last batch's
pages, and its next write starts the log again.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable

log = logging.getLogger("wiredesk.ingest")


class BackgroundCheckpoints:
    """Checkpoint the log of the SQLite database at `path` after each commit."""

    def __init__(
        self, path: str, page_size: int, restart_bytes: int, checkpoint_here: Callable[[], None]
    ) -> None:
        self.path = path
        self.checkpoint_here = checkpoint_here  # on the storing thread's own connection
        self.page_size = page_size
        self.restart_bytes = restart_bytes
        self._log_pages = 0  # of the log, at the last checkpoint
        self._wake = threading.Event()
        self._stopping = False
        self._one_at_a_time = threading.Lock()  # SQLite allows one checkpointer
        self._thread = threading.Thread(target=self._run, name="wal-checkpoints", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def committed(self) -> None:
        """Say the storing thread committed a transaction."""
        if self._log_pages * self.page_size < self.restart_bytes:
            self._wake.set()
            return
        with self._one_at_a_time:
            self.checkpoint_here()
        self._log_pages = 0

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        self._thread.join()

    def _run(self) -> None:
        # A plain connection: no Django settings or connection handling are needed
        # to checkpoint, and this thread must never hold the storing connection.
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            while True:
                self._wake.wait()
                self._wake.clear()
                if self._stopping:
                    return
                try:
                    with self._one_at_a_time:
                        _, pages, _ = db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                except sqlite3.Error as exc:  # the storing thread checkpoints instead
                    log.warning("background checkpoint failed: %s", exc)
                    continue
                self._log_pages = max(pages, 0)  # -1: not in WAL mode
        finally:
            db.close()
