"""End a WebSub feed's subscriptions at its hub when the feed no longer wants them.

A feed removed, paused, turned to another transport, or given another
topic or hub would otherwise go on being pushed to until each lease lapsed
(ten days by default). Each subscription the hub confirmed
(transports/websub.py keeps them in the checkpoint) is then queued in the
outbox as an unsubscription (W3C WebSub 5.1), sent by the outbox's worker with
its retries, and dropped from the checkpoint: a feed resumed, or its new
topic, is subscribed afresh at its next poll.

The hub checks our intent for an unsubscription too (section 5.3), by a GET
to the very callback the subscription was registered with, which names its
token. The outbox's message is what we asked: the check is confirmed only
for a message still open for that feed, topic and token, once (the feed may
be gone by then); anything else is a 404, and the hub keeps the
subscription.
"""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Mapping
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone

from wiredesk.sources.models import Feed
from wiredesk.syndication.models import OutboundMessage

log = logging.getLogger("wiredesk.ingest")

WEBSUB = "websub"  # the transport's name (transports/websub.py, not imported at start-up)
# As for a subscription's check (transports/websub.py, PENDING_SECONDS): a check
# that comes later than this answers nothing of ours.
PENDING = timedelta(days=1)


def _live(checkpoint: Mapping[str, Any]) -> list[dict]:
    # Here, not at start-up: the WebSub transport brings httpx (ingest/views.py says why).
    from wiredesk.transports.websub import live_subscriptions

    return live_subscriptions(checkpoint, time.time())


def _allowed_hosts(feed: Feed, options: Mapping[str, Any]) -> list[str]:
    """Return the private hosts the hub may be on: the feed's, and a hub its settings name."""
    named = urlsplit(str(options.get("hub") or "")).hostname
    return sorted(feed.allowed_hosts | ({named.rstrip(".")} if named else set()))


def queue_unsubscriptions(
    feed: Feed, checkpoint: Mapping[str, Any], options: Mapping[str, Any], why: str
) -> dict:
    """Queue an unsubscription of each live subscription of `feed`; return the checkpoint without.

    `options` are the feed's settings the subscriptions were made under.
    """
    live = _live(checkpoint)
    now = timezone.now()
    hosts = _allowed_hosts(feed, options)
    OutboundMessage.objects.bulk_create(
        OutboundMessage(
            kind=OutboundMessage.Kind.UNSUBSCRIBE,
            event="websub.unsubscribe",
            url=subscription["hub"],
            payload={"feed": feed.slug, **subscription, "allowed_hosts": hosts},
            created_at=now,
            next_attempt_at=now,
        )
        for subscription in live
    )
    for subscription in live:
        log.info(
            "feed=%s %s: unsubscription from %s queued",
            feed.slug,
            why,
            subscription["hub"],
            extra={"feed_id": feed.pk},
        )
    # No lease held: a feed that polls again subscribes at once.
    return {
        **checkpoint,
        "subscriptions": [],
        "lease_until": 0,
        "pending_request": None,
    }


def end_subscriptions(feed: Feed, why: str) -> None:
    """Queue the unsubscription of a stored feed's live subscriptions (it was paused)."""
    if feed.transport != WEBSUB:
        return
    with transaction.atomic():
        stored = Feed.objects.select_for_update().filter(pk=feed.pk).first()
        if stored is None or not _live(stored.checkpoint or {}):
            return
        checkpoint = queue_unsubscriptions(stored, stored.checkpoint, stored.options or {}, why)
        Feed.objects.filter(pk=feed.pk).update(checkpoint=checkpoint)
    feed.checkpoint = checkpoint


def _ends(before: Feed, after: Feed) -> str:
    """Return why saving `after` over `before` ends its WebSub subscriptions ("" if not)."""
    if after.transport != WEBSUB:
        return "turned to another transport"
    if not after.enabled:
        return "turned off"
    if after.location != before.location:
        return "given another topic"
    if (after.options or {}).get("hub") != (before.options or {}).get("hub"):
        return "given another hub"
    return ""


def feed_saving(sender: object, instance: Feed, raw: bool = False, **kwargs: object) -> None:
    """End the subscriptions a change of the feed leaves unwanted (a Feed `pre_save` receiver)."""
    if raw or instance.pk is None:
        return
    before = Feed.objects.filter(pk=instance.pk, transport=WEBSUB).first()
    if before is None or not _live(before.checkpoint or {}):
        return
    why = _ends(before, instance)
    if why:
        checkpoint = queue_unsubscriptions(before, before.checkpoint, before.options or {}, why)
        # Written now as well: a save of named fields may not name the checkpoint.
        Feed.objects.filter(pk=instance.pk).update(checkpoint=checkpoint)
        instance.checkpoint = checkpoint


def feed_deleted(sender: object, instance: Feed, **kwargs: object) -> None:
    """End a removed feed's subscriptions (a Feed `post_delete` receiver)."""
    if instance.transport == WEBSUB and _live(instance.checkpoint or {}):
        queue_unsubscriptions(instance, instance.checkpoint, instance.options or {}, "removed")


def confirm_unsubscription(slug: str, topic: str, token: str) -> bool:
    """Take the hub's check of an unsubscription we asked for; False when we asked none.

    Only a message still open for the feed `slug` and `topic`, queued less
    than a day before, whose subscription the callback's `token` names; once.
    """
    if not (token and token.isascii()):
        return False  # compare_digest takes ASCII text only
    now = timezone.now()
    with transaction.atomic():
        # The last day's unsubscriptions, by their own index (syndication/models.py):
        # a hub's check, or anyone's GET, never walks the outbox's log.
        asked = (
            OutboundMessage.objects.select_for_update()
            .filter(
                kind=OutboundMessage.Kind.UNSUBSCRIBE,
                created_at__gte=now - PENDING,
                payload__feed=slug,
                payload__topic=topic,
            )
            .exclude(status=OutboundMessage.Status.FAILED)
            .order_by()
        )
        for message in asked:
            ours = message.payload.get("token")
            if message.payload.get("confirmed_at") or not isinstance(ours, str):
                continue
            if ours.isascii() and ours and hmac.compare_digest(ours, token):
                message.payload = {**message.payload, "confirmed_at": now.isoformat()}
                message.save(update_fields=["payload"])
                log.info("feed=%s: the WebSub hub confirms its unsubscription", slug)
                return True
    return False
