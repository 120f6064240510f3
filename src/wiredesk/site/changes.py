"""The changes between a story's versions, diffed once and kept (site.models.VersionDiff)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from itertools import pairwise

from django.db import DatabaseError, transaction
from django.utils.safestring import mark_safe

from wiredesk.stories.models import StoryVersion

from .diff import BUDGET_CAP, WordDiff, word_diff
from .models import VersionDiff

log = logging.getLogger("wiredesk.site")

# A diff this request could not afford: worked out by a later one.
PENDING = WordDiff(mark_safe(""), complete=False, pending=True)


def any_pending(diffs: Sequence[WordDiff | None]) -> bool:
    """Return whether a page shows a diff not yet worked out (so it must not be kept)."""
    return any(diff is not None and diff.pending for diff in diffs)


def changes_between(versions: Sequence[StoryVersion]) -> list[WordDiff | None]:
    """Return each version's word diff against the one before it (None: first, or same text).

    Diffs already kept are read in one query; the others are computed from the
    texts (read only for them) and kept for the next reader, within one diff's
    budget for the whole request: a story with many long new versions has the
    rest worked out by the next requests, and shows them as pending meanwhile.
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
        # The desk reads whole versions; the versions page leaves their texts out.
        loaded = {v.pk: v.body_text for v in versions if "body_text" not in v.get_deferred_fields()}
        kept.update(_compute(missing, loaded))
    return [None, *(kept[pair] if pair else None for pair in pairs)] if versions else []


def _compute(
    pairs: list[tuple[int, int]], texts: dict[int, str]
) -> dict[tuple[int, int], WordDiff]:
    unread = {pk for pair in pairs for pk in pair} - texts.keys()
    if unread:
        texts = texts | dict(
            StoryVersion.objects.filter(pk__in=unread).values_list("pk", "body_text")
        )
    made: dict[tuple[int, int], WordDiff] = {}
    left = BUDGET_CAP  # the work of one diff at most, for every diff of this request
    for older, newer in pairs:
        diff = word_diff(texts[older], texts[newer], limit=left) if left > 0 else PENDING
        left -= diff.spent
        made[older, newer] = PENDING if diff.cut else diff
    rows = [
        VersionDiff(older_id=o, newer_id=n, html=str(d.html), complete=d.complete)
        for (o, n), d in made.items()
        if not d.pending
    ]
    if not rows:
        return made
    try:
        # Two readers may compute the same pair at once: the second's is dropped.
        with transaction.atomic():
            VersionDiff.objects.bulk_create(rows, ignore_conflicts=True)
    except DatabaseError:  # a busy or read-only database: shown now, kept next time
        log.warning("could not keep %d version diffs", len(rows), exc_info=True)
    return made
