from django.apps import AppConfig


class SyndicationConfig(AppConfig):
    name = "wiredesk.syndication"
    label = "wiredesk_syndication"
    verbose_name = "Syndication"

    def ready(self) -> None:
        # Signals only at seams (docs/design.md): stories announce, syndication queues
        # the CDN's purge first (sent at once), then the pings and webhooks. After the
        # site's receiver (the cache's generation), which this app is ready after.
        from django.core import checks

        from wiredesk.pictures import signals as pictures
        from wiredesk.stories import signals

        from .alerts import alert_kills
        from .checks import check_destinations
        from .outbox import purge_changes, purge_withdrawn, queue_retry, receive_changes

        signals.stories_changed.connect(purge_changes, dispatch_uid="outbox-purge")
        signals.stories_changed.connect(receive_changes, dispatch_uid="outbox")
        # An agency's kill is told to the people on duty (docs/desk.md, Alerts).
        signals.stories_changed.connect(alert_kills, dispatch_uid="outbox-alert-kills")
        # A receiver that failed is run again from the outbox, until it takes the change.
        signals.receiver_failed.connect(queue_retry, dispatch_uid="outbox-retry")
        # Pictures are below the site and never import it: they say which answers
        # to drop, and the outbox purges them from the CDN.
        pictures.pictures_withdrawn.connect(purge_withdrawn, dispatch_uid="outbox-purge-pictures")
        checks.register(check_destinations)
