"""Push in: the agency POSTs each delivery to an address of the feed's own.

`POST /push/<feed>/` with the delivery as the body, proved by the feed's
secret one of two ways: an HMAC-SHA256 of the body in
`X-Wiredesk-Signature: sha256=<hex>` (the secret never travels; GitHub's and
WebSub's scheme), or the secret itself as `Authorization: Bearer <secret>`.
The body goes through the same pipeline as a file in a watch folder, and the
answer says what was stored.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator, Mapping
from typing import Any

from .base import Memory, PulledDelivery, Setting, Transport, register
from .secrets import SecretMissing, Secrets

MAX_PUSH_BYTES = 10 * 1024 * 1024


def signature_matches(secret: str, body: bytes, header: str, methods: Mapping[str, Any]) -> bool:
    """Return True if `header` ("sha256=<hex>") is the HMAC of `body` under `secret`.

    `methods` maps the names the header may use to hashlib constructors.
    Compared in constant time (a timing attack would otherwise find it).
    """
    method, _, given = header.strip().partition("=")
    digest = methods.get(method.lower())
    if digest is None or not given:
        return False
    given = given.strip().lower()
    if not given.isascii():  # no hex digest is; compare_digest raises on such text (a 500)
        return False
    expected = hmac.new(secret.encode("utf-8"), body, digest).hexdigest()
    return hmac.compare_digest(expected, given)


@register
class PushIn(Transport):
    """Receive deliveries the agency POSTs; nothing to poll."""

    name = "push"
    label = "Push (the agency POSTs to us)"
    location_help = "Not used: the agency POSTs to /push/<feed slug>/ (leave '-')."
    polled = False
    settings = {
        "secret": Setting(str, required=True, secret=True, help="Shared with the agency."),
        "accept": Setting(
            str,
            "signature-or-token",
            choices=("signature", "token", "signature-or-token"),
            help="How a push proves it knows the secret.",
        ),
        "max_bytes": Setting(int, MAX_PUSH_BYTES),
    }

    def pull(self, checkpoint: Mapping[str, Any], memory: Memory) -> Iterator[PulledDelivery]:
        return iter(())

    def allows(self, headers: Mapping[str, str], body: bytes) -> bool:
        """Return True if the push proves it knows the feed's secret."""
        try:
            secret = self.secrets.get("secret") or ""
        except SecretMissing:
            return False  # start-up reports it; a push cannot be checked without it
        if not secret:
            return False
        accept = str(self.option("accept"))
        signature = headers.get("X-Wiredesk-Signature", "")
        if signature and accept != "token":
            return signature_matches(secret, body, signature, {"sha256": hashlib.sha256})
        bearer = headers.get("Authorization", "")
        if bearer.startswith("Bearer ") and accept != "signature":
            return hmac.compare_digest(bearer[7:].strip().encode(), secret.encode())
        return False


def push_transport(options: Mapping[str, Any], secrets: Secrets, feed: str) -> PushIn:
    """Return the push transport of a feed (for the view that receives its pushes)."""
    from .base import Context

    return PushIn("-", options, secrets, Context(feed=feed))
