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

Each part reads at most a page and one more; the two are merged here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db.models import F, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

from wiredesk.sources.models import Agency

from ..models import Story
from .labels import older_than, order_of


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
    recent, older = since_parts(stories, since, before)
    return merged_since(list(recent[:count]), lambda: list(older[:count]), count)


def since_parts(
    stories: QuerySet[Story], since: datetime, before: tuple[datetime, int] | None = None
) -> tuple[QuerySet[Story], QuerySet[Story]]:
    """Return the two reads of `changed_since`: the stories published since `since`, and
    the older ones changed since, each newest first (after the cursor `before`)."""
    # From the top of the list's own index (a label's, when one leads it) as a range.
    first, _ = order_of(stories)
    recent: QuerySet[Story] = stories.alias(changed=_unindexed("modified_at")).filter(
        **{f"{first}__gte": since}, changed__gte=since
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
        recent = older_than(recent, moment, pk)
        older = older.filter(first__lte=moment).exclude(first=moment, pk__gte=pk)
    return recent, older


def merged_since(recent: list[Any], older: Callable[[], list[Any]], count: int) -> list[Any]:
    """Return the first `count` of `since_parts`' stories (or rows naming first_published_at
    and pk), given the first `count` of the recent part and how to read the older's.

    The older part is read only when the recent has less than a page: its
    stories all come after the recent part's.
    """
    if len(recent) == count:
        return recent  # a full page published since: every older story comes after it
    found = recent + older()
    found.sort(key=lambda story: (story.first_published_at, story.pk), reverse=True)
    return found[:count]


def newest_change(stories: QuerySet[Story]) -> datetime | None:
    """Return the latest time any of `stories` changed, through two index ends."""
    # A story never updated changed when it was published: the newest published
    # is the latest of those. The updated ones are in the change-time index.
    at, key = order_of(stories)
    published = stories.order_by(f"-{at}", f"-{key}")
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


def with_agency_columns(stories: QuerySet[Story], *fields: str) -> QuerySet[Story]:
    """Return `stories` with their agency's `fields` as `agency_<field>`, without a join.

    Read by the agency's key for each row a page takes: joined, the statistics
    of a site with one agency (holding every story) made SQLite read the
    agency first, then every story of the list, and sort them all for a page.
    Written as SQL: as Django subqueries, each request compiled two more.
    """
    agencies, table = Agency._meta.db_table, Story._meta.db_table
    return stories.annotate(
        **{
            f"agency_{field}": RawSQL(
                f'(SELECT "{field}" FROM "{agencies}" WHERE "{agencies}"."id" = "{table}"."agency_id")',
                (),
            )
            for field in fields
        }
    )
