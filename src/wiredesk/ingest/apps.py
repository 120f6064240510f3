from django.apps import AppConfig


def quarantine_picture(sender=None, *, feed, origin, data, reason, item_id="", **kwargs) -> None:
    """Keep a picture that cannot be had on the quarantine (a `picture_failed` receiver)."""
    # The pipeline here, not at start: a process that never fetches a picture never loads it.
    from .pipeline import quarantine

    quarantine(feed, origin, data, reason, item_id=item_id)


class IngestConfig(AppConfig):
    name = "wiredesk.ingest"
    label = "ingest"
    verbose_name = "Ingest"

    def ready(self) -> None:
        # Signals only at seams (docs/design.md): pictures are below ingest and never
        # import it; a picture that cannot be had is announced, and kept here.
        from wiredesk.pictures import signals

        signals.picture_failed.connect(quarantine_picture, dispatch_uid="ingest-quarantine")
