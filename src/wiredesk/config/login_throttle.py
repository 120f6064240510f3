"""The login throttle's view of who is logging in: the client's address, behind proxies too.

django-axes locks a (username, address) pair out after repeated wrong
passwords (settings AXES_*). Behind a reverse proxy every request comes from
the proxy's address, so keyed on REMOTE_ADDR anyone's guesses would lock the
real editor out. `client_address` reads the address the trusted proxies
report instead:

- `TRUSTED_PROXIES` (WIREDESK_TRUSTED_PROXIES: addresses or networks): a
  request whose peer is one of them has its X-Forwarded-For read from the
  right, each trusted proxy's entry skipped; the first entry that is not a
  trusted proxy is the client. Entries further left are the client's own
  word and never read.
- `TRUSTED_PROXY_COUNT` (WIREDESK_TRUSTED_PROXY_COUNT): for proxies whose
  addresses are not known in advance (a cloud load balancer), the number of
  proxies in front, each appending to X-Forwarded-For: the client is that
  many entries from the right. With TRUSTED_PROXIES set too, the peer must
  also be one of them.
- neither: the peer address, as before; X-Forwarded-For is ignored.

`LoginThrottle` adds an optional cap per address across usernames
(`LOGIN_ADDRESS_FAILURE_LIMIT`, 0 for none): one address spraying many
usernames is locked out, whoever it names next. It never locks a username
out of every address.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(entries: list[str] | tuple[str, ...]) -> tuple[Network, ...]:
    """Return the networks of addresses and CIDRs ("10.0.0.5", "10.0.0.0/8"); ValueError if one is not."""
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries)


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return parse_networks(entries)


def parse_address(text: str | None) -> Address | None:
    """Return the address in a header entry ("1.2.3.4", "1.2.3.4:80", "[2001:db8::1]:443")."""
    text = (text or "").strip().strip('"')
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:  # an IPv4 address with a port
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def client_address(request: HttpRequest) -> str | None:
    """Return the client's address as the trusted proxies report it (AXES_CLIENT_IP_CALLABLE)."""
    peer = request.META.get("REMOTE_ADDR") or None
    trusted = _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ())))
    count = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    if not trusted and not count:
        return peer
    peer_address = parse_address(peer)
    if peer_address is None:
        return peer
    if trusted and not _within(peer_address, trusted):
        return peer  # not from a proxy of ours: its X-Forwarded-For is the client's own word
    hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if count:
        if len(hops) < count:
            return str(peer_address)  # it did not come through every proxy
        found = parse_address(hops[-count])
        return str(found or peer_address)
    client = peer_address
    for hop in reversed(hops):
        address = parse_address(hop)
        if address is None:
            break  # no proxy of ours wrote that: keep the last hop we trust
        client = address
        if not _within(address, trusted):
            break
    return str(client)


def _within(address: Address, networks: tuple[Network, ...]) -> bool:
    return any(address.version == net.version and address in net for net in networks)


class LoginThrottle(AxesDatabaseHandler):
    """django-axes' database handler, with a cap on failures per address across usernames."""

    def get_failures(self, request, credentials: dict | None = None) -> int:
        failures = super().get_failures(request, credentials)
        cap = int(getattr(settings, "LOGIN_ADDRESS_FAILURE_LIMIT", 0) or 0)
        address = getattr(request, "axes_ip_address", None)
        if not cap or not address:
            return failures
        attempts = AccessAttempt.objects.filter(ip_address=address)
        if settings.AXES_COOLOFF_TIME is not None:
            attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
        from_address = attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
        if from_address >= cap:
            return max(failures, get_failure_limit(request, credentials))
        return failures
