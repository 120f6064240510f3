"""The changes between a story's versions, diffed once and kept (site.models.VersionDiff)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from itertools import pairwise

from django.db import DatabaseError, transaction
from django.utils.safestring import mark_safe

from wiredesk.stories.models import StoryVersion

from .diff import WordDiff, word_diff
from .models import VersionDiff

log = logging.getLogger("wiredesk.site")


def changes_between(versions: Sequence[StoryVersion]) -> list[WordDiff | None]:
    """Return each version's word diff against the one before it (None: first, or same text).

    Diffs already kept are read in one query; the others are computed from the
    texts (read only for them) and kept for the next reader.
    """
    pairs = [
        (before.pk, after.pk) if before.text_sha256 != after.text_sha256 else None
        for before, after in pairwise(versions)
    ]
    wanted = [pair for pair in pairs if pair is not None]
    kept = {
        (row.older_id, row.newer_id): WordDiff(mark_safe(row.html), row.complete)
        for row in VersionDiff.objects.filter(newer_id__in=[n for _, n in wanted]).only(
            "older_id", "newer_id", "html", "complete"
        )
    }
    missing = [pair for pair in wanted if pair not in kept]
    if missing:
        kept.update(_compute(missing))
    return [None, *(kept[pair] if pair else None for pair in pairs)] if versions else []


def _compute(pairs: list[tuple[int, int]]) -> dict[tuple[int, int], WordDiff]:
    ids = {pk for pair in pairs for pk in pair}
    texts = dict(StoryVersion.objects.filter(pk__in=ids).values_list("pk", "body_text"))
    made = {pair: word_diff(texts[pair[0]], texts[pair[1]]) for pair in pairs}
    rows = [VersionDiff(older_id=o, newer_id=n, html=str(d.html), complete=d.complete)
            for (o, n), d in made.items()]  # fmt: skip
    try:
        # Two readers may compute the same pair at once: the second's is dropped.
        with transaction.atomic():
            VersionDiff.objects.bulk_create(rows, ignore_conflicts=True)
    except DatabaseError:  # a busy or read-only database: shown now, kept next time
        log.warning("could not keep %d version diffs", len(rows), exc_info=True)
    return made
