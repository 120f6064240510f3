"""The seam other apps listen at: one signal for every change to stories, sent after commit.

`stories_changed` is sent with `stories` (a list of any size: one story, or a
delivery's run of new ones) and `change`, one of `CHANGES`. A listener
connects once and handles a batch; whoever made the change (an agency, an
embargo's end, an editor) sends the same signal. `stories` never imports the
apps that listen (docs/design.md, Layout and Conventions: "Signals only at the seams").
Every receiver hears every change: one that fails is logged and run again
later (`receiver_failed`), and never undoes or hides the change it failed on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from wiredesk.logs import context as log_ids
from wiredesk.metrics.instruments import KILL_SECONDS

if TYPE_CHECKING:
    from .models import Story

log = logging.getLogger("wiredesk.stories")

CHANGES = ("published", "updated", "killed")

stories_changed = Signal()

# Sent with `receiver` (a receiver's dotted name), `stories` and `change` when a
# receiver of `stories_changed` raised: the outbox (syndication/outbox.py) queues
# it to be run again, with backoff, until it takes the change.
receiver_failed = Signal()


def announce(stories: Sequence[Story], change: str) -> None:
    """Send `stories_changed` once the current transaction commits (at once outside one).

    The receivers run with the log ids of now (the delivery's, the request's),
    though a backfill commits after its next deliveries.
    """
    if change not in CHANGES:
        raise ValueError(f"unknown change {change!r}; one of {CHANGES}")
    if not stories:
        return
    batch = list(stories)
    sender = type(batch[0])
    ids = log_ids.current()

    def told() -> None:
        with log_ids.bound(**ids):
            tell(sender, batch, change)

    # robust: a hook that fails after the commit must not skip the hooks after it.
    transaction.on_commit(told, robust=True)


def receiver_name(receiver: Callable[..., Any]) -> str:
    """Return a receiver's dotted name (what the logs and the outbox call it)."""
    return f"{receiver.__module__}.{receiver.__qualname__}"


def tell(sender: type, stories: list[Story], change: str) -> list[str]:
    """Send `stories_changed` to every receiver, whatever the others do; return who failed.

    Receivers run in the order they were connected (the page cache's generation
    first). One that raises, with any exception, is logged with its traceback
    (Django's `django.dispatch` logger) and handed to `receiver_failed` to be run
    again; the others run all the same, and the change, already committed, stays.
    """
    failed = []
    told = stories_changed.send_robust(sender, stories=stories, change=change)
    if change == "killed":
        time_kills(stories, told)
    shown = [story.pk for story in stories]
    # One line a change, not a story: a backfill announces thousands a second.
    log.info(
        "stories_changed: %s %d %s %s told to %d receivers",
        change,
        len(shown),
        "story" if len(shown) == 1 else "stories",
        shown[:20],
        len(told),
        extra=log_ids.of_many("story", shown),
    )
    for receiver, outcome in told:
        if not isinstance(outcome, Exception):
            continue
        name = receiver_name(receiver)
        failed.append(name)
        ids = [story.pk for story in stories]
        log.error(
            "stories_changed: %s failed on %s stories %s (%s: %s); it will be run again",
            name,
            change,
            ids[:20],
            type(outcome).__name__,
            outcome,
        )
        for _, queued in receiver_failed.send_robust(
            sender, receiver=name, stories=stories, change=change
        ):
            if isinstance(queued, Exception):  # the database itself away: nothing can be queued
                log.error(
                    "stories_changed: %s could not be queued to run again for %s stories %s: %s",
                    name,
                    change,
                    ids[:20],
                    queued,
                )
    return failed


def time_kills(stories: list[Story], told: list[tuple[Any, Any]]) -> None:
    """Observe each story's kill-to-gone time, once every receiver took the kill.

    Gone: the page cache's generation replaced and the CDN purge tried (its
    receivers, syndication/outbox.py). A receiver that failed is run again
    later, and the story is not yet gone everywhere: it is timed when the
    receiver's retry takes the kill (`rerun`), so the slowest kills are counted.
    """
    if not any(isinstance(outcome, Exception) for _, outcome in told):
        _observe_kills(stories)


def _observe_kills(stories: Sequence[Story]) -> None:
    now = timezone.now()
    for story in stories:
        if story.killed_at is not None:
            KILL_SECONDS.observe(max((now - story.killed_at).total_seconds(), 0.0))


def rerun(name: str, ids: Sequence[int], change: str) -> None:
    """Run the receiver called `name` again on the stories `ids` as they are now.

    Raise LookupError when no receiver of that name is connected any more.
    """
    from .models import Story

    # Only a connected receiver is run, never any dotted path a row names.
    sync_receivers, _ = stories_changed._live_receivers(None)
    for receiver in sync_receivers:
        if receiver_name(receiver) == name:
            stories = list(Story.objects.filter(pk__in=ids).select_related("agency").order_by("pk"))
            if stories:
                receiver(signal=stories_changed, sender=Story, stories=stories, change=change)
                if change == "killed":  # the kill has now left what this receiver keeps
                    _observe_kills(stories)
            return
    raise LookupError(f"no receiver {name} is connected to stories_changed")
