from django.apps import AppConfig


class SiteConfig(AppConfig):
    name = "wiredesk.site"
    label = "site"
    verbose_name = "Reader site"

    def ready(self) -> None:
        # Signals only at seams (docs/design.md): stories announce changes, the site
        # listens; stories never imports the site.
        from wiredesk.stories import signals

        from .cache import bump_generation
        from .purge import purge_stories

        signals.stories_changed.connect(bump_generation, dispatch_uid="site-cache")
        signals.stories_changed.connect(purge_stories, dispatch_uid="site-purge")
