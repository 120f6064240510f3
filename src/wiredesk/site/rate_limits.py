"""Per-client limits on what costs a worker: reader search and the app API.

One client (a crawler walking every word, an app stuck in a loop) must not
take the web workers from everyone else. Each request that reaches Django is
counted against its client in a fixed one-minute window, in the cache's own
counters (`cache.add` then `cache.incr`: atomic on Redis, shared by every web
node; per process in local memory); over the limit it is answered 429 with
`Retry-After`, the seconds until the window ends, before any search or query.

A client is its address as the trusted proxies report it (site/clients.py),
an IPv6 client its /64; an API client with a token is counted by its token
(api/auth.py).

Answers the fast path keeps (site/fastpath.py: a search or list asked for
again, until the next story change) are sent before Django and not counted:
they cost a dictionary lookup, and the limit is there to protect the workers
from the uncached long tail.

A failing cache (Redis away) degrades to no limit, never to a 500: the
design's "slower, never wrong".
"""

from __future__ import annotations

import logging
import time

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from .clients import client_key

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 60


class RateLimited(Exception):
    """Too many requests in this minute; `retry_after` seconds until the next."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"rate limit reached; retry in {retry_after} s")
        self.retry_after = retry_after


def check_rate(key: str, per_minute: int) -> None:
    """Count a request against `key`'s fixed one-minute window; raise RateLimited when over.

    0 is no limit. When the cache cannot count, the request is let through.
    """
    if not per_minute:
        return
    now = time.time()
    counter = f"wiredesk:rate:{key}:{int(now // WINDOW_SECONDS)}"
    try:
        count = _count(counter)
    except Exception as exc:  # a cache backend that raises when its server is away
        logger.warning("rate limit not applied: the cache could not count (%s)", exc)
        return
    if count is None:  # django-redis ignoring its errors (IGNORE_EXCEPTIONS): away
        return
    if count > per_minute:
        raise RateLimited(retry_after=WINDOW_SECONDS - int(now) % WINDOW_SECONDS)


def _count(counter: str) -> int | None:
    """Add one to `counter` (made at 0 if new); return the count, None if the cache is away."""
    cache.add(counter, 0, timeout=2 * WINDOW_SECONDS)
    try:
        return cache.incr(counter)
    except ValueError:  # evicted between add and incr
        cache.set(counter, 1, timeout=2 * WINDOW_SECONDS)
        return 1


def limit_client(request: HttpRequest, scope: str, per_minute: int) -> None:
    """Count `request` against its client's address in `scope`; raise RateLimited when over."""
    if per_minute:
        check_rate(f"{scope}:ip:{client_key(request)}", per_minute)


def too_many_requests(exc: RateLimited, body: str) -> HttpResponse:
    """Return a plain-text 429 saying when to ask again; never kept by any cache."""
    response = HttpResponse(body, status=429, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(exc.retry_after)
    response["Cache-Control"] = "no-store"
    return response
