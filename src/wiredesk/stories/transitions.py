"""The lifecycle's transitions, shared by every actor: an agency's delivery, an
embargo's end, an editor (`editorial.py`). Each carries out what the rules
(`rules.py`) decided, changes a story the same way, and announces it with the
one signal every surface listens to."""

from __future__ import annotations

import logging
from datetime import datetime
from functools import lru_cache

from . import rules, signals
from .duplicates import elect_lead
from .models import Story, StoryVersion
from .slugs import slug_of, topic_slug
from .storage import Batch, search_index

log = logging.getLogger("wiredesk.stories")

# Text fields a version copies onto its story when it becomes current.
CURRENT_FIELDS = (
    "headline",
    "slugline",
    "byline",
    "dateline",
    "located",
    "language",
    "teaser",
    "body_html",
    "body_text",
    "subjects",
    "keywords",
    "link",
    "embargoed_until",
)


def state_for(version: StoryVersion, now: datetime) -> str:
    """Return the state a version alone gives its story now (withheld, embargoed or published)."""
    return rules.version_state(version.pub_status, version.embargoed_until, now)


def newest_agency_version(story: Story) -> StoryVersion | None:
    """Return the newest version the agency sent (by its clock), never the desk's own."""
    return story.versions.exclude(delivery=None).order_by("-effective_at", "-id").first()


def known_of(story: Story, newest: StoryVersion | None, now: datetime) -> rules.Known:
    """Return what the rules need of a stored story, `newest` its agency's newest version."""
    return rules.Known(
        release_at=story.release_at,
        state=story.state,
        held_by_desk=story.held_by_desk,
        held_for_editor=story.held_for_editor,
        corrected_by_desk=story.corrected_by_desk,
        newest_at=newest.effective_at if newest is not None else None,
        newest_state=state_for(newest, now) if newest is not None else rules.PUBLISHED,
    )


def make_current(story: Story, version: StoryVersion, now: datetime) -> None:
    """Show `version` as the story: copy its text and derive the rest."""
    for name in CURRENT_FIELDS:
        setattr(story, name, getattr(version, name))
    derive(story, version, now)


def derive(story: Story, version: StoryVersion, now: datetime) -> None:
    """Set what a story derives from its current version: slug, topics, dates, state."""
    story.slug = slug_of(version.headline)
    story.topics = topics_of(version.subjects)
    story.is_correction = version.signal == "correction" or story.is_correction
    if version.first_created and version.first_created < story.first_published_at:
        story.first_published_at = version.first_created
    if story.embargoed_until and story.embargoed_until > story.first_published_at:
        # Public from the end of its embargo: that is when it was published.
        story.first_published_at = story.embargoed_until
    story.modified_at = max(version.effective_at, story.first_published_at)
    # An editor's hand outlasts whatever the agency sends next.
    story.state = rules.shown_state(
        state_for(version, now), story.held_by_desk, story.held_for_editor
    )
    mark_public(story, now)


def mark_public(story: Story, now: datetime) -> None:
    """Note when a story first went public on this site (the desk's latency)."""
    if story.state == Story.State.PUBLISHED and story.published_at is None:
        story.published_at = now


def topics_of(subjects: list[dict]) -> str:
    """Return the topic slugs of a story's subjects as "|slug|slug|" (empty when none)."""
    return _topics(tuple(s.get("name") or "" for s in subjects))


@lru_cache(maxsize=4096)  # an agency's stories share a few hundred subject sets
def _topics(names: tuple[str, ...]) -> str:
    slugs = sorted({topic_slug(name) for name in names if name} - {""})
    return f"|{'|'.join(slugs)}|" if slugs else ""


def announce_story(change: str, story: Story) -> None:
    """Announce one story's change once the transaction commits."""
    signals.announce([story], change)


def kill_story(
    story: Story, version: StoryVersion | None, now: datetime, why: str, batch: Batch | None = None
) -> None:
    """Kill a story for good: off every surface, its group's lead elected anew."""
    if story.state == Story.State.KILLED:
        return
    story.state = Story.State.KILLED
    story.killed_at = now
    story.save()
    search_index.remove(story, batch)
    log.warning(
        "killed story=%s agency=%s item=%s: %s", story.pk, story.agency.slug, story.item_id, why
    )
    if story.group_id:
        elect_group_lead(story.group_id)
    announce_story("killed", story)


def elect_group_lead(group_id: int) -> None:
    """Elect a group's lead anew after one of its stories changed; announce the stories
    that lead it now and are public (readers see them where they saw another)."""
    for changed in elect_lead(group_id):
        if changed.is_lead and changed.state == Story.State.PUBLISHED:
            announce_story("published", changed)
