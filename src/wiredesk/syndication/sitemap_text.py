"""The stories' and the Google News sitemaps' files and the sitemap indexes, written as text.

A crawler walking the archive asks each file once, so no cache helps: each
must cost its own rows, whatever the archive's size. Django's sitemap views
made each story a model and a dict, reversed its address through the
resolver and rendered a template node per field, and each index entry
through a template too: most of a file's time, not the read. Here a file is
its run of ids (`StoryIdPaginator`) read through the primary key as rows of
the three columns an entry shows, its lead pictures and translations as the
same range of their tables' keys, and each entry written as a line of
escaped text: the documents Django's templates wrote, byte for byte. The
news sitemap's file (two days of stories, 1,000 a file) is written so too;
the section pages' sitemaps, a few entries, are Django's.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from html import escape
from typing import cast

from django.conf import settings
from django.core.paginator import InvalidPage
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date

from wiredesk.pictures.selectors import lead_picture_addresses
from wiredesk.site.editions import in_scope_by_row, scope
from wiredesk.site.models import StoryTranslation
from wiredesk.site.story_paths import StoryPaths
from wiredesk.site.templatetags.wiredesk import news_language
from wiredesk.site.translations import alternates_of, any_group
from wiredesk.stories.models import Story
from wiredesk.stories.selectors import visible_filter
from wiredesk.stories.storage.rows import plain_rows
from wiredesk.wire import rfc3339
from wiredesk.wire.text import xml_text

from .sitemaps import SITEMAPS, NewsSitemap, SiteSitemap, StoryIdPaginator, StorySitemap

URLSET = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
    ' xmlns:image="http://www.google.com/schemas/sitemap-image/1.1"'
    ' xmlns:xhtml="http://www.w3.org/1999/xhtml">\n'
)
NEWS_URLSET = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
    ' xmlns:image="http://www.google.com/schemas/sitemap-image/1.1"'
    ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n'
)
INDEX = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
)
NOT_INDEXED = "noindex, noodp, noarchive"  # Django's sitemap views' X-Robots-Tag

Row = tuple[int, str, str, datetime]  # id, slug, language, modified_at


def story_sitemap(request: HttpRequest, edition: str = "") -> HttpResponse:
    """Answer the file `?p=` names (the first without it) of an edition's stories' sitemap."""
    sitemap = StorySitemap()
    page = request.GET.get("p", 1)
    try:
        run = StoryIdPaginator(Story.objects.none(), sitemap.limit).ids(page)
    except InvalidPage as error:
        raise Http404(f"No sitemap page {page!r}") from error
    rows = _rows(run, edition)
    site = f"{sitemap.get_protocol()}://{sitemap.get_domain()}"
    pictures = lead_picture_addresses(run) if rows else {}
    entries = _entries(rows, site, pictures, _languages(rows, run))
    # As Django's view: the file's newest change, for a conditional GET.
    newest = max((row[3] for row in rows), default=None)
    return _xml(URLSET + "".join(entries) + "</urlset>\n", newest)


def news_sitemap(request: HttpRequest, edition: str = "") -> HttpResponse:
    """Answer the file `?p=` names of an edition's Google News sitemap, newest first."""
    sitemap = NewsSitemap()
    sitemap.edition = edition
    stories = sitemap.items().values_list(
        "pk", "slug", "headline", "language", "first_published_at", "modified_at"
    )
    page = request.GET.get("p", "1")
    try:
        number = int(page)
    except ValueError:
        number = 0
    # Skipped through, as Django pages it (two days of stories), but not counted: a
    # file past the last is found empty. The index counts them (`index_entries`).
    start = (number - 1) * sitemap.limit
    if number < 1 or start >= 2**63:  # both engines' integers stop there: no such file
        raise Http404(f"No sitemap page {page!r}")
    rows = plain_rows(stories[start : start + sitemap.limit], times=(4, 5))
    if not rows and number > 1:
        raise Http404(f"No sitemap page {page!r}")
    site = f"{sitemap.get_protocol()}://{sitemap.get_domain()}"
    name = escape(settings.WIREDESK.site.name)
    pictures = lead_picture_addresses([row[0] for row in rows]) if rows else {}
    path, zone = StoryPaths(), timezone.get_current_timezone()
    entries = []
    for pk, slug, headline, language, published, _ in rows:
        picture = pictures.get(pk)
        entries.append(
            f"<url><loc>{escape(site + path(pk, slug))}</loc><news:news><news:publication>"
            f"<news:name>{name}</news:name>"
            f"<news:language>{escape(news_language(language))}</news:language>"
            "</news:publication>"
            f"<news:publication_date>{rfc3339(published.astimezone(zone))}"
            f"</news:publication_date><news:title>{escape(headline)}</news:title></news:news>"
            + (
                f"<image:image><image:loc>{escape(picture)}</image:loc></image:image>"
                if picture
                else ""
            )
            + "</url>\n"
        )
    newest = max((row[5] for row in rows), default=None)
    return _xml(NEWS_URLSET + "".join(entries) + "</urlset>\n", newest)


