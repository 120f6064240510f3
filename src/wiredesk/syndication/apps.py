from django.apps import AppConfig


class SyndicationConfig(AppConfig):
    name = "wiredesk.syndication"
    label = "wiredesk_syndication"
    verbose_name = "Syndication"

    def ready(self) -> None:
        # Signals only at seams (docs/design.md): stories announce, syndication queues pings.
        from wiredesk.stories import signals

        from .outbox import receive_changes

        signals.stories_changed.connect(receive_changes, dispatch_uid="outbox")
