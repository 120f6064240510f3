"""Full-text search: SQLite FTS5 on the embedded engine, PostgreSQL full-text search at scale.

Ranked by relevance and recency; only what `visible_stories` shows can be
found, so killed, withheld and embargoed stories never are.
"""

from __future__ import annotations

import math
from datetime import datetime

from django.db import connection
from django.utils import timezone

from .models import Story
from .selectors import visible_stories

CANDIDATES = 500  # best matches by relevance, then ordered with recency
HALF_LIFE_DAYS = 3.0  # a story's recency weight halves every three days


def index_stories(stories: list[Story]) -> None:
    """Put stories' current text in the search index (SQLite; PostgreSQL indexes itself)."""
    if connection.vendor != "sqlite" or not stories:
        return
    with connection.cursor() as cursor:
        for start in range(0, len(stories), 500):
            ids = [story.pk for story in stories[start : start + 500]]
            cursor.execute(
                f"DELETE FROM story_search WHERE rowid IN ({', '.join(['%s'] * len(ids))})", ids
            )
        cursor.executemany(
            "INSERT INTO story_search (rowid, headline, body) VALUES (%s, %s, %s)",
            [(story.pk, story.headline, story.body_text) for story in stories],
        )


def unindex_story(story: Story) -> None:
    """Take a story out of the search index."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM story_search WHERE rowid = %s", [story.pk])


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
