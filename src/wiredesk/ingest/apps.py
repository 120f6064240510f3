from __future__ import annotations

from typing import TYPE_CHECKING

from django.apps import AppConfig

if TYPE_CHECKING:
    from wiredesk.sources.models import Feed


def quarantine_picture(
    sender: object = None,
    *,
    feed: Feed,
    origin: str,
    data: bytes,
    reason: str,
    item_id: str = "",
    **kwargs: object,
) -> None:
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
        from django.db.models.signals import post_delete, pre_save

        from wiredesk.pictures import signals
        from wiredesk.sources.models import Feed

        from .unsubscribing import feed_deleted, feed_saving

        signals.picture_failed.connect(quarantine_picture, dispatch_uid="ingest-quarantine")
        # A WebSub feed removed, turned off, or given another topic or hub ends its
        # subscriptions at the hub (ingest/unsubscribing.py).
        pre_save.connect(feed_saving, sender=Feed, dispatch_uid="ingest-websub-changed")
        post_delete.connect(feed_deleted, sender=Feed, dispatch_uid="ingest-websub-removed")
