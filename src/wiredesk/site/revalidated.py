"""Send an answer's bytes again once the database says nothing it shows has changed.

A view may mark its response `wiredesk_revalidate = (check, signature)`:
`check()` reads what the same request would show now and returns its
signature, equal to `signature` only when the view would answer with the
same bytes (a feed: one statement, syndication/feeds.py). Each web worker
keeps the status, headers and bytes of such an answer; for a later plain GET
or HEAD of the same address it runs `check` and, if nothing changed, sends
them without Django's request cycle (middleware, URL resolving, the view).
That cycle was most of an uncached feed's time (docs/benchmarks.md).

Nothing is sent without that read, so this is as fresh as rendering: it needs
neither the page cache's shared clock nor a time limit, and it works with
the page cache off. A check that raises (the database away, an agency
deleted) hands the request to Django, which answers it as it would any.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import Any

from wiredesk.metrics.instruments import CacheCounter

from .fastpath import AddressKey, AnswerStore, WholeBody, keepable

COUNTS = CacheCounter("revalidated")


class Revalidatable:
    """One answer as it was sent, with how to tell it is still the one to send."""

    __slots__ = ("body", "cacheable", "check", "headers", "signature", "status")

    def __init__(
        self,
        status: str,
        headers: list,
        body: bytes,
        check: Callable[[], Hashable],
        signature: Hashable,
        cacheable: bool,
    ) -> None:
        self.status = status
        self.headers = headers
        self.body = body
        self.check = check
        self.signature = signature
        self.cacheable = cacheable


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
        if kept is not None and self._current(kept):
            COUNTS.hit()
            start_response(kept.status, kept.headers)
            if environ["REQUEST_METHOD"] != "GET":
                return []
            # As Django's answer would be, for the page cache's fast path in front.
            body = WholeBody([kept.body])
            body.content, body.wiredesk_cacheable = kept.body, kept.cacheable
            body.wiredesk_revalidate = None
            return body
        COUNTS.miss()
        sent: list[Any] = []

        def capture(status: str, headers: list, exc_info: object = None) -> None:
            sent[:] = [status, headers]
            return start_response(status, headers, exc_info)

        response = self.app(environ, capture)
        revalidate = getattr(response, "wiredesk_revalidate", None)
        if (
            revalidate
            and sent
            and sent[0].startswith("200 ")
            and environ["REQUEST_METHOD"] == "GET"
        ):
            body = response.content
            if keepable(sent[1], body):
                check, signature = revalidate
                cacheable = getattr(response, "wiredesk_cacheable", False)
                self.store.put(
                    key, Revalidatable(sent[0], list(sent[1]), body, check, signature, cacheable)
                )
        return response

    @staticmethod
    def _current(kept: Revalidatable) -> bool:
        try:
            return kept.check() == kept.signature
        except Exception:  # Django answers, with its own handling of what went wrong
            return False


def revalidated(app: Callable, max_bytes: int) -> Callable:
    """Return `app` behind kept answers checked at each request, or `app` with no room for any."""
    return RevalidatedAnswers(app, max_bytes) if max_bytes > 0 else app