def site_index(request: HttpRequest) -> HttpResponse:
    """Answer the sitemap index: the news, stories (in files) and sections sitemaps."""
    entries = []
    for name, kind in SITEMAPS.items():
        sitemap = kind()
        location = reverse("sitemap-section", kwargs={"section": name})
        entries += index_entries(
            f"{sitemap.get_protocol()}://{sitemap.get_domain()}{location}", sitemap
        )
    return index_response(entries)


def index_entries(location: str, sitemap: SiteSitemap) -> list[tuple[str, datetime | None]]:
    """Return (address, lastmod) of each file of `sitemap`, at `location`, for an index."""
    latest = sitemap.get_latest_lastmod()
    pages = sitemap.paginator.num_pages
    return [(location, latest)] + [(f"{location}?p={n}", latest) for n in range(2, pages + 1)]


def index_response(entries: list[tuple[str, datetime | None]]) -> HttpResponse:
    """Answer a sitemap index of `entries`, (address, lastmod) of each file."""
    lines = []
    for location, lastmod in entries:
        # `date:"c"` in Django's template: the site's time, in full.
        moment = f"<lastmod>{timezone.localtime(lastmod).isoformat()}</lastmod>" if lastmod else ""
        lines.append(f"<sitemap><loc>{escape(location)}</loc>{moment}</sitemap>")
    # As Django's index: Last-Modified only when every sitemap has a lastmod.
    dated = [lastmod for _, lastmod in entries if lastmod is not None]
    newest = max(dated) if dated and len(dated) == len(entries) else None
    return _xml(INDEX + "".join(lines) + "\n</sitemapindex>\n", newest)


def _xml(document: str, newest: datetime | None) -> HttpResponse:
    # What XML cannot carry dropped once, as `xml_safe` does for Django's views.
    response = HttpResponse(xml_text(document), content_type="application/xml")
    if newest is not None:
        response["Last-Modified"] = http_date(newest.timestamp())
    response["X-Robots-Tag"] = NOT_INDEXED
    return response


def _rows(run: range, edition: str) -> list[Row]:
    """Return the rows of the visible stories of `edition` with ids in `run`, newest first."""
    stories = in_scope_by_row(Story.objects.filter(visible_filter()), scope(edition))
    read = (
        stories.filter(pk__gte=run.start, pk__lt=run.stop)
        .order_by("-pk")
        .values_list("pk", "slug", "language", "modified_at")
    )
    return cast(list[Row], plain_rows(read, times=(3,)))


def _entries(
    rows: list[Row],
    site: str,
    pictures: dict[int, str],
    languages: dict[int, list[tuple[str, str]]],
) -> Iterable[str]:
    path, zone = StoryPaths(), timezone.get_current_timezone()  # each asked once a file
    for pk, slug, _, modified_at in rows:
        entry = f"<url><loc>{escape(site + path(pk, slug))}</loc>"
        entry += f"<lastmod>{rfc3339(modified_at.astimezone(zone))}</lastmod>"
        if picture := pictures.get(pk):
            entry += f"<image:image><image:loc>{escape(picture)}</image:loc></image:image>"
        for tag, address in languages.get(pk, ()):
            entry += (
                f'<xhtml:link rel="alternate" hreflang="{escape(tag)}" href="{escape(address)}"/>'
            )
        yield entry + "</url>\n"


def _languages(rows: list[Row], run: range) -> dict[int, list[tuple[str, str]]]:
    """Return the hreflang alternates of the file's stories that are in a translation group."""
    # Most stories are in none: the file's ids are read as a range of the groups'
    # key, and only the few found are made into stories for `alternates_of`.
    if not rows or not any_group():
        return {}
    grouped = StoryTranslation.objects.filter(story_id__gte=run.start, story_id__lt=run.stop)
    members = set(grouped.values_list("story_id", flat=True))
    stories = [
        Story(pk=pk, slug=slug, language=language)
        for pk, slug, language, _ in rows
        if pk in members
    ]
    return alternates_of(stories) if stories else {}
