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
        from .purge import purge_stories, purge_story

        for name in ("story_published", "story_updated", "story_killed", "stories_published"):
            getattr(signals, name).connect(bump_generation, dispatch_uid=f"site-cache-{name}")
        for name in ("story_published", "story_updated", "story_killed"):
            getattr(signals, name).connect(purge_story, dispatch_uid=f"site-purge-{name}")
        signals.stories_published.connect(purge_stories, dispatch_uid="site-purge-many")
