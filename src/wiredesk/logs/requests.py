"""A request id for every web request: taken from X-Request-ID when sane, else made; echoed.

A WSGI wrapper, outside the fast path and Django (config/wsgi.py): kept
answers never keep one request's id to send with another, and every line
logged while the request runs carries it (logs/context.py).
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Callable, Iterable
from typing import Any

from .context import enter_request, leave

HEADER = "X-Request-ID"
# What proxies and load balancers send (UUIDs, hex, base64 tokens); anything
# else (too long, spaces, control characters) is replaced, never logged.
SANE = re.compile(r"[A-Za-z0-9+/=._:@-]{1,128}")

# A random prefix a process and a counter: unique across workers and machines,
# and cheaper than a UUID on the fast path.
_counter = itertools.count(1)
_prefix = os.urandom(6).hex()


def _new_prefix() -> None:
    global _counter, _prefix
    _counter, _prefix = itertools.count(1), os.urandom(6).hex()


os.register_at_fork(after_in_child=_new_prefix)


def request_id(given: str | None) -> str:
    """Return `given` if it is a sane request id, else a new one."""
    if given and SANE.fullmatch(given):
        return given
    return f"{_prefix}-{next(_counter):x}"


_WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def with_request_ids(app: _WsgiApp) -> _WsgiApp:
    """Wrap a WSGI application: each request gets its id, in its log lines and its answer."""

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        given = environ.get("HTTP_X_REQUEST_ID")
        rid = given if given and SANE.fullmatch(given) else f"{_prefix}-{next(_counter):x}"

        def start(status: str, headers: list[tuple[str, str]], *args: Any) -> Any:
            # A copy: a kept answer's headers are shared by every request it answers.
            return start_response(status, [*headers, (HEADER, rid)], *args)

        # Every request costs this (the fast path's answers too): kept small.
        token = enter_request(rid)
        try:
            return app(environ, start)
        finally:
            leave(token)

    return application
