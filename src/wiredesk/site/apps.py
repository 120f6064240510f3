from django.apps import AppConfig


def purge_pictures(sender=None, keys=(), **kwargs) -> None:
    """Drop a withdrawn picture's answers from the CDN (a `pictures_withdrawn` receiver)."""
    from .purge import purge_keys

    purge_keys(list(keys))


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
        # Pictures are below the site and never import it: they say which
        # answers to drop, and the site drops them from the CDN.
        from wiredesk.pictures import signals as pictures

        pictures.pictures_withdrawn.connect(purge_pictures, dispatch_uid="site-purge-pictures")
