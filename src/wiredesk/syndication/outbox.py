"""Write story changes into the outbox (signal receivers; they run after the change commits).

Pings and webhook calls are sent by the outbox's worker. A CDN purge is sent
at once, after the commit that queued it, from here (a kill leaves the CDN
within the second, as it leaves the site); only what that first try could not
do waits for the worker's retries. A receiver of `stories_changed` that failed
is queued here too, to be run again (stories/signals.py, `receiver_failed`).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from wiredesk.logs import context as log_ids
from wiredesk.site import purge
from wiredesk.stories.models import Story

from .models import OutboundMessage, Webhook

log = logging.getLogger("wiredesk.syndication")

# A purge queued to be tried at once is left to this process that long before
# the worker takes it (the process died before trying it).
FIRST_TRY_LEASE = timedelta(minutes=2)


def feed_urls(story: Story) -> list[str]:
    """Return the URLs of every feed a change to `story` touches (for WebSub)."""
    base = settings.WIREDESK.site.url
    site = [f"{base}/feeds/{name}" for name in ("rss.xml", "atom.xml", "feed.json")]
    agency = [
        f"{base}/agency/{story.agency.slug}/{name}" for name in ("rss.xml", "atom.xml", "feed.json")
    ]
    return site + agency


def webhook_payload(event: str, story: Story) -> dict:
    url = settings.WIREDESK.site.url + story.get_absolute_url()
    body: dict[str, Any] = {
        "event": event,
        "story": {"id": story.pk, "url": url, "agency": story.agency.slug, "state": story.state},
    }
    if event != "story.killed":
        body["story"].update(
            {
                "headline": story.headline,
                "teaser": story.teaser,
                "published": story.first_published_at.isoformat(),
                "modified": story.modified_at.isoformat(),
            }
        )
    return body


def receive_changes(sender: object, stories: list[Story], change: str, **kwargs: object) -> None:
    """Queue `story.<change>` for each story of a batch (a `stories_changed` receiver)."""
    enqueue_many(f"story.{change}", stories)


def enqueue_many(event: str, stories: list[Story]) -> None:
    """Queue the pings and webhook calls for the same change to many stories, in one write."""
    now = timezone.now()
    config = settings.WIREDESK.site
    hooks = [hook for hook in Webhook.objects.filter(active=True) if hook.wants(event)]
    if not (hooks or config.websub_hub or config.indexnow_key):
        return  # nothing to tell anyone
    messages = []
    # The delivery that brought the change, for the send's log line, later and elsewhere.
    delivery = log_ids.current().get("delivery_id")
    for story in stories:
        url = config.url + story.get_absolute_url()
        common = {
            "event": event,
            "story_id": story.pk,
            "delivery_id": delivery,
            "created_at": now,
            "next_attempt_at": now,
        }
        if config.websub_hub:
            messages += [
                OutboundMessage(kind="websub", url=feed, **common) for feed in feed_urls(story)
            ]
        if config.indexnow_key:
            # Killed URLs too: IndexNow wants to hear that a page is gone.
            messages.append(OutboundMessage(kind="indexnow", url=url, **common))
        if hooks:
            payload = webhook_payload(event, story)
            messages += [
                OutboundMessage(
                    kind="webhook", webhook=hook, url=hook.url, payload=payload, **common
                )
                for hook in hooks
            ]
    OutboundMessage.objects.bulk_create(messages, batch_size=1000)
    kinds = Counter(message.kind for message in messages)
    log.info(
        "outbox: queued %s for %s",
        ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items())),
        event,
        extra=log_ids.of_many("story", [story.pk for story in stories]),
    )


def purge_changes(sender: object, stories: list[Story], change: str, **kwargs: object) -> None:
    """Purge changed stories' pages and API answers and every list (a `stories_changed` receiver)."""
    queue_purge(purge.story_keys(stories), [story.pk for story in stories])


def purge_withdrawn(sender: object, keys: Iterable[str] = (), **kwargs: object) -> None:
    """Purge a withdrawn picture's renditions (a `pictures_withdrawn` receiver)."""
    queue_purge(list(keys))


def queue_purge(keys: list[str], story_ids: Sequence[int] = ()) -> list[OutboundMessage]:
    """Queue a purge of `keys` for each `[[purge]]` block and try it once this transaction commits.

    A backend whose last purges failed is left to the worker's retries: a CDN
    that is down never slows ingest. `story_ids`: the changed stories, for the
    log (one is kept on the message; the delivery's id too).
    """
    configured = settings.WIREDESK.purge
    if not keys or not configured:
        return []
    now = timezone.now()
    failing = set(
        OutboundMessage.objects.filter(
            status=OutboundMessage.Status.PENDING, kind=OutboundMessage.Kind.PURGE, attempts__gt=0
        ).values_list("url", flat=True)
    )
    messages = []
    for spec in configured:
        where = purge.destination(spec)
        messages.append(
            OutboundMessage(
                kind=OutboundMessage.Kind.PURGE,
                event="purge",
                url=where,
                payload={"backend": spec.backend, "keys": keys},
                story_id=story_ids[0] if len(story_ids) == 1 else None,
                delivery_id=log_ids.current().get("delivery_id"),
                created_at=now,
                next_attempt_at=now if where in failing else now + FIRST_TRY_LEASE,
            )
        )
    OutboundMessage.objects.bulk_create(messages)
    log.info(
        "outbox: queued purge of %d keys at %s",
        len(keys),
        ", ".join(m.url for m in messages),
        extra=log_ids.of_many("story", story_ids),
    )
    first = [m.pk for m in messages if m.url not in failing]
    if first:
        from .dispatch import send_now  # here: web workers that never purge never load httpx

        transaction.on_commit(partial(send_now, first), robust=True)
    return messages


def queue_retry(
    sender: object, receiver: str, stories: list[Story], change: str, **kwargs: object
) -> None:
    """Queue a failed `stories_changed` receiver to run again (a `receiver_failed` receiver)."""
    now = timezone.now()
    ids = [story.pk for story in stories]
    OutboundMessage.objects.create(
        kind=OutboundMessage.Kind.RECEIVER,
        event=f"story.{change}",
        url=receiver,
        story_id=ids[0] if len(ids) == 1 else None,
        delivery_id=log_ids.current().get("delivery_id"),
        payload={"stories": ids},
        created_at=now,
        next_attempt_at=now,
    )
