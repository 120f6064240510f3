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
never kept (not marked to be kept, and `no-store`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from django.http import HttpResponse

from wiredesk.metrics.instruments import CacheCounter

from .generation import FileGeneration, RedisGeneration, generation_clock, shared_safely
from .kept import (
    AddressKey,
    AnswerStore,
    Keep,
    KeptAnswer,
    SentHeaders,
    WhileGeneration,
    keep_of,
    keepable,
)

COUNTS = CacheCounter("fastpath")


class FastPageCache:
    """Wrap a WSGI application; answer repeated cacheable GETs from process memory."""

    def __init__(self, app: Callable, seconds: float, max_bytes: int = 8 << 20) -> None:
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
        if self.clock is None:
            self.clock = generation_clock()
        kept = self.store.kept.get(key)
        if kept is not None and kept.is_current():
            COUNTS.hit()
            start_response(kept.status, kept.headers)
            return [kept.body] if environ["REQUEST_METHOD"] == "GET" else []
        COUNTS.miss()
        current = self.clock.current()
        if current is None or environ["REQUEST_METHOD"] == "HEAD":
            return self.app(environ, start_response)
        sent = SentHeaders(start_response)
        response = self.app(environ, sent)  # rendered under `current` or a later one
        if keep_of(response).for_generation and sent.status:
            body = response.content
            if keepable(sent.headers, body):
                rule = WhileGeneration(self.clock, current, time.monotonic() + self.seconds)
                self.store.put(key, KeptAnswer(sent.status, list(sent.headers), body, rule))
        return response


class WholeBody(list):
    """A Django response's body as one piece, with what the fast path reads of it."""

    __slots__ = ("content", "wiredesk_keep")
    content: bytes
    wiredesk_keep: Keep  # site/kept.py


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
            body.wiredesk_keep = keep_of(response)
        finally:
            response.close()  # the end of the request for Django (its signal, connections)
        return body

    return application


def wrap(app: Callable, seconds: int, max_bytes: int = 8 << 20) -> Callable:
    """Return `app` behind the fast path, or `app` itself where it would not be safe."""
    if seconds <= 0 or max_bytes <= 0 or not shared_safely():
        return app
    return FastPageCache(app, seconds, max_bytes)
