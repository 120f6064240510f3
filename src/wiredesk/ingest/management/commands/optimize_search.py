"""`wiredesk optimize_search`: merge the search index into one segment (SQLite)."""

import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import connection

from wiredesk.stories.storage import search_index


class Command(BaseCommand):
    help = (
        "Merge SQLite's search index into one segment (FTS5's 'optimize'): searches look "
        "each word up in every segment. A backfill that adds a tenth of the index or more "
        "does this itself; run it after smaller ones. It rewrites the whole index and holds "
        "the write lock while it does (docs/deploy.md). Nothing to do on PostgreSQL."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "sqlite":
            self.stdout.write("optimize_search: nothing to do (PostgreSQL keeps its own index)")
            return
        before = search_index.segments()
        started = time.monotonic()
        search_index.optimize()
        seconds = time.monotonic() - started
        self.stdout.write(
            f"optimize_search: {search_index.entries():,} stories; segments: {before} before, "
            f"{search_index.segments()} after ({seconds:.1f} s)"
        )
