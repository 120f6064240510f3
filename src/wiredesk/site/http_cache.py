"""HTTP caching for a CDN in front of the web nodes: Cache-Control and surrogate keys.

Every public answer (pages, feeds, sitemaps, the API) may be kept by a shared
cache for `CDN_MAX_AGE` seconds (`s-maxage`) and served stale briefly while it
revalidates; browsers always revalidate (`max-age=0`, with the ETag). Each
answer is tagged (`Surrogate-Key` for Fastly and Varnish, `Cache-Tag` for
Cloudflare): `story-<id>` for one story's page and API answer, `lists` for
everything that lists stories. Every story change purges its story key and
`lists` through the configured purge backends (site/purge.py), so a CDN never
serves a killed or embargoed story.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.middleware.http import ConditionalGetMiddleware as DjangoConditionalGet

from .kept import keep_of, mark_keep

CACHEABLE = {200, 301, 404, 410}
# The request headers a conditional GET answers (Django's get_conditional_response).
CONDITIONS = (
    "HTTP_IF_MATCH",
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_UNMODIFIED_SINCE",
)
PRIVATE_PREFIXES = ("/admin/", "/static/admin/", "/desk/")
STORY_PATH = re.compile(r"^/(?:api/v1/)?stor(?:y|ies)/(\d+)(?:/|$)")


def surrogate_keys(path: str) -> list[str]:
    """Return the purge keys of the answer at `path`."""
    match = STORY_PATH.match(path)
    return [f"story-{match.group(1)}"] if match else ["lists"]


class CacheHeadersMiddleware:
    """Add Cache-Control and surrogate keys to every public GET answer."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if keep_of(request).for_generation:  # site/cache.py keep_whole_answer
            mark_keep(response, for_generation=True)
        if request.method not in ("GET", "HEAD") or request.path.startswith(PRIVATE_PREFIXES):
            return response
        if response.status_code not in CACHEABLE or response.has_header("Cache-Control"):
            return response
        # From META: request.headers would copy every header to find this one.
        if request.META.get("HTTP_AUTHORIZATION"):
            response["Cache-Control"] = "private, max-age=0"
            return response
        config = settings.WIREDESK.site
        response["Cache-Control"] = (
            f"public, max-age=0, s-maxage={config.cdn_max_age}, "
            f"stale-while-revalidate={config.cdn_stale_while_revalidate}"
        )
        keys = " ".join(surrogate_keys(request.path))
        response["Surrogate-Key"] = keys
        response["Cache-Tag"] = keys.replace(" ", ",")
        return response


class ConditionalGetMiddleware(DjangoConditionalGet):
    """Django's conditional GET (ETag, 304), with the ETag taken by SHA-1 of the body.

    SHA-1 is done by the CPU's own instructions, and of a large feed costs a
    fraction of Django's MD5 (docs/benchmarks.md); an ETag is a validator, not a seal.
    """

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if (
            request.method == "GET"
            and isinstance(response, HttpResponse)
            and self.needs_etag(response)
            and not response.has_header("ETag")
            and response.content
        ):
            digest = hashlib.sha1(response.content, usedforsecurity=False).hexdigest()
            response.headers["ETag"] = f'"{digest}"'
        if not any(name in request.META for name in CONDITIONS):
            return response  # no condition to answer 304 or 412 to: Django's would return it
        return super().process_response(request, response)
