"""Optional token auth and per-client rate limits for the API.

Public sites need no token: by default anyone may call the API without one.
Set `[api] require_token = true` for a private deployment; give each app an
ApiClient (admin) and have it send `Authorization: Bearer <token>`. Each client
is counted by its token, at its own requests-per-minute (0: no limit), never
by the address it shares with others; callers without a token (and with a
token that is not an active client's) are counted by their address as the
trusted proxies report it, `[api] anonymous_per_minute` each (0: no limit).
The counting is site/rate_limits.py's, shared with reader search.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from ninja.security import HttpBearer

from wiredesk.site.rate_limits import RateLimited, check_rate, limit_client

from .models import ApiClient

ANONYMOUS = "anonymous"


class ClientAuth(HttpBearer):
    """Bearer tokens of ApiClients; no token at all is fine unless the site requires one."""

    def __call__(self, request: HttpRequest) -> ApiClient | object | None:
        if not request.headers.get("Authorization"):
            config = settings.WIREDESK.api
            if config.require_token:
                return None  # 401
            limit_client(request, "api", config.anonymous_per_minute)
            return ANONYMOUS
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, token: str) -> ApiClient | None:
        client = ApiClient.objects.filter(token=token, active=True).first()
        if client is None:  # 401; a wrong token does not escape the address's limit
            limit_client(request, "api", settings.WIREDESK.api.anonymous_per_minute)
            return None
        check_rate(f"api:client:{client.pk}", client.requests_per_minute)
        return client


__all__ = ["ANONYMOUS", "ClientAuth", "RateLimited", "check_rate"]
