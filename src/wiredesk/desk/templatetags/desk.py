"""Template filters of the desk."""

from __future__ import annotations

from datetime import datetime, timedelta

from django import template

from wiredesk.stories import rules
from wiredesk.stories.models import StoryVersion

register = template.Library()

# How the ingest names a version the agency gave no number or time (wire/normalize.py).
HASHED_VERSION = "sha256:"


@register.filter
def span(delta: timedelta | None) -> str:
    """Return a duration as an editor reads it: "0.4 s", "12 s", "3 min", "2 h 5 min"."""
    if delta is None:
        return "-"
    seconds = max(delta.total_seconds(), 0.0)
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds // 60:.0f} min"
    hours, rest = divmod(int(seconds), 3600)
    return f"{hours} h {rest // 60} min"


@register.filter
def since(later: datetime | None, earlier: datetime | None) -> str:
    """Return `span` of the time from `earlier` to `later` ("-" when either is missing, or
    `later` came first: a later version of a story already public)."""
    if later is None or earlier is None or later < earlier:
        return "-"
    return span(later - earlier)


@register.filter
def kill_notice(version: StoryVersion) -> bool:
    """Return True when a version is its agency's kill of the story (its words are a notice)."""
    return rules.kills(version.pub_status, version.signal)


@register.filter
def agency_numbered(version: str) -> bool:
    """Return False for a version the agency did not number: named by a hash of its words."""
    return not version.startswith(HASHED_VERSION)
