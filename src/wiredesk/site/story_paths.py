"""Story pages' addresses for a page of rows: the URL resolver asked once, not once a story.

Reversing a story's address walks the resolver for every story of a list;
the address differs from story to story only in its key and slug, which
reverse() quotes character by character, as done here. Search results
(site/search_results.py) and the API's lists (api/views.py) build theirs so.
"""

from __future__ import annotations

from urllib.parse import quote

from django.urls import reverse
from django.utils.http import RFC3986_SUBDELIMS

_SAMPLE_ID, _SAMPLE_SLUG = 4_096, "slug"  # a story address to take the pattern from


class StoryPaths:
    """Return a story's path (as `Story.get_absolute_url`) from its key and slug."""

    def __init__(self) -> None:
        sample = reverse("site:story", kwargs={"pk": _SAMPLE_ID, "slug": _SAMPLE_SLUG})
        self.prefix = sample.removesuffix(f"{_SAMPLE_ID}/{_SAMPLE_SLUG}/")

    def __call__(self, pk: int, slug: str) -> str:
        if not slug or "/" in slug:  # no address of the pattern: as the resolver answers
            return reverse("site:story", kwargs={"pk": pk, "slug": slug})
        # Quoted as the resolver quotes a reversed address.
        return f"{self.prefix}{pk}/{quote(slug, safe=RFC3986_SUBDELIMS + '/~:@')}/"
