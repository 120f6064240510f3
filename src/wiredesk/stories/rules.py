"""The lifecycle's rules as plain functions: given what is known of a story and
what arrives or is asked, say what happens.

Nothing here reads or writes a database, or imports Django (an import contract
in pyproject.toml says so): `services.py` and `new_stories.py` (an agency's
items), `editorial.py` (an editor's hand) and `duplicates.py` (groups) gather
the facts, ask these functions, and carry out the answer. tests/test_rules.py runs them alone.

The rules (docs/design.md, lifecycle; docs/lifecycle.md):

- An item that is `canceled`, or carries a kill signal, kills its story for
  good; a kill that comes before its story is kept, so the story never shows.
- Advisories and editor notes never become stories.
- The same (story, version) again changes nothing.
- The newest version by the agency's own clock is shown; one arriving late is
  kept, not shown. A killed story stays killed whatever comes after.
- A version that is `withheld` hides the story; one under embargo waits for
  its end.
- An editor outranks the agency: a story the desk withheld stays withheld, one
  the desk holds stays held, and a story the desk corrected keeps the desk's
  words, with the agency's later versions kept for an editor to accept.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

# A story's states, as stored in Story.state.
EMBARGOED = "embargoed"  # waits for its embargo to end
PUBLISHED = "published"  # on every surface
WITHHELD = "withheld"  # off every surface, by the agency or the desk
HELD = "held"  # not yet public: waits for an editor to release it
KILLED = "killed"  # gone for good: 410 forever


def kills(pub_status: str, signal: str | None) -> bool:
    """Return True when an item with this status and signal kills its story."""
    return pub_status == "canceled" or signal == "kill"


def version_state(pub_status: str, embargoed_until: datetime | None, now: datetime) -> str:
    """Return the state a version alone gives its story now: withheld, embargoed or published."""
    if pub_status == "withheld":
        return WITHHELD
    if embargoed_until is not None and embargoed_until > now:
        return EMBARGOED
    return PUBLISHED


def shown_state(of_version: str, held_by_desk: bool, held_for_editor: bool) -> str:
    """Return a story's state from its version's, with the desk's hands on top."""
    if held_by_desk:
        return WITHHELD
    if held_for_editor:
        return HELD
    return of_version


@dataclass(frozen=True)
class Known:
    """What is stored of a story, as the rules need it."""

    state: str
    held_by_desk: bool = False
    held_for_editor: bool = False
    corrected_by_desk: bool = False
    # The agency's newest stored version: its time, and the state it gives alone.
    newest_at: datetime | None = None
    newest_state: str = PUBLISHED
    # Held by a publishing delay: released then, unless an editor holds it.
    release_at: datetime | None = None


@dataclass(frozen=True)
class Incoming:
    """What an agency's item says of its story, as the rules need it."""

    pub_status: str
    signal: str | None
    is_advisory: bool
    effective_at: datetime
    embargoed_until: datetime | None = None


class Step(StrEnum):
    """What storing an item does."""

    KILL = "kill"  # kill the story (and whatever a notice's words name)
    SKIP = "skip"  # store nothing: an advisory
    CREATE = "create"  # a new story, in `Decision.state`
    REPEAT = "repeat"  # this version is stored already: nothing changes
    KEEP = "keep"  # store the version; the story shows what it showed
    KEEP_FOR_EDITOR = "keep_for_editor"  # store it for an editor; the story may change state
    SHOW = "show"  # store the version and show it


@dataclass(frozen=True)
class Decision:
    """The answer of a rule: what to do, the story's state afterwards, and why."""

    step: str
    state: str = ""
    reason: str = ""


def decide_item(
    known: Known | None,
    item: Incoming,
    now: datetime,
    *,
    version_stored: bool = False,
    killed_in_advance: bool = False,
) -> Decision:
    """Decide what an agency's item does to the story it names (`known`: None when new)."""
    if kills(item.pub_status, item.signal):
        return Decision(Step.KILL, KILLED, f"{item.pub_status}/{item.signal}")
    if item.is_advisory:
        return Decision(Step.SKIP, reason="advisory")
    state = version_state(item.pub_status, item.embargoed_until, now)
    if known is None:
        if killed_in_advance:
            return Decision(Step.CREATE, KILLED, "killed before it arrived")
        return Decision(Step.CREATE, state)
    if version_stored:
        return Decision(Step.REPEAT, known.state)
    if known.state == KILLED:
        return Decision(Step.KEEP, KILLED, "a kill is final")
    newest = known.newest_at is None or item.effective_at >= known.newest_at
    if known.corrected_by_desk:
        # Its status is obeyed at once (a withheld or embargoed version hides
        # the story, a usable one shows it again); its words wait.
        after = shown_state(state, known.held_by_desk, known.held_for_editor)
        return Decision(
            Step.KEEP_FOR_EDITOR,
            after if newest else known.state,
            "held for an editor: the desk's correction stands",
        )
    if not newest:
        return Decision(Step.KEEP, known.state, "older than the version shown")
    return Decision(Step.SHOW, shown_state(state, known.held_by_desk, known.held_for_editor))


