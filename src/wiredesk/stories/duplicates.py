"""Near-duplicates across agencies: MinHash signatures and LSH bands (datasketch).

The same event from IANS and PTI is grouped. Signatures are MinHash over word
3-shingles (wire/similarity.py); a candidate that shares an LSH band is
confirmed by the estimated Jaccard similarity.

The bands are kept in the database, so every worker sees the same index
(storage/band_index.py). Which story of a group readers see is a rule
(rules.leads).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

from django.conf import settings

from . import rules
from .models import LifecycleEvent, Story
from .storage import Batch, band_index

if TYPE_CHECKING:
    import numpy as np

# numpy and the MinHash code (wire.similarity) are imported where stories are
# stored or compared, never at import: a web worker that only shows pages
# does not carry them (16 MB; benchmarks/memory.py).

CHUNK = 500  # band keys, or group ids, a query


@lru_cache(maxsize=16)
def _band_shape(threshold: float) -> tuple[int, int]:
    # datasketch integrates numerically to choose (bands, rows): costly, so once a threshold.
    # Imported here: it loads scipy (about 50 MB), which a web worker that
    # never ingests should not carry (benchmarks/memory.py).
    from datasketch.lsh import _optimal_param

    from wiredesk.wire.similarity import NUM_PERM

    return _optimal_param(threshold, NUM_PERM, 0.5, 0.5)


def band_shape() -> tuple[int, int]:
    """Return the (bands, rows) of the band index under the site's duplicate policy."""
    return _band_shape(settings.WIREDESK.duplicates.threshold)


def _bands(values: np.ndarray, threshold: float) -> list[int]:
    """Return a signature's LSH band keys (eighteen at the default threshold)."""
    from wiredesk.wire.similarity import band_keys

    return band_keys(values, *_band_shape(threshold))


def _load(blob: bytes | memoryview) -> np.ndarray:
    import numpy as np

    return np.frombuffer(bytes(blob), dtype=np.uint64)


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Return the Jaccard similarity two MinHash signatures estimate."""
    import numpy as np

    return float(np.count_nonzero(a == b)) / len(a)


class _Candidate:
    """A story a new one may duplicate: what grouping needs of it."""

    __slots__ = ("agency_id", "group_id", "pk", "values")

    def __init__(self, pk: int, agency_id: int, group_id: int | None, values: np.ndarray):
        self.pk, self.agency_id, self.group_id, self.values = pk, agency_id, group_id, values


def attach_signature(story: Story, stored: bytes | None = None) -> None:
    """Set a new story's MinHash (before it is saved): `stored` (`signature_bytes`), or from its text."""
    from wiredesk.wire.similarity import signature_bytes

    story.minhash = stored if stored is not None else signature_bytes(story.body_text)


def _recent_candidates(
    bands: list[int], since: datetime, agency_ids: set[int], threshold: float
) -> dict[int, list[_Candidate]]:
    """Return the stored stories sharing any of `bands`, by band (one query a 500 bands).

    Stories of the agencies in `agency_ids` are left out when that is every
    agency asking: an agency's own stories are never its duplicates.
    """
    by_band: dict[int, list[_Candidate]] = defaultdict(list)
    loaded: dict[int, _Candidate] = {}
    # One agency asking (a delivery) and no other agency's recent story: no
    # candidate can exist, so the band lookups are skipped.
    if len(agency_ids) == 1 and not band_index.others_since(next(iter(agency_ids)), since):
        return by_band
    wanted = set(bands)
    exclude = next(iter(agency_ids)) if len(agency_ids) == 1 else None
    for start in range(0, len(bands), CHUNK):
        chunk = bands[start : start + CHUNK]
        for pk, agency_id, group_id, blob in band_index.stories_sharing(chunk, since, exclude):
            if pk in loaded:
                continue
            candidate = loaded[pk] = _Candidate(pk, agency_id, group_id, _load(blob))
            # The index says a story shares some band; its own keys say which.
            for band in _bands(candidate.values, threshold):
                if band in wanted:
                    by_band[band].append(candidate)
    return by_band


def log_grouping(grouped: dict[int, int], agency_of: dict[int, int], now: datetime) -> None:
    """Write one lifecycle log entry for each story put in a group (one statement)."""
    LifecycleEvent.objects.bulk_create(
        [
            LifecycleEvent(
                at=now,
                kind=LifecycleEvent.Kind.GROUPED,
                story_id=pk,
                agency_id=agency_of.get(pk),
                actor="duplicate grouping",
                reason=f"a near-duplicate of another agency's story (group {group_id})",
            )
            for pk, group_id in grouped.items()
        ]
    )


