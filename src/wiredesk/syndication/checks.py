"""Start-up checks of where syndication sends: the WebSub hub, IndexNow, each active webhook,
each alert destination (wiredesk.toml's `[[alerts]]` and the desk's)."""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import DatabaseError

from .models import AlertDestination, Webhook


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
    messages += [checks.Error(problem, id="wiredesk.E104") for problem in alert_problems()]
    return messages


def destination_problems(kind: str, target: str, secret: str, what: str) -> list[str]:
    """Return what is wrong with one alert destination (`what` says where it is set)."""
    if kind == "email":
        addresses = [a.strip() for a in target.split(",") if a.strip()]
        if not addresses:
            return [f"{what} sends email to no one: give the addresses"]
        found = []
        for address in addresses:
            try:
                validate_email(address)
            except ValidationError:
                found.append(f"{what}: {address!r} is not an email address")
        return found
    problem = problem_with(target, f"{what} url")
    found = [problem] if problem else []
    if kind == "signed" and not secret:
        found.append(f"{what} is signed with an empty secret")
    return found


def alert_problems() -> list[str]:
    """Return what is wrong with each alert destination, saying where it is set."""
    found = []
    for number, spec in enumerate(settings.WIREDESK.alerts, 1):
        what = f"wiredesk.toml [[alerts]] #{number}"
        secret = os.environ.get(spec.secret_env, "") if spec.secret_env else ""
        found += destination_problems(spec.kind, spec.target, secret or "given", what)
        if spec.kind == "signed" and not secret:
            found.append(
                f"{what}: the environment variable {spec.secret_env!r} holds no secret"
                if spec.secret_env
                else f"{what} has no secret_env: name the environment variable holding its secret"
            )
    try:
        rows = list(AlertDestination.objects.filter(enabled=True).order_by("pk"))
    except DatabaseError:  # not migrated yet: none set on the desk
        rows = []
    for row in rows:
        what = f"alert destination #{row.pk} (desk: Alerts)"
        found += [
            problem + "; mend it or disable it"
            for problem in destination_problems(row.kind, row.target, row.secret, what)
        ]
    if any(spec.kind == "email" for spec in settings.WIREDESK.alerts) or any(
        row.kind == "email" for row in rows
    ):
        email = settings.WIREDESK.email
        if email.backend == "smtp" and not email.host:
            found.append("wiredesk.toml [email] host is empty: email alerts cannot be sent")
    return found
