"""Editions: the site in several languages, each at its own address.

`[site] language` is the main edition, at `/`; each of `[site] editions`
("hi", "mr") is another, at `/hi/`, with its own home, agency, section and
topic pages, feeds and sitemaps. An edition lists the stories in its
language; the main edition lists every story no other edition takes (its own
language's, and those of a language without an edition), so no story is
listed nowhere. A story keeps its one address, `/story/<id>/<slug>/`: its
page's own words are in its edition's language.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import register_converter
from django.utils import translation

from wiredesk.stories.models import Story
from wiredesk.stories.selectors import in_language, in_language_by_row, visible_stories


def editions() -> tuple[str, ...]:
    """Return the languages of the editions beside the main one ("hi", "mr")."""
    main = primary(settings.WIREDESK.site.language)
    return tuple(tag for tag in settings.WIREDESK.site.editions if tag != main)


def primary(tag: str) -> str:
    """Return a language tag's primary subtag, lower-cased: "hi-IN" is "hi"."""
    return tag.replace("_", "-").split("-")[0].lower()


def edition_of(language: str) -> str:
    """Return the edition a story in `language` is listed in: its language, or "" (main)."""
    tag = primary(language) if language else ""
    return tag if tag in editions() else ""


def edition_language(edition: str) -> str:
    """Return the language an edition's pages are in ("" is the main edition)."""
    return edition or settings.WIREDESK.site.language


def prefix(edition: str) -> str:
    """Return where an edition's pages start: "/hi/", or "/" for the main edition."""
    return f"/{edition}/" if edition else "/"


def in_edition(stories: QuerySet[Story], edition: str) -> QuerySet[Story]:
    """Return the stories of `stories` an edition lists (see the module's docstring).

    Another edition's list reads its language's own index (stories/storage/labels.py);
    the main edition's, every story but theirs, walks the newest first.
    """
    return in_scope(stories, scope(edition))


def scope(edition: str) -> tuple[str, ...]:
    """Return what `in_edition` filters by, as a key: ("hi",), or ("-", "hi", ...) for the main."""
    if edition:
        return (edition,)
    others = editions()
    return ("-", *others) if others else ()


def in_scope(stories: QuerySet[Story], key: tuple[str, ...]) -> QuerySet[Story]:
    """Return `stories` filtered as `scope` said (the feeds' compiled reads key on it)."""
    if not key:
        return stories
    if key[0] != "-":
        # "hi", "hi-IN", in any case; not "hif" (Fiji Hindi), a language of its own.
        return in_language(stories, key[0])
    return in_scope_by_row(stories, key)


def visible_in_scope_by_row(key: tuple[str, ...], moment: datetime) -> QuerySet[Story]:
    """Return the stories a reader may see at `moment` in the scope `key` (`scope`'s),
    filtered on their own rows: for a read that finds them by their keys (a search's
    candidates), which a join to the labels would only cost."""
    return in_scope_by_row(visible_stories(moment), key)


def in_scope_by_row(stories: QuerySet[Story], key: tuple[str, ...]) -> QuerySet[Story]:
    """Return `stories` filtered as `scope` said, on the stories' own rows: for a read
    another index leads (the recent kills, by their time)."""
    if not key:
        return stories
    if key[0] != "-":
        return stories.filter(in_language_by_row(key[0]))
    excluded = Q()
    for tag in key[1:]:
        excluded |= in_language_by_row(tag)
    return stories.exclude(excluded)


def home_alternates() -> list[tuple[str, str]]:
    """Return (hreflang, address) of every edition's home, the main one first."""
    url = settings.WIREDESK.site.url
    main = settings.WIREDESK.site.language
    return [(main, f"{url}/")] + [(tag, f"{url}/{tag}/") for tag in editions()]


class EditionConverter:
    """An edition's language in an address ("hi"): only the configured ones match."""

    regex = "[a-z]{2,3}"

    def to_python(self, value: str) -> str:
        if value not in editions():
            raise ValueError(value)  # not an edition: the next address pattern is tried
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(EditionConverter, "edition")


def in_language_of(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Render an edition's page in its language: `request.edition`, and Django's translations."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, edition: str = "", **kwargs: Any) -> HttpResponse:
        request.edition = edition  # type: ignore[attr-defined]
        with translation.override(edition_language(edition)):
            return view(request, *args, **kwargs)

    return wrapper
