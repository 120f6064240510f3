"""The lookups storing a delivery makes, written out.

Asked of every delivery: the ORM's compiling of a hundred ids, or its
get_or_create, took several times the query's own time (benchmarks/ingest.py).
"""

from __future__ import annotations

from datetime import datetime

from django.db import connection

from ..models import Delivery, KillNotice, Story
from .rows import placeholders

CHUNK = 500  # ids a statement


def delivery_id(sha256: str) -> int | None:
    """Return the id of the delivery with these bytes' SHA-256, if stored."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {Delivery._meta.db_table} WHERE sha256 = %s", [sha256])
        row = cursor.fetchone()
    return row[0] if row is not None else None


def known_item_ids(agency_id: int, item_ids: list[str]) -> set[str]:
    """Return which of `item_ids` the agency already has a story for."""
    ids = sorted(set(item_ids))
    known: set[str] = set()
    with connection.cursor() as cursor:
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            # Through the (agency, item) index.
            cursor.execute(
                f"SELECT item_id FROM {Story._meta.db_table} "
                f"WHERE agency_id = %s AND item_id IN ({placeholders(chunk)})",
                [agency_id, *chunk],
            )
            known.update(item_id for (item_id,) in cursor.fetchall())
    return known


def recent_kill_notices(agency_id: int, since: datetime, item_ids: list[str]) -> list[KillNotice]:
    """Return the agency's kill notices since `since` naming one of `item_ids`, or any by words."""
    return list(
        KillNotice.objects.raw(
            f"SELECT * FROM {KillNotice._meta.db_table} WHERE agency_id = %s "
            f"AND received_at >= %s AND (item_id IN ({placeholders(item_ids)}) OR text <> '')",
            [agency_id, connection.ops.adapt_datetimefield_value(since), *item_ids],
        )
    )
