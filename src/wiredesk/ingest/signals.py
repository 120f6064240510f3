"""What ingest tells the apps above it, which it never imports (docs/design.md: signals only
at the seams)."""

from __future__ import annotations

import logging
from functools import partial

from django.db import transaction
from django.dispatch import Signal

log = logging.getLogger("wiredesk.ingest")

# Sent with `feed_id` once a poll's outcome is on the feed's health (or a delivery
# pushed to it is stored): the desk judges the feed anew, and its alerts tell of
# a change (desk/alerting.py).
feed_checked = Signal()


def checked(feed_id: int) -> None:
    """Send `feed_checked` once the current transaction commits; a receiver's failure is
    logged, never raised (the poll is done and kept whatever a listener does)."""
    transaction.on_commit(partial(_send, feed_id), robust=True)


def _send(feed_id: int) -> None:
    for receiver, outcome in feed_checked.send_robust(None, feed_id=feed_id):
        if isinstance(outcome, Exception):
            log.error(
                "feed_checked: %s failed on feed %s: %s",
                getattr(receiver, "__qualname__", receiver),
                feed_id,
                outcome,
                exc_info=outcome,
            )
