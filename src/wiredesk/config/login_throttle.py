"""The login throttle's view of who is logging in: the client's address, behind proxies too.

django-axes locks a (username, address) pair out after repeated wrong
passwords (settings AXES_*). Behind a reverse proxy every request comes from
the proxy's address, so keyed on REMOTE_ADDR anyone's guesses would lock the
real editor out. `client_address` (site/clients.py, shared with the search and
API limits) reads the address the trusted proxies report instead
(TRUSTED_PROXIES, TRUSTED_PROXY_COUNT; without either, the peer address, and
X-Forwarded-For is ignored).

`LoginThrottle` adds an optional cap per address across usernames
(`LOGIN_ADDRESS_FAILURE_LIMIT`, 0 for none): one address spraying many
usernames is locked out, whoever it names next. It never locks a username
out of every address.
"""

from __future__ import annotations

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest

from wiredesk.site.clients import client_address, parse_address, parse_networks

__all__ = ["LoginThrottle", "client_address", "parse_address", "parse_networks"]


class LoginThrottle(AxesDatabaseHandler):
    """django-axes' database handler, with a cap on failures per address across usernames."""

    def get_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
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
