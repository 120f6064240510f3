"""Planner statistics: SQLite chooses good plans for the story lists only with them.

Without statistics SQLite takes every index lookup to be selective, so "state
is published" looks cheap and a list of 20 stories becomes a sort of every
story (docs/benchmarks.md). `ANALYZE` runs after migrations, after a backfill
and hourly in the ingest loop. PostgreSQL's autovacuum keeps its own, but only
some time after a bulk load: a feed read right after a backfill of 1,000,000
stories took its filter for a rare one and read every story
(docs/benchmarks.md), so it is asked too.
"""

from __future__ import annotations

import time

from django.db import connection

EVERY_SECONDS = 3600
_last = {"at": 0.0}


def analyze() -> None:
    """Refresh the planner's statistics (a sample of each table on PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    _last["at"] = time.monotonic()


def analyze_if_due() -> None:
    """Refresh the statistics when an hour has passed since the last time in this process."""
    if time.monotonic() - _last["at"] >= EVERY_SECONDS:
        analyze()


def analyze_after_migrate(sender: object = None, **kwargs: object) -> None:
    """Refresh the statistics once the stories app is migrated (a post_migrate receiver)."""
    analyze()
