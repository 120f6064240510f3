"""When to poll again after failures: shared by every polled transport (no httpx here)."""

from __future__ import annotations

import random

MAX_BACKOFF_SECONDS = 3600.0


def next_delay(
    interval: float,
    failures: int,
    retry_after: float | None = None,
    rng: random.Random | None = None,
) -> float:
    """Return the seconds until the next poll.

    After `failures` failures in a row the wait grows as interval * 2**failures,
    capped at an hour, with full jitter so many nodes do not retry in step.
    A server's `Retry-After` is a floor, never shortened.
    """
    rng = rng or random.Random()
    delay = interval
    if failures:
        ceiling = min(MAX_BACKOFF_SECONDS, interval * (2**failures))
        delay = interval + rng.uniform(0, ceiling - interval) if ceiling > interval else ceiling
    if retry_after is not None:
        delay = max(delay, retry_after)
    return delay
