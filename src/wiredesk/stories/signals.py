"""The seam other apps listen at: one signal for every change to stories, sent after commit.

`stories_changed` is sent with `stories` (a list of any size: one story, or a
delivery's run of new ones) and `change`, one of `CHANGES`. A listener
connects once and handles a batch; whoever made the change (an agency, an
embargo's end, an editor) sends the same signal. `stories` never imports the
apps that listen (docs/design.md, "Signals only at seams").
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.db import transaction
from django.dispatch import Signal

if TYPE_CHECKING:
    from .models import Story

CHANGES = ("published", "updated", "killed")

stories_changed = Signal()


def announce(stories: Sequence[Story], change: str) -> None:
    """Send `stories_changed` once the current transaction commits (at once outside one)."""
    if change not in CHANGES:
        raise ValueError(f"unknown change {change!r}; one of {CHANGES}")
    if not stories:
        return
    batch = list(stories)
    sender = type(batch[0])
    transaction.on_commit(lambda: stories_changed.send(sender, stories=batch, change=change))
