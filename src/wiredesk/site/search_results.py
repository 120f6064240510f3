"""A search's results as its page shows them: a few columns a story, never a model instance.

A results page shows each story's headline, address, agency, time, teaser and
language, in the list card's markup (site/_card.html: a search has no
pictures). Reading those columns only, and giving the page each card's words
made beforehand, makes a search's work a row the same small amount however
many stories match (docs/design.md, Bounded cost per request).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import RFC3986_SUBDELIMS

from wiredesk.wire import rfc3339

from .languages import reader_time

# The columns a result shows, as values() names them.
FIELDS = ("id", "slug", "headline", "language", "teaser", "first_published_at", "agency__name")
_SAMPLE_ID, _SAMPLE_SLUG = 4_096, "slug"  # a story address to take the pattern from


def cards(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return search rows (FIELDS) as site/search.html shows them: the card's every word made.

    The times as the card's filters (`rfc3339`, `local_time`) write them, each
    story's made local once; every address the story's `get_absolute_url`,
    made from one reversed address rather than the resolver asked again for
    each row.
    """
    sample = reverse("site:story", kwargs={"pk": _SAMPLE_ID, "slug": _SAMPLE_SLUG})
    prefix = sample.removesuffix(f"{_SAMPLE_ID}/{_SAMPLE_SLUG}/")
    language = translation.get_language() or ""
    zone = timezone.get_current_timezone()
    cards = []
    for row in rows:
        local = timezone.localtime(row["first_published_at"], zone)
        cards.append(
            {
                "url": _address(prefix, row["id"], row["slug"]),
                "headline": row["headline"],
                "language": row["language"],
                "agency": row["agency__name"],
                "datetime": rfc3339(local),
                "time": reader_time(local, language),
                "teaser": row["teaser"],
            }
        )
    return cards


def _address(prefix: str, pk: int, slug: str) -> str:
    if not slug or "/" in slug:  # no address of the pattern: as the resolver answers
        return reverse("site:story", kwargs={"pk": pk, "slug": slug})
    # Quoted as the resolver quotes a reversed address.
    return f"{prefix}{pk}/{quote(slug, safe=RFC3986_SUBDELIMS + '/~:@')}/"
