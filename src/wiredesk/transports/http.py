"""HTTP polling with the etiquette agencies expect.

Conditional GET (`If-None-Match` / `If-Modified-Since`, RFC 9110 13.1), `Retry-After`
on 429 and 503 (RFC 9110 10.2.3), exponential backoff with full jitter after
failures, a per-feed interval, and a `User-Agent` that names us.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from .auth import AUTH_SETTINGS, AuthKeeper, check_auth, without_key
from .base import Memory, PulledDelivery, Transport, TransportError, register
from .limits import MAX_FETCH_BYTES, MAX_FETCH_SECONDS, LimitExceeded, read_limited

# The whole of one poll, however the server trickles its answer (transports/limits.py).
MAX_RESPONSE_BYTES = MAX_FETCH_BYTES
# A server's Retry-After is obeyed up to six hours: "999999" (eleven days) is
# a misconfigured server, and a feed silent that long is lost news.
MAX_RETRY_AFTER_SECONDS = 6 * 3600.0


@dataclass(frozen=True)
class PollState:
    """What a feed remembers between polls (its failures are counted on the feed)."""

    etag: str = ""
    last_modified: str = ""


@dataclass(frozen=True)
class FetchResult:
    """The answer to one poll. `content` is set only when status is "fetched"."""

    status: str  # "fetched", "not_modified" or "error"
    state: PollState
    content: bytes | None = None
    http_status: int | None = None
    retry_after: float | None = None
    error: str = ""
    url: str = ""


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Return the seconds a `Retry-After` header asks for (delay-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()[:100]
    if value.isascii() and value.isdigit():
        return min(float(value), MAX_RETRY_AFTER_SECONDS)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return min(max(0.0, seconds), MAX_RETRY_AFTER_SECONDS)


class HttpFetcher:
    """Fetch a feed URL politely; one client a transport, reused across polls."""

    def __init__(
        self,
        user_agent: str,
        timeout: float = 30.0,
        max_bytes: int = MAX_RESPONSE_BYTES,
        transport: httpx.BaseTransport | None = None,
        max_seconds: float = MAX_FETCH_SECONDS,
    ) -> None:
        self.max_bytes = max_bytes
        self.max_seconds = max_seconds
        self.client = httpx.Client(
            headers={"User-Agent": user_agent, "Accept-Encoding": "gzip, deflate"},
            timeout=httpx.Timeout(timeout),
            follow_redirects=True,
            max_redirects=5,
            transport=transport,
        )

    def close(self) -> None:
        self.client.close()

    def fetch(
        self, url: str, state: PollState, auth: httpx.Auth | tuple[str, str] | None = None
    ) -> FetchResult:
        """Poll `url` once and return what happened; never raise for network trouble."""
        headers = {}
        if state.etag:
            headers["If-None-Match"] = state.etag
        if state.last_modified:
            headers["If-Modified-Since"] = state.last_modified
        deadline = time.monotonic() + self.max_seconds
        try:
            with self.client.stream("GET", url, headers=headers, auth=auth) as response:
                if response.status_code == 304:
                    return FetchResult(
                        "not_modified", state, http_status=304, url=str(response.url)
                    )
                if response.status_code >= 400:
                    retry_after = None
                    if response.status_code in (429, 503):
                        retry_after = parse_retry_after(response.headers.get("Retry-After"))
                    error = f"HTTP {response.status_code} {response.reason_phrase}"
                    if retry_after is not None:
                        error += f"; the server asks to wait {retry_after:,.0f} s (Retry-After)"
                    return FetchResult(
                        "error",
                        state,
                        http_status=response.status_code,
                        retry_after=retry_after,
                        url=str(response.url),
                        error=error,
                    )
                content = read_limited(response, self.max_bytes, deadline, self.max_seconds)
                new_state = PollState(
                    etag=response.headers.get("ETag", ""),
                    last_modified=response.headers.get("Last-Modified", ""),
                )
                return FetchResult(
                    "fetched",
                    new_state,
                    content=content,
                    http_status=response.status_code,
                    url=str(response.url),
                )
        except LimitExceeded as exc:
            return FetchResult("error", state, error=str(exc), url=url)
        except httpx.TimeoutException:
            return FetchResult("error", state, error="timed out", url=url)
        except httpx.HTTPError as exc:
            return FetchResult("error", state, error=f"{type(exc).__name__}: {exc}", url=url)


@register
class HttpPoll(Transport):
    """Poll one URL with a conditional GET (an RSS, Atom, JSON or XML file the agency updates)."""

    name = "http"
    label = "HTTP polling"
    location_help = "The URL of the feed."
    location_schemes = ("http", "https")
    settings = {**AUTH_SETTINGS}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.http = HttpFetcher(user_agent=self.context.user_agent)
        self.auth_keeper = AuthKeeper(self.options, self.secrets, self.context.user_agent)

    @classmethod
    def check_options(cls, location: str, options: Mapping[str, Any]) -> list[str]:
        return check_auth(options)

    @property
    def auth(self) -> httpx.Auth | None:
        return self.auth_keeper.auth()

    def pull(self, checkpoint: Mapping[str, Any], memory: Memory) -> Iterator[PulledDelivery]:
        state = PollState(str(checkpoint.get("etag", "")), str(checkpoint.get("last_modified", "")))
        result = self.http.fetch(self.location, state, auth=self.auth)
        if result.status == "error":
            raise TransportError(_in_words(result), retry_after=result.retry_after)
        if result.content is not None:
            url = without_key(result.url or self.location, self.options)
            saved = {
                "etag": result.state.etag[:500],
                "last_modified": result.state.last_modified[:100],
            }
            yield PulledDelivery(name=url, data=result.content, base_url=url, checkpoint=saved)

    def close(self) -> None:
        self.http.close()
        self.auth_keeper.close()


def _in_words(result: FetchResult) -> str:
    """Return a failed fetch's reason as a duty editor would want it."""
    if result.http_status in (401, 403):
        return f"access refused by the agency's server: {result.error}"
    return result.error
