"""A rendered-page cache that can never serve a killed or embargoed story.

Every cached page is keyed by the content generation, a random token
(site/generation.py); every story change (published, updated, withheld,
killed, embargo released) replaces it, so the next request renders afresh.
With Redis as the cache, every web node sees the same generation: a change on
one node invalidates all of them at once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import partial, wraps
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from wiredesk.metrics.instruments import CacheCounter

from .generation import generation_clock, shared_safely
from .kept import mark_keep

CACHED_STATUSES = {200, 301, 404, 410}
PAGED_BY = ("page", "p", "before", "after")  # list pages (site/list_pages.py), sitemap sections
KEPT_HEADERS = ("Content-Type", "Location", "Last-Modified", "Cache-Control", "Content-Language")
PAGE_COUNTS, SEARCH_COUNTS, API_COUNTS = map(CacheCounter, ("page", "search", "api"))


class CachedPage(NamedTuple):
    """A page as the page cache keeps it (pickled by the cache backend, so module-level)."""

    status: int
    headers: dict[str, str]  # only KEPT_HEADERS
    content: bytes


def generation() -> str | None:
    """Return the current content generation as the shared store has it now (None: away)."""
    value = generation_clock().fresh()
    return value.hex() if value is not None else None


def bump_generation(**_: object) -> None:
    """Invalidate every cached page (a signal receiver: any story change)."""
    generation_clock().bump()


def cached_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve a GET from the page cache of the current generation, rendering on a miss."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        seconds = settings.WIREDESK.site.page_cache_seconds
        if request.method not in ("GET", "HEAD") or not seconds or not shared_safely():
            return view(request, *args, **kwargs)
        current = generation()
        if current is None:  # the shared store is away: slower, never stale
            return view(request, *args, **kwargs)
        # Only the query a page uses is in the key: random queries cannot flood it.
        query = ":".join(request.GET.get(name, "") for name in PAGED_BY)
        key = f"wiredesk:page:{current}:{request.path}:{query}"
        hit = cache.get(key)
        # Anything else under the key (a value of an older release) is a miss, written over.
        if isinstance(hit, CachedPage):
            PAGE_COUNTS.hit()
            response = HttpResponse(hit.content, status=hit.status)
            for name, value in hit.headers.items():
                response[name] = value
            mark_keep(response, for_generation=True)  # for the fast path (site/fastpath.py)
            return response
        PAGE_COUNTS.miss()
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and not getattr(response, "is_rendered", True):
            response.render()  # a TemplateResponse (sitemaps): its bytes are what is kept
        # A page that says "still being worked out" (site/changes.py) is not kept.
        if (
            response.status_code in CACHED_STATUSES
            and not response.streaming
            and "no-store" not in response.get("Cache-Control", "")
        ):
            headers = {name: response[name] for name in KEPT_HEADERS if response.has_header(name)}
            cache.set(key, CachedPage(response.status_code, headers, response.content), seconds)
            mark_keep(response, for_generation=True)
        return response

    return wrapper


def on_site_url(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Build a view's absolute URLs from the configured site URL, never from the request.

    Django's feeds and sitemap index take the domain from the Host header and
    the scheme from the request; a request naming another host would put that
    host into what the page cache keeps for every reader.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        site = urlsplit(settings.WIREDESK.site.url)
        request.get_host = lambda: site.netloc  # type: ignore[method-assign]
        request.is_secure = lambda: site.scheme == "https"  # type: ignore[method-assign]
        return view(request, *args, **kwargs)

    return wrapper


SEARCH_SECONDS = 10


def keep_whole_answer(request: HttpRequest) -> None:
    """Let the fast path keep this request's answer, by its whole address, for the generation.

    For answers that vary by query (search, the API's lists): each worker keeps
    the final bytes of a repeated address (site/fastpath.py), checked against
    the content generation like every kept page; CacheHeadersMiddleware passes
    the mark to the response.
    """
    mark_keep(request, for_generation=True)


def cached_search(
    q: str,
    limit: int = 20,
    request: HttpRequest | None = None,
    edition: str = "",
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Return search_stories(q, limit, offset) among the stories `edition` lists
    (site/editions.py), as rows of the columns a results page shows
    (site/search_results.py FIELDS), kept a few seconds by normalised query.

    Keyed on the content generation, like pages: a kill or any other change
    makes every kept result stale at once. A burst of the same words (a
    crawler, an app's launch) costs one search. What is kept is the stories'
    ids; a kept answer reads their rows again, those columns only.
    """
    from wiredesk.stories.search import search_rows
    from wiredesk.stories.selectors import visible_stories

    from .editions import scope, visible_in_scope_by_row
    from .search_results import FIELDS

    words = " ".join(q.lower().split())[:200]
    # The edition's stories at a moment, named by its scope: the search's read is
    # compiled once for each (stories/search.py).
    where = scope(edition)
    within = partial(visible_in_scope_by_row, where)
    caching = words and settings.WIREDESK.site.page_cache_seconds and shared_safely()
    current = generation() if caching else None
    if current is None:
        return search_rows(q, FIELDS, limit=limit, within=within, offset=offset, shape=where)
    if request is not None:
        keep_whole_answer(request)
    # The editions' stories are apart: the same words found in one are not another's.
    digest = hashlib.sha256(words.encode()).hexdigest()
    key = f"wiredesk:search:{current}:{'|'.join(where)}:{offset}:{limit}:{digest}"
    ids = cache.get(key)
    if ids is None:
        SEARCH_COUNTS.miss()
        found = search_rows(q, FIELDS, limit=limit, within=within, offset=offset, shape=where)
        cache.set(key, [row["id"] for row in found], SEARCH_SECONDS)
        return found
    SEARCH_COUNTS.hit()
    by_id = {row["id"]: row for row in visible_stories().filter(pk__in=ids).values(*FIELDS)}
    return [by_id[pk] for pk in ids if pk in by_id]


def kept_list(request: HttpRequest, build: Callable[[], dict]) -> dict:
    """Return an API list page, kept like pages: by its every parameter, for the generation.

    A list asked for again with the same filters and cursor costs a cache read;
    any story change makes every kept list stale at once.
    """
    seconds = settings.WIREDESK.site.page_cache_seconds
    current = generation() if seconds and shared_safely() else None
    if current is None:
        return build()
    keep_whole_answer(request)
    query = "&".join(sorted(f"{k}={v}" for k, vs in request.GET.lists() for v in vs))
    digest = hashlib.sha256(f"{request.path}?{query}".encode()).hexdigest()
    key = f"wiredesk:api:{current}:{digest}"
    kept = cache.get(key)
    if kept is None:
        API_COUNTS.miss()
        kept = build()
        cache.set(key, kept, seconds)
    else:
        API_COUNTS.hit()
    return kept
