"""Answers kept in a web worker's memory, each with the rule that says it is still current.

Two wrappers in front of Django keep answers (config/wsgi.py): the fast path
(site/fastpath.py) keeps what the page cache would keep, while the content
generation it was rendered under stands and for at most `page_cache_seconds`;
the revalidated answers (site/revalidated.py) keep what a view marked with a
check, while the check reads the same signature. Both keep a `KeptAnswer` in
an `AnswerStore`; only the rule differs, and the rule alone says whether a
kept answer may be sent (`KeptAnswer.is_current`). docs/caching.md lists
every cache layer.

What a response allows to be kept of it travels in one mark, `wiredesk_keep`
(a `Keep`), set by `mark_keep`: the page cache and `keep_whole_answer`
(site/cache.py) allow keeping for the generation, a feed
(syndication/feeds.py) its check. The wrappers read nothing else of a
response.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Protocol

KEEP_MARK = "wiredesk_keep"
# Django's GZipMiddleware decides by this same test, so the key matches its choice.
ACCEPTS_GZIP = re.compile(r"\bgzip\b")
BYPASS_HEADERS = frozenset(
    ("HTTP_AUTHORIZATION", "HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_RANGE")
)
MAX_BODY = 1 << 20
# A request's key: its path, its query string, and whether it accepts gzip.
RequestKey = tuple[str, str, bool]
Headers = list[tuple[str, str]]


class Clock(Protocol):
    def current(self) -> bytes | None: ...


class WhileGeneration:
    """Current while the content generation is `generation` and before `expires` (monotonic)."""

    __slots__ = ("clock", "expires", "generation")

    def __init__(self, clock: Clock, generation: bytes, expires: float) -> None:
        self.clock = clock
        self.generation = generation
        self.expires = expires

    def is_current(self) -> bool:
        # Two memory reads: the clock is a mapped file or a listener's copy (site/generation.py).
        return self.clock.current() == self.generation and self.expires > time.monotonic()


class WhileSignature:
    """Current while `check()` returns `signature`: the view would answer the same bytes."""

    __slots__ = ("check", "signature")

    def __init__(self, check: Callable[[], Hashable], signature: Hashable) -> None:
        self.check = check
        self.signature = signature

    def is_current(self) -> bool:
        try:
            return self.check() == self.signature
        except Exception:  # Django answers, with its own handling of what went wrong
            return False


FreshnessRule = WhileGeneration | WhileSignature


@dataclass(frozen=True, slots=True)
class Keep:
    """What a response allows the wrappers in front of Django to keep of it."""

    # The fast path may keep it for the content generation (what the page cache keeps).
    for_generation: bool = False
    # The revalidated answers may keep it while this check reads the same signature.
    revalidate: WhileSignature | None = None


NOTHING = Keep()


def keep_of(answer: object) -> Keep:
    """Return what `answer` (a response, a request, a `WholeBody`) allows to be kept."""
    mark = getattr(answer, KEEP_MARK, NOTHING)
    return mark if isinstance(mark, Keep) else NOTHING


def mark_keep(
    answer: object, *, for_generation: bool = False, revalidate: WhileSignature | None = None
) -> None:
    """Add to what `answer` allows to be kept; a request's mark passes to its response."""
    was = keep_of(answer)
    setattr(
        answer,
        KEEP_MARK,
        Keep(was.for_generation or for_generation, revalidate or was.revalidate),
    )


@dataclass(frozen=True, slots=True)
class KeptAnswer:
    """One answer as it was sent (status line, headers, body) and the rule it is kept by."""

    status: str
    headers: Headers
    body: bytes
    rule: FreshnessRule
    # What the answer allowed, passed on when it is sent again from here.
    keep: Keep = NOTHING

    def is_current(self) -> bool:
        """Say whether this answer may be sent now in place of asking the application."""
        return self.rule.is_current()


class AnswerStore:
    """Answers kept by address in a worker's memory, up to `max_bytes` of bodies, first in
    first out.

    Lookups need no lock (a dictionary read); changes take one.
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.kept: dict[RequestKey, KeptAnswer] = {}
        self.kept_bytes = 0
        self.lock = threading.Lock()

    def put(self, address: RequestKey, answer: KeptAnswer) -> None:
        """Keep `answer`, dropping the oldest to make room."""
        body = answer.body
        with self.lock:
            while self.kept and self.kept_bytes + len(body) > self.max_bytes:
                oldest = self.kept.pop(next(iter(self.kept)))
                self.kept_bytes -= len(oldest.body)
            old = self.kept.pop(address, None)
            if old is not None:
                self.kept_bytes -= len(old.body)
            self.kept[address] = answer
            self.kept_bytes += len(body)


class AddressKey:
    """The key of a plain GET or HEAD: path, query, and whether gzip is accepted."""

    def __init__(self) -> None:
        self.gzip_by_header: dict[str, bool] = {}

    def __call__(self, environ: dict) -> RequestKey | None:
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


def keepable(headers: Headers, body: bytes) -> bool:
    """Say whether an answer with these headers may be sent again to any reader."""
    names = {name.lower(): value for name, value in headers}
    if "set-cookie" in names or "public" not in names.get("cache-control", ""):
        return False
    if names.get("vary", "Accept-Encoding").replace(" ", "") not in ("Accept-Encoding", ""):
        return False
    return len(body) <= MAX_BODY


class SentHeaders:
    """A WSGI `start_response` passed on, remembering the status line and headers sent."""

    __slots__ = ("headers", "start_response", "status")

    def __init__(self, start_response: Callable) -> None:
        self.start_response = start_response
        self.status = ""
        self.headers: Headers = []

    def __call__(self, status: str, headers: Headers, exc_info: object = None) -> object:
        self.status, self.headers = status, headers
        return self.start_response(status, headers, exc_info)
