"""Writes for stories: decide what a WireItem means and store it, repeat-safe.

Decide (DESIGN.md data flow): a new story, a new version of a known story, or
a no-op. Every version is stored; only the newest by the agency's own clock
becomes the story's text, so an old version arriving late never overwrites a
newer one.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from django.db import IntegrityError, transaction
from django.utils.text import slugify

from wiredesk.sources.models import Agency, Feed
from wiredesk.wire import WireItem

from . import signals
from .models import Delivery, Story, StoryVersion

log = logging.getLogger("wiredesk.stories")

Action = Literal["published", "updated", "stored", "unchanged", "killed", "skipped"]

# Text fields a version copies onto its story when it becomes current.
CURRENT_FIELDS = (
    "headline", "byline", "dateline", "located", "language", "teaser",
    "body_html", "body_text", "subjects", "keywords", "link", "embargoed_until",
)  # fmt: skip


@dataclass(frozen=True)
class Outcome:
    """What storing one item did. `stored` means kept but not current (it arrived late)."""

    action: Action
    story: Story | None = None
    version: StoryVersion | None = None
    reason: str = ""


def get_or_create_delivery(data: bytes, feed: Feed | None, origin: str, now: datetime) -> Delivery:
    """Return the Delivery for these bytes, storing them the first time they are seen."""
    digest = hashlib.sha256(data).hexdigest()
    delivery, _ = Delivery.objects.get_or_create(
        sha256=digest,
        defaults={"feed": feed, "origin": origin[:2000], "received_at": now,
                  "size": len(data), "data": data},
    )  # fmt: skip
    return delivery


def _slug(headline: str) -> str:
    return slugify(headline)[:80].strip("-") or "story"


def _version_fields(item: WireItem, now: datetime) -> dict:
    return {
        "received_at": now,
        "effective_at": item.version_created or item.first_created or now,
        "format": item.format,
        "pub_status": item.pub_status,
        "signal": item.signal or "",
        "first_created": item.first_created,
        "version_created": item.version_created,
        "embargoed_until": item.embargoed_until,
        "urgency": item.urgency,
        "headline": item.headline,
        "slugline": item.slugline or "",
        "byline": item.byline or "",
        "dateline": item.dateline or "",
        "located": item.located or "",
        "language": item.language or "",
        "body_html": item.body_html,
        "body_text": item.body_text,
        "teaser": item.teaser,
        "subjects": item.subjects,
        "keywords": item.keywords,
        "link": item.link or "",
        "creditline": item.creditline or "",
        "ednote": item.ednote or "",
        "text_sha256": hashlib.sha256(item.body_text.encode()).hexdigest(),
    }


def _state_for(item: WireItem) -> str:
    if item.pub_status == "canceled" or item.signal == "kill":
        return Story.State.KILLED
    if item.pub_status == "withheld":
        return Story.State.WITHHELD
    return Story.State.PUBLISHED


def _make_current(story: Story, version: StoryVersion) -> None:
    for name in CURRENT_FIELDS:
        setattr(story, name, getattr(version, name))
    story.slug = _slug(version.headline)
    story.is_correction = version.signal == "correction"
    if version.first_created and version.first_created < story.first_published_at:
        story.first_published_at = version.first_created
    story.modified_at = max(version.effective_at, story.first_published_at)


def store_item(agency: Agency, item: WireItem, delivery: Delivery, now: datetime) -> Outcome:
    """Store one normalized item of `agency` in one transaction and say what it did.

    Repeat-safe: the same (agency, item id, version) again changes nothing.
    """
    if item.is_advisory:
        # Advisories are for the desk, never a story (DESIGN.md, lifecycle).
        log.info("advisory not published agency=%s item=%s", agency.slug, item.item_id)
        return Outcome("skipped", reason="advisory")
    try:
        with transaction.atomic():
            return _store(agency, item, delivery, now)
    except IntegrityError:
        # Another worker stored the same story or version between our read and
        # our write: the constraints kept one copy; ours is the repeat.
        with transaction.atomic():
            return _store(agency, item, delivery, now)


def _store(agency: Agency, item: WireItem, delivery: Delivery, now: datetime) -> Outcome:
    story = Story.objects.select_for_update().filter(agency=agency, item_id=item.item_id).first()
    fields = _version_fields(item, now)
    ids = f"agency={agency.slug} item={item.item_id} version={item.version}"
    if story is None:
        if _state_for(item) != Story.State.PUBLISHED:
            # A kill or withhold for a story we never had: nothing to show.
            log.warning("%s for unknown story, nothing published %s", item.pub_status, ids)
            return Outcome("skipped", reason=f"{item.pub_status} item for an unknown story")
        story = Story(
            agency=agency,
            item_id=item.item_id,
            first_published_at=item.first_created or fields["effective_at"],
            modified_at=fields["effective_at"],
        )
        version = StoryVersion(story=story, version=item.version, delivery=delivery, **fields)
        _make_current(story, version)
        story.version_count = 1
        story.save()
        version.story = story
        version.save()
        log.info("published story=%s %s", story.pk, ids)
        transaction.on_commit(
            lambda: signals.story_published.send(Story, story=story, version=version)
        )
        return Outcome("published", story, version)

    if StoryVersion.objects.filter(story=story, version=item.version).exists():
        return Outcome("unchanged", story)
    version = StoryVersion.objects.create(
        story=story, version=item.version, delivery=delivery, **fields
    )
    story.version_count += 1
    current = story.versions.exclude(pk=version.pk).order_by("-effective_at", "-id").first()
    if current is not None and version.effective_at < current.effective_at:
        # Out of order: kept for the record, but the newer text stays.
        story.save(update_fields=["version_count"])
        log.info("late version kept, not current story=%s %s", story.pk, ids)
        return Outcome("stored", story, version)

    state = _state_for(item)
    if state == Story.State.KILLED:
        story.state = state
        story.modified_at = max(fields["effective_at"], story.modified_at)
        story.save()
        log.warning("killed story=%s %s", story.pk, ids)
        transaction.on_commit(
            lambda: signals.story_killed.send(Story, story=story, version=version)
        )
        return Outcome("killed", story, version)
    if story.state == Story.State.KILLED:
        # A kill is final: the URL answers 410 forever (DESIGN.md).
        story.save(update_fields=["version_count"])
        return Outcome("stored", story, version, reason="story was killed")
    story.state = state
    _make_current(story, version)
    story.save()
    log.info("updated story=%s %s", story.pk, ids)
    transaction.on_commit(lambda: signals.story_updated.send(Story, story=story, version=version))
    return Outcome("updated", story, version)
