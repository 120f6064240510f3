"""Optional token auth and per-client rate limits for the API.

Public sites need neither: by default anyone may call the API without a token.
Set `[api] require_token = true` for a private deployment; give each app an
ApiClient (admin) and have it send `Authorization: Bearer <token>`. Each client
has its own requests-per-minute limit; anonymous callers share
`[api] anonymous_per_minute` per IP address (0: no limit).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from ninja.security import HttpBearer

from .models import ApiClient

ANONYMOUS = "anonymous"


class RateLimited(Exception):
    """Too many requests in this minute; `retry_after` seconds until the next."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"rate limit reached; retry in {retry_after} s")
        self.retry_after = retry_after


def check_rate(key: str, per_minute: int) -> None:
    """Count a request against `key`'s fixed one-minute window; raise RateLimited when over."""
    if not per_minute:
        return
    window = int(time.time() // 60)
    counter = f"wiredesk:rate:{key}:{window}"
    cache.add(counter, 0, timeout=120)
    try:
        count = cache.incr(counter)
    except ValueError:  # evicted between add and incr
        cache.set(counter, 1, timeout=120)
        count = 1
    if count > per_minute:
        raise RateLimited(retry_after=60 - int(time.time()) % 60)


class ClientAuth(HttpBearer):
    """Bearer tokens of ApiClients; no token at all is fine unless the site requires one."""

    def __call__(self, request: HttpRequest):
        if not request.headers.get("Authorization"):
            config = settings.WIREDESK
            if config["API_REQUIRE_TOKEN"]:
                return None  # 401
            address = request.META.get("REMOTE_ADDR", "")
            check_rate(f"ip:{address}", config["API_ANONYMOUS_PER_MINUTE"])
            return ANONYMOUS
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, token: str) -> ApiClient | None:
        client = ApiClient.objects.filter(token=token, active=True).first()
        if client is not None:
            check_rate(f"client:{client.pk}", client.requests_per_minute)
        return client