class Action(StrEnum):
    """What an editor can do to a story by hand."""

    KILL = "kill"
    WITHHOLD = "withhold"
    RESTORE = "restore"
    HOLD = "hold"
    RELEASE = "release"
    CORRECT = "correct"
    ACCEPT = "accept"
    REJECT = "reject"


# Hand actions that must say why (kept in the lifecycle log): each takes words
# off the site, keeps them from it, or changes them.
REASON_REQUIRED = frozenset(
    {
        Action.KILL,
        Action.WITHHOLD,
        Action.HOLD,
        Action.CORRECT,
        Action.RESTORE,
        Action.ACCEPT,
        Action.REJECT,
    }
)


@dataclass(frozen=True)
class HandDecision:
    """Whether a hand action applies to a story, and the story afterwards."""

    applies: bool
    known: Known
    reason: str = ""  # why it does not apply


def decide_hand(action: str, known: Known) -> HandDecision:
    """Decide what an editor's `action` does to a story; `known.newest_state` is its agency's."""
    if known.state == KILLED:
        same = action == Action.KILL
        return HandDecision(False, known, "already killed" if same else "a kill is final")
    match action:
        case Action.KILL:
            return HandDecision(True, replace(known, state=KILLED))
        case Action.WITHHOLD:
            if known.held_by_desk:
                return HandDecision(False, known, "already withheld by the desk")
            return HandDecision(True, replace(known, held_by_desk=True, state=WITHHELD))
        case Action.RESTORE:
            if not known.held_by_desk:
                return HandDecision(False, known, "not withheld by the desk")
            return _recompute(replace(known, held_by_desk=False))
        case Action.HOLD:
            if known.held_for_editor and known.release_at is not None:
                # Held for a publishing delay: an editor stops the clock.
                return HandDecision(True, replace(known, release_at=None))
            if known.held_for_editor:
                return HandDecision(False, known, "already held")
            if known.state == PUBLISHED:
                return HandDecision(False, known, "already public: withhold it instead")
            if known.held_by_desk:
                return HandDecision(False, known, "withheld by the desk: restore it first")
            return HandDecision(True, replace(known, held_for_editor=True, state=HELD))
        case Action.RELEASE:
            if not known.held_for_editor:
                return HandDecision(False, known, "not held")
            return _recompute(replace(known, held_for_editor=False, release_at=None))
        case Action.CORRECT:
            return HandDecision(True, replace(known, corrected_by_desk=True))
        case Action.ACCEPT | Action.REJECT:
            if not known.corrected_by_desk:
                return HandDecision(False, known, "no correction of the desk's")
            if action == Action.REJECT:
                return HandDecision(True, known)
            return _recompute(replace(known, corrected_by_desk=False))
    raise ValueError(f"unknown action {action!r} (known: {', '.join(Action)})")


def _recompute(known: Known) -> HandDecision:
    state = shown_state(known.newest_state, known.held_by_desk, known.held_for_editor)
    return HandDecision(True, replace(known, state=state))


@dataclass(frozen=True)
class Route:
    """One routing rule: a story goes into `section` when it matches `kind` and `value`."""

    section: str  # the section's slug
    kind: str  # "feed", "agency", "subject", "keyword" or "headline"
    value: str


@dataclass(frozen=True)
class Policy:
    """What a feed's configuration says of each new story: hold it or not, and where it goes."""

    mode: str = "auto"  # "auto", "hold" (every story), "delay" (publish after `delay`)
    delay: timedelta = timedelta(minutes=10)
    hold_urgency: int | None = None  # hold stories this urgent or more (1 = flash)
    hold_words: tuple[str, ...] = ()  # hold stories whose keywords or subjects include one
    feed: str = ""  # the feed's slug, for routing
    agency: str = ""  # its agency's slug
    routes: tuple[Route, ...] = ()  # the site's routing rules


