"""Write story changes into the outbox (a signal receiver; runs after the change commits)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import timezone

from wiredesk.stories.models import Story

from .models import OutboundMessage, Webhook


def feed_urls(story: Story) -> list[str]:
    """Return the URLs of every feed a change to `story` touches (for WebSub)."""
    base = settings.WIREDESK["SITE_URL"]
    site = [f"{base}/feeds/{name}" for name in ("rss.xml", "atom.xml", "feed.json")]
    agency = [
        f"{base}/agency/{story.agency.slug}/{name}" for name in ("rss.xml", "atom.xml", "feed.json")
    ]
    return site + agency


def webhook_payload(event: str, story: Story) -> dict:
    url = settings.WIREDESK["SITE_URL"] + story.get_absolute_url()
    body: dict[str, Any] = {"event": event, "story": {"id": story.pk, "url": url, "agency": story.agency.slug,
                                      "state": story.state}}  # fmt: skip
    if event != "story.killed":
        body["story"].update({
            "headline": story.headline, "teaser": story.teaser,
            "published": story.first_published_at.isoformat(), "modified": story.modified_at.isoformat(),
        })  # fmt: skip
    return body


def receive_changes(sender, stories: list[Story], change: str, **kwargs) -> None:
    """Queue `story.<change>` for each story of a batch (a `stories_changed` receiver)."""
    enqueue_many(f"story.{change}", stories)


def enqueue_many(event: str, stories: list[Story]) -> None:
    """Queue the pings and webhook calls for the same change to many stories, in one write."""
    now = timezone.now()
    config = settings.WIREDESK
    hooks = [hook for hook in Webhook.objects.filter(active=True) if hook.wants(event)]
    if not (hooks or config.get("WEBSUB_HUB") or config.get("INDEXNOW_KEY")):
        return  # nothing to tell anyone
    messages = []
    for story in stories:
        url = config["SITE_URL"] + story.get_absolute_url()
        common = {"event": event, "story_id": story.pk, "created_at": now, "next_attempt_at": now}
        if config.get("WEBSUB_HUB"):
            messages += [
                OutboundMessage(kind="websub", url=feed, **common) for feed in feed_urls(story)
            ]
        if config.get("INDEXNOW_KEY"):
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
