from django.apps import AppConfig


class SyndicationConfig(AppConfig):
    name = "wiredesk.syndication"
    label = "wiredesk_syndication"
    verbose_name = "Syndication"

    def ready(self) -> None:
        # Signals only at seams (docs/design.md): stories announce, syndication queues pings.
        from wiredesk.stories import signals

        from .outbox import EVENT_OF, receive_many_published, receiver_for

        for name, event in EVENT_OF.items():
            getattr(signals, name).connect(
                receiver_for(event), weak=False, dispatch_uid=f"outbox-{name}"
            )
        signals.stories_published.connect(receive_many_published, dispatch_uid="outbox-many")
