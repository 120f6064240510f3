"""A story list's pages, newest first: each read costs a page, however deep it is.

The first pages are numbered (`?page=2` up to `?page=NUMBERED`), skipping at
most NUMBERED - 1 pages of the list's index. Every page older than those is
named by the story just before it (`?before=<id>`), and a newer one by the
story just after it (`?after=<id>`): a keyset, read as a range of the list's
index from that story's place (stories/storage/labels.py, `older_than`), where
a page counted from the top (`?page=4000`, a crawler walking the archive) read
every newer story first (docs/design.md, Bounded cost per request). A deeper
page number, an old link from when every page was numbered, is not found:
reaching it costs what the keyset saves; the stories stay linked from the
list's older pages and from the sitemaps.

A page is named by one story id at most, so the page cache's keys stay as
bounded as the stories' own pages (site/cache.py, PAGED_BY).

A page's stories are read as the card's columns only (site/search_results.py,
`cards`), never as model instances, by a statement Django compiles once for
the list and the kind of page (stories/storage/prepared.py): the story that
names a page, and the time, are its parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone

from wiredesk.pictures.selectors import lead_pictures
from wiredesk.sources.models import Agency
from wiredesk.stories.models import Section, Story
from wiredesk.stories.selectors import (
    in_section,
    newer_than,
    older_than,
    visible_stories,
    with_topic,
)
from wiredesk.stories.storage.prepared import CompiledReads

from .editions import in_scope
from .request_guard import BIGINT_MAX, whole_number
from .search_results import FIELDS, cards

NUMBERED = 10  # pages named by their number; older ones by a story


@dataclass(frozen=True)
class StoryList:
    """Which stories a list shows: every one ("") or an agency's, a section's or a topic's."""

    kind: str = ""  # "", "agency", "section", "topic"
    value: str | int = ""  # the agency's id, the section's or topic's slug
    agency_name: str = ""  # an agency's list: its name, on every card


@dataclass
class ListPage:
    """One page of a story list, newest first, without counting the whole list.

    Counting a million stories costs more than the page (docs/benchmarks.md):
    a page reads one story past its end to know whether an older page exists.
    `older` and `newer` are the queries of its neighbours ("?before=123"), ""
    where there is none; `number` is 0 for a page named by a story.
    `object_list` holds its stories' cards (site/search_results.py, `cards`).
    """

    number: int
    object_list: list[dict[str, Any]]
    older: str
    newer: str
    query: str  # its own, for its canonical address ("" for the first page)

    @property
    def has_other_pages(self) -> bool:
        return bool(self.older or self.newer)


class FirstPage(Exception):
    """The page asked is the list's first: the reader goes there."""


def read_page(
    request: HttpRequest, listed: StoryList, scope: tuple[str, ...], empty: str = ""
) -> ListPage:
    """Return the asked page of the `listed` stories in an edition's `scope`
    (site/editions.py); with `empty`, a list without any is missing so.

    Raises FirstPage for a page newer than the newest full one.
    """
    asked = [name for name in ("page", "before", "after") if name in request.GET]
    if len(asked) > 1:
        raise Http404("No such page")  # one name a page: no second address for it
    name = asked[0] if asked else "page"
    size = settings.WIREDESK.site.page_size
    now = timezone.now()
    if name == "page":
        return _numbered(request.GET.get("page", "1"), listed, scope, size, now, empty)
    pk = whole_number(request.GET[name], maximum=BIGINT_MAX) or 0
    # Where the story named stands in the list's order: its own key, read once.
    found_at = _places.rows(None, numbers=(pk,)) if pk else []
    if not found_at:
        raise Http404("No such page")
    moment = found_at[0][0]
    found = _read(listed, scope, name, size, now, moment, pk)
    if name == "before":
        if not found:
            raise Http404("No such page")
        return _keyed(found[:size], len(found) > size, f"?before={pk}")
    if len(found) <= size:
        raise FirstPage  # no full page newer than this one: the list's first page
    # Read upwards from the story named, nearest first: shown newest first.
    return _keyed(found[:size][::-1], True, f"?after={pk}")


