"""The desk's own words that name machine values (hand actions, story states, lifecycle
events), and where a kill takes a story from.

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


# What a lifecycle event is, shown in the audit log and a story's log (stories/models.py
# LifecycleEvent.Kind), by kind.
EVENTS: dict[str, Promise] = {
    "killed": pgettext_lazy("desk", "killed"),
    "withheld": pgettext_lazy("desk", "withheld"),
    "restored": pgettext_lazy("desk", "restored"),
    "embargo_ended": pgettext_lazy("desk", "embargo ended"),
    "quarantined": pgettext_lazy("desk", "quarantined"),
    "corrected": pgettext_lazy("desk", "corrected"),
    "held": pgettext_lazy("desk", "agency version held"),
    "accepted": pgettext_lazy("desk", "agency version accepted"),
    "rejected": pgettext_lazy("desk", "agency version rejected"),
    "grouped": pgettext_lazy("desk", "grouped as a near-duplicate"),
    "on_hold": pgettext_lazy("desk", "held for an editor"),
    "released": pgettext_lazy("desk", "released"),
    "paused": pgettext_lazy("desk", "feed paused"),
    "resumed": pgettext_lazy("desk", "feed resumed"),
    "retried": pgettext_lazy("desk", "quarantine retried"),
    "dismissed": pgettext_lazy("desk", "quarantine dismissed"),
    "configured": pgettext_lazy("desk", "feed settings changed"),
    "sectioned": pgettext_lazy("desk", "sections set by an editor"),
    "translated": pgettext_lazy("desk", "linked as a translation"),
}
# Where a killed story disappears from (docs/lifecycle.md): the kill's confirmation lists them.
KILL_SURFACES: tuple[Promise, ...] = (
    pgettext_lazy("desk", "its page, which answers 410 Gone for good, and its versions page"),
    pgettext_lazy("desk", "the home page, its agency's, sections' and topics' lists"),
    pgettext_lazy(
        "desk",
        "the RSS, Atom and JSON feeds (Atom readers get a tombstone) and the sitemaps",
    ),
    pgettext_lazy("desk", "the site's search"),
    pgettext_lazy(
        "desk",
        "the API (a tombstone at its address) and the apps, by the story.killed webhook",
    ),
    pgettext_lazy("desk", "search engines, told by IndexNow; the CDN's copies, purged"),
)


def action_word(action: str) -> str:
    """Return the button's word for a hand action ("Release"), else the action capitalised."""
    word = ACTIONS.get(action)
    return str(word) if word is not None else action[:1].upper() + action[1:]


def state_word(state: str) -> str:
    """Return the word shown for a story's state ("published"), else the state itself."""
    word = STATES.get(state)
    return str(word) if word is not None else state


def event_word(kind: str) -> str:
    """Return what a lifecycle event of `kind` is, as the log says it ("feed paused"),
    else the kind itself."""
    word = EVENTS.get(kind)
    return str(word) if word is not None else kind


def desk_words_language() -> str:
    """Return the language the desk's own words are in now: the active one where its
    catalogue translates them (its heading "Wire" as the sign), else English."""
    active = translation.get_language() or "en"
    if active.split("-")[0].lower() == "en":
        return active
    translated = translation.pgettext("desk", "Wire") != "Wire"
    return active if translated else "en"
