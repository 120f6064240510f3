"""Template filters of the desk's own words: an action's button, a state's or an event's word,
where a kill takes a story, and their `lang`."""

from __future__ import annotations

from django import template

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


@register.filter
def event_word(kind: str) -> str:
    """Return what a lifecycle event of `kind` is, in the desk's language."""
    return words.event_word(kind)


@register.simple_tag
def kill_surfaces() -> list[str]:
    """Return where a killed story disappears from, in the desk's language."""
    return [str(surface) for surface in words.KILL_SURFACES]


@register.simple_tag
def desk_words_language() -> str:
    """Return the `lang` of the desk's own words (desk/words.py)."""
    return words.desk_words_language()
