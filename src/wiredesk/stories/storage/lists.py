"""The long-tail lists: reads whose cost must not grow with the archive.

An app's incremental poll (`since`: modified at or after its last poll, a
different time for every phone) lists newest first by first publication, but
filters on the last change. No one index serves both: walked newest first,
a poll with few changes read every older story looking for more (the whole
table); read by the change time, an old `since` sorted every story changed
since. It is read as two parts that each an index bounds (docs/design.md,
Bounded cost per request):

- published since `since`: the newest-first index read as a range from the
  top, stopping at the page (nearly all of them changed since, as a story's
  change time is never before its first publication);
- published before `since` and changed since: the stories an update reached
  after `since`, found by the change-time index of updated stories only and
  sorted (the updates since `since`, not every story), and read only when
  the first part has less than a page: its stories all come after the first
  part's.

Each part reads at most a page and one more; the two are merged here. A
language prefix is matched so that PostgreSQL's planner can weigh it.
"""

from __future__ import annotations

import re
from datetime import datetime

from django.db import connection
from django.db.models import F, QuerySet
from django.db.models.functions import Coalesce

from ..models import Story


def in_language(stories: QuerySet[Story], prefix: str) -> QuerySet[Story]:
    """Return the stories of `stories` whose language starts with `prefix`, in any case."""
    if connection.vendor != "postgresql":
        return stories.filter(language__istartswith=prefix)  # SQLite's LIKE ignores case
    # ILIKE on the column itself, where Django writes UPPER(language) LIKE: the
    # planner has no statistics of the expression, took "en" for a rare
    # language, and sorted every story rather than walk the newest first.
    pattern = re.sub(r"([\\%_])", r"\\\1", prefix) + "%"
    return stories.extra(where=[f"{Story._meta.db_table}.language ILIKE %s"], params=[pattern])


def _unindexed(name: str) -> Coalesce:
    # The same value, as an expression no index serves: each part's plan is then
    # the one index meant for it, whatever the planner's statistics say.
    return Coalesce(F(name), F(name))


def changed_since(
    stories: QuerySet[Story],
    since: datetime,
    count: int,
    before: tuple[datetime, int] | None = None,
) -> list[Story]:
    """Return the first `count` of `stories` modified at or after `since`, newest first.

    `before` is a cursor (first published, id): only stories listed after it.
    """
    recent = stories.alias(changed=_unindexed("modified_at")).filter(
        first_published_at__gte=since, changed__gte=since
    )
    # Changed after it was published: the condition of the change-time index,
    # written as the index has it (SQLite proves a partial index usable only so).
    older = (
        stories.alias(first=_unindexed("first_published_at"))
        .filter(modified_at__gt=F("first_published_at"))
        .filter(modified_at__gte=since, first__lt=since)
        .order_by("-first", "-id")
    )
    if before is not None:
        moment, pk = before
        recent = recent.filter(first_published_at__lte=moment).exclude(
            first_published_at=moment, pk__gte=pk
        )
        older = older.filter(first__lte=moment).exclude(first=moment, pk__gte=pk)
    found: list[Story] = list(recent[:count])
    if len(found) == count:
        return found  # a full page published since: every older story comes after it
    found += older[:count]
    found.sort(key=lambda story: (story.first_published_at, story.pk), reverse=True)
    return found[:count]


def newest_change(stories: QuerySet[Story]) -> datetime | None:
    """Return the latest time any of `stories` changed, through two index ends."""
    # A story never updated changed when it was published: the newest published
    # is the latest of those. The updated ones are in the change-time index.
    published = stories.order_by("-first_published_at", "-id")
    updated = stories.filter(modified_at__gt=F("first_published_at")).order_by("-modified_at")
    found = [
        moment
        for moment in (
            published.values_list("modified_at", flat=True).first(),
            updated.values_list("modified_at", flat=True).first(),
        )
        if moment is not None
    ]
    return max(found, default=None)
