"""One policy for every request agency content makes us send (full text, pictures, a
WebSub hub's unsubscription).

An item's link is the agency's word, and a hostile feed's links point at
`127.0.0.1`, `localhost`, `2130706433` (127.0.0.1 written as a number), the
cloud's metadata address or the site's own admin. So: http and https only; no
loopback, private, link-local, multicast or reserved address unless the feed
allows that host by name (agencies on a private network are real); the check
is made on the address actually connected to, after DNS, for the first request
and for every redirect; and every fetch has a size limit and an overall
deadline, not only a time-out per read.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

import httpcore
import httpx
from httpcore._backends.base import SOCKET_OPTION

from .limits import LimitExceeded, read_limited

MAX_BYTES = 10 * 1024 * 1024
DEADLINE_SECONDS = 20.0
MAX_REDIRECTS = 5


class Refused(Exception):
    """The request may not be made, or its answer may not be used; the message says why."""


@dataclass(frozen=True)
class OutboundPolicy:
    """What a fetch caused by agency content may reach."""

    allowed_hosts: frozenset[str] = field(default_factory=frozenset)
    max_bytes: int = MAX_BYTES
    deadline_seconds: float = DEADLINE_SECONDS

    def check_url(self, url: str) -> httpx.URL:
        """Return `url` parsed, or raise Refused when its scheme or form rules it out."""
        try:
            parsed = httpx.URL(url)
        except (httpx.InvalidURL, ValueError, TypeError) as exc:
            raise Refused(f"not a usable URL: {exc}") from None
        if parsed.scheme not in ("http", "https"):
            raise Refused(f"scheme {parsed.scheme or 'none'!r} refused: only http and https")
        if not parsed.host:
            raise Refused("URL has no host")
        return parsed

    def check_address(self, host: str, address: str) -> None:
        """Raise Refused when `address` (what `host` resolved to) is not a public one."""
        if host.lower().rstrip(".") in self.allowed_hosts:
            return
        ip = ipaddress.ip_address(address.split("%")[0])
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if (
            ip.is_loopback
            or ip.is_private
            or ip.is_link_local
            or ip.is_multicast
            or ip.is_reserved
            or ip.is_unspecified
            or not ip.is_global
        ):
            raise Refused(
                f"{host} is {ip}, not a public address (allow the host in the feed's "
                "settings if the agency serves it on a private network)"
            )


class _CheckedBackend(httpcore.SyncBackend):
    """Connect only to addresses the policy allows, to the very address it checked."""

    def __init__(self, policy: OutboundPolicy) -> None:
        self.policy = policy

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise httpcore.ConnectError(f"{host}: {exc}") from None
        address = str(found[0][4][0])
        self.policy.check_address(host, address)  # DNS rebinding: this address, and no other
        return super().connect_tcp(address, port, timeout, local_address, socket_options)


class _CheckedTransport(httpx.HTTPTransport):
    def __init__(self, policy: OutboundPolicy, timeout: float) -> None:
        super().__init__()
        # httpx has no option for the network backend: its pool is made again
        # with ours (the pool is what HTTPTransport sends requests through).
        self._pool = httpcore.ConnectionPool(
            network_backend=_CheckedBackend(policy), retries=0, max_connections=4
        )


def fetch(url: str, policy: OutboundPolicy, user_agent: str) -> tuple[bytes, str]:
    """Return (body, final URL) of a GET of `url` made under `policy`, or raise Refused."""
    deadline = time.monotonic() + policy.deadline_seconds
    timeout = min(10.0, policy.deadline_seconds)
    with httpx.Client(
        transport=_CheckedTransport(policy, timeout),
        headers={"User-Agent": user_agent, "Accept-Encoding": "gzip, deflate"},
        timeout=httpx.Timeout(timeout),
        follow_redirects=False,  # each hop is checked here
    ) as client:
        for _ in range(MAX_REDIRECTS + 1):
            target = policy.check_url(url)
            try:
                with client.stream("GET", target) as response:
                    if response.is_redirect:
                        location = response.headers.get("Location", "")
                        url = str(target.join(location))
                        continue
                    if response.status_code >= 400:
                        raise Refused(f"HTTP {response.status_code} from {target.host}")
                    body = read_limited(
                        response, policy.max_bytes, deadline, policy.deadline_seconds
                    )
                    return body, str(target)
            except LimitExceeded as exc:
                raise Refused(str(exc)) from None
            except Refused:
                raise
            except (httpx.HTTPError, httpcore.ConnectError, OSError, ValueError) as exc:
                raise Refused(f"{type(exc).__name__}: {exc}") from None
        raise Refused(f"more than {MAX_REDIRECTS} redirects")


# A hub's answer to a form is a status and a line at most: read no more of it.
ANSWER_BYTES = 2000


def post_form(
    url: str, form: dict[str, str], policy: OutboundPolicy, user_agent: str
) -> tuple[int, str]:
    """Return the status and the first words of the answer to a POST of `form` to `url`
    made under `policy`, or raise Refused.

    No redirect is followed: a form is not sent on to an address the
    sender never named (a 3xx is the answer, and the caller's to judge).
    """
    deadline = time.monotonic() + policy.deadline_seconds
    timeout = min(10.0, policy.deadline_seconds)
    target = policy.check_url(url)
    with httpx.Client(
        transport=_CheckedTransport(policy, timeout),
        headers={"User-Agent": user_agent},
        timeout=httpx.Timeout(timeout),
        follow_redirects=False,
    ) as client:
        try:
            with client.stream("POST", target, data=form) as response:
                text = read_limited(response, ANSWER_BYTES, deadline, policy.deadline_seconds)
                return response.status_code, text.decode("utf-8", "replace")[:200].strip()
        except LimitExceeded:
            return response.status_code, ""  # the status is all that was wanted
        except Refused:
            raise
        except (httpx.HTTPError, httpcore.ConnectError, OSError, ValueError) as exc:
            raise Refused(f"{type(exc).__name__}: {exc}") from None
