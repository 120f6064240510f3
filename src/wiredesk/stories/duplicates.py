"""Near-duplicates across agencies: MinHash signatures and LSH bands (datasketch).

The same event from IANS and PTI is grouped. Signatures are MinHash over word
3-shingles; LSH bands are stored in the database (StoryBand), so every web node
and worker sees the same index on SQLite and PostgreSQL alike. A candidate that
shares a band is confirmed by the estimated Jaccard similarity.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from functools import lru_cache

import numpy as np
from datasketch import MinHash
from datasketch.lsh import _optimal_param
from django.conf import settings

from .models import Story, StoryBand

NUM_PERM = 128
SHINGLE = 3


def _policy() -> dict:
    return {
        "policy": "all",
        "preferred": [],
        "threshold": 0.6,
        "window_hours": 48,
        **settings.WIREDESK.get("DUPLICATES", {}),
    }


# datasketch draws its permutations from a seeded generator for every new
# MinHash (most of the cost of a signature): draw them once.
_TEMPLATE = MinHash(num_perm=NUM_PERM)


def signature(text: str) -> np.ndarray | None:
    """Return the MinHash of `text`'s word shingles, or None for too little text."""
    words = text.lower().split()
    if len(words) < SHINGLE + 2:
        return None
    shingles = {f"{a} {b} {c}".encode() for a, b, c in zip(words, words[1:], words[2:])}
    minhash = MinHash(
        num_perm=NUM_PERM, permutations=_TEMPLATE.permutations, scheme=_TEMPLATE.scheme
    )
    minhash.update_batch(list(shingles))
    return minhash.hashvalues.astype(np.uint64)


@lru_cache(maxsize=16)
def _band_shape(threshold: float) -> tuple[int, int]:
    # datasketch integrates numerically to choose (bands, rows): costly, so once a threshold.
    return _optimal_param(threshold, NUM_PERM, 0.5, 0.5)


def _bands(values: np.ndarray, threshold: float) -> list[str]:
    bands, rows = _band_shape(threshold)
    return [
        f"{i}:{hashlib.blake2b(values[i * rows : (i + 1) * rows].tobytes(), digest_size=12).hexdigest()}"
        for i in range(bands)
    ]


def _load(blob: bytes) -> np.ndarray:
    return np.frombuffer(bytes(blob), dtype=np.uint64)


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Return the Jaccard similarity two MinHash signatures estimate."""
    return float(np.count_nonzero(a == b)) / len(a)


def group_new_story(story: Story, now: datetime) -> None:
    """Index a new story and put it in the group of a near-duplicate from another agency."""
    config = _policy()
    values = signature(story.body_text)
    if values is None:
        return
    story.minhash = values.tobytes()
    bands = _bands(values, config["threshold"])
    since = now - timedelta(hours=config["window_hours"])
    candidates = (
        Story.objects.filter(bands__band__in=bands, created_at__gte=since)
        .exclude(agency=story.agency)
        .exclude(pk=story.pk)
        .exclude(state=Story.State.KILLED)
        .distinct()
        .only("pk", "group_id", "minhash")
    )
    best, best_score = None, 0.0
    for candidate in candidates:
        if candidate.minhash is None:
            continue
        score = jaccard(values, _load(candidate.minhash))
        if score >= config["threshold"] and score > best_score:
            best, best_score = candidate, score
    StoryBand.objects.bulk_create([StoryBand(story=story, band=band) for band in bands])
    if best is not None:
        story.group_id = best.group_id or best.pk
        if best.group_id is None:
            Story.objects.filter(pk=best.pk).update(group_id=best.pk)
    story.save(update_fields=["minhash", "group_id"])
    if story.group_id:
        elect_lead(story.group_id)


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
