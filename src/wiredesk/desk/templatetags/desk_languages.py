"""Template filters of the desk: the language of a story's words, said on its headline."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from wiredesk.site.languages import direction

from ..language_choice import choices
from ..wire_languages import name_of, story_language

register = template.Library()


@register.filter
def story_lang(language: str) -> str:
    """Return ` lang=".."` (and ` dir="rtl"` for a language written from the right) for the
    words of a story in `language` (the site's when it has none)."""
    tag = story_language(language)
    if direction(tag) == "rtl":
        return format_html(' lang="{}" dir="rtl"', tag)
    return format_html(' lang="{}"', tag)


@register.filter
def language_name(language: str) -> str:
    """Return the English name of a story's language ("Hindi")."""
    return name_of(story_language(language))


@register.filter
def language_tag(language: str) -> str:
    """Return a story's language tag: its own, else the site's."""
    return story_language(language)


@register.simple_tag
def desk_languages() -> list[tuple[str, str]]:
    """Return the languages an editor may choose for the desk (desk/language_choice.py)."""
    return choices()
