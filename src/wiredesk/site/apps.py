from __future__ import annotations

from django.apps import AppConfig


class SiteConfig(AppConfig):
    name = "wiredesk.site"
    label = "site"
    verbose_name = "Reader site"

    def ready(self) -> None:
        # Signals only at seams (docs/design.md): stories announce changes, the site
        # listens; stories never imports the site. The generation is bumped first
        # (this app is ready before syndication and pictures): whatever is told of
        # a change next, a CDN's purge among it, finds the pages fresh. CDN purges
        # go through the outbox, which retries them (syndication/outbox.py).
        from django.core import checks

        from wiredesk.stories import signals

        from .cache import bump_generation
        from .checks import check_purge_backends

        signals.stories_changed.connect(bump_generation, dispatch_uid="site-cache")
        checks.register(check_purge_backends)
