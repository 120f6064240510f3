"""Test helper: read the near-duplicate band index back."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from wiredesk.stories.duplicates import band_shape
from wiredesk.stories.models import Story
from wiredesk.stories.storage import band_index
from wiredesk.wire.similarity import band_keys

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # every story stored since


def indexed_story_ids(story_ids: list[int]) -> set[int]:
    """Return which of `story_ids` the band index finds by their own bands."""
    found = set()
    rows = Story.objects.filter(pk__in=story_ids).exclude(minhash=None)
    for pk, blob in rows.values_list("pk", "minhash"):
        keys = band_keys(np.frombuffer(bytes(blob), dtype=np.uint64), *band_shape())
        if any(row[0] == pk for row in band_index.stories_sharing(keys, EPOCH, None)):
            found.add(pk)
    return found
