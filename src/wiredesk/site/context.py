"""Template context every reader page gets."""

import time
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import HttpRequest
from django.urls import get_script_prefix, reverse

from wiredesk.sources.models import Agency
from wiredesk.stories.models import Section, SectionRule

NAV_SECONDS = 30  # agencies change rarely; another process's change shows within this
_nav: dict[str, tuple[float, list]] = {}


@dataclass(frozen=True)
class NavLink:
    """One link of the page chrome: its address and its words."""

    url: str
    name: str


# The header's addresses, reversed once for each kept list and script prefix:
# every reader page shows them, and reverse() costs more than the rest of the
# header (docs/benchmarks.md, "One uncached story page").
_links: dict[tuple[str, str], tuple[object, list[NavLink]]] = {}
_chrome: dict[str, dict[str, str]] = {}


def _links_of(
    kind: str, items: list[Agency] | list[Section], name: str, edition: str = ""
) -> list[NavLink]:
    key = (kind, get_script_prefix() + edition)
    kept = _links.get(key)
    if kept is None or kept[0] is not items:  # a new list: kept anew or changed
        if edition:
            links = [
                NavLink(reverse(f"site:edition-{name}", args=[edition, item.slug]), item.name)
                for item in items
            ]
        else:
            links = [
                NavLink(reverse(f"site:{name}", args=[item.slug]), item.name) for item in items
            ]
        kept = _links[key] = (items, links)
    return kept[1]


def nav_agency_links(edition: str = "") -> list[NavLink]:
    """Return the navigation's agency links: nav_agencies' with their addresses (in `edition`)."""
    return _links_of("agencies", nav_agencies(), "agency", edition)


def nav_section_links(edition: str = "") -> list[NavLink]:
    """Return the navigation's section links: nav_sections' with their addresses (in `edition`)."""
    return _links_of("sections", nav_sections(), "section", edition)


def chrome_urls(edition: str = "") -> dict[str, str]:
    """Return the addresses every page's header links to (home, search), in `edition`."""
    prefix = get_script_prefix() + edition
    urls = _chrome.get(prefix)
    if urls is None:
        if edition:
            home = reverse("site:edition-home", args=[edition])
            search = reverse("site:edition-search", args=[edition])
        else:
            home, search = reverse("site:home"), reverse("site:search")
        urls = _chrome[prefix] = {"home": home, "search": search}
    return urls


def nav_agencies() -> list[Agency]:
    """Return the agencies for the navigation, kept in this process for a while."""
    kept = _nav.get("agencies")
    if kept is None or kept[0] < time.monotonic():
        agencies = list(Agency.objects.only("slug", "name").order_by("name"))
        kept = _nav["agencies"] = (time.monotonic() + NAV_SECONDS, agencies)
    return kept[1]


def nav_sections() -> list[Section]:
    """Return the sections in the site's navigation, kept in this process for a while."""
    kept = _nav.get("sections")
    if kept is None or kept[0] < time.monotonic():
        sections = list(Section.objects.filter(in_navigation=True).only("slug", "name"))
        kept = _nav["sections"] = (time.monotonic() + NAV_SECONDS, sections)
    return kept[1]


@receiver([post_save, post_delete], sender=Agency, dispatch_uid="site-nav-agencies")
@receiver([post_save, post_delete], sender=Section, dispatch_uid="site-nav-sections")
@receiver([post_save, post_delete], sender=SectionRule, dispatch_uid="site-nav-section-rules")
def forget_nav(**_: object) -> None:
    """Drop the kept agencies and sections when one changes in this process, and every
    cached page with them (their navigation shows them)."""
    from .cache import bump_generation

    _nav.clear()
    bump_generation()


def site(request: HttpRequest) -> dict:
    """Return the site's name, URL and agencies for the page chrome, in the request's edition:
    its language is the page's own (`site_language`), its links stay in it."""
    config = settings.WIREDESK.site
    edition = getattr(request, "edition", "")
    return {
        "site_name": config.name,
        "site_url": config.url,
        "site_description": config.description,
        "site_language": edition or config.language,
        "edition": edition,
        "nav_agencies": nav_agencies,
        "nav_sections": nav_sections,
        "nav_agency_links": partial(nav_agency_links, edition) if edition else nav_agency_links,
        "nav_section_links": partial(nav_section_links, edition) if edition else nav_section_links,
        "chrome_urls": partial(chrome_urls, edition) if edition else chrome_urls,
    }
