"""The wire's languages: the filter by a story's language and the choices it offers.

A story's language is its own, else the site's (docs/languages.md): a story
without one is in the site's language, and found under it.
"""

from __future__ import annotations

from collections.abc import Iterable

from babel import Locale, UnknownLocaleError
from django.conf import settings
from django.db.models import Q, QuerySet

from wiredesk.sources.models import Agency
from wiredesk.stories.models import StoryVersion


def primary(tag: str) -> str:
    """Return a language tag's primary subtag, lower-cased: "hi-IN" is "hi"."""
    return tag.replace("_", "-").split("-")[0].lower()


def story_language(language: str) -> str:
    """Return the language a story is in: its own, else the site's."""
    return language or settings.WIREDESK.site.language


def by_language(items: QuerySet[StoryVersion], tag: str) -> QuerySet[StoryVersion]:
    """Return the items whose story is in `tag` ("hi" takes "hi-IN" too, not "hif")."""
    tag = primary(tag)
    if not tag:
        return items
    match = Q(story__language__iexact=tag) | Q(story__language__istartswith=f"{tag}-")
    if primary(settings.WIREDESK.site.language) == tag:
        match |= Q(story__language="")
    return items.filter(match)


def name_of(tag: str) -> str:
    """Return a language's English name ("Hindi"), or its tag when CLDR does not know it."""
    try:
        return Locale.parse(tag.replace("-", "_")).english_name or tag
    except (UnknownLocaleError, ValueError):
        return tag


def choices(rows: Iterable[StoryVersion], chosen: str = "") -> list[tuple[str, str]]:
    """Return the (tag, name) the wire's language filter offers, by name.

    The site's language, the agencies' and those of the rows shown (and the
    one chosen): the languages the wire carries, without reading every story.
    """
    tags = {primary(settings.WIREDESK.site.language), primary(chosen)}
    tags.update(primary(tag) for tag in Agency.objects.values_list("language", flat=True))
    tags.update(primary(story_language(row.story.language)) for row in rows)
    return sorted(((tag, name_of(tag)) for tag in tags if tag), key=lambda pair: pair[1])
