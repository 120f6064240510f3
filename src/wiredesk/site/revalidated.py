"""Send an answer's bytes again once the database says nothing it shows has changed.

A view may mark its response with a check (`mark_keep(response,
revalidate=WhileSignature(check, signature))`, site/kept.py): `check()`
reads what the same request would show now and returns its signature,
equal to `signature` only when the view would answer with the same bytes
(a feed: one statement, syndication/feeds.py). Each web worker keeps the
status, headers and bytes of such an answer; for a later plain GET or HEAD
of the same address it runs `check` and, if nothing changed, sends
them without Django's request cycle (middleware, URL resolving, the view).
That cycle was most of an uncached feed's time (docs/benchmarks.md).

Nothing is sent without that read, so this is as fresh as rendering: it needs
neither the page cache's shared clock nor a time limit, and it works with
the page cache off. A check that raises (the database away, an agency
deleted) hands the request to Django, which answers it as it would any.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from wiredesk.metrics.instruments import CacheCounter

from .fastpath import WholeBody
from .kept import AddressKey, AnswerStore, Keep, KeptAnswer, SentHeaders, keep_of, keepable

COUNTS = CacheCounter("revalidated")


class RevalidatedAnswers:
    """Wrap a WSGI application; answer again from kept bytes what a check proves current."""

    def __init__(self, app: Callable, max_bytes: int) -> None:
        self.app = app
        self.store = AnswerStore(max_bytes)
        self.key = AddressKey()

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        key = self.key(environ)
        if key is None:
            return self.app(environ, start_response)
        kept = self.store.kept.get(key)
        if kept is not None and kept.is_current():
            COUNTS.hit()
            start_response(kept.status, kept.headers)
            if environ["REQUEST_METHOD"] != "GET":
                return []
            # As Django's answer would be, for the page cache's fast path in front.
            body = WholeBody([kept.body])
            body.content, body.wiredesk_keep = kept.body, kept.keep
            return body
        COUNTS.miss()
        sent = SentHeaders(start_response)
        response = self.app(environ, sent)
        keep = keep_of(response)
        if (
            keep.revalidate is not None
            and sent.status.startswith("200 ")
            and environ["REQUEST_METHOD"] == "GET"
        ):
            body = response.content
            if keepable(sent.headers, body):
                # Passed on without its check: the fast path keeps it for the generation.
                passed = Keep(for_generation=keep.for_generation)
                answer = KeptAnswer(sent.status, list(sent.headers), body, keep.revalidate, passed)
                self.store.put(key, answer)
        return response


def revalidated(app: Callable, max_bytes: int) -> Callable:
    """Return `app` behind kept answers checked at each request, or `app` with no room for any."""
    return RevalidatedAnswers(app, max_bytes) if max_bytes > 0 else app
