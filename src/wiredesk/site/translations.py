"""One story in several languages: its versions linked, and the hreflang alternates they give.

An agency's English and Hindi services send one story twice; when both items
carry the same alternative identifier (a ninjs `altids` entry), or an editor
says so on the desk, the two stories join one group (site.models.StoryTranslation),
and each story's page names the others with `<link rel="alternate" hreflang>`.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import transaction

from wiredesk.stories.models import Story
from wiredesk.stories.selectors import visible_stories

from .cache import bump_generation
from .models import StoryIdentifier, StoryTranslation
from .per_generation import PerGeneration

MAX_IDENTIFIERS = 20  # an item's altids; more is not an agency's bookkeeping

# Whether any story is in a group, for the content generation: most sites have
# none, and every story page would read its group for nothing.
_any_group: PerGeneration[bool] = PerGeneration(max_keys=1)


def link(first: Story, second: Story, linked_by: str) -> list[int]:
    """Put two stories in one translation group; return the ids of every story in it.

    Their groups merge when both are in one already. Every page of the group
    shows the others: the page cache is renewed once this commits, and the
    caller purges the stories' pages from a CDN.
    """
    with transaction.atomic():
        rows = {
            row.story_id: row
            for row in StoryTranslation.objects.select_for_update().filter(
                story_id__in=[first.pk, second.pk]
            )
        }
        groups = {row.group for row in rows.values()}
        group = min(groups) if groups else min(first.pk, second.pk)
        _any_group.forget()  # here at once; other processes when the commit moves the generation
        StoryTranslation.objects.filter(group__in=groups).exclude(group=group).update(group=group)
        for story in (first, second):
            if story.pk not in rows:
                StoryTranslation.objects.create(story=story, group=group, linked_by=linked_by)
        transaction.on_commit(bump_generation)
        return list(StoryTranslation.objects.filter(group=group).values_list("story_id", flat=True))


def unlink(story: Story) -> list[int]:
    """Take a story out of its group; return the ids of the group's stories before."""
    row = StoryTranslation.objects.filter(story=story).first()
    if row is None:
        return []
    members = list(
        StoryTranslation.objects.filter(group=row.group).values_list("story_id", flat=True)
    )
    row.delete()
    _any_group.forget()
    if len(members) == 2:  # the other is left with no translation: no group either
        StoryTranslation.objects.filter(group=row.group).delete()
    transaction.on_commit(bump_generation)
    return members


def keep_identifiers(story: Story, values: Iterable[str]) -> list[int]:
    """Keep an agency's identifiers of `story`, and link it to each story in another language
    that has one of them; return the ids of the stories whose pages changed."""
    values = list(dict.fromkeys(value[:255] for value in values if value))[:MAX_IDENTIFIERS]
    if not values:
        return []
    StoryIdentifier.objects.bulk_create(
        [StoryIdentifier(story=story, value=value) for value in values], ignore_conflicts=True
    )
    others = (
        Story.objects.filter(
            pk__in=StoryIdentifier.objects.filter(value__in=values)
            .exclude(story=story)
            .values("story_id")
        )
        .exclude(language__iexact=story.language)
        .order_by("pk")[:MAX_IDENTIFIERS]
    )
    changed: list[int] = []
    for other in others:
        changed = link(other, story, StoryTranslation.LinkedBy.AGENCY)
    return changed


def translations_of(story: Story) -> list[Story]:
    """Return the readable stories of `story`'s group, itself left out, by language."""
    # By primary key: most stories have no group, and pay this one read.
    group = StoryTranslation.objects.filter(story_id=story.pk).values_list("group", flat=True)
    if not (found := list(group)):
        return []
    ids = StoryTranslation.objects.filter(group=found[0]).exclude(story_id=story.pk)
    others = (
        visible_stories()
        .filter(pk__in=list(ids.values_list("story_id", flat=True)[:MAX_IDENTIFIERS]))
        .order_by()
        .only("pk", "slug", "language", "headline", "agency__name")
    )
    return sorted(others, key=lambda other: (other.language, other.pk))


def any_group() -> bool:
    """Say whether any story is in a translation group (kept for the content generation:
    `link` and `unlink` move it when they commit)."""
    return _any_group.get(None, StoryTranslation.objects.exists)


def alternates(story: Story) -> list[tuple[str, str]]:
    """Return (hreflang, address) of a story's page and its translations, and x-default.

    Nothing for a story with none, and no read for it while no story has any.
    x-default is the version in the site's main language, else this one; one
    alternate per language (the first linked).
    """
    if not any_group():
        return []
    return alternates_of([story]).get(story.pk, [])


def alternates_of(stories: Iterable[Story]) -> dict[int, list[tuple[str, str]]]:
    """Return `alternates` of each of these stories that has translations, in three reads
    whatever their number (a sitemap's file of thousands)."""
    by_pk = {story.pk: story for story in stories}
    rows = StoryTranslation.objects.filter(story_id__in=list(by_pk))
    group_of = dict(rows.values_list("story_id", "group"))
    if not group_of:
        return {}
    members = StoryTranslation.objects.filter(group__in=set(group_of.values()))
    in_group = dict(members.values_list("story_id", "group"))
    readable = (
        visible_stories()
        .filter(pk__in=list(in_group))
        .order_by()
        .only("pk", "slug", "language", "agency_id")
    )
    grouped: dict[int, list[Story]] = {}
    for other in sorted(readable, key=lambda other: (other.language, other.pk)):
        grouped.setdefault(in_group[other.pk], []).append(other)
    site = settings.WIREDESK.site
    found = {}
    for pk, group in group_of.items():
        story = by_pk[pk]
        others = [other for other in grouped.get(group, []) if other.pk != pk]
        if named := _named(story, site.url + story.get_absolute_url(), others):
            found[pk] = named
    return found


def _named(story: Story, url: str, others: list[Story]) -> list[tuple[str, str]]:
    if not others:
        return []
    site = settings.WIREDESK.site
    found = {story.language or site.language: url}
    for other in others:
        found.setdefault(other.language or site.language, site.url + other.get_absolute_url())
    default = next(
        (address for tag, address in found.items() if tag.split("-")[0] == site.language), url
    )
    return [*found.items(), ("x-default", default)]
