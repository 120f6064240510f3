"""Alerts for the people on duty: a feed turning red and back, an agency's kill, a flash held
for an editor, a feed's delivery quarantined (docs/desk.md, Alerts).

Each alert becomes one outbox message a destination (wiredesk.toml's `[[alerts]]`
blocks and those set on the desk), written in the transaction that saw the
change, and sent by the outbox's worker (alert_sending.py) with its retries: a
mail server or a chat service that is down delays an alert, never loses it.

A feed's state is kept in a row (`FeedAlertState`) and changed by a conditional
UPDATE, so each change is told once, whichever process sees it first; an
agency's kill is told once, as the kill is announced once.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from wiredesk.logs import context as log_ids
from wiredesk.sources.models import Feed
from wiredesk.stories.models import LifecycleEvent, Story
from wiredesk.stories.outcomes import Outcome

from .models import AlertDestination, FeedAlertState, OutboundMessage

log = logging.getLogger("wiredesk.syndication")

FLASH = 1  # IPTC urgency of a flash
TEST = "test"  # a desk's "send a test": to one destination, whatever its events


@dataclass(frozen=True)
class Alert:
    """What an alert says: one line, a few more, a link to the desk, and its facts."""

    event: str
    title: str
    text: str
    link: str  # absolute: the feed's, story's or quarantine's page on the desk
    facts: dict[str, Any] = field(default_factory=dict)  # feed, agency, story: for machines


@dataclass(frozen=True)
class Destination:
    """Where alerts go: a `[[alerts]]` block (`source` "toml", `key` its number) or the desk's."""

    source: str
    key: str
    kind: str
    target: str
    events: tuple[str, ...] = ()
    name: str = ""
    enabled: bool = True

    def wants(self, event: str) -> bool:
        return self.enabled and (not self.events or event in self.events)


def configured() -> list[Destination]:
    """Return the `[[alerts]]` blocks of wiredesk.toml, in the file's order."""
    return [
        Destination("toml", str(number), spec.kind, spec.target, spec.events, spec.name)
        for number, spec in enumerate(settings.WIREDESK.alerts, 1)
    ]


def of_desk(row: AlertDestination) -> Destination:
    return Destination(
        "desk", str(row.pk), row.kind, row.target, tuple(row.events), row.name, row.enabled
    )


def destinations() -> list[Destination]:
    """Return every destination that takes alerts: wiredesk.toml's, then the desk's enabled."""
    rows = AlertDestination.objects.filter(enabled=True).order_by("pk")
    return configured() + [of_desk(row) for row in rows]


def wanted() -> bool:
    """Say whether any destination takes alerts (else nothing is judged or kept)."""
    return bool(settings.WIREDESK.alerts) or AlertDestination.objects.filter(enabled=True).exists()


def desk_link(name: str, *args: Any, query: str = "") -> str:
    """Return the absolute address of a desk page, from `[site] url`."""
    return settings.WIREDESK.site.url + reverse(f"desk:{name}", args=args) + query


def queue(alert: Alert, to: Sequence[Destination] | None = None) -> list[OutboundMessage]:
    """Queue `alert` for each destination that wants it (`to`: just those), in this transaction."""
    chosen = [d for d in destinations() if d.wants(alert.event)] if to is None else list(to)
    now = timezone.now()
    messages = [
        OutboundMessage(
            kind=OutboundMessage.Kind.ALERT,
            event=alert.event,
            url=destination.target[:2000],
            story_id=alert.facts.get("story"),
            delivery_id=log_ids.current().get("delivery_id"),
            payload={
                "channel": destination.kind,
                "destination": {"source": destination.source, "key": destination.key},
                "alert": asdict(alert),
            },
            created_at=now,
            next_attempt_at=now,
        )
        for destination in chosen
    ]
    OutboundMessage.objects.bulk_create(messages)
    if messages:
        log.info("alert queued for %d destinations: %s", len(messages), alert.title)
    return messages


def _feed_facts(feed: Feed) -> dict[str, Any]:
    return {"feed": feed.slug, "agency": feed.agency.slug}