_WORD = re.compile(r"\w+")


def route(
    routes: Sequence[Route],
    feed: str,
    agency: str,
    subjects: Sequence[dict],
    keywords: Sequence[str],
    headline: str,
) -> str:
    """Return the sections a story is routed into, as "|slug|slug|" ("" for none).

    A section takes the story when any one of its rules matches; names, codes,
    keywords and headline words match whatever their case.
    """
    codes = {str(s.get(k) or "").casefold() for s in subjects for k in ("code", "name")} - {""}
    words = {k.casefold() for k in keywords}
    in_headline = {w.casefold() for w in _WORD.findall(headline)}
    matched = set()
    for rule in routes:
        value = rule.value.strip().casefold()
        if not value or rule.section in matched:
            continue
        hit = _matches(
            rule.kind, value, feed.casefold(), agency.casefold(), codes, words, in_headline
        )
        if hit:
            matched.add(rule.section)
    return f"|{'|'.join(sorted(matched))}|" if matched else ""


def _matches(
    kind: str,
    value: str,
    feed: str,
    agency: str,
    codes: set[str],
    words: set[str],
    in_headline: set[str],
) -> bool:
    if kind == "feed":
        return value == feed
    if kind == "agency":
        return value == agency
    if kind == "subject":
        return value in codes
    if kind == "keyword":
        return value in words
    if kind == "headline":
        return set(_WORD.findall(value)) <= in_headline
    return False


@dataclass(frozen=True)
class Hold:
    """What a policy says of a new story: held or not, until when (None: an editor), and why."""

    held: bool
    release_at: datetime | None = None
    reason: str = ""


def policy_hold(policy: Policy, urgency: int | None, words: Sequence[str], now: datetime) -> Hold:
    """Say whether a new story is held for an editor under its feed's policy.

    `words`: its keywords and subject names. A rule that holds for an editor
    (urgency, a word) outranks a delay; matching words ignore case.
    """
    if policy.hold_urgency is not None and urgency is not None and urgency <= policy.hold_urgency:
        return Hold(True, None, f"urgency {urgency}: held for an editor by the feed's policy")
    wanted = {word.casefold() for word in policy.hold_words}
    found = sorted({word for word in words if word.casefold() in wanted})
    if found:
        return Hold(True, None, f"{', '.join(found)}: held for an editor by the feed's policy")
    if policy.mode == "hold":
        return Hold(True, None, "the feed holds every new story for an editor")
    if policy.mode == "delay":
        minutes = int(policy.delay.total_seconds() // 60)
        return Hold(True, now + policy.delay, f"published after {minutes} minutes unless held")
    return Hold(False)


def words_name_story(notice: str, item_id: str, slugline: str, headline: str) -> bool:
    """Return True when a kill notice's words name a story by its id, slugline or headline.

    A slugline must stand as a word of its own; a headline, whole and of four
    words or more (shorter ones are found in too many notices by chance).
    """
    lowered = notice.lower()
    if item_id.lower() in lowered:
        return True
    if slugline and re.search(rf"(?<![\w-]){re.escape(slugline.lower())}(?![\w-])", lowered):
        return True
    return len(headline.split()) >= 4 and headline.lower() in lowered


@dataclass(frozen=True)
class Member:
    """A story of a group of near-duplicates, as choosing its lead needs it."""

    pk: int
    agency: str  # the agency's slug
    state: str
    first_published_at: datetime


def leads(members: Sequence[Member], policy: str, preferred: Sequence[str] = ()) -> set[int]:
    """Return the ids of a group's stories readers see under the duplicate policy.

    "all" shows every one; "first" the first live one; "preferred" the live one
    of the agency first in `preferred` (then the first). With none live, all
    are "shown": the surfaces hide them by their state anyway.
    """
    ordered = sorted(members, key=lambda m: (m.first_published_at, m.pk))
    live = [m for m in ordered if m.state not in (KILLED, WITHHELD, HELD)]
    if policy == "all" or not live:
        return {m.pk for m in members}
    if policy == "preferred":
        rank = {slug: i for i, slug in enumerate(preferred)}
        return {
            min(live, key=lambda m: (rank.get(m.agency, len(rank)), m.first_published_at, m.pk)).pk
        }
    return {live[0].pk}
