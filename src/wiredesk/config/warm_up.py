"""A web worker's collector: what its first requests made is kept out of the full walks.

A worker makes much of what it keeps for life on its first requests, not at
start-up: the templates compiled, the URL resolver's and the translations'
caches, the reads compiled once. The collector walked all of it at each full
collection, and under a long tail of different pages (kept answers coming
and going) full collections came often, each stopping every thread of the
worker (docs/benchmarks.md, "A story page's reads prepared, a worker's
first requests frozen"). Frozen
after the first requests (`gc.freeze`, as config/wsgi.py does after
start-up), it is left out; what is made later is still collected.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable
from typing import Any

# The requests after which what is alive is frozen: most is made by the first
# hundred, the rest of the reads and templates a worker meets by the thousandth.
FREEZE_AFTER = (100, 1_000)


class FrozenAfterWarmUp:
    """Wrap a WSGI application: `gc.freeze()` once each of its FREEZE_AFTER'th requests is served."""

    def __init__(
        self, application: Callable[..., Iterable[bytes]], after: tuple[int, ...] = FREEZE_AFTER
    ) -> None:
        self.application = application
        self.after = frozenset(after)
        self.last = max(after)
        self.served = 0

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        if self.served <= self.last:  # a count, not a lock: a request more or less is no matter
            if self.served in self.after:  # as the next one starts: all the last one made
                gc.freeze()
            self.served += 1
        return self.application(environ, start_response)
