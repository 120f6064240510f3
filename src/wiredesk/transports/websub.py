"""WebSub (W3C Recommendation, 2018): the hub pushes a feed's new content to us.

The feed's location is the topic (the agency's feed URL). We subscribe at
its hub (the `hub` setting, or the one the topic names in a `Link: rel="hub"`
header or an `<atom:link rel="hub">`), the hub checks our intent with a GET
to the callback, which answers its challenge (section 5.3), and from then on
each new version of the topic is POSTed to the callback, signed with our
secret in `X-Hub-Signature` (section 8); anything unsigned or wrongly signed
is refused. Leases are renewed well before they end. The topic is still
polled, rarely, as a safety net: a hub that drops a push loses nothing.

Each request to the hub is noted in the feed's checkpoint (`pending_request`:
mode, topic, the lease asked for, when, a fresh random token) before it is
sent. The callback registered with it carries the token in its query
(`/websub/<feed>/?token=...`; a hub keeps the callback's query and appends
its own parameters, section 5.3), so the URL is unguessable, as section 5.1
recommends. The callback confirms only a check of intent, or takes only a
denial, that answers a request still pending and names its token
(ingest/views.py): anyone can send the callback a GET, and anyone who knows
the topic could otherwise answer the check first and use the request up.

Each subscription the hub confirms is kept in the checkpoint
(`subscriptions`: hub, topic, the callback as registered, its lease's end),
so that when the feed no longer wants it (removed, paused, its topic or hub
changed: ingest/unsubscribing.py) the hub can be asked to end it (section
5.1), naming the very callback it knows the subscription by.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Iterator, Mapping
from secrets import token_urlsafe
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import httpx

from .base import Memory, PulledDelivery, Setting, TransportError, register
from .http import MAX_RESPONSE_BYTES, HttpPoll
from .limits import MAX_FETCH_SECONDS, LimitExceeded, read_limited
from .outbound import OutboundPolicy, Refused, post_form
from .push import signature_matches
from .secrets import SecretMissing

DEFAULT_LEASE_SECONDS = 10 * 24 * 3600
# Renew when a tenth of the lease is left (at least an hour before it ends).
RENEW_FRACTION = 0.1
# A subscription the hub has not confirmed after this long is asked for again.
UNCONFIRMED_SECONDS = 600.0
# Section 5.3: the hub checks our intent asynchronously, after it answers the
# request; a check or a denial that comes later than this answers nothing of ours.
PENDING_SECONDS = 24 * 3600.0
# Section 8: the hub names the hash it used; SHA-1 is allowed for older hubs.
SIGNATURE_METHODS = {
    "sha1": hashlib.sha1,
    "sha256": hashlib.sha256,
    "sha384": hashlib.sha384,
    "sha512": hashlib.sha512,
}

# The query parameter of the callback that names the request it answers.
TOKEN_PARAMETER = "token"

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

    def pull(self, checkpoint: Mapping[str, Any], memory: Memory) -> Iterator[PulledDelivery]:
        # The safety-net poll first, the subscription last: the poller writes the
        # checkpoint from its own copy, which would undo a confirmation the hub
        # sent in between (ingest/views.py writes it).
        try:
            yield from super().pull(checkpoint, memory)
        except TransportError as exc:
            missed: TransportError | None = exc
        else:
            missed = None
        now = time.time()
        if self.needs_subscribing(checkpoint, now):
            yield from self.subscribe(checkpoint, now)
        if missed is not None:
            raise missed

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

    def subscribe(self, checkpoint: Mapping[str, Any], now: float) -> Iterator[PulledDelivery]:
        """Ask the hub for a subscription (its check of our intent comes to the callback)."""
        if not self.context.callback_url:
            raise TransportError("no callback address: set the site's url in wiredesk.toml")
        hub = self.find_hub()
        secret = self.secrets.get("secret") or ""  # before anything is noted: it may be missing
        lease = int(self.option("lease_seconds"))
        token = token_urlsafe(24)  # fresh for each request: only the hub learns it
        callback = with_token(self.context.callback_url, token)
        pending = {
            "mode": "subscribe",
            "topic": self.location,
            "lease_seconds": lease,
            "at": now,
            "token": token,
            # What the confirmed subscription is known by at the hub (to end it).
            "hub": hub,
            "callback": callback,
        }
        earlier = checkpoint.get("requested_at") or 0  # read now: the poller updates `checkpoint`
        # Noted before it is sent: the hub may check our intent before it answers us.
        yield PulledDelivery(
            hub,
            b"",
            only_checkpoint=True,
            checkpoint={"hub": hub, "requested_at": now, "pending_request": pending},
        )
        try:
            self.ask(hub, lease, secret, callback)
        except TransportError:
            # Never sent, or refused: no check of intent can answer it, and the
            # next poll asks again.
            yield PulledDelivery(
                hub,
                b"",
                only_checkpoint=True,
                checkpoint={"requested_at": earlier, "pending_request": None},
            )
            raise

    def ask(self, hub: str, lease: int, secret: str, callback: str) -> None:
        """Send the hub our subscription request (section 5.1), under the outbound policy.

        The hub is the topic's word (its `rel="hub"` link), and the request
        carries our secret: it is sent only to a public address, or to a
        private host the operator named (the feed's allowed hosts, the topic's
        own host, a hub the settings name), as every request agency content
        makes us send (transports/outbound.py).
        """
        form = {
            "hub.mode": "subscribe",
            "hub.topic": self.location,
            "hub.callback": callback,
            "hub.lease_seconds": str(lease),
            "hub.secret": secret,
        }
        named = (urlsplit(url).hostname for url in (self.location, str(self.option("hub") or "")))
        hosts = self.context.allowed_hosts | {h.lower().rstrip(".") for h in named if h}
        try:
            status, words = post_form(hub, form, OutboundPolicy(hosts), self.context.user_agent)
        except Refused as exc:
            raise TransportError(f"cannot ask the WebSub hub to subscribe: {exc}") from None
        if status not in (202, 204):
            raise TransportError(
                f"the WebSub hub refused the subscription: HTTP {status} {words}".strip()
            )

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


def confirmed(pending: Mapping[str, Any], until: float) -> dict | None:
    """Return the subscription a hub confirmed for our `pending` request, as the checkpoint keeps it.

    None for a request noted before requests named their hub and callback:
    nothing could ask the hub to end it.
    """
    if not (pending.get("hub") and pending.get("callback")):
        return None
    return {
        "hub": pending["hub"],
        "topic": pending.get("topic", ""),
        "callback": pending["callback"],
        "token": pending.get("token", ""),
        "until": until,
    }


def live_subscriptions(checkpoint: Mapping[str, Any], now: float) -> list[dict]:
    """Return the subscriptions the hub confirmed whose lease has not ended.

    A renewal registers a callback with a fresh token, which the hub takes as
    a subscription of its own: the one it renews lives on to its lease's end.
    """
    kept = checkpoint.get("subscriptions")
    if not isinstance(kept, list):
        return []
    return [s for s in kept if isinstance(s, dict) and float(s.get("until") or 0) > now]


def unsubscribe(subscription: Mapping[str, Any], allowed_hosts: frozenset[str], agent: str) -> int:
    """Ask the hub to end `subscription` (section 5.1); return the status it answered.

    Sent under the outbound policy (transports/outbound.py): the hub may be
    one the topic named. Raise TransportError when it could not be sent.
    """
    form = {
        "hub.mode": "unsubscribe",
        "hub.topic": str(subscription.get("topic", "")),
        "hub.callback": str(subscription.get("callback", "")),
    }
    try:
        status, _ = post_form(
            str(subscription.get("hub", "")), form, OutboundPolicy(allowed_hosts), agent
        )
        return status
    except Refused as exc:
        raise TransportError(f"cannot ask the WebSub hub to unsubscribe: {exc}") from None


def with_token(callback: str, token: str) -> str:
    """Return the callback address with `token` added to its query (any query kept as is)."""
    parts = urlsplit(callback)
    added = urlencode({TOKEN_PARAMETER: token})
    return urlunsplit(parts._replace(query=f"{parts.query}&{added}" if parts.query else added))


def pending_request(
    checkpoint: Mapping[str, Any], topic: str, token: str, now: float
) -> dict | None:
    """Return our request to the hub for `topic` that still awaits its answer, if any.

    `token` is the one the answer came with (the callback's query): the
    request's own, or the answer is not to it. A request noted without one
    (before callbacks carried it) is answered by nothing; it is asked again.
    """
    pending = checkpoint.get("pending_request")
    if not isinstance(pending, dict) or pending.get("topic") != topic:
        return None
    ours = pending.get("token")
    if not (isinstance(ours, str) and ours.isascii() and token.isascii()):
        return None  # compare_digest takes ASCII text only
    if not (ours and hmac.compare_digest(ours, token)):
        return None
    age = now - float(pending.get("at") or 0)
    return pending if 0 <= age < PENDING_SECONDS else None
