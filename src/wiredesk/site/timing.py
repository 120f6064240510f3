"""How long requests that reach Django take, by surface (docs/deploy.md, Metrics).

A surface is one of a few names (metrics/instruments.py, SURFACES), read from
the path's first segment: never the path itself, whose every value would be a
series Prometheus keeps. Answers sent before Django (site/fastpath.py,
site/revalidated.py) are not timed here: they are the cache layers' hits.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from wiredesk.metrics.instruments import REQUEST_SECONDS, SURFACES

FEED_ENDINGS = ("rss.xml", "atom.xml", "feed.json")
BY_FIRST_SEGMENT = {
    "api": "api",
    "search": "search",
    "feeds": "feed",
    "desk": "desk",
    "admin": "admin",
    "push": "push",
    "websub": "push",
    "metrics": "metrics",
    "static": "other",
    "media": "other",
    "healthz": "other",
}


def surface(path: str) -> str:
    """Return the surface a path belongs to."""
    first = path.lstrip("/").partition("/")[0]
    if first in BY_FIRST_SEGMENT:
        return BY_FIRST_SEGMENT[first]
    return "feed" if path.endswith(FEED_ENDINGS) or first.startswith("sitemap") else "page"


class RequestTimingMiddleware:
    """Observe each request's time in `wiredesk_request_seconds{surface}`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.timers = {name: REQUEST_SECONDS.labels(name) for name in SURFACES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        try:
            return self.get_response(request)
        finally:
            self.timers[surface(request.path_info)].observe(time.perf_counter() - started)
