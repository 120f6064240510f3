"""Reader pages: thin views over the story selectors."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
)
from django.shortcuts import render
from django.template import loader
from django.urls import reverse
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext

from wiredesk.pictures.selectors import pictures_of
from wiredesk.stories.models import Story
from wiredesk.stories.selectors import (
    also_reported_by,
    story_for_page,
    versions_of,
    visible_stories,
)

from .cache import cached_page, cached_search
from .changes import any_pending, changes_between
from .chrome import page_chrome, search_chrome, story_chrome
from .context import site as site_context
from .editions import (
    edition_language,
    edition_of,
    editions,
    home_alternates,
    in_language_of,
    prefix,
    scope,
)
from .list_pages import FirstPage, StoryList, agency_list, read_page, section_list
from .rate_limits import RateLimited, limit_client, too_many_requests
from .search_results import RESULTS_A_PAGE, cards, cards_markup, page_number, pages
from .structured import news_article
from .translations import alternates


def _list(
    request: HttpRequest, listed: StoryList, title: str | None, path: str, empty: str = ""
) -> HttpResponse:
    """Render a story list; `path` is where it and its feeds live ("/agency/ians/"),
    in the request's edition (its stories, under its prefix).

    Its chrome kept (site/chrome.py), and rendered without the request's
    context processors, as a story page is (`_story_page`).
    """
    edition = getattr(request, "edition", "")
    path = prefix(edition) + path.lstrip("/")
    try:
        page = read_page(request, listed, scope(edition), empty)
    except FirstPage:
        return HttpResponseRedirect(path)
    site = site_context(request)
    context = {
        **site,
        "chrome": page_chrome(request),
        "page": page,
        "cards": cards_markup(page.object_list, site["site_language"]),
        "title": title,
        "request_path": request.path,
        "list_path": path,
        "feeds_path": path if path != prefix(edition) else f"{path}feeds/",
        # A home page names the other editions' homes (hreflang).
        "alternates": home_alternates() if path == prefix(edition) and editions() else [],
    }
    return HttpResponse(loader.render_to_string("site/list.html", context))


@cached_page
@in_language_of
def home(request: HttpRequest) -> HttpResponse:
    """Latest stories first, all agencies."""
    return _list(request, StoryList(), None, "/")


@cached_page
@in_language_of
def agency(request: HttpRequest, slug: str) -> HttpResponse:
    """Latest stories of one agency."""
    listed = agency_list(slug)
    return _list(request, listed, listed.agency_name, f"/agency/{slug}/")


@cached_page
@in_language_of
def section(request: HttpRequest, slug: str) -> HttpResponse:
    """Latest stories of one of the publisher's sections."""
    listed, name = section_list(slug)
    return _list(request, listed, name, f"/section/{slug}/")


@cached_page
@in_language_of
def topic(request: HttpRequest, topic: str) -> HttpResponse:
    """Latest stories filed under an agency subject (its slug, "world"); 404 when none is."""
    # Missing when its first page is empty: the page's own read tells, where
    # asking first read the table a second time for a rare topic.
    title = topic.replace("-", " ").title()
    listed = StoryList("topic", topic)
    return _list(request, listed, title, f"/topic/{topic}/", "No stories under that topic")


def app_link(story_id: int, path: str, url: str) -> str | None:
    """Return the "Open in app" link for a story, or None when no app is configured."""
    template = settings.WIREDESK.site.app.link
    if not template:
        return None
    return template.format(id=story_id, path=path, url=url)


@cached_page
def story(request: HttpRequest, pk: int, slug: str | None = None) -> HttpResponse:
    """One story, with every element of the reference page; 410 once killed."""
    story, status = story_for_page(pk)
    if story is None:
        raise Http404("No such story")
    if status == "gone":
        return render(request, "site/gone.html", {"story": story}, status=410)
    path = story.get_absolute_url()
    if slug != story.slug:
        return HttpResponsePermanentRedirect(path)
    url = settings.WIREDESK.site.url + path
    # The page's own words are in the story's edition's language (docs/languages.md).
    request.edition = edition_of(story.language)  # type: ignore[attr-defined]
    with translation.override(edition_language(request.edition)):  # type: ignore[attr-defined]
        return _story_page(request, story, path, url)


