"""Serve cached pages before Django: the fast path of a web worker.

Django's request cycle (middleware, URL resolving, the page cache's own
lookup) costs more than the lookup itself even when the page is cached
(docs/benchmarks.md).
This WSGI wrapper keeps, in each worker, the final bytes and headers of every
answer that the page cache (site/cache.py) would keep, tagged with the
content generation it was rendered under (site/generation.py), and answers a
repeat request from them with a dictionary lookup and a comparison of eight
bytes. Any story change replaces the generation, so a kept answer is never
served after a kill or a new embargo; reading the generation is a memory
read (a mapped file on one machine, a copy kept by a Redis listener on
several).

Only plain GET and HEAD requests are served here. Conditional requests, and
requests with credentials, go to Django, which answers them as before.

The per-client limits on search and the API (site/rate_limits.py) count only
what reaches Django: an answer kept here costs a dictionary lookup, no worker
time worth protecting, and counting it would put a shared-cache round trip
on the fastest path. A crawler asking for what is not kept (the long tail of
words and filters) reaches Django, and is counted and shed there. A 429 is
never kept (not marked cacheable, and `no-store`).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from django.http import HttpResponse

from wiredesk.metrics.instruments import CacheCounter

from .generation import FileGeneration, RedisGeneration, generation_clock, shared_safely

# Django's GZipMiddleware decides by this same test, so the key matches its choice.
ACCEPTS_GZIP = re.compile(r"\bgzip\b")
BYPASS_HEADERS = frozenset(
    ("HTTP_AUTHORIZATION", "HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_RANGE")
)
MAX_BODY = 1 << 20
COUNTS = CacheCounter("fastpath")


class Kept:
    """One answer as it was sent: status line, headers, body."""

    __slots__ = ("body", "expires", "generation", "headers", "status")

    def __init__(self, status: str, headers: list, body: bytes, generation: bytes, expires: float):
        self.status = status
        self.headers = headers
        self.body = body
        self.generation = generation
        self.expires = expires


class AnswerStore:
    """Answers kept by key in a worker's memory, up to `max_bytes` of bodies, first in first out.

    Lookups need no lock (a dictionary read); changes take one.
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.kept: dict[tuple[str, str, bool], Any] = {}
        self.kept_bytes = 0
        self.lock = threading.Lock()

    def put(self, key: tuple[str, str, bool], answer: Any) -> None:
        """Keep `answer` (anything with a `body`), dropping the oldest to make room."""
        body = answer.body
        with self.lock:
            while self.kept and self.kept_bytes + len(body) > self.max_bytes:
                oldest = self.kept.pop(next(iter(self.kept)))
                self.kept_bytes -= len(oldest.body)
            old = self.kept.pop(key, None)
            if old is not None:
                self.kept_bytes -= len(old.body)
            self.kept[key] = answer
            self.kept_bytes += len(body)


class AddressKey:
    """The key of a plain GET or HEAD: path, query, and whether gzip is accepted."""

    def __init__(self) -> None:
        self.gzip_by_header: dict[str, bool] = {}

    def __call__(self, environ: dict) -> tuple[str, str, bool] | None:
        """Return the key, or None for a request a kept answer must not serve."""
        method = environ["REQUEST_METHOD"]
        if (method != "GET" and method != "HEAD") or not BYPASS_HEADERS.isdisjoint(environ):
            return None
        encoding = environ.get("HTTP_ACCEPT_ENCODING", "")
        gzip = self.gzip_by_header.get(encoding)
        if gzip is None:
            gzip = ACCEPTS_GZIP.search(encoding) is not None
            if len(self.gzip_by_header) < 256:
                self.gzip_by_header[encoding] = gzip
        return (environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""), gzip)


def keepable(headers: list, body: bytes) -> bool:
    """Say whether an answer with these headers may be sent again to any reader."""
    names = {name.lower(): value for name, value in headers}
    if "set-cookie" in names or "public" not in names.get("cache-control", ""):
        return False
    if names.get("vary", "Accept-Encoding").replace(" ", "") not in ("Accept-Encoding", ""):
        return False
    return len(body) <= MAX_BODY


class FastPageCache:
    """Wrap a WSGI application; answer repeated cacheable GETs from process memory."""

    def __init__(self, app: Callable, seconds: int, max_bytes: int = 8 << 20) -> None:
        self.app = app
        self.seconds = seconds
        self.store = AnswerStore(max_bytes)
        self.key = AddressKey()
        # Chosen on the first request, once the database is configured.
        self.clock: FileGeneration | RedisGeneration | None = None

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        # Written for speed: this runs for every request a worker answers.
        key = self.key(environ)
        if key is None:
            return self.app(environ, start_response)
        kept = self.store.kept.get(key)
        if self.clock is None:
            self.clock = generation_clock()
        current = self.clock.current()
        if kept is not None and kept.generation == current and kept.expires > time.monotonic():
            COUNTS.hit()
            start_response(kept.status, kept.headers)
            return [kept.body] if environ["REQUEST_METHOD"] == "GET" else []
        COUNTS.miss()
        if current is None or environ["REQUEST_METHOD"] == "HEAD":
            return self.app(environ, start_response)
        sent: list[Any] = []

        def capture(status: str, headers: list, exc_info: object = None) -> None:
            sent[:] = [status, headers]
            return start_response(status, headers, exc_info)

        response = self.app(environ, capture)  # rendered under `current` or a later one
        if getattr(response, "wiredesk_cacheable", False) and sent:
            body = response.content
            if keepable(sent[1], body):
                expires = time.monotonic() + self.seconds
                self.store.put(key, Kept(sent[0], list(sent[1]), body, current, expires))
        return response


class WholeBody(list):
    """A Django response's body as one piece, with what the fast path reads of it."""

    __slots__ = ("content", "wiredesk_cacheable", "wiredesk_revalidate")
    content: bytes
    wiredesk_cacheable: bool
    wiredesk_revalidate: tuple | None  # site/revalidated.py


def whole_bodies(app: Callable) -> Callable:
    """Return Django's WSGI `app` answering each plain response as a one-item list.

    A WSGI server sends a list's items at once, but pulls any other iterable
    piece by piece, a thread hand-off and a write apiece: a feed written by
    Django's XML writer came out in about twenty pieces, a fifth of its time.
    Streaming and file responses are passed as they are.
    """

    def application(environ: dict, start_response: Callable) -> Iterable[bytes]:
        response = app(environ, start_response)
        if not isinstance(response, HttpResponse):
            return response
        try:
            body = WholeBody([response.content])
            body.content = body[0]
            body.wiredesk_cacheable = getattr(response, "wiredesk_cacheable", False)
            body.wiredesk_revalidate = getattr(response, "wiredesk_revalidate", None)
        finally:
            response.close()  # the end of the request for Django (its signal, connections)
        return body

    return application


def wrap(app: Callable, seconds: int, max_bytes: int = 8 << 20) -> Callable:
    """Return `app` behind the fast path, or `app` itself where it would not be safe."""
    if seconds <= 0 or max_bytes <= 0 or not shared_safely():
        return app
    return FastPageCache(app, seconds, max_bytes)
