"""The limits of one fetch, whatever the transport: a size and a deadline for the whole of it.

A read time-out alone lets a server that trickles a byte every few seconds
hold a poller for hours, and an answer that never ends fill its memory: every
download (an HTTP answer, an API page, a topic, a file from an FTP or SFTP
server, a picture) counts its bytes and its time here as they arrive.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpx

# An agency's delivery (an answer, a page, a file) is 50 MiB at most.
MAX_FETCH_BYTES = 50 * 1024 * 1024
# The whole of one poll's answer, however the server trickles it.
MAX_FETCH_SECONDS = 60.0


class LimitExceeded(Exception):
    """A fetch went past its size limit or its deadline; the message says which."""


class TooLarge(LimitExceeded):
    """A fetch went past its size limit."""


class TooSlow(LimitExceeded):
    """A fetch went past its deadline."""


class FetchLimits:
    """The bytes and time of one fetch, counted as its chunks arrive.

    `deadline` is a time.monotonic() (by default `seconds` from now); the
    messages say what went past which limit, for a duty editor.
    """

    def __init__(
        self,
        max_bytes: int,
        seconds: float,
        deadline: float | None = None,
        too_large: str = "",
        too_slow: str = "",
    ) -> None:
        self.max_bytes = max_bytes
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds if deadline is None else deadline
        self.too_large = too_large or f"response is over the {max_bytes:,}-byte limit"
        self.too_slow = too_slow or f"response took over {seconds:,.0f} s; given up"
        self.total = 0

    def declared(self, size: int) -> None:
        """Raise TooLarge when the size the sender declares is over the limit."""
        if size > self.max_bytes:
            raise TooLarge(f"response is {size:,} bytes, over the limit of {self.max_bytes:,}")

    def count(self, chunk: bytes) -> None:
        """Count a chunk that arrived; raise TooLarge or TooSlow past a limit."""
        self.total += len(chunk)
        if self.total > self.max_bytes:
            raise TooLarge(self.too_large)
        if time.monotonic() > self.deadline:
            raise TooSlow(self.too_slow)


def read_limited(
    response: httpx.Response, max_bytes: int, deadline: float, seconds: float
) -> bytes:
    """Return the body of `response`, or raise LimitExceeded past `max_bytes` or `deadline`.

    The deadline is for the whole answer (time.monotonic()), `seconds` long.
    """
    limits = FetchLimits(max_bytes, seconds, deadline)
    declared = response.headers.get("Content-Length", "")
    if declared.isascii() and declared.isdigit():
        limits.declared(int(declared))
    chunks = []
    for chunk in response.iter_bytes():
        limits.count(chunk)
        chunks.append(chunk)
    return b"".join(chunks)
