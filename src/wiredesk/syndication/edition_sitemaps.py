"""Another edition's sitemaps, under its prefix: `/hi/sitemap.xml` lists `/hi/sitemap-news.xml`,
`/hi/sitemap-stories.xml` (its stories, paged by id as the main one's) and
`/hi/sitemap-pages.xml` (its home and section pages)."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib.sitemaps import views as sitemap_views
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone

from wiredesk.site.editions import in_edition
from wiredesk.stories.models import Section
from wiredesk.stories.selectors import visible_stories

from .sitemap_text import index_entries, index_response, news_sitemap, story_sitemap
from .sitemaps import NewsSitemap, SiteSitemap, StorySitemap


class EditionNewsSitemap(NewsSitemap):
    """An edition's Google News sitemap: its stories of the last two days."""

    def __init__(self, edition: str) -> None:
        self.edition = edition


class EditionStorySitemap(StorySitemap):
    """Every visible story of an edition, by id."""

    def __init__(self, edition: str) -> None:
        self.edition = edition


class EditionPagesSitemap(SiteSitemap):
    """An edition's home and section pages, dated by their newest story."""

    limit = 5_000

    def __init__(self, edition: str) -> None:
        self.edition = edition

    def items(self) -> list[str]:
        sections = Section.objects.order_by("order", "name").values_list("slug", flat=True)
        return ["", *(f"section/{slug}/" for slug in sections)]

    def location(self, item: str) -> str:
        return f"/{self.edition}/{item}"

    def lastmod(self, item: str) -> datetime | None:
        from wiredesk.stories.selectors import in_section

        stories = in_edition(visible_stories(), self.edition)
        if item:
            stories = in_section(stories, item.split("/")[1])
        found = stories.values_list("modified_at", flat=True).first()
        return timezone.localtime(found) if found else None


def _sitemaps(edition: str) -> dict[str, SiteSitemap]:
    return {
        "news": EditionNewsSitemap(edition),
        "stories": EditionStorySitemap(edition),
        "pages": EditionPagesSitemap(edition),
    }


def edition_index(request: HttpRequest, edition: str) -> HttpResponse:
    """Answer an edition's sitemap index: its three sitemaps, the stories' in pages."""
    base = f"{settings.WIREDESK.site.url}/{edition}/sitemap-"
    entries = []
    for name, sitemap in _sitemaps(edition).items():
        entries += index_entries(f"{base}{name}.xml", sitemap)
    return index_response(entries)


def edition_sitemap(request: HttpRequest, edition: str, section: str) -> HttpResponse:
    """Answer one of an edition's sitemaps (`section`: news, stories or pages)."""
    sitemaps = _sitemaps(edition)
    if section not in sitemaps:
        raise Http404("No such sitemap")
    if section == "stories":
        return story_sitemap(request, edition)
    if section == "news":
        return news_sitemap(request, edition)
    return sitemap_views.sitemap(
        request, {section: sitemaps[section]}, section=section, template_name="sitemaps/stories.xml"
    )
