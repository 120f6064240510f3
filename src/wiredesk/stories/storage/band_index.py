"""The near-duplicate band index, and the story queries grouping makes on every delivery.

The bands are kept in the database, so every worker sees the same index
(migration 0006). On SQLite, an FTS5 table whose tokens are the band keys:
keys are hashes, so a B-tree of them took each new story's eighteen at random
places and every commit rewrote pages all over it (most of the cost of a
backfill, benchmarks/ingest.py); FTS5 writes new keys in sorted runs. On
PostgreSQL, a row a key under a B-tree index, whose lookups its planner
estimates well. The queries are written out: asked of every delivery, the
ORM's compiling took longer than running them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

from django.db import connection
from django.db.models import Q

from wiredesk.sources.models import Agency

from ..models import Story
from .rows import placeholders

if TYPE_CHECKING:
    from .batch import Batch

BANDS_TABLE = "story_bands"
CHUNK = 500  # band keys, or story ids, a query
NOTE_EVERY = timedelta(minutes=1)  # how fresh an agency's "last stored" is kept
# A band key as its FTS5 token: eight hex digits.
TOKEN = "%08x"
_token = TOKEN.__mod__


@lru_cache(maxsize=16)
def _tokens_format(count: int) -> str:
    # A story's keys as its tokens in one formatting, not one a key (faster: docs/benchmarks.md).
    return " ".join([TOKEN] * count)


def add(entries: list[tuple[int, list[int]]], batch: Batch | None = None) -> None:
    """Add (story id, band keys) pairs to the index; with a `batch`, when it ends.

    A batch's own stories are then never each other's candidates: a batch is
    one agency's, and an agency's stories are never its duplicates.
    """
    if batch is not None:
        batch.bands.update(entries)
    elif entries:
        _write(entries)


def write_held(held: dict[int, list[int]]) -> None:
    """Write the bands a batch held back, of its stories still stored (a savepoint may
    have been rolled back)."""
    if held:
        signed = _signed(list(held))
        _write([(pk, keys) for pk, keys in held.items() if pk in signed])


def _write(entries: list[tuple[int, list[int]]]) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # VALUES, never INSERT ... SELECT: FTS5 writes out what it holds at
            # each statement's savepoint, so that form costs a flush a row.
            cursor.executemany(
                f"INSERT INTO {BANDS_TABLE} (rowid, bands) VALUES (%s, %s)",
                [(pk, _tokens_format(len(keys)) % tuple(keys)) for pk, keys in entries],
            )
        else:
            cursor.executemany(
                f"INSERT INTO {BANDS_TABLE} (story_id, band) SELECT %s, unnest(%s::bigint[])",
                entries,
            )


def _signed(story_ids: list[int]) -> set[int]:
    """Return which of `story_ids` are stored stories with a signature."""
    found: set[int] = set()
    with connection.cursor() as cursor:
        for start in range(0, len(story_ids), CHUNK):
            chunk = story_ids[start : start + CHUNK]
            cursor.execute(
                f"SELECT id FROM {Story._meta.db_table} "
                f"WHERE id IN ({placeholders(chunk)}) AND minhash IS NOT NULL",
                chunk,
            )
            found.update(pk for (pk,) in cursor.fetchall())
    return found


def stories_sharing(keys: list[int], since: datetime, exclude_agency: int | None) -> list:
    """Return (id, agency id, group id, minhash) of live stories since `since` sharing a band."""
    story = Story._meta.db_table
    if connection.vendor == "sqlite":
        # Every key a quoted token: nothing reaches FTS5's query syntax.
        match = " OR ".join(f'"{_token(key)}"' for key in keys)
        shared = f"s.id IN (SELECT rowid FROM {BANDS_TABLE} WHERE {BANDS_TABLE} MATCH %s)"
        params: list = [match]
    else:
        shared = f"s.id IN (SELECT story_id FROM {BANDS_TABLE} WHERE band = ANY(%s))"
        params = [keys]
    sql = (
        f"SELECT s.id, s.agency_id, s.group_id, s.minhash FROM {story} s "
        f"WHERE {shared} AND s.created_at >= %s AND s.state <> %s AND s.minhash IS NOT NULL"
    )
    params += [connection.ops.adapt_datetimefield_value(since), Story.State.KILLED]
    if exclude_agency is not None:
        sql += " AND s.agency_id <> %s"
        params.append(exclude_agency)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def others_since(agency_id: int, since: datetime) -> bool:
    """Return True when another agency has stored a story since `since` (to a minute)."""
    return Agency.objects.filter(last_stored_at__gte=since).exclude(pk=agency_id).exists()


def note_stored(agency_id: int, now: datetime) -> None:
    """Note that the agency stored a story at `now`.

    Written at most once a minute an agency: a delivery that finds the note
    fresh writes nothing, so concurrent deliveries of one agency do not queue
    on its row (PostgreSQL locks only the rows an UPDATE changes).
    """
    stale = Q(last_stored_at__isnull=True) | Q(last_stored_at__lt=now - NOTE_EVERY)
    Agency.objects.filter(stale, pk=agency_id).update(last_stored_at=now)


def set_groups(grouped: dict[int, int]) -> None:
    """Store each story's group ({story id: group id})."""
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {Story._meta.db_table} SET group_id = %s WHERE id = %s",
            [(group_id, pk) for pk, group_id in grouped.items()],
        )


def set_leads(stories: list[Story]) -> None:
    """Store whether each story leads its group (`is_lead`)."""
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {Story._meta.db_table} SET is_lead = %s WHERE id = %s",
            [(story.is_lead, story.pk) for story in stories],
        )