def _change(feed: Feed, now: datetime, **state: bool) -> bool:
    """Set the feed's told state; True when this call changed it (exactly one caller does)."""
    ((name, value),) = state.items()
    row = FeedAlertState.objects.filter(feed=feed).first()
    if row is None:
        if not value:
            return False  # never told of: not red, nothing open
        row, _ = FeedAlertState.objects.get_or_create(feed=feed)
    if getattr(row, name) == value:
        return False
    changed = FeedAlertState.objects.filter(pk=row.pk, **{name: not value})
    return changed.update(**{name: value, "changed_at": now}) == 1


def _now_amber_or_green(reasons: Sequence[str]) -> str:
    return "Now amber: " + "; ".join(reasons) if reasons else "Now green."


def feed_health(feed: Feed, red: bool, reasons: Sequence[str], now: datetime) -> str | None:
    """Queue `feed.red` or `feed.recovered` if the feed's redness changed since last told.

    Return the event queued, if any.
    """
    with transaction.atomic():
        if not _change(feed, now, red=red):
            return None
        event = "feed.red" if red else "feed.recovered"
        words = "is red" if red else "is no longer red"
        queue(
            Alert(
                event,
                f"Feed {feed.slug} ({feed.agency.name}) {words}",
                "\n".join(reasons) if red else _now_amber_or_green(reasons),
                desk_link("feeds", query=f"#feed-{feed.slug}"),
                {**_feed_facts(feed), "red": red, "reasons": list(reasons)},
            )
        )
    return event


def feed_quarantine(
    feed: Feed, entry: Mapping[str, Any] | None, now: datetime, count: int = 0
) -> str | None:
    """Queue `delivery.quarantined` when a feed with nothing open in quarantine has an entry.

    `entry`: the newest open entry's id, origin and reason (None: nothing
    open, which lets the next entry be told). Return the event queued, if any.
    """
    with transaction.atomic():
        if not _change(feed, now, quarantined=entry is not None) or entry is None:
            return None
        more = f" ({count} entries open)" if count > 1 else ""
        queue(
            Alert(
                "delivery.quarantined",
                f"Feed {feed.slug} ({feed.agency.name}): a delivery was quarantined{more}",
                f"{entry['origin']}: {entry['reason']}",
                desk_link("quarantine", query=f"?feed={feed.slug}"),
                {**_feed_facts(feed), "quarantine": entry["id"], "reason": entry["reason"]},
            )
        )
    return "delivery.quarantined"


def held_flashes(outcomes: Sequence[Outcome]) -> None:
    """Queue `flash.held` for each new flash (urgency 1) its feed's policy held for an editor."""
    stories = [
        outcome.story
        for outcome in outcomes
        if outcome.action == "stored"
        and outcome.story is not None
        and outcome.story.state == Story.State.HELD
        and outcome.story.version_count == 1  # new: not a version of a story held before
        and outcome.version is not None
        and outcome.version.urgency == FLASH
    ]
    for story in stories:
        waits = (
            f"It is published at {timezone.localtime(story.release_at):%H:%M %Z} unless an "
            "editor holds it."
            if story.release_at
            else "It waits for an editor's release."
        )
        queue(
            Alert(
                "flash.held",
                f"Flash held: {story.headline} ({story.agency.name})",
                waits,
                desk_link("story", story.pk),
                {"story": story.pk, "agency": story.agency.slug, "headline": story.headline},
            )
        )


def alert_kills(sender: object, stories: list[Story], change: str, **kwargs: object) -> None:
    """Queue `agency.kill` for each story its agency killed (a `stories_changed` receiver)."""
    if change != "killed":
        return
    killed = [story for story in stories if not story.killed_by_desk]
    if not killed or not wanted():
        return
    reasons = dict(
        LifecycleEvent.objects.filter(
            story__in=killed, kind=LifecycleEvent.Kind.KILLED, user=None
        ).values_list("story_id", "reason")
    )
    for story in killed:
        queue(
            Alert(
                "agency.kill",
                f"{story.agency.name} killed: {story.headline}",
                reasons.get(story.pk, "") or "The agency withdrew this story.",
                desk_link("story", story.pk),
                {"story": story.pk, "agency": story.agency.slug, "headline": story.headline},
            )
        )
