"""The hand actions an editor applies to chosen stories, in one table: the desk's story page
(desk/story_actions.py) and the admin's story list (stories/admin.py) both offer exactly these.

Each is an `editorial` function of (ids, user, reason); whether it asks for a
reason is the rules' (`rules.REASON_REQUIRED`). A kill also asks what readers
are told (its 410 page says the publisher withdrew the story, and this), in
the admin as on the desk. A correction, which asks for
the new words too, has a form of its own in each and is not in the table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from . import editorial, rules
from .events import Editor
from .models import Story

Operation = Callable[[Iterable[int], Editor, str], list[Story]]


@dataclass(frozen=True)
class HandAction:
    """One hand action: its name, what it calls, and how an editor is asked."""

    name: str  # the rules' name (rules.Action), as the desk posts it
    operation: Operation  # the editorial function; the admin's action bears its name
    verb: str  # "Kill": the admin's title, message and button
    question: str  # asked in the admin before the action is applied
    # Asks a note for readers too (a kill's, shown on its 410 page): the operation takes `note=`.
    readers_note: bool = False

    @property
    def reason_required(self) -> bool:
        return self.name in rules.REASON_REQUIRED

    @property
    def admin_name(self) -> str:
        return self.operation.__name__

    def apply(self, ids: Iterable[int], user: Editor, reason: str, note: str = "") -> list[Story]:
        """Apply the action to the stories `ids`; return those it changed.

        `note` reaches readers only through an action that asks for one.
        """
        if self.readers_note:
            noted: Callable[..., list[Story]] = self.operation
            return noted(ids, user, reason, note=note)
        return self.operation(ids, user, reason)


HAND_ACTIONS: dict[str, HandAction] = {
    hand.name: hand
    for hand in (
        HandAction(
            rules.Action.KILL,
            editorial.kill,
            "Kill",
            "Kill these stories for good? They go from every page, feed, sitemap and the "
            "API at once; Atom readers get a tombstone.",
            readers_note=True,
        ),
        HandAction(
            rules.Action.WITHHOLD,
            editorial.withhold,
            "Withhold",
            "Withhold these stories? They go from every surface until restored; the "
            "agency's next versions are kept but not shown.",
        ),
        HandAction(
            rules.Action.RESTORE,
            editorial.restore,
            "Restore",
            "Restore these withheld stories, as their newest version says?",
        ),
        HandAction(
            rules.Action.HOLD,
            editorial.hold,
            "Hold",
            "Hold these stories, not yet public, for an editor? They stay off every "
            "surface, whatever the agency sends or its embargo says, until released.",
        ),
        HandAction(
            rules.Action.RELEASE,
            editorial.release,
            "Release",
            "Release these held stories? Each goes public now, or at the end of its embargo.",
        ),
        HandAction(
            rules.Action.ACCEPT,
            editorial.accept_agency,
            "Accept the agency's version for",
            "Drop the desk's correction and show the agency's newest version?",
        ),
        HandAction(
            rules.Action.REJECT,
            editorial.reject_agency,
            "Reject the agency's version for",
            "Keep the desk's correction over the agency's later versions?",
        ),
    )
}
