"""Agencies' authenticated HTTP APIs: pages of items behind a cursor or a next-page link.

Each poll starts from the checkpoint, the page address the last poll ended
on, and follows the pages on: a next-page URL in the JSON (`next_path`), a
cursor in the JSON sent back as a query parameter (`cursor_path` and
`cursor_param`), or an RFC 8288 `Link: <...>; rel="next"` header. The
checkpoint moves past a page only once every item of it is stored, and is
kept in the database: a restart resumes where the last stored page ended,
and a gap is never skipped. A page with nothing on it stays the checkpoint
(that is where the next items will appear).

A cursor that goes round in a circle (a page this poll has already read
named as the next, or a new cursor giving the very items of a page before
it) stops the poll at once, with what was read stored: a failed poll,
reported on the feeds board and backed off like any other, instead of the
same pages read over and over every poll. So does a stuck
cursor: a page that names itself as the next, and, on the next poll, has
the very same items again (nothing new, and the cursor never moves on). A
page without items that names itself is the usual end: nothing new yet.

Rate limits: `Retry-After` on 429 and 503 (RFC 9110 section 10.2.3), and
`X-RateLimit-Remaining: 0` with `X-RateLimit-Reset` (seconds to wait, or the
Unix time of the reset) stop the paging until then.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator, Mapping
from typing import Any

import httpx

from .auth import AUTH_SETTINGS, AuthKeeper, check_auth, without_key
from .base import Memory, PulledDelivery, Setting, Transport, TransportError, register
from .http import MAX_RESPONSE_BYTES, MAX_RETRY_AFTER_SECONDS, parse_retry_after
from .limits import MAX_FETCH_SECONDS, LimitExceeded, read_limited

MAX_PAGES_PER_POLL = 50


def dig(document: Any, path: str) -> Any:
    """Return the value at a dotted path ("data.next_page") of a JSON document, or None."""
    value = document
    for step in path.split("."):
        if isinstance(value, dict):
            value = value.get(step)
        elif isinstance(value, list) and step.isdigit() and int(step) < len(value):
            value = value[int(step)]
        else:
            return None
    return value


def page_fingerprint(items: list[bytes]) -> str:
    """Return a short digest of a page's items, to tell the same page again from a new one."""
    digest = hashlib.sha256()
    for item in items:
        digest.update(len(item).to_bytes(8, "big"))
        digest.update(item)
    return digest.hexdigest()[:32]


def rate_limit_wait(headers: httpx.Headers, now: float | None = None) -> float | None:
    """Return the seconds until a spent rate limit resets, or None while calls remain."""
    remaining = headers.get("X-RateLimit-Remaining", "").strip()
    if remaining != "0":
        return None
    reset = headers.get("X-RateLimit-Reset", "").strip()
    try:
        value = float(reset)
    except ValueError:
        return 60.0  # spent, with no word of when it resets: a minute
    now = time.time() if now is None else now
    # Some APIs give seconds to wait, others the Unix time of the reset.
    seconds = value - now if value > 1_000_000_000 else value
    return min(max(seconds, 1.0), MAX_RETRY_AFTER_SECONDS)


