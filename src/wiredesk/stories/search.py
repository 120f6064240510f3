"""Full-text search: SQLite FTS5 on the embedded engine, PostgreSQL full-text search at scale.

The index itself is storage/search_index.py. Ranked by relevance (of the
newest matches) and recency; only what `visible_stories` shows can be
found, so killed, withheld and embargoed stories never are.
"""

from __future__ import annotations

import logging
import math
from datetime import datetime

from django.utils import timezone

from .models import Story
from .selectors import visible_stories
from .storage import search_index
from .storage.search_index import MAX_QUERY_MS, SearchTimedOut

log = logging.getLogger("wiredesk.stories")
HALF_LIFE_DAYS = 3.0  # a story's recency weight halves every three days


def search_stories(q: str, now: datetime | None = None, limit: int = 50) -> list[Story]:
    """Return visible stories matching `q`, best first by relevance and recency."""
    q = q.strip()
    if not q:
        return []
    now = now or timezone.now()
    try:
        relevance = search_index.relevance(q[:200])
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
