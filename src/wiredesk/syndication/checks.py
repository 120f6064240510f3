"""Start-up checks of where syndication sends: the WebSub hub, IndexNow, each active webhook."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks
from django.db import DatabaseError

from .models import Webhook


def problem_with(url: str | None, what: str) -> str | None:
    """Return what is wrong with `url` as an address to send to (None: nothing)."""
    if not url:
        return f"{what} is empty: give an absolute http:// or https:// address"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"{what} {url!r} is not an absolute http:// or https:// address with a host"
    return None


def webhook_problems() -> list[str]:
    """Return what is wrong with each active webhook's address (none before the first migrate)."""
    try:
        hooks = list(Webhook.objects.filter(active=True).order_by("pk").values_list("pk", "url"))
    except DatabaseError:  # not migrated yet: no webhook can exist
        return []
    found = []
    for pk, url in hooks:
        problem = problem_with(url, f"webhook #{pk} (admin: Syndication, Webhooks) url")
        if problem:
            found.append(problem + "; mend it or make the webhook inactive")
    return found


def check_destinations(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Report each place syndication sends to that it could not send to."""
    site = settings.WIREDESK.site
    found = []
    if site.websub_hub:
        found.append(problem_with(site.websub_hub, "wiredesk.toml [site] websub_hub"))
    if site.indexnow_key:
        found.append(problem_with(site.indexnow_endpoint, "wiredesk.toml [site] indexnow_endpoint"))
    messages: list[checks.CheckMessage] = [
        checks.Error(problem, id="wiredesk.E102") for problem in found if problem
    ]
    messages += [checks.Error(problem, id="wiredesk.E103") for problem in webhook_problems()]
    return messages