def _numbered(
    text: str,
    listed: StoryList,
    scope: tuple[str, ...],
    size: int,
    now: datetime,
    empty: str,
) -> ListPage:
    number = whole_number(text, maximum=NUMBERED) or 0
    if not number:
        raise Http404("No such page")  # not a number, or deeper than the numbered pages
    found = _read(listed, scope, number, size, now)
    if not found and number == 1 and empty:
        raise Http404(empty)
    if not found and number > 1:
        raise Http404("No such page")
    more = len(found) > size
    found = found[:size]
    if not more:
        older = ""
    elif number < NUMBERED:
        older = f"?page={number + 1}"
    else:
        older = f"?before={found[-1]['id']}"
    newer = f"?page={number - 1}" if number > 1 else ""
    query = f"?page={number}" if number > 1 else ""
    return ListPage(number, _cards(found), older, newer, query)


def _keyed(shown: list[dict[str, Any]], more_older: bool, query: str) -> ListPage:
    # A page named by a story: its neighbours are named by its first and last stories,
    # and a newer page always exists (the story named, at least, is newer).
    older = f"?before={shown[-1]['id']}" if more_older else ""
    return ListPage(0, _cards(shown), older, f"?after={shown[0]['id']}", query)


def _cards(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    leads = lead_pictures(row["id"] for row in rows)
    for row in rows:
        row["lead_picture"] = leads.get(row["id"])
    return cards(rows)


# A page's read: (list, edition's scope, page: its number, "before" or "after", size).
Shape = tuple[str, str | int, tuple[str, ...], int | str, int]


def _read(
    listed: StoryList,
    scope: tuple[str, ...],
    page: int | str,
    size: int,
    now: datetime,
    moment: datetime | None = None,
    pk: int = 0,
) -> list[dict[str, Any]]:
    """Return one story past a page's of the list (newest first; from the story
    named by `pk`, first published at `moment`, for a page named by it), as FIELDS."""
    key: Shape = (listed.kind, listed.value, scope, page, size)
    rows = _pages.rows(key, now, moment or now, numbers=(pk,))
    if listed.kind == "agency":  # not read: the agency's own name
        return [dict(zip(FIELDS, (*row, listed.agency_name), strict=True)) for row in rows]
    return [dict(zip(FIELDS, row, strict=True)) for row in rows]


def _page_of(key: Shape, now: datetime, moment: datetime, pk: int) -> QuerySet[Any]:
    kind, value, scope, page, size = key
    stories = visible_stories(now)
    if kind == "agency":
        # Not joined to the agency (its name is known): with an agency holding
        # most stories, SQLite then read the agency first and every one of its
        # stories, and sorted them, rather than walk its index to a page.
        stories = stories.filter(agency_id=value)
    elif kind == "section":
        stories = in_section(stories, str(value))
    elif kind == "topic":
        stories = with_topic(stories, str(value))
    stories = in_scope(stories, scope)
    if page == "before":
        stories = older_than(stories, moment, pk)
    elif page == "after":
        stories = newer_than(stories, moment, pk)
    columns = FIELDS[:-1] if kind == "agency" else FIELDS
    start = (int(page) - 1) * size if isinstance(page, int) else 0
    return stories.values_list(*columns)[start : start + size + 1]


def agency_list(slug: str) -> StoryList:
    """Return the list of the agency `slug` names; 404 when none does."""
    found = _agencies.rows(slug)
    if not found:
        raise Http404("No Agency matches the given query.")
    pk, name = found[0]
    return StoryList("agency", pk, name)


def section_list(slug: str) -> tuple[StoryList, str]:
    """Return the list of the section `slug` names, and the section's name; 404 when none does."""
    found = _sections.rows(slug)
    if not found:
        raise Http404("No Section matches the given query.")
    return StoryList("section", slug), found[0][0]


_pages = CompiledReads(_page_of, clocks=2, numbers=1, max_keys=512)
# An agency or a section by the slug an address names, compiled once for each.
_agencies = CompiledReads(
    lambda slug: Agency.objects.filter(slug=slug).values_list("pk", "name"), clocks=0
)
_sections = CompiledReads(
    lambda slug: Section.objects.filter(slug=slug).values_list("name"), clocks=0
)
_places = CompiledReads(
    lambda key, pk: Story.objects.filter(pk=pk).order_by().values_list("first_published_at")[:1],
    clocks=0,
    numbers=1,
)
