"""Full-text search: SQLite FTS5 on the embedded engine, PostgreSQL full-text search at scale.

The index is storage/search_index.py, its reads storage/search_ranking.py. Ranked
by relevance (of the newest matches) and recency, inside the engine; only what `visible_stories`
shows can be found, so killed, withheld and embargoed stories never are.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable
from datetime import datetime
from functools import partial
from typing import Any, TypeVar

from django.db.models import QuerySet
from django.utils import timezone

from .models import Story
from .selectors import visible_stories
from .storage import search_ranking
from .storage.search_time_limit import MAX_QUERY_MS, SearchTimedOut

log = logging.getLogger("wiredesk.stories")
HALF_LIFE_DAYS = 3.0  # a story's recency weight halves every three days
Found = TypeVar("Found")


def search_stories(
    q: str,
    now: datetime | None = None,
    limit: int = 50,
    within: QuerySet[Story] | None = None,
    offset: int = 0,
) -> list[Story]:
    """Return visible stories matching `q`, best first by relevance and recency.

    `within`: the visible stories to search among (an agency's, a topic's),
    as `visible_stories` filtered; `offset`: how many of the best to skip (a
    later page's).
    """
    return _searched(q, now, within, partial(search_ranking.ranked, offset=offset), limit)


def search_rows(
    q: str,
    fields: tuple[str, ...],
    now: datetime | None = None,
    limit: int = 50,
    within: QuerySet[Story] | Callable[[datetime], QuerySet[Story]] | None = None,
    offset: int = 0,
    shape: Hashable = None,
) -> list[dict[str, Any]]:
    """Return `search_stories`'s stories as rows of `fields` only (`values()` names),
    for a page that shows a few of each story's columns.

    `within` may be a function of the moment returning the stories, named by
    `shape` (its every call with one shape filters alike): the search's read is
    then compiled once (storage/search_ranking.py, `ranked_rows`).
    """
    rank = partial(search_ranking.ranked_rows, fields=fields, offset=offset, shape=shape)
    return _searched(q, now, within, rank, limit)


def _searched(
    q: str,
    now: datetime | None,
    within: QuerySet[Story] | Callable[[datetime], QuerySet[Story]] | None,
    rank: Callable[..., list[Found]],
    limit: int,
) -> list[Found]:
    """Return `rank`'s best `limit` for `q`: nothing for no words, or past the time limit."""
    q = q.strip()
    if not q:
        return []
    now = now or timezone.now()
    stories = within if within is not None else visible_stories(now)
    try:
        return rank(stories, q[:200], now, limit, HALF_LIFE_DAYS)
    except SearchTimedOut:
        log.warning("search stopped after %s ms: %r", MAX_QUERY_MS, q[:80])
        return []
