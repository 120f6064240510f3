"""Sitemaps on django.contrib.sitemaps: stories, and a Google News sitemap of the last two days.

What each holds and how it is paged is here; the stories' and the news files
and the indexes are written by sitemap_text.py, the section pages' by Django.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.core.paginator import Page, Paginator
from django.db.models import Max, Min, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import SimpleTemplateResponse
from django.utils import timezone
from django.utils.functional import cached_property

from wiredesk.site.editions import in_edition
from wiredesk.stories.models import Section, Story
from wiredesk.stories.selectors import in_section, newest_change, visible_stories
from wiredesk.wire.text import xml_text

if TYPE_CHECKING:  # the sites app is not installed: its models are only named
    from django.contrib.sites.models import Site
    from django.contrib.sites.requests import RequestSite


def xml_safe(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Render a sitemap view's template with what XML cannot carry dropped (`xml_text`).

    Sitemaps are written by templates, whose escaping leaves control characters
    and noncharacters in place: one agency headline holding U+FFFE made the
    whole news sitemap malformed. The written document is cleaned once, as the
    feeds' writer cleans each text (syndication/generators.py), so no field of
    any sitemap template (news titles, picture URLs, the site's name) is missed.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if isinstance(response, SimpleTemplateResponse) and not response.is_rendered:
            response.content = xml_text(response.rendered_content)  # rendered now, cleaned
        return response

    return wrapper


if TYPE_CHECKING:  # generic in the stubs only
    BaseSitemap = Sitemap[Any]
else:
    BaseSitemap = Sitemap


class SiteSitemap(BaseSitemap):
    """A sitemap whose URLs are on the site's own address, not the request's."""

    # The sitemap index reads `protocol` for its section URLs; a property, not the
    # base class's attribute, so it follows the site's URL as settings change.
    @property
    def protocol(self) -> str:  # type: ignore[override]
        return urlsplit(settings.WIREDESK.site.url).scheme or "https"

    def get_protocol(self, protocol: str | None = None) -> str:
        return urlsplit(settings.WIREDESK.site.url).scheme or "https"

    def get_domain(self, site: Site | RequestSite | None = None) -> str:
        return urlsplit(settings.WIREDESK.site.url).netloc


class StoryIdPaginator(Paginator):
    """Pages of stories by id: page n holds those of the nth run of `per_page` ids.

    Django's paginator counts every story for the number of pages and reads
    page n by skipping the stories before it: a crawler's walk of the archive
    read it n times over, and each new story moved every other one to the
    next page. A run of ids is read through the primary key, the number of
    pages is the span of ids (two index lookups), and a story keeps its page;
    a file holds at most `per_page` stories, fewer where some are not shown.
    """

    @cached_property
    def span(self) -> tuple[int, int]:
        # Each end read alone: SQLite reads MIN and MAX of one statement by walking
        # a whole index (its shortcut to an end of the key is for a lone MIN or MAX).
        first = Story.objects.aggregate(first=Min("pk"))["first"]
        last = Story.objects.aggregate(last=Max("pk"))["last"]
        return first or 1, last or 0

    @cached_property
    def num_pages(self) -> int:
        first, last = self.span
        return max(1, -(-(last - first + 1) // self.per_page))

    @cached_property
    def count(self) -> int:
        return self.num_pages * self.per_page  # at most; never counted

    def ids(self, number: int | str) -> range:
        """Return the run of ids page `number` holds (InvalidPage for no such page)."""
        start = self.span[0] + (self.validate_number(number) - 1) * self.per_page
        return range(start, start + self.per_page)

    def page(self, number: int | str) -> Page:
        run = self.ids(number)
        stories = cast(QuerySet[Story], self.object_list)
        rows = stories.filter(pk__gte=run.start, pk__lt=run.stop).order_by("-pk")
        return Page(rows, self.validate_number(number), self)


class StorySitemap(SiteSitemap):
    """Every visible story of the edition, by id, 1,000 ids a file (syndication/sitemap_text.py).

    The protocol allows 50,000 a file. A crawler walking the archive asks each
    file once, so each is work no cache saves, done by a worker that readers
    wait behind: a file of 1,000 keeps that to a small share of a request's
    budget (docs/design.md, Bounded cost per request), as Google News's own
    limit does its files, with the fixed cost of a request still a small part
    of it (docs/benchmarks.md). The index lists 1,000 files for 1,000,000
    stories, far within the 50,000 an index may hold.
    """

    limit = 1_000
    edition = ""  # the main edition's stories; another's in syndication/edition_sitemaps.py

    def items(self) -> QuerySet[Story]:
        return in_edition(visible_stories(), self.edition).only(
            "pk", "slug", "language", "modified_at", "first_published_at", "agency_id"
        )

    @property
    def paginator(self) -> Paginator:
        return StoryIdPaginator(self.items(), self.limit)

    def get_latest_lastmod(self) -> datetime | None:
        # Through two index ends: Django's own read every item's.
        found = newest_change(self.items())
        return timezone.localtime(found) if found else None


class NewsSitemap(StorySitemap):
    """Google News: only stories first published in the last two days, at most 1,000 a file."""

    limit = 1_000

    @property
    def paginator(self) -> Paginator:
        # Two days of stories: counted and skipped through, as Django pages them.
        return Paginator(self.items(), self.limit)

    def items(self) -> QuerySet[Story]:
        since = timezone.now() - timedelta(days=2)
        return (
            in_edition(visible_stories(), self.edition)
            .filter(first_published_at__gte=since)
            .only(
                "pk",
                "slug",
                "headline",
                "language",
                "modified_at",
                "first_published_at",
                "agency_id",
            )
        )


class SectionSitemap(SiteSitemap):
    """The publisher's section pages, each dated by its newest story."""

    limit = 5_000

    def items(self) -> list[Section]:
        return list(Section.objects.order_by("order", "name"))

    def location(self, item: Section) -> str:
        return item.get_absolute_url()

    def lastmod(self, item: Section) -> datetime | None:
        newest = in_section(visible_stories(), item.slug).values_list("modified_at", flat=True)
        found = newest.first()
        return timezone.localtime(found) if found else None


SITEMAPS = {"news": NewsSitemap, "stories": StorySitemap, "sections": SectionSitemap}