def _story_page(request: HttpRequest, story: Story, path: str, url: str) -> HttpResponse:
    """Render a story's page: its chrome kept (site/chrome.py), the story's own parts anew.

    Rendered without the request's context processors: the page shows no
    user, message or form, and the site's own (site/context.py) is given here.
    """
    pictures = pictures_of(story.pk)
    context = {
        **site_context(request),
        "chrome": story_chrome(request, story.language),
        "story": story,
        "pictures": pictures,
        "lead": pictures[0] if pictures else None,
        "canonical_url": url,
        "app_link": app_link(story.pk, path, url),
        "app_name": settings.WIREDESK.site.app.name,
        "ios_app_store_id": settings.WIREDESK.site.app.ios_app_store_id,
        "json_ld": news_article(
            story,
            url,
            settings.WIREDESK.site.name,
            settings.WIREDESK.site.url,
            pictures[0].crops if pictures else (),
        ),
        "also_reported_by": also_reported_by(story),
        # The versions page is the story's address and "versions/" (site/urls.py).
        "versions_url": f"{path}versions/",
        "alternates": alternates(story),
    }
    return HttpResponse(loader.render_to_string("site/story.html", context))


@cached_page
def provenance(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    """Every version of a story as received, with hashes and what changed: the proof
    that the text was not modified. Editor's notes are never shown."""
    story, status = story_for_page(pk)
    if story is None:
        raise Http404("No such story")
    if status == "gone":
        return render(request, "site/gone.html", {"story": story}, status=410)
    if slug != story.slug:
        return HttpResponsePermanentRedirect(reverse("site:provenance", args=[pk, story.slug]))
    # The page's own words are in the story's edition's language, as on its page.
    request.edition = edition_of(story.language)  # type: ignore[attr-defined]
    with translation.override(edition_language(request.edition)):  # type: ignore[attr-defined]
        return _provenance_page(request, story)


def _provenance_page(request: HttpRequest, story: Story) -> HttpResponse:
    rows: list[dict[str, Any]] = []
    previous = None
    versions = versions_of(story)
    diffs = changes_between(versions)
    for version, changes in zip(versions, diffs, strict=True):
        rows.append(
            {
                "version": version,
                "changes": changes,
                "headline_changed": previous is not None and version.headline != previous.headline,
                "previous_headline": previous.headline if previous is not None else "",
            }
        )
        previous = version
    response = render(request, "site/provenance.html", {"story": story, "rows": rows})
    if any_pending(diffs):  # neither the page cache nor a CDN keeps "still being worked out"
        add_never_cache_headers(response)
    return response


@in_language_of
def search(request: HttpRequest) -> HttpResponse:
    """Search stories by words, best first by relevance and recency. An edition's search
    (`/hi/search`) looks among the stories its lists hold, and answers in its language.
    RESULTS_A_PAGE a page, `?page=2` and on to the last of PAGES (404 past the results).

    Results are kept a few seconds by normalised words, and the answer by its
    address for the content generation (site/cache.py). Each client may ask
    `[site] search_per_minute` searches a minute that reach Django (answers
    the fast path keeps are not counted: site/rate_limits.py); over that, 429.
    """
    q = request.GET.get("q", "")[:200]
    number = page_number(request.GET.get("page"))
    if q.strip():
        try:
            limit_client(request, "search", settings.WIREDESK.site.search_per_minute)
        except RateLimited as exc:
            words = gettext("Too many searches from your address; try again in %(seconds)s s.")
            return too_many_requests(exc, words % {"seconds": exc.retry_after} + "\n")
    edition = request.edition  # type: ignore[attr-defined]
    # One more than a page: whether a next page has results.
    found = (
        cached_search(
            q,
            RESULTS_A_PAGE + 1,
            request=request,
            edition=edition,
            offset=(number - 1) * RESULTS_A_PAGE,
        )
        if q.strip()
        else []
    )
    if number > 1 and not found:
        raise Http404("No such page of results")
    # The chrome kept (site/chrome.py) and rendered without the request's context
    # processors, as a list page is (`_list`).
    search = search_chrome(request)
    site = site_context(request)
    context = {
        **site,
        "chrome": search.chrome,
        "search": search,
        "q": q,
        "results": cards_markup(cards(found[:RESULTS_A_PAGE]), site["site_language"]),
        "pages": pages(q, number, len(found) > RESULTS_A_PAGE),
    }
    return HttpResponse(loader.render_to_string("site/search.html", context))


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The site's 404 (config/urls.py's handler404): its header and navigation, on any
    unknown address and for a story no reader may see (withheld, held, under embargo)."""
    return render(request, "site/not_found.html", status=404)


def healthz(request: HttpRequest) -> HttpResponse:
    """Answer 200 when the process serves and its database answers."""
    visible_stories().exists()
    return HttpResponse("ok\n", content_type="text/plain")
