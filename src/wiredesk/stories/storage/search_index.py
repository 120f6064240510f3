"""The full-text index: SQLite FTS5 on the embedded engine, PostgreSQL's own at scale.

On SQLite the `story_search` table (migration 0003) holds each story's
headline and text by its id, written here; on PostgreSQL the story table's
generated `search_vector` column (migration 0013) keeps itself, so there is
nothing to write.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django.db.utils import OperationalError

from ..models import Story
from .rows import placeholders

if TYPE_CHECKING:
    from .batch import Batch

SEARCH_TABLE = "story_search"  # FTS5
CHUNK = 500  # story ids a statement
CANDIDATES = 500  # the newest matches: relevance is computed for these only
# The longest one search may take; past it the search answers with nothing
# rather than hold a worker (and, on SQLite, the interpreter) any longer.
MAX_QUERY_MS = 250
PROGRESS_STEPS = 10_000  # SQLite virtual-machine steps between looks at the clock
# PostgreSQL: the stored vector column under its GIN index (migration 0013),
# read rather than computed for each row a search looks at.
PG_VECTOR = "search_vector"


class SearchTimedOut(Exception):
    """The query ran past MAX_QUERY_MS and was stopped."""


def add(stories: list[Story], new: bool = False, batch: Batch | None = None) -> None:
    """Put stories' current text in the index (`new`: with no entry yet to replace).

    With a `batch`, only noted: the batch writes them when it ends.
    """
    if connection.vendor != "sqlite" or not stories:
        return
    if batch is not None:
        for story in stories:
            batch.search[story.pk] = batch.search.get(story.pk, True) and new
        return
    with connection.cursor() as cursor:
        if not new:
            _delete(cursor, [story.pk for story in stories])
        cursor.executemany(
            f"INSERT INTO {SEARCH_TABLE} (rowid, headline, body) VALUES (%s, %s, %s)",
            [(story.pk, story.headline, story.body_text) for story in stories],
        )


def remove(story: Story, batch: Batch | None = None) -> None:
    """Take a story out of the index."""
    if connection.vendor != "sqlite":
        return
    if batch is not None:
        batch.search[story.pk] = False  # its entry, if any, goes
        return
    with connection.cursor() as cursor:
        _delete(cursor, [story.pk])


def write_held(held: dict[int, bool]) -> None:
    """Write the entries a batch held back ({story id: new}), from the stories as stored.

    Read back from the story table, so the index gets what was stored, even
    where a savepoint inside the batch was rolled back.
    """
    if connection.vendor != "sqlite" or not held:
        return
    with connection.cursor() as cursor:
        _delete(cursor, [pk for pk, new in held.items() if not new])
        ids = list(held)
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            # Every story but a killed one is in the index (search shows only
            # what `visible_stories` does).
            cursor.execute(
                f"INSERT INTO {SEARCH_TABLE} (rowid, headline, body) "
                f"SELECT id, headline, body_text FROM {Story._meta.db_table} "
                f"WHERE id IN ({placeholders(chunk)}) AND state <> %s",
                [*chunk, Story.State.KILLED],
            )


def _delete(cursor: CursorWrapper, ids: list[int]) -> None:
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        cursor.execute(f"DELETE FROM {SEARCH_TABLE} WHERE rowid IN ({placeholders(chunk)})", chunk)


def relevance(q: str) -> dict[int, float]:
    """Return {story id: relevance} of the newest CANDIDATES matches (higher is better).

    Bounded cost, whatever the words: walked newest first from the index,
    never every match ranked and sorted, and stopped after MAX_QUERY_MS
    (SearchTimedOut).
    """
    if connection.vendor == "sqlite":
        return _sqlite_relevance(q)
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


def _fts5_query(q: str) -> str:
    # Every word as a quoted term: user input never reaches FTS5's query syntax.
    return " ".join('"' + word.replace('"', '""') + '"' for word in q.split())


def _sqlite_relevance(q: str) -> dict[int, float]:
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
                f"SELECT rowid, -bm25({SEARCH_TABLE}, 5.0, 1.0) FROM {SEARCH_TABLE} "
                f"WHERE {SEARCH_TABLE} MATCH %s ORDER BY rowid DESC LIMIT %s",
                [_fts5_query(q), CANDIDATES],
            )
            return dict(cursor.fetchall())
    except OperationalError as exc:
        if "interrupted" in str(exc):
            raise SearchTimedOut(q) from None
        raise
    finally:
        raw.set_progress_handler(None, 0)
