"""Who is asking: the client's address, as the trusted proxies in front report it.

Behind a reverse proxy every request comes from the proxy's address; keyed on
that, one client's limit (the login throttle, config/login_throttle.py; the
search and API limits, site/rate_limits.py) would be everyone's.
`client_address` reads the address the trusted proxies report instead:

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
- neither: the peer address; X-Forwarded-For is ignored.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# An IPv6 client is counted by its /64 network: one host's (or one home's)
# usual allocation, whose 2**64 addresses a crawler could otherwise rotate.
IPV6_CLIENT_PREFIX = 64


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


def client_key(request: HttpRequest) -> str:
    """Return what a client's requests are counted by: its address, or an IPv6 client's /64."""
    text = client_address(request)
    address = parse_address(text)
    if address is None:
        return text or "unknown"
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/{IPV6_CLIENT_PREFIX}", strict=False))
    return str(address)


def _within(address: Address, networks: tuple[Network, ...]) -> bool:
    return any(address.version == net.version and address in net for net in networks)