@register
class ApiPull(Transport):
    """Page through an agency's authenticated HTTP API from a kept checkpoint."""

    name = "api"
    label = "HTTP API (authenticated, paged)"
    location_help = "The URL of the first page."
    location_schemes = ("http", "https")
    settings = {
        **AUTH_SETTINGS,
        "items_path": Setting(
            str,
            "",
            help="Where the page's items are, e.g. 'data.items': "
            "each is stored as a delivery of its own.",
        ),
        "next_path": Setting(str, "", help="Where the next page's URL is, e.g. 'links.next'."),
        "cursor_path": Setting(str, "", help="Where the next cursor is, e.g. 'next_cursor'."),
        "cursor_param": Setting(str, "cursor", help="The query parameter the cursor goes in."),
        "max_pages_per_poll": Setting(int, MAX_PAGES_PER_POLL),
        "timeout": Setting(float, 30.0),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.client = httpx.Client(
            headers={"User-Agent": self.context.user_agent, "Accept": "application/json"},
            timeout=float(self.option("timeout")),
            follow_redirects=True,
            max_redirects=5,
        )
        self.auth_keeper = AuthKeeper(self.options, self.secrets, self.context.user_agent)

    @classmethod
    def check_options(cls, location: str, options: Mapping[str, Any]) -> list[str]:
        problems = check_auth(options)
        if options.get("next_path") and options.get("cursor_path"):
            problems.append("give next_path or cursor_path, not both")
        return problems

    @property
    def auth(self) -> httpx.Auth | None:
        return self.auth_keeper.auth()

    def pull(self, checkpoint: Mapping[str, Any], memory: Memory) -> Iterator[PulledDelivery]:
        url = without_key(str(checkpoint.get("page") or self.location), self.options)
        # What the page the last poll ended on held, if it named itself as the next.
        marked = checkpoint.get("same_page_items")
        held_before = marked if checkpoint.get("page") == url else None
        read: list[str] = []  # the pages this poll has read, as httpx spells them
        contents: set[str] = set()  # and the items they held
        for _ in range(int(self.option("max_pages_per_poll"))):
            read.append(str(httpx.URL(url)))
            response, body = self._get(url)
            following = self._next_page(url, response, body)
            if following:
                following = without_key(following, self.options)
            items = self._items(body)
            looped = False
            if following and following != url:
                looped = str(httpx.URL(following)) in read
            content = page_fingerprint(items) if items else None
            if content in contents:
                # A new cursor, the same items again: the agency ignores its own cursor.
                raise TransportError(self._same_items(url, len(items), len(read)))
            held = None
            if content is not None:
                contents.add(content)
                if following == url:
                    held = content
                    if held == held_before:
                        raise TransportError(self._stuck(url, len(items)))
            page_done: dict[str, Any] = {"page": url if looped else following or url}
            if held or marked:  # kept only while a page names itself (cleared after)
                page_done["same_page_items"] = held
            if not items:
                if looped:
                    raise TransportError(self._looped(following, len(read)))
                if following and following != url:
                    # An empty page that points on: nothing to store, move past it.
                    yield PulledDelivery(url, b"", checkpoint=page_done, only_checkpoint=True)
                    url = following
                    continue
                return
            for n, item in enumerate(items):
                last = n == len(items) - 1
                # The checkpoint moves past this page with its last item, once stored.
                yield PulledDelivery(
                    f"{url}#{n + 1}" if len(items) > 1 else url,
                    item,
                    base_url=url,
                    checkpoint=page_done if last else None,
                )
            if looped:
                raise TransportError(self._looped(following, len(read)))
            if not following or following == url:
                return
            wait = rate_limit_wait(response.headers)
            if wait is not None:
                raise TransportError(
                    f"rate limit spent; the API resets in {wait:,.0f} s", retry_after=wait
                )
            url = following

    def _pointer(self, url: str) -> tuple[str, str]:
        """Return what points to a page, in an editor's words: ("cursor", "'c1'"), or its URL."""
        if str(self.option("cursor_path")):
            cursor = httpx.URL(url).params.get(str(self.option("cursor_param")), "")
            shown = cursor if len(cursor) <= 40 else cursor[:40] + "..."
            return "cursor", repr(shown)
        return "next page", url

    def _looped(self, following: str | None, pages: int) -> str:
        kind, name = self._pointer(str(following))
        return (
            f"the agency's API sent the same {kind} again (a loop): {kind} {name} leads back "
            f"to a page this poll had already read; stopped after {pages} page(s), polling "
            "less often until the agency fixes it"
        )

    def _same_items(self, url: str, count: int, pages: int) -> str:
        kind, name = self._pointer(url)
        return (
            f"the agency's API sent the same page again (a loop): {kind} {name} gave the very "
            f"same {count} item(s) as a page before it; stopped after {pages} page(s), polling "
            "less often until the agency fixes it"
        )

    def _stuck(self, url: str, count: int) -> str:
        kind, name = self._pointer(url)
        return (
            f"the agency's API is stuck: it sent the same {kind} ({name}) again, with the "
            f"same {count} item(s) as at the last poll and nothing new; polling less often "
            "until it moves on"
        )

    def _get(self, url: str) -> tuple[httpx.Response, bytes]:
        deadline = time.monotonic() + MAX_FETCH_SECONDS
        host = httpx.URL(url).host
        try:
            with self.client.stream("GET", url, auth=self.auth) as response:
                if response.status_code in (429, 503):
                    wait = parse_retry_after(response.headers.get("Retry-After"))
                    if wait is None:
                        wait = rate_limit_wait(response.headers)
                    raise TransportError(
                        f"the API at {host} asks us to slow down (HTTP {response.status_code})",
                        retry_after=wait,
                    )
                if response.status_code == 401:
                    raise TransportError(f"token refused: 401 from {host}")
                if response.status_code == 403:
                    raise TransportError(f"access refused: 403 from {host} (is the plan active?)")
                if response.status_code >= 400:
                    raise TransportError(
                        f"the API at {host} answered HTTP {response.status_code} "
                        f"{response.reason_phrase}"
                    )
                body = read_limited(response, MAX_RESPONSE_BYTES, deadline, MAX_FETCH_SECONDS)
                return response, body
        except LimitExceeded as exc:
            raise TransportError(f"the API at {host}: {exc}") from None
        except httpx.TimeoutException:
            raise TransportError(f"the API at {host} did not answer in time") from None
        except httpx.HTTPError as exc:
            raise TransportError(f"cannot reach the API at {host}: {type(exc).__name__}") from None

    def _json(self, body: bytes) -> Any:
        try:
            return json.loads(body)
        except ValueError:
            return None

    def _items(self, body: bytes) -> list[bytes]:
        """Return the page's items as deliveries' bytes; the page itself without items_path."""
        path = str(self.option("items_path"))
        if not path:
            return [body] if body.strip() else []
        found = dig(self._json(body), path)
        if found is None:
            return []
        if not isinstance(found, list):
            raise TransportError(f"the API's page has no list at {path!r}")
        return [json.dumps(item, ensure_ascii=False).encode("utf-8") for item in found]

    def _next_page(self, url: str, response: httpx.Response, body: bytes) -> str | None:
        next_path = str(self.option("next_path"))
        cursor_path = str(self.option("cursor_path"))
        if next_path:
            found = dig(self._json(body), next_path)
            return str(httpx.URL(url).join(str(found))) if found else None
        if cursor_path:
            cursor = dig(self._json(body), cursor_path)
            if cursor in (None, ""):
                return None
            return str(httpx.URL(url).copy_set_param(str(self.option("cursor_param")), str(cursor)))
        link = response.links.get("next", {}).get("url")
        return str(httpx.URL(url).join(link)) if link else None

    def close(self) -> None:
        self.client.close()
        self.auth_keeper.close()
