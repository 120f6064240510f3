"""Which Host headers the site answers, checked before a server starts."""

from __future__ import annotations

import os

from django.conf import settings
from django.core.management.base import CommandError


def refuse_any_host() -> None:
    """Raise CommandError when ALLOWED_HOSTS lets any Host in, outside DEBUG, without consent.

    With a wildcard, one request naming another host can put that host into
    what gets cached for every reader; that is safe only behind a proxy that
    checks hosts itself, which WIREDESK_ALLOW_ANY_HOST=1 says.
    """
    if settings.DEBUG or os.environ.get("WIREDESK_ALLOW_ANY_HOST") == "1":
        return
    if any(host in ("*", ".") for host in settings.ALLOWED_HOSTS):
        raise CommandError(
            "WIREDESK_ALLOWED_HOSTS lets any Host header in. List the site's host names "
            "(for example news.example,www.news.example), or set WIREDESK_ALLOW_ANY_HOST=1 "
            "if a proxy in front checks the Host header."
        )
