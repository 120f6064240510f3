"""Full-text search: SQLite FTS5 on the embedded engine, PostgreSQL full-text search at scale.

Ranked by relevance and recency; only what `visible_stories` shows can be
found, so killed, withheld and embargoed stories never are.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from django.db import connection
from django.utils import timezone

from .bulk import placeholders
from .models import Story
from .selectors import visible_stories

CANDIDATES = 500  # the newest matches, ranked by relevance and recency together
log = logging.getLogger("wiredesk.stories")
HALF_LIFE_DAYS = 3.0  # a story's recency weight halves every three days
CHUNK = 500  # story ids a statement


# Story ids whose index entries wait for the end of a batch (`deferred_indexing`),
# each with whether it is new (no entry to replace).
_pending: ContextVar[dict[int, bool] | None] = ContextVar("pending_index", default=None)


def index_stories(stories: list[Story], new: bool = False) -> None:
    """Put stories' current text in the search index (SQLite; PostgreSQL indexes itself).

    `new`: stories just created, with no entry yet to replace.
    """
    if connection.vendor != "sqlite" or not stories:
        return
    pending = _pending.get()
    if pending is not None:
        for story in stories:
            pending[story.pk] = pending.get(story.pk, True) and new
        return
    with connection.cursor() as cursor:
        if not new:
            _delete_entries(cursor, [story.pk for story in stories])
        cursor.executemany(
            "INSERT INTO story_search (rowid, headline, body) VALUES (%s, %s, %s)",
            [(story.pk, story.headline, story.body_text) for story in stories],
        )


def unindex_story(story: Story) -> None:
    """Take a story out of the search index."""
    if connection.vendor != "sqlite":
        return
    pending = _pending.get()
    if pending is not None:
        pending[story.pk] = False  # its entry, if any, goes
        return
    with connection.cursor() as cursor:
        _delete_entries(cursor, [story.pk])


def _delete_entries(cursor, ids: list[int]) -> None:
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        cursor.execute(f"DELETE FROM story_search WHERE rowid IN ({placeholders(chunk)})", chunk)


@contextmanager
def deferred_indexing() -> Iterator[None]:
    """Hold search index changes made inside, and write them together at the end.

    For a batch of deliveries stored in one transaction (a backfill): FTS5
    writes what it holds as a new segment at every savepoint and merges
    segments as they pile up, so a hundred stories a savepoint cost more to
    index than the storing of them (benchmarks/ingest.py). At the end, the
    stories' text is read back from the story table: the index gets what was
    stored, even where a savepoint inside was rolled back. Use it inside the
    transaction that writes the stories.
    """
    if connection.vendor != "sqlite" or _pending.get() is not None:
        yield
        return
    pending: dict[int, bool] = {}
    token = _pending.set(pending)
    try:
        yield
    finally:
        _pending.reset(token)
    # Not reached when the block raised: its transaction is rolled back anyway.
    with connection.cursor() as cursor:
        _delete_entries(cursor, [pk for pk, new in pending.items() if not new])
        ids = list(pending)
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            # Every story but a killed one is in the index (search shows only
            # what `visible_stories` does).
            cursor.execute(
                "INSERT INTO story_search (rowid, headline, body) "
                f"SELECT id, headline, body_text FROM {Story._meta.db_table} "
                f"WHERE id IN ({placeholders(chunk)}) AND state <> %s",
                [*chunk, Story.State.KILLED],
            )


def _fts5_query(q: str) -> str:
    # Every word as a quoted term: user input never reaches FTS5's query syntax.
    return " ".join('"' + word.replace('"', '""') + '"' for word in q.split())


# PostgreSQL: the very expression the GIN index of migration 0003 is built on,
# so that `@@` is answered from the index.
PG_VECTOR = (
    "(setweight(to_tsvector('simple', COALESCE(headline, '')), 'A') || "
    "setweight(to_tsvector('simple', COALESCE(body_text, '')), 'B'))"
)
# The longest one search may take; past it the search answers with nothing
# rather than hold a worker (and, on SQLite, the interpreter) any longer.
MAX_QUERY_MS = 250
PROGRESS_STEPS = 10_000  # SQLite virtual-machine steps between looks at the clock


class SearchTimedOut(Exception):
    """The query ran past MAX_QUERY_MS and was stopped."""


def _relevance(q: str) -> dict[int, float]:
    """Return {story id: relevance} of the newest matches (higher is better).

    Bounded cost, whatever the words: relevance is computed for the newest
    CANDIDATES matches only (walked newest first from the index, never every
    match ranked and sorted), since recency weighs them anyway, and the query
    is stopped after MAX_QUERY_MS.
    """
    if connection.vendor == "sqlite":
        return _sqlite_relevance(q)
    from django.db import transaction
    from django.db.utils import OperationalError

    sql = (
        f"SELECT id, ts_rank({PG_VECTOR}, query) FROM {Story._meta.db_table}, "
        "websearch_to_tsquery('simple', %s) AS query "
        f"WHERE {PG_VECTOR} @@ query ORDER BY id DESC LIMIT %s"
    )
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            # SET LOCAL, written as a function call so that it takes a parameter.
            cursor.execute(
                "SELECT set_config('statement_timeout', %s, true)", [f"{MAX_QUERY_MS}ms"]
            )
            cursor.execute(sql, [q, CANDIDATES])
            return dict(cursor.fetchall())
    except OperationalError as exc:  # QueryCanceled: the time limit
        if "statement timeout" in str(exc) or "canceling statement" in str(exc):
            raise SearchTimedOut(q) from None
        raise


def _sqlite_relevance(q: str) -> dict[int, float]:
    from django.db.utils import OperationalError

    connection.ensure_connection()
    raw = connection.connection
    deadline = time.monotonic() + MAX_QUERY_MS / 1000
    # SQLite calls this every few thousand instructions; a true answer stops the query.
    raw.set_progress_handler(lambda: time.monotonic() > deadline, PROGRESS_STEPS)
    try:
        with connection.cursor() as cursor:
            # Newest first by rowid (the story id), bm25 only for the rows returned:
            # a match in the headline counts five times one in the body.
            cursor.execute(
                "SELECT rowid, -bm25(story_search, 5.0, 1.0) FROM story_search "
                "WHERE story_search MATCH %s ORDER BY rowid DESC LIMIT %s",
                [_fts5_query(q), CANDIDATES],
            )
            return dict(cursor.fetchall())
    except OperationalError as exc:
        if "interrupted" in str(exc):
            raise SearchTimedOut(q) from None
        raise
    finally:
        raw.set_progress_handler(None, 0)


def search_stories(q: str, now: datetime | None = None, limit: int = 50) -> list[Story]:
    """Return visible stories matching `q`, best first by relevance and recency."""
    q = q.strip()
    if not q:
        return []
    now = now or timezone.now()
    try:
        relevance = _relevance(q[:200])
    except SearchTimedOut:
        log.warning("search stopped after %s ms: %r", MAX_QUERY_MS, q[:80])
        return []
    if not relevance:
        return []
    # Scored on two columns; only the best `limit` are then loaded whole (a
    # story's text is kilobytes, and 500 of them were read for every search).
    visible = visible_stories(now).filter(pk__in=list(relevance))
    times = visible.values_list("pk", "first_published_at")

    def score(row: tuple[int, datetime]) -> float:
        age_days = max(0.0, (now - row[1]).total_seconds() / 86400)
        return relevance[row[0]] * math.pow(0.5, age_days / HALF_LIFE_DAYS)

    best = [pk for pk, _ in sorted(times, key=score, reverse=True)[:limit]]
    by_id = visible.in_bulk(best)
    return [by_id[pk] for pk in best if pk in by_id]
