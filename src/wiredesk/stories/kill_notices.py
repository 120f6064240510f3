"""Kill notices: which stories a kill names, by its item id or by its words.

A kill may arrive before its story (the story is then never published) or
as an advisory naming stories by slugline or headline (docs/design.md, lifecycle).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from django.db import connection

from wiredesk.sources.models import Agency
from wiredesk.wire import WireItem

from .bulk import placeholders
from .models import KillNotice, Story

KILL_NOTICE_DAYS = 7  # a kill advisory names stories of the last week


def named_by(notice: str, story: Story) -> bool:
    """Return True when a kill notice's words name `story` (its id, slug or headline)."""
    lowered = notice.lower()
    if story.item_id.lower() in lowered:
        return True
    if story.slugline and re.search(
        rf"(?<![\w-]){re.escape(story.slugline.lower())}(?![\w-])", lowered
    ):
        return True
    return len(story.headline.split()) >= 4 and story.headline.lower() in lowered


def recent_notices(agency: Agency, now: datetime, item_ids: list[str]) -> list[KillNotice]:
    """Return the agency's recent kill notices that may name a story of `item_ids`:
    by its id, or by words (a kill advisory)."""
    since = now - timedelta(days=KILL_NOTICE_DAYS)
    # Written out: asked of every delivery, and the ORM's compiling of a
    # hundred ids took ten times the query's own time (benchmarks/ingest.py).
    return list(
        KillNotice.objects.raw(
            f"SELECT * FROM {KillNotice._meta.db_table} WHERE agency_id = %s "
            f"AND received_at >= %s AND (item_id IN ({placeholders(item_ids)}) OR text <> '')",
            [agency.pk, connection.ops.adapt_datetimefield_value(since), *item_ids],
        )
    )


def notice_names(notice: KillNotice, item: WireItem) -> bool:
    """Return True when a kill notice names the story `item` would make."""
    if notice.item_id == item.item_id:
        return True
    if not notice.text:
        return False
    probe = Story(item_id=item.item_id, slugline=item.slugline or "", headline=item.headline)
    return named_by(notice.text, probe)


def killed_in_advance(agency: Agency, item: WireItem, now: datetime) -> bool:
    """Return True when a kill for this story arrived before the story did."""
    notices = recent_notices(agency, now, [item.item_id])
    return any(notice_names(notice, item) for notice in notices)
