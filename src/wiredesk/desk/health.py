"""A feed's health on the desk: red, amber or green, by rules anyone can read.

Plain functions of a feed's facts (gathered in stats.py), tested alone. The
rules (docs/desk.md):

- paused: an editor paused it (grey); a feed the system stopped (a changed
  SFTP host key) is red.
- red: three or more polls failed in a row; or in the last 24 hours, half or
  more of its deliveries were quarantined (three at least); or it has never
  once been read.
- amber: one or two failed polls; any delivery quarantined in 24 hours;
  silent for longer than usual at this hour of the day (three times its
  usual gap between items at this hour over the last week, and at least two
  poll intervals); the agency's clock more than five minutes ahead of ours.
- green: none of these.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

RED, AMBER, GREEN, PAUSED = "red", "amber", "green", "paused"
FAILURES_RED = 3
QUARANTINE_RED_SHARE, QUARANTINE_RED_COUNT = 0.5, 3
SILENCE_FACTOR = 3
SKEW_LIMIT = timedelta(minutes=5)


@dataclass(frozen=True)
class FeedFacts:
    """What the health rules need to know of one feed."""

    enabled: bool
    failures: int
    last_error: str
    last_success_at: datetime | None
    poll_interval: timedelta
    stored_24h: int  # deliveries stored in the last 24 hours
    quarantined_24h: int  # deliveries (or items) quarantined in the last 24 hours
    last_item_at: datetime | None  # when its newest item arrived
    usual_per_hour: float  # items it sends at this hour of the day, on average over a week
    skew: timedelta  # how far the agency's newest version times run ahead of our clock
    paused: str = ""  # who paused it and why ("paused by editor ann: ..."), from the log


@dataclass(frozen=True)
class Health:
    """A feed's colour and the reasons for it, in words."""

    status: str
    reasons: tuple[str, ...] = ()


def health(facts: FeedFacts, now: datetime) -> Health:
    """Return the feed's colour and why."""
    if not facts.enabled:
        if "stopped: " in facts.last_error:  # by the poller, not an editor
            return Health(RED, (facts.last_error,))
        return Health(PAUSED, (facts.paused or "paused by an editor",))
    red, amber = [], []
    if facts.failures >= FAILURES_RED:
        red.append(f"{facts.failures} polls failed in a row: {facts.last_error}".rstrip(": "))
    elif facts.failures:
        amber.append(f"{facts.failures} failed poll(s): {facts.last_error}".rstrip(": "))
    seen = facts.stored_24h + facts.quarantined_24h
    if facts.quarantined_24h:
        share = facts.quarantined_24h / seen
        words = f"{facts.quarantined_24h} of {seen} deliveries quarantined in 24 hours"
        if share >= QUARANTINE_RED_SHARE and facts.quarantined_24h >= QUARANTINE_RED_COUNT:
            red.append(words)
        else:
            amber.append(words)
    if facts.last_success_at is None and facts.failures:
        red.append("never read once")
    silence = _silence(facts, now)
    if silence:
        amber.append(silence)
    if facts.skew > SKEW_LIMIT:
        amber.append(f"the agency's clock runs {_span(facts.skew)} ahead of ours")
    if red:
        return Health(RED, tuple(red + amber))
    if amber:
        return Health(AMBER, tuple(amber))
    return Health(GREEN)


def _silence(facts: FeedFacts, now: datetime) -> str:
    if facts.usual_per_hour <= 0 or facts.last_item_at is None:
        return ""  # no habit to compare with
    usual_gap = timedelta(hours=1 / facts.usual_per_hour)
    allowed = max(usual_gap * SILENCE_FACTOR, facts.poll_interval * 2)
    quiet = now - facts.last_item_at
    if quiet <= allowed:
        return ""
    return f"silent for {_span(quiet)}; at this hour it usually sends one every {_span(usual_gap)}"


def _span(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h"
