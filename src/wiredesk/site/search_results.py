"""A search's results as its page shows them: a few columns a story, never a model instance.

A results page shows each story's headline, address, agency, time, teaser and
language, in the list card's markup (site/_card.html: a search has no
pictures). Reading those columns only, and giving the page each card's words
made beforehand, makes a search's work a row the same small amount however
many stories match (docs/design.md, Bounded cost per request).
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone, translation

from wiredesk.wire import rfc3339

from .languages import reader_time
from .story_paths import StoryPaths

# The columns a result shows, as values() names them.
FIELDS = ("id", "slug", "headline", "language", "teaser", "first_published_at", "agency__name")


def cards(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return search rows (FIELDS) as site/search.html shows them: the card's every word made.

    The times as the card's filters (`rfc3339`, `local_time`) write them, each
    story's made local once; every address the story's `get_absolute_url`,
    made from one reversed address rather than the resolver asked again for
    each row.
    """
    path = StoryPaths()
    language = translation.get_language() or ""
    zone = timezone.get_current_timezone()
    cards = []
    for row in rows:
        local = timezone.localtime(row["first_published_at"], zone)
        cards.append(
            {
                "url": path(row["id"], row["slug"]),
                "headline": row["headline"],
                "language": row["language"],
                "agency": row["agency__name"],
                "datetime": rfc3339(local),
                "time": reader_time(local, language),
                "teaser": row["teaser"],
            }
        )
    return cards
