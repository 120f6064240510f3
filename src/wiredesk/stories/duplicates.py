"""Near-duplicates across agencies: MinHash signatures and LSH bands (datasketch).

The same event from IANS and PTI is grouped. Signatures are MinHash over word
3-shingles; LSH bands are stored in the database (StoryBand), so every web node
and worker sees the same index on SQLite and PostgreSQL alike. A candidate that
shares a band is confirmed by the estimated Jaccard similarity.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import datetime, timedelta
from functools import lru_cache

import numpy as np
from datasketch.lsh import _optimal_param
from django.conf import settings
from django.db import connection

from wiredesk.sources.models import Agency
from wiredesk.wire.similarity import NUM_PERM, signature

from .models import Story, StoryBand


def _policy() -> dict:
    return {
        "policy": "all",
        "preferred": [],
        "threshold": 0.6,
        "window_hours": 48,
        **settings.WIREDESK.get("DUPLICATES", {}),
    }


@lru_cache(maxsize=16)
def _band_shape(threshold: float) -> tuple[int, int]:
    # datasketch integrates numerically to choose (bands, rows): costly, so once a threshold.
    return _optimal_param(threshold, NUM_PERM, 0.5, 0.5)


def _bands(values: np.ndarray, threshold: float) -> list[int]:
    """Return a signature's LSH bands as 64-bit keys (the band's number is hashed in).

    Integers, not text: eighteen index entries a story, and an integer key costs
    a third less to insert (measured, benchmarks/ingest.py).
    """
    bands, rows = _band_shape(threshold)
    return [
        int.from_bytes(
            hashlib.blake2b(values[i * rows : (i + 1) * rows].tobytes(), digest_size=8,
                            salt=i.to_bytes(16, "little")).digest(),
            "little", signed=True,
        )
        for i in range(bands)
    ]  # fmt: skip


def _load(blob: bytes) -> np.ndarray:
    return np.frombuffer(bytes(blob), dtype=np.uint64)


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Return the Jaccard similarity two MinHash signatures estimate."""
    return float(np.count_nonzero(a == b)) / len(a)


class _Candidate:
    """A story a new one may duplicate: what grouping needs of it."""

    __slots__ = ("agency_id", "group_id", "pk", "values")

    def __init__(self, pk: int, agency_id: int, group_id: int | None, values: np.ndarray):
        self.pk, self.agency_id, self.group_id, self.values = pk, agency_id, group_id, values


def attach_signature(story: Story, values: np.ndarray | None = None) -> None:
    """Set a new story's MinHash (before it is saved), from `values` or its text."""
    if values is None:
        values = signature(story.body_text)
    story.minhash = values.tobytes() if values is not None else None


def _recent_candidates(
    bands: list[int], since: datetime, agency_ids: set[int]
) -> dict[int, list[_Candidate]]:
    """Return the stored stories sharing any of `bands`, by band (one query a 500 bands).

    Stories of the agencies in `agency_ids` are left out when that is every
    agency asking: an agency's own stories are never its duplicates.
    """
    by_band: dict[int, list[_Candidate]] = defaultdict(list)
    loaded: dict[int, _Candidate] = {}
    if len(agency_ids) == 1:
        # One agency asking (a delivery) and no other agency's recent story: no
        # candidate can exist, so the band lookups are skipped.
        other_agencies = Agency.objects.exclude(pk__in=agency_ids).values("pk")
        others = Story.objects.filter(agency_id__in=other_agencies, created_at__gte=since)
        if not others.exists():
            return by_band
    for start in range(0, len(bands), 500):
        rows = (
            StoryBand.objects.filter(
                band__in=bands[start : start + 500], story__created_at__gte=since
            )
            .exclude(story__state=Story.State.KILLED)
            .exclude(story__agency_id__in=agency_ids if len(agency_ids) == 1 else ())
            .values_list(
                "band", "story_id", "story__agency_id", "story__group_id", "story__minhash"
            )
        )
        for band, pk, agency_id, group_id, blob in rows:
            if blob is None:
                continue
            candidate = loaded.get(pk)
            if candidate is None:
                candidate = loaded[pk] = _Candidate(pk, agency_id, group_id, _load(blob))
            by_band[band].append(candidate)
    return by_band


def group_new_stories(stories: list[Story], now: datetime) -> None:
    """Index new stories' bands and put each in the group of a near-duplicate from another agency.

    `stories` are saved, in the order they arrived, with their MinHash attached
    (`attach_signature`). Each is compared with the recent stored stories and
    with those before it in the list, so a batch groups as one-by-one would.
    """
    config = _policy()
    threshold = config["threshold"]
    entries = [(s, _load(s.minhash)) for s in stories if s.minhash is not None]
    if not entries:
        return
    entries = [(story, values, _bands(values, threshold)) for story, values in entries]
    wanted = sorted({band for _, _, bands in entries for band in bands})
    since = now - timedelta(hours=config["window_hours"])
    by_band = _recent_candidates(wanted, since, {story.agency_id for story, _, _ in entries})
    grouped: dict[int, int] = {}  # story id -> the group it joins (or founds)
    for story, values, bands in entries:
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
        own = _Candidate(story.pk, story.agency_id, story.group_id, values)
        for band in bands:
            by_band[band].append(own)
    # Twenty-odd rows a story: plain executemany, without a model instance each.
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {StoryBand._meta.db_table} (story_id, band) VALUES (%s, %s)",
            [(story.pk, band) for story, _, bands in entries for band in bands],
        )
    members: dict[int, list[int]] = defaultdict(list)
    for pk, group_id in grouped.items():
        members[group_id].append(pk)
    for story in stories:  # a story founding a group later in the batch
        if story.pk in grouped:
            story.group_id = grouped[story.pk]
    for group_id, pks in members.items():
        Story.objects.filter(pk__in=pks).update(group_id=group_id)
        elect_lead(group_id)


def elect_lead(group_id: int) -> list[Story]:
    """Set which story of a group readers see under the site's policy; return those that changed."""
    config = _policy()
    members = list(
        Story.objects.filter(group_id=group_id)
        .select_related("agency")
        .order_by("first_published_at", "id")
    )
    live = [m for m in members if m.state not in (Story.State.KILLED, Story.State.WITHHELD)]
    if config["policy"] == "all" or not live:
        lead_ids = {m.pk for m in members}
    elif config["policy"] == "preferred":
        order = {slug: i for i, slug in enumerate(config["preferred"])}
        lead = min(
            live, key=lambda m: (order.get(m.agency.slug, len(order)), m.first_published_at, m.pk)
        )
        lead_ids = {lead.pk}
    else:  # "first"
        lead_ids = {live[0].pk}
    changed = [m for m in members if m.is_lead != (m.pk in lead_ids)]
    for member in changed:
        member.is_lead = member.pk in lead_ids
        Story.objects.filter(pk=member.pk).update(is_lead=member.is_lead)
    return changed
