"""What ingest tells Prometheus: each delivery's, item's and new story's outcome, by feed.

The outcomes (metrics/instruments.py, OUTCOMES) in the words of the lifecycle
(docs/lifecycle.md): `published` a new story public, `updated` a new version
shown, `held` stored but not public (an embargo, a publishing delay, a hold
for an editor, withheld), `killed`, `unchanged` (a repeat), `kept` (an older
version arriving late, kept and not shown), `refused` (no story: an advisory,
a kill for no story; a delivery the transport would not take), `quarantined`.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from wiredesk.metrics.instruments import (
    DELIVERIES,
    ITEMS,
    PUBLICATION_SECONDS,
    STORIES,
    count_outcomes,
)
from wiredesk.stories.outcomes import Outcome

if TYPE_CHECKING:
    from .pipeline import IngestReport

# A delivery's outcome is its items' first in this order: what a reader saw first.
DELIVERY_ORDER = ("published", "updated", "killed", "held", "kept", "quarantined", "refused")
PUBLIC = ("published", "updated")


def item_outcome(outcome: Outcome) -> str:
    """Return the metrics' word for what storing one item did."""
    if outcome.action == "stored":
        return "held" if outcome.reason else "kept"
    if outcome.action == "skipped":
        return "refused"
    return outcome.action


def story_outcome(outcome: Outcome) -> str | None:
    """Return what became of the story an item made, or None when it made no new story."""
    story, word = outcome.story, item_outcome(outcome)
    new = outcome.version is not None and story is not None and story.version_count == 1
    return word if new and word in ("published", "held", "killed") else None


def delivery_outcome(report: IngestReport, refused: bool = False) -> str:
    """Return one word for a whole delivery."""
    if refused:
        return "refused"
    if report.quarantined is not None:
        return "quarantined"
    seen = {item_outcome(outcome) for outcome in report.outcomes}
    if report.actions.get("quarantined"):
        seen.add("quarantined")
    return next((word for word in DELIVERY_ORDER if word in seen), "unchanged")


def count_delivery(
    feed: str, report: IngestReport, arrived: datetime, *, refused: bool = False, timed: bool = True
) -> None:
    """Count a stored (or refused) delivery, and time its publications once they commit.

    `timed` False for an import (a backfill), whose arrival is not a reader's wait.
    """
    DELIVERIES.labels(feed, delivery_outcome(report, refused)).inc()
    words = [item_outcome(outcome) for outcome in report.outcomes]
    words += ["quarantined"] * report.actions.get("quarantined", 0)
    count_outcomes(ITEMS, feed, words)
    count_outcomes(STORIES, feed, filter(None, map(story_outcome, report.outcomes)))
    published = sum(word in PUBLIC for word in words)
    if timed and published:
        # After the commit, the moment readers can see the words (at once outside a transaction).
        transaction.on_commit(lambda: _observe(feed, arrived, published))


def _observe(feed: str, arrived: datetime, times: int) -> None:
    seconds = max((timezone.now() - arrived).total_seconds(), 0.0)
    histogram = PUBLICATION_SECONDS.labels(feed)
    for _ in range(times):
        histogram.observe(seconds)
