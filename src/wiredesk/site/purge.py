"""Purge backends, configured as data (like Django's CACHES and Wagtail's frontend_cache).

    [[purge]]
    backend = "wiredesk.site.purge.HttpPurgeBackend"
    url = "http://127.0.0.1:6081"

Every story change purges `story-<id>` and `lists` from each backend.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod

from django.conf import settings
from django.utils.module_loading import import_string

log = logging.getLogger("wiredesk.site")


class PurgeBackend(ABC):
    """Remove cached answers from a shared cache by surrogate key."""

    def __init__(self, **options) -> None:
        self.options = options

    @abstractmethod
    def purge(self, keys: list[str]) -> None:
        """Remove every cached answer tagged with any of `keys`."""


class HttpPurgeBackend(PurgeBackend):
    """Send `PURGE /` with a `Surrogate-Key` header per key (Varnish with a ban, and the like)."""

    def purge(self, keys: list[str]) -> None:
        import httpx  # here, not at import: web workers that never purge never load it

        url = self.options["url"].rstrip("/") + "/"
        timeout = float(self.options.get("timeout", 2.0))
        with httpx.Client(timeout=timeout) as client:
            for key in keys:
                response = client.request("PURGE", url, headers={"Surrogate-Key": key})
                if response.status_code >= 400:
                    log.error("purge of %s at %s answered %s", key, url, response.status_code)


def backends() -> list[PurgeBackend]:
    """Return the configured purge backends."""
    return [import_string(spec["backend"])(**{k: v for k, v in spec.items() if k != "backend"})
            for spec in settings.WIREDESK["PURGE_BACKENDS"]]  # fmt: skip


def purge_stories(sender=None, stories=(), **kwargs) -> None:
    """Purge changed stories' pages and API answers and every list (a signal receiver)."""
    purge_keys([f"story-{story.pk}" for story in stories] + ["lists"])


def purge_keys(keys: list[str]) -> None:
    """Purge every answer tagged with any of `keys` from each configured backend."""
    configured = backends()
    if not configured:
        return
    import httpx  # only where purges are configured: web workers never load it

    for backend in configured:
        try:
            backend.purge(keys)
        except httpx.HTTPError as exc:  # a CDN hiccup must not stop ingest; it is logged
            log.error("purge %s failed: %s", keys, exc)
