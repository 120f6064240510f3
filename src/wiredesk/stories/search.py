"""Full-text search: SQLite FTS5 on the embedded engine, PostgreSQL full-text search at scale.

Ranked by relevance and recency; only what `visible_stories` shows can be
found, so killed, withheld and embargoed stories never are.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from django.db import connection
from django.utils import timezone

from .bulk import placeholders
from .models import Story
from .selectors import visible_stories

CANDIDATES = 500  # best matches by relevance, then ordered with recency
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


def _relevance(q: str) -> dict[int, float]:
    """Return {story id: relevance} of the best matches (higher is better)."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            # bm25 weights: a match in the headline counts five times one in the body.
            cursor.execute(
                "SELECT rowid, -bm25(story_search, 5.0, 1.0) FROM story_search "
                "WHERE story_search MATCH %s ORDER BY bm25(story_search, 5.0, 1.0) LIMIT %s",
                [_fts5_query(q), CANDIDATES],
            )
            return dict(cursor.fetchall())
    # Imported here: it loads psycopg, which a SQLite installation never needs.
    from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

    vector = SearchVector("headline", weight="A", config="simple") + SearchVector(
        "body_text", weight="B", config="simple"
    )
    query = SearchQuery(q, search_type="websearch", config="simple")
    rows = (
        Story.objects.annotate(rank=SearchRank(vector, query))
        .filter(rank__gt=0)
        .order_by("-rank")
        .values_list("pk", "rank")[:CANDIDATES]
    )
    return dict(rows)


def search_stories(q: str, now: datetime | None = None, limit: int = 50) -> list[Story]:
    """Return visible stories matching `q`, best first by relevance and recency."""
    q = q.strip()
    if not q:
        return []
    now = now or timezone.now()
    relevance = _relevance(q)
    if not relevance:
        return []
    stories = list(visible_stories(now).filter(pk__in=list(relevance)))

    def score(story: Story) -> float:
        age_days = max(0.0, (now - story.first_published_at).total_seconds() / 86400)
        return relevance[story.pk] * math.pow(0.5, age_days / HALF_LIFE_DAYS)

    return sorted(stories, key=score, reverse=True)[:limit]
