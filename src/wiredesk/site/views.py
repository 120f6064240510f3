"""Reader pages: thin views over the story selectors."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from wiredesk.sources.models import Agency
from wiredesk.stories.search import search_stories
from wiredesk.stories.selectors import (
    also_reported_by,
    story_for_page,
    versions_of,
    visible_stories,
)

from .cache import cached_page
from .diff import word_diff
from .structured import news_article


def _page(request: HttpRequest, stories):
    paginator = Paginator(stories, settings.WIREDESK["PAGE_SIZE"])
    return paginator.get_page(request.GET.get("page"))


@cached_page
def home(request: HttpRequest) -> HttpResponse:
    """Latest stories first, all agencies."""
    return render(request, "site/list.html", {"page": _page(request, visible_stories())})


@cached_page
def agency(request: HttpRequest, slug: str) -> HttpResponse:
    """Latest stories of one agency."""
    agency = get_object_or_404(Agency, slug=slug)
    stories = visible_stories().filter(agency=agency)
    return render(request, "site/list.html", {"page": _page(request, stories), "agency": agency})


def app_link(story_id: int, path: str, url: str) -> str | None:
    """Return the "Open in app" link for a story, or None when no app is configured."""
    template = settings.WIREDESK["APP_LINK"]
    if not template:
        return None
    return template.format(id=story_id, path=path, url=url)


@cached_page
def story(request: HttpRequest, pk: int, slug: str | None = None) -> HttpResponse:
    """One story, with every element of the reference page; 410 once killed."""
    story, status = story_for_page(pk)
    if status == "missing":
        raise Http404("No such story")
    if status == "gone":
        return render(request, "site/gone.html", {"story": story}, status=410)
    path = story.get_absolute_url()
    if slug != story.slug:
        return HttpResponsePermanentRedirect(path)
    url = settings.WIREDESK["SITE_URL"] + path
    context = {
        "story": story,
        "canonical_url": url,
        "app_link": app_link(story.pk, path, url),
        "app_name": settings.WIREDESK["APP_NAME"],
        "ios_app_store_id": settings.WIREDESK["IOS_APP_STORE_ID"],
        "json_ld": news_article(
            story, url, settings.WIREDESK["SITE_NAME"], settings.WIREDESK["SITE_URL"]
        ),
        "also_reported_by": also_reported_by(story),
    }
    return render(request, "site/story.html", context)


@cached_page
def provenance(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    """Every version of a story as received, with hashes and what changed: the proof
    that the text was not modified. Editor's notes are never shown."""
    story, status = story_for_page(pk)
    if status == "missing":
        raise Http404("No such story")
    if status == "gone":
        return render(request, "site/gone.html", {"story": story}, status=410)
    if slug != story.slug:
        return HttpResponsePermanentRedirect(reverse("site:provenance", args=[pk, story.slug]))
    rows, previous = [], None
    for version in versions_of(story):
        changes = None
        if previous is not None and version.body_text != previous.body_text:
            changes = word_diff(previous.body_text, version.body_text)
        rows.append({"version": version, "changes": changes,
                     "headline_changed": previous is not None and version.headline != previous.headline})  # fmt: skip
        previous = version
    return render(request, "site/provenance.html", {"story": story, "rows": rows})


def search(request: HttpRequest) -> HttpResponse:
    """Search stories by words, best first by relevance and recency. Never cached: every query differs."""
    q = request.GET.get("q", "")[:200]
    results = search_stories(q) if q.strip() else []
    return render(request, "site/search.html", {"q": q, "results": results})


def healthz(request: HttpRequest) -> HttpResponse:
    """Answer 200 when the process serves and its database answers."""
    visible_stories().exists()
    return HttpResponse("ok\n", content_type="text/plain")
