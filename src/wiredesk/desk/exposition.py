"""`/metrics`: Prometheus's text format, for the internal network or a token (docs/deploy.md).

What every process of this command counted (metrics/instruments.py, summed
from the shared folder in multiprocess mode: metrics/folder.py), and the
gauges read from the database at each scrape (gauges.py). Anyone else is
answered 404, as for an address that does not exist.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from functools import cache
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.multiprocess import MultiProcessCollector

from wiredesk.metrics.folder import shared_folder
from wiredesk.metrics.instruments import flush_cache_counts
from wiredesk.site.clients import Network, parse_address, parse_networks

from .gauges import StateCollector

# Headers a proxy adds: a request that passed one is not the peer it seems to be.
PROXIED = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")


@cache
def networks(allowed: tuple[str, ...]) -> tuple[Network, ...]:
    """Return the `[metrics] allow_from` entries as networks (an address is a network of one)."""
    return parse_networks(allowed)


def allowed(meta: Mapping[str, Any], allow_from: tuple[str, ...], token: str | None) -> bool:
    """Say whether a request may read the metrics: a token, or straight from an allowed address.

    `meta`: the request's WSGI environment (Django's `request.META`).
    """
    given = meta.get("HTTP_AUTHORIZATION", "")
    if token and given.startswith("Bearer "):
        return hmac.compare_digest(given[7:].strip().encode(), token.encode())
    # Behind a proxy on this machine every reader is 127.0.0.1: the address is
    # believed only from a request that came straight, as a scraper's does.
    if any(header in meta for header in PROXIED):
        return False
    peer = parse_address(meta.get("REMOTE_ADDR"))
    if peer is None:
        return False
    return any(peer.version == net.version and peer in net for net in networks(allow_from))


def exposition() -> bytes:
    """Return every metric in Prometheus's text format."""
    flush_cache_counts()  # this process's pending cache counts
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StateCollector())
    folder = shared_folder()
    if folder is None:  # one process: its own registry holds what it counted
        return generate_latest(REGISTRY) + generate_latest(registry)
    MultiProcessCollector(registry, path=str(folder))
    return generate_latest(registry)


@csrf_exempt
def metrics(request: HttpRequest) -> HttpResponse:
    """Answer the metrics, or 404 to a request that may not read them."""
    options = settings.WIREDESK.metrics
    if not options.enabled or not allowed(request.META, options.allow_from, options.token):
        response = HttpResponse(b"Not found\n", status=404, content_type="text/plain")
    else:
        response = HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"  # never a CDN's or the fast path's to keep
    return response
