"""Reads for stories. Every surface lists and finds stories through here, so no
surface can show what the lifecycle rules hide (killed, withheld, embargoed,
or a duplicate the site's policy does not show)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import Story, StoryLabel, StoryVersion
from .storage.labels import by_row, in_language, labelled, newer_than, older_than
from .storage.lists import changed_since, newest_change, with_agency_columns
from .storage.prepared import CompiledRows

__all__ = [
    "also_reported_by",
    "changed_since",
    "in_language",
    "in_language_by_row",
    "in_section",
    "in_section_by_row",
    "is_visible",
    "newer_than",
    "newest_change",
    "older_than",
    "story_for_page",
    "versions_of",
    "visible_filter",
    "visible_stories",
    "with_agency_columns",
    "with_topic",
    "with_topic_by_row",
]


def visible_filter(now: datetime | None = None) -> Q:
    """Return the condition for a story a reader may see at `now`."""
    now = now or timezone.now()
    # An embargoed story is visible the moment its embargo ends, even before
    # `release_embargoes` has run.
    # Written as "state IN (...) AND (...)" rather than one OR of two states: the
    # database then scans the state index once instead of building a set of
    # every matching row id in memory (SQLite's MULTI-INDEX OR; 24 MB at 1M stories).
    states = Q(state__in=[Story.State.PUBLISHED, Story.State.EMBARGOED])
    public = Q(state=Story.State.PUBLISHED) | Q(embargoed_until__lte=now)
    return states & public & Q(is_lead=True)


def is_visible(story: Story, now: datetime | None = None) -> bool:
    """Say whether a reader may see `story` at `now`: `visible_filter` for one loaded row.

    The two must agree (tests/test_selectors.py checks every state); this one
    saves a second query on the story page.
    """
    now = now or timezone.now()
    public = story.state == Story.State.PUBLISHED or (
        story.state == Story.State.EMBARGOED
        and story.embargoed_until is not None
        and story.embargoed_until <= now
    )
    return public and story.is_lead


def visible_stories(now: datetime | None = None) -> QuerySet[Story]:
    """Return the stories a reader may see now, newest first."""
    return (
        Story.objects.filter(visible_filter(now))
        .select_related("agency")
        .order_by("-first_published_at", "-id")
    )


_story_rows = CompiledRows(
    lambda pk: Story.objects.select_related("agency").filter(pk=pk).order_by()
)


def story_for_page(pk: int, now: datetime | None = None) -> tuple[Story | None, str]:
    """Return (story, status): status is "ok", "gone" (killed) or "missing"."""
    story = next(iter(_story_rows.objects(pk)), None)
    if story is None:
        return None, "missing"
    if story.state == Story.State.KILLED:
        return story, "gone"
    return (story, "ok") if is_visible(story, now) else (None, "missing")


def also_reported_by(story: Story, now: datetime | None = None) -> list[Story]:
    """Return the other stories of a story's near-duplicate group that are not killed or hidden."""
    if not story.group_id:
        return []
    now = now or timezone.now()
    public = Q(state=Story.State.PUBLISHED) | Q(
        state=Story.State.EMBARGOED, embargoed_until__lte=now
    )
    return list(
        Story.objects.filter(public, group_id=story.group_id)
        .exclude(pk=story.pk)
        .select_related("agency")
        .order_by("first_published_at")
    )


def versions_of(story: Story) -> list[StoryVersion]:
    """Return a story's versions in the agency's order, with their deliveries' hashes.

    Without their texts: what changed between them is read from the kept diffs.
    """
    return list(
        story.versions.select_related("delivery")
        .only(
            "version",
            "received_at",
            "effective_at",
            "pub_status",
            "signal",
            "headline",
            "text_sha256",
            "delivery__sha256",
            "story_id",
            "edit_reason",
        )
        .order_by("effective_at", "id")
    )


def with_topic(stories: QuerySet[Story], topic: str) -> QuerySet[Story]:
    """Return the stories of `stories` filed under a topic slug ("world"), newest first
    through the topic's own index (storage/labels.py)."""
    return labelled(stories, StoryLabel.Kind.TOPIC, topic)


def in_section(stories: QuerySet[Story], section: str) -> QuerySet[Story]:
    """Return the stories of `stories` routed into (or put in by an editor) a section slug,
    newest first through the section's own index."""
    return labelled(stories, StoryLabel.Kind.SECTION, section)


def with_topic_by_row(topic: str) -> Q:
    """Return the condition that a story is filed under `topic`, on its own row (for reads
    another index leads, such as the recent kills')."""
    return by_row(StoryLabel.Kind.TOPIC, topic)


def in_section_by_row(section: str) -> Q:
    """Return the condition that a story is in `section`, on its own row."""
    return by_row(StoryLabel.Kind.SECTION, section)


def in_language_by_row(language: str) -> Q:
    """Return the condition that a story's language has the primary subtag `language`
    ("hi": "hi", "hi-IN", not "hif"), on its own row."""
    return by_row(StoryLabel.Kind.LANGUAGE, language)
