"""WebSub (W3C Recommendation, 2018): the hub pushes a feed's new content to us.

The feed's location is the topic (the agency's feed URL). We subscribe at
its hub (the `hub` setting, or the one the topic names in a `Link: rel="hub"`
header or an `<atom:link rel="hub">`), the hub checks our intent with a GET
to the callback, which answers its challenge (section 5.3), and from then on
each new version of the topic is POSTed to the callback, signed with our
secret in `X-Hub-Signature` (section 8); anything unsigned or wrongly signed
is refused. Leases are renewed well before they end. The topic is still
polled, rarely, as a safety net: a hub that drops a push loses nothing.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Iterator, Mapping
from typing import Any

import httpx

from .base import Delivery, Memory, Setting, TransportError, register
from .http import (
    MAX_FETCH_SECONDS,
    MAX_RESPONSE_BYTES,
    HttpPoll,
    LimitExceeded,
    read_limited,
)
from .push import signature_matches
from .secrets import SecretMissing

DEFAULT_LEASE_SECONDS = 10 * 24 * 3600
# Renew when a tenth of the lease is left (at least an hour before it ends).
RENEW_FRACTION = 0.1
# A subscription the hub has not confirmed after this long is asked for again.
UNCONFIRMED_SECONDS = 600.0
# Section 8: the hub names the hash it used; SHA-1 is allowed for older hubs.
SIGNATURE_METHODS = {
    "sha1": hashlib.sha1, "sha256": hashlib.sha256,
    "sha384": hashlib.sha384, "sha512": hashlib.sha512,
}  # fmt: skip

_HUB_LINK = re.compile(rb"<(?:[\w-]+:)?link\b[^>]*\brel\s*=\s*[\"']hub[\"'][^>]*>", re.IGNORECASE)
_HREF = re.compile(rb"\bhref\s*=\s*[\"']([^\"']+)[\"']", re.IGNORECASE)


def hub_in(response: httpx.Response, body: bytes) -> str | None:
    """Return the hub a topic names (its Link header first, then its links), if any."""
    link = response.links.get("hub", {}).get("url")
    if link:
        return str(response.url.join(link))
    for match in _HUB_LINK.finditer(body[:200_000]):
        href = _HREF.search(match.group(0))
        if href:
            return str(response.url.join(href.group(1).decode("utf-8", "replace")))
    return None


@register
class WebSubFeed(HttpPoll):
    """Subscribe to the topic's hub; the topic itself is polled rarely as a safety net."""

    name = "websub"
    label = "WebSub (the hub pushes to us)"
    location_help = "The topic: the agency's feed URL."
    settings = {
        **HttpPoll.settings,
        "hub": Setting(str, "", help="The hub's URL; blank: the one the topic names."),
        "secret": Setting(str, required=True, secret=True, help="Signs what the hub sends."),
        "lease_seconds": Setting(int, DEFAULT_LEASE_SECONDS),
    }

    def pull(self, checkpoint: Mapping[str, Any], memory: Memory) -> Iterator[Delivery]:
        now = time.time()
        if self.needs_subscribing(checkpoint, now):
            hub = self.subscribe(checkpoint)
            yield Delivery(
                hub, b"", checkpoint={"hub": hub, "requested_at": now}, only_checkpoint=True
            )
        yield from super().pull(checkpoint, memory)

    def needs_subscribing(self, checkpoint: Mapping[str, Any], now: float) -> bool:
        lease_until = float(checkpoint.get("lease_until") or 0)
        requested = float(checkpoint.get("requested_at") or 0)
        confirmed = float(checkpoint.get("confirmed_at") or 0)
        if requested > confirmed and now - requested < UNCONFIRMED_SECONDS:
            return False  # asked; the hub's check is on its way
        lease = float(checkpoint.get("lease_seconds") or self.option("lease_seconds"))
        margin = max(3600.0, lease * RENEW_FRACTION) if lease > 3600 else lease / 2
        return now >= lease_until - margin

    def find_hub(self) -> str:
        hub = str(self.option("hub") or "")
        if hub:
            return hub
        # The same limits as any poll: a topic that trickles or never ends
        # cannot hold the poller or fill its memory.
        deadline = time.monotonic() + MAX_FETCH_SECONDS
        try:
            with self.http.client.stream("GET", self.location) as response:
                body = read_limited(response, MAX_RESPONSE_BYTES, deadline, MAX_FETCH_SECONDS)
        except LimitExceeded as exc:
            raise TransportError(f"cannot read the topic to find its hub: {exc}") from None
        except httpx.HTTPError as exc:
            raise TransportError(
                f"cannot fetch the topic to find its hub: {type(exc).__name__}"
            ) from None
        found = hub_in(response, body)
        if not found:
            raise TransportError("the topic names no WebSub hub; set the feed's hub setting")
        return found

    def subscribe(self, checkpoint: Mapping[str, Any]) -> str:
        """Ask the hub for a subscription (its check of our intent comes to the callback)."""
        if not self.context.callback_url:
            raise TransportError("no callback address: set the site's url in wiredesk.toml")
        hub = self.find_hub()
        form = {
            "hub.mode": "subscribe",
            "hub.topic": self.location,
            "hub.callback": self.context.callback_url,
            "hub.lease_seconds": str(self.option("lease_seconds")),
            "hub.secret": self.secrets.get("secret") or "",
        }
        try:
            response = self.http.client.post(hub, data=form)
        except httpx.HTTPError as exc:
            raise TransportError(f"cannot reach the WebSub hub: {type(exc).__name__}") from None
        if response.status_code not in (202, 204):
            raise TransportError(
                f"the WebSub hub refused the subscription: HTTP {response.status_code} "
                f"{response.text[:200].strip()}"
            )
        return hub

    def signed(self, headers: Mapping[str, str], body: bytes) -> bool:
        """Return True if a content distribution is signed with our secret."""
        try:
            secret = self.secrets.get("secret") or ""
        except SecretMissing:
            return False  # start-up reports it; content cannot be checked without it
        header = headers.get("X-Hub-Signature", "")
        return bool(secret and header) and signature_matches(
            secret, body, header, SIGNATURE_METHODS
        )
