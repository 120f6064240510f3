"""Purge backends, configured as data (like Django's CACHES and Wagtail's frontend_cache).

    [[purge]]
    backend = "wiredesk.site.purge.HttpPurgeBackend"
    url = "http://127.0.0.1:6081"

Every story change purges `story-<id>` and `lists` from each backend. The site
only says which keys and how to send them: the purges themselves go through the
outbox (syndication/outbox.py), which sends each at once and retries it, with
backoff, until the backend takes it. Each `[[purge]]` block is checked at
start-up (`problems`, a system check in site/checks.py).
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.module_loading import import_string

log = logging.getLogger("wiredesk.site")


class PurgeFailed(Exception):
    """A backend did not take a purge (it refused, or cannot be reached): to be retried."""


class PurgeBackend(ABC):
    """Remove cached answers from a shared cache by surrogate key."""

    def __init__(self, **options: Any) -> None:
        self.options = options

    @classmethod
    def problems(cls, options: Mapping[str, Any]) -> list[str]:
        """Return what is wrong with `options` for this backend, each saying how to mend it."""
        return []

    @abstractmethod
    def purge(self, keys: list[str]) -> None:
        """Remove every cached answer tagged with any of `keys`; raise if that failed."""


class HttpPurgeBackend(PurgeBackend):
    """Send `PURGE /` with a `Surrogate-Key` header per key (Varnish with a ban, and the like)."""

    @classmethod
    def problems(cls, options: Mapping[str, Any]) -> list[str]:
        found = []
        url = options.get("url")
        if not url:
            found.append(
                "has no url: give the address PURGE requests go to, "
                'such as url = "http://varnish.internal:6081"'
            )
        elif not isinstance(url, str) or not _is_http(url):
            found.append(f"url {url!r} is not an http:// or https:// address with a host")
        timeout = options.get("timeout", 2.0)
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
            found.append(f"timeout {timeout!r} is not a number of seconds above 0")
        return found

    def purge(self, keys: list[str]) -> None:
        import httpx  # here, not at import: web workers that never purge never load it

        problems = self.problems(self.options)
        if problems:
            raise PurgeFailed(f"[[purge]] {problems[0]}")
        url = self.options["url"].rstrip("/") + "/"
        refused = []
        with httpx.Client(timeout=float(self.options.get("timeout", 2.0))) as client:
            for key in keys:
                try:
                    response = client.request("PURGE", url, headers={"Surrogate-Key": key})
                except httpx.HTTPError as exc:
                    raise PurgeFailed(f"PURGE at {url}: {type(exc).__name__}: {exc}") from exc
                if response.status_code >= 400:
                    refused.append(f"{key}: HTTP {response.status_code}")
        if refused:  # every key was tried; the refused ones make the purge fail, to be retried
            raise PurgeFailed(f"PURGE at {url} refused " + ", ".join(refused))


def _is_http(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def story_keys(stories: Iterable[Any]) -> list[str]:
    """Return the keys a change to `stories` purges: each story's, and every list's."""
    return [f"story-{story.pk}" for story in stories] + ["lists"]


def destination(spec: Any) -> str:
    """Return what a `[[purge]]` block (its `backend` and `options`) is known by in the outbox.

    Its url, else its backend's dotted path.
    """
    url = spec.options.get("url")
    return url if isinstance(url, str) and url else spec.backend


def backend_for(backend: str, where: str) -> PurgeBackend:
    """Return the configured backend `backend` sending to `where` (see `destination`).

    Raise LookupError when wiredesk.toml has no such `[[purge]]` block any more.
    """
    for spec in settings.WIREDESK.purge:
        if spec.backend == backend and destination(spec) == where:
            return import_string(spec.backend)(**spec.options)
    raise LookupError(f"no [[purge]] with backend {backend} for {where} in wiredesk.toml any more")


def backends() -> list[PurgeBackend]:
    """Return the configured purge backends."""
    return [import_string(spec.backend)(**spec.options) for spec in settings.WIREDESK.purge]


def problems() -> list[str]:
    """Return what is wrong with each `[[purge]]` block of wiredesk.toml, saying where."""
    found = []
    for number, spec in enumerate(settings.WIREDESK.purge, start=1):
        where = f"wiredesk.toml [[purge]] #{number}"
        try:
            kind = import_string(spec.backend)
        except ImportError as exc:
            found.append(
                f"{where}: backend {spec.backend!r} cannot be imported ({exc}); give "
                f'a class with purge(keys), such as "{HttpPurgeBackend.__module__}.'
                f'HttpPurgeBackend"'
            )
            continue
        if not isinstance(kind, type) or not callable(getattr(kind, "purge", None)):
            found.append(f"{where}: backend {spec.backend!r} is not a class with purge(keys)")
            continue
        check = getattr(kind, "problems", None)
        found += [f"{where} {problem}" for problem in (check(spec.options) if check else [])]
    return found
