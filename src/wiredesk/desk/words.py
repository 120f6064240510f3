"""The desk's own words that name machine values: hand actions and story states.

The values stay English in forms, addresses and CSS classes; only the words
shown for them are translated (context "desk"), so a Hindi desk posts
`action=release` under a button that says "जारी करें".
"""

from __future__ import annotations

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

# The buttons of the hand actions (stories/hand_actions.py), by action.
ACTIONS: dict[str, Promise] = {
    "kill": pgettext_lazy("desk action", "Kill"),
    "withhold": pgettext_lazy("desk action", "Withhold"),
    "restore": pgettext_lazy("desk action", "Restore"),
    "hold": pgettext_lazy("desk action", "Hold"),
    "release": pgettext_lazy("desk action", "Release"),
    "correct": pgettext_lazy("desk action", "Correct"),
}
# A story's state shown as a word (stories/rules.py), and the wire's "duplicate" filter.
STATES: dict[str, Promise] = {
    "published": pgettext_lazy("story state", "published"),
    "held": pgettext_lazy("story state", "held"),
    "embargoed": pgettext_lazy("story state", "embargoed"),
    "withheld": pgettext_lazy("story state", "withheld"),
    "killed": pgettext_lazy("story state", "killed"),
    "duplicate": pgettext_lazy("story state", "duplicate"),
}


def action_word(action: str) -> str:
    """Return the button's word for a hand action ("Release"), else the action capitalised."""
    word = ACTIONS.get(action)
    return str(word) if word is not None else action[:1].upper() + action[1:]


def state_word(state: str) -> str:
    """Return the word shown for a story's state ("published"), else the state itself."""
    word = STATES.get(state)
    return str(word) if word is not None else state


def desk_words_language() -> str:
    """Return the language the desk's own words are in now: the active one where its
    catalogue translates them (its heading "Wire" as the sign), else English."""
    active = translation.get_language() or "en"
    if active.split("-")[0].lower() == "en":
        return active
    translated = translation.pgettext("desk", "Wire") != "Wire"
    return active if translated else "en"


# The desk's pages whose own words are marked; the others (audit, quarantine, alerts,
# kill) are English still, said so on their <main> when the header is not.
TRANSLATED_PAGES = frozenset(
    {"desk/wire.html", "desk/story.html", "desk/feeds.html", "desk/language.html"}
)


def page_in_english(page: str) -> bool:
    """Say whether a desk page's own words are English under a header in another language."""
    return page not in TRANSLATED_PAGES and desk_words_language().split("-")[0] != "en"
