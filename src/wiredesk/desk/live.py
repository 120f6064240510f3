"""Live rows: the wire's rows whose story changed since the page's last poll.

The wire's poll (views.wire_rows) carries two cursors besides its newest row:
the newest lifecycle event and the newest agency version it has seen. Every
editor's action, an agency's kill, an ended embargo or a release writes an
event; an agency's update changes its story with a new version and no event.
The stories either names since the cursors are the changed ones, and their rows
already on the page are drawn again from desk/_rows.html (the same markup, the
same permission checks), for the page to put in place of the old ones.
Both cursors are primary keys: each poll reads a range of an index.
"""

from __future__ import annotations

from typing import Any

from django.db.models import F, QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string

from wiredesk.stories.models import LifecycleEvent, StoryVersion

# At most this many events and as many versions are read in a poll: a pause of
# an agency that withholds a thousand stories is caught up over a few polls.
EVENTS_PER_POLL = 200
# At most this many rows are drawn again in a poll (the page shows 50).
ROWS_PER_POLL = 100


def cursors() -> dict[str, int]:
    """Return the newest lifecycle event's and agency version's ids: where a page's polls start."""
    events = LifecycleEvent.objects.order_by("-id").values_list("id", flat=True).first()
    versions = StoryVersion.objects.order_by("-id").values_list("id", flat=True).first()
    return {"events": events or 0, "versions": versions or 0}


def changed_rows(
    request: HttpRequest,
    items: QuerySet[StoryVersion],
    events_after: int,
    versions_after: int,
    shown: int,
) -> dict[str, Any]:
    """Return the rows of `items` up to id `shown` whose story changed since the two cursors.

    The answer: the rows' HTML ("changed"), how many ("changed_count") and the
    cursors to ask with next ("events", "versions").
    """
    events = list(
        LifecycleEvent.objects.filter(id__gt=events_after)
        .order_by("id")
        .values_list("id", "story_id")[:EVENTS_PER_POLL]
    )
    versions = list(
        StoryVersion.objects.filter(id__gt=versions_after)
        .order_by("id")
        .values_list("id", "story_id")[:EVENTS_PER_POLL]
    )
    stories = {story for _, story in events + versions if story is not None}
    rows: list[StoryVersion] = []
    if stories:
        # Sorted as "id + 0": found by story (the unique index of story and
        # version) and then sorted, never a walk of the wire newest first
        # looking for a few old stories' items.
        rows = list(
            items.filter(story_id__in=stories, id__lte=shown).order_by((F("id") + 0).desc())[
                :ROWS_PER_POLL
            ]
        )
    html = render_to_string("desk/_rows.html", {"rows": rows}, request) if rows else ""
    return {
        "changed": html,
        "changed_count": len(rows),
        "events": events[-1][0] if events else events_after,
        "versions": versions[-1][0] if versions else versions_after,
    }
