"""Template filters of the desk's own words: an action's button, a state's word, their `lang`."""

from __future__ import annotations

from django import template
from django.template import Context
from django.utils.safestring import mark_safe

from .. import words

register = template.Library()


@register.filter
def action_word(action: str) -> str:
    """Return the word on a hand action's button, in the desk's language."""
    return words.action_word(action)


@register.filter
def state_word(state: str) -> str:
    """Return the word shown for a story's state, in the desk's language."""
    return words.state_word(state)


@register.simple_tag
def desk_words_language() -> str:
    """Return the `lang` of the desk's own words (desk/words.py)."""
    return words.desk_words_language()


@register.simple_tag(takes_context=True)
def desk_page_lang(context: Context) -> str:
    """Return ` lang="en"` for a page whose words are not translated yet, else nothing."""
    page = getattr(context.template, "name", "") or ""
    return mark_safe(' lang="en"') if words.page_in_english(page) else ""
