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
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from wiredesk.pictures.selectors import lead_pictures
from wiredesk.stories.models import Story
from wiredesk.stories.selectors import newer_than, older_than

from .request_guard import BIGINT_MAX, whole_number

NUMBERED = 10  # pages named by their number; older ones by a story


@dataclass
class ListPage:
    """One page of a story list, newest first, without counting the whole list.

    Counting a million stories costs more than the page (docs/benchmarks.md):
    a page reads one story past its end to know whether an older page exists.
    `older` and `newer` are the queries of its neighbours ("?before=123"), ""
    where there is none; `number` is 0 for a page named by a story.
    """

    number: int
    object_list: list
    older: str
    newer: str
    query: str  # its own, for its canonical address ("" for the first page)

    @property
    def has_other_pages(self) -> bool:
        return bool(self.older or self.newer)


class FirstPage(Exception):
    """The page asked is the list's first: the reader goes there."""


def read_page(request: HttpRequest, stories: QuerySet[Story], empty: str = "") -> ListPage:
    """Return the asked page of `stories`; with `empty`, a list without any is missing so.

    Raises FirstPage for a page newer than the newest full one.
    """
    asked = [name for name in ("page", "before", "after") if name in request.GET]
    if len(asked) > 1:
        raise Http404("No such page")  # one name a page: no second address for it
    name = asked[0] if asked else "page"
    if name == "page":
        return _numbered(request.GET.get("page", "1"), stories, empty)
    pk = whole_number(request.GET[name], maximum=BIGINT_MAX) or 0
    # Where the story named stands in the list's order: its own key, read once.
    found_at = Story.objects.filter(pk=pk).values_list("first_published_at", flat=True)
    moment = found_at.first() if pk else None
    if moment is None:
        raise Http404("No such page")
    size = settings.WIREDESK.site.page_size
    if name == "before":
        found = list(older_than(stories, moment, pk)[: size + 1])
        if not found:
            raise Http404("No such page")
        return _keyed(found[:size], len(found) > size, f"?before={pk}")
    found = list(newer_than(stories, moment, pk)[: size + 1])
    if len(found) <= size:
        raise FirstPage  # no full page newer than this one: the list's first page
    # Read upwards from the story named, nearest first: shown newest first.
    return _keyed(found[:size][::-1], True, f"?after={pk}")


def _numbered(text: str, stories: QuerySet[Story], empty: str) -> ListPage:
    size = settings.WIREDESK.site.page_size
    number = whole_number(text, maximum=NUMBERED) or 0
    if not number:
        raise Http404("No such page")  # not a number, or deeper than the numbered pages
    start = (number - 1) * size
    found = list(stories[start : start + size + 1])
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
        older = f"?before={found[-1].pk}"
    newer = f"?page={number - 1}" if number > 1 else ""
    query = f"?page={number}" if number > 1 else ""
    return ListPage(number, _pictured(found), older, newer, query)


def _keyed(shown: list[Story], more_older: bool, query: str) -> ListPage:
    # A page named by a story: its neighbours are named by its first and last stories,
    # and a newer page always exists (the story named, at least, is newer).
    older = f"?before={shown[-1].pk}" if more_older else ""
    return ListPage(0, _pictured(shown), older, f"?after={shown[0].pk}", query)


def _pictured(found: list[Story]) -> list[Story]:
    leads = lead_pictures(story.pk for story in found)
    for story in found:
        story.lead_picture = leads.get(story.pk)  # type: ignore[attr-defined]
    return found