def group_new_stories(
    stories: list[Story],
    now: datetime,
    band_keys: list[list[int] | None] | None = None,
    batch: Batch | None = None,
) -> None:
    """Index new stories' bands and put each in the group of a near-duplicate from another agency.

    `stories` are saved, in the order they arrived, with their MinHash attached
    (`attach_signature`); `band_keys` may hold each one's band keys, computed
    where its MinHash was (`band_shape()`); a `batch` holds their bands back
    until it ends (storage.Batch). Each is compared with the recent
    stored stories and with those before it in the list, so a batch groups as
    one-by-one would.
    """
    config = settings.WIREDESK.duplicates  # [duplicates] in wiredesk.toml
    threshold = config.threshold
    given = band_keys or [None] * len(stories)
    entries = [
        (story, values, keys if keys is not None else _bands(values, threshold))
        for story, keys in zip(stories, given, strict=True)
        if story.minhash is not None
        for values in (_load(story.minhash),)
    ]
    if not entries:
        return
    wanted = sorted({band for _, _, bands in entries for band in bands})
    since = now - timedelta(hours=config.window_hours)
    agencies = {story.agency_id for story, _, _ in entries}
    by_band = _recent_candidates(wanted, since, agencies, threshold)
    grouped: dict[int, int] = {}  # story id -> the group it joins (or founds)
    agency_of: dict[int, int] = {}  # story id -> its agency, for the lifecycle log
    # One agency and no stored candidate: none of these can group (an agency's
    # own stories are never its duplicates), so only their bands are indexed.
    alone = len(agencies) == 1 and not by_band
    for story, values, bands in [] if alone else entries:
        best, best_score, seen = None, 0.0, set()
        for band in bands:
            for candidate in by_band.get(band, ()):
                if candidate.pk in seen or candidate.agency_id == story.agency_id:
                    continue
                seen.add(candidate.pk)
                score = jaccard(values, candidate.values)
                if score >= threshold and score > best_score:
                    best, best_score = candidate, score
        if best is not None:
            if best.group_id is None:  # the first duplicate founds the group
                best.group_id = grouped[best.pk] = best.pk
            story.group_id = grouped[story.pk] = best.group_id
        if best is not None:
            agency_of[best.pk] = best.agency_id
        agency_of[story.pk] = story.agency_id
        own = _Candidate(story.pk, story.agency_id, story.group_id, values)
        for band in bands:
            by_band[band].append(own)
    band_index.add([(story.pk, bands) for story, _, bands in entries], batch)
    members: dict[int, list[int]] = defaultdict(list)
    for pk, group_id in grouped.items():
        members[group_id].append(pk)
    for story in stories:  # a story founding a group later in the batch
        if story.pk in grouped:
            story.group_id = grouped[story.pk]
    if grouped:
        band_index.set_groups(grouped)
        log_grouping(grouped, agency_of, now)
        elect_leads(list(members))


def elect_lead(group_id: int) -> list[Story]:
    """Set which story of a group readers see under the site's policy; return those that changed."""
    return elect_leads([group_id])


def elect_leads(group_ids: list[int]) -> list[Story]:
    """Set the shown stories of each group under the site's policy; return those that changed."""
    config = settings.WIREDESK.duplicates
    by_group: dict[int, list[Story]] = defaultdict(list)
    for start in range(0, len(group_ids), CHUNK):
        rows = Story.objects.filter(group_id__in=group_ids[start : start + CHUNK])
        # Sorted below, not by the query: asked to sort, SQLite may walk every
        # story in date order instead of the groups' few through their index.
        for member in rows.select_related("agency").order_by():
            by_group[member.group_id or 0].append(member)  # in a group: never None here
    changed = []
    for members in by_group.values():
        facts = [rules.Member(m.pk, m.agency.slug, m.state, m.first_published_at) for m in members]
        lead_ids = rules.leads(facts, config.policy, config.preferred)
        changed += [m for m in members if m.is_lead != (m.pk in lead_ids)]
    for member in changed:
        member.is_lead = not member.is_lead
    if changed:
        band_index.set_leads(changed)
    return changed
