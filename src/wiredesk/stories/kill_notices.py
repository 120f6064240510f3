"""Kill notices: which stories a kill names, by its item id or by its words.

A kill may arrive before its story (the story is then never published) or
as an advisory naming stories by slugline or headline (docs/design.md, lifecycle).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from wiredesk.sources.models import Agency
from wiredesk.wire import WireItem

from . import rules
from .models import KillNotice, Story
from .storage import queries

KILL_NOTICE_DAYS = 7  # a kill advisory names stories of the last week


def named_by(notice: str, story: Story) -> bool:
    """Return True when a kill notice's words name `story` (its id, slug or headline)."""
    return rules.words_name_story(notice, story.item_id, story.slugline, story.headline)


def recent_notices(agency: Agency, now: datetime, item_ids: list[str]) -> list[KillNotice]:
    """Return the agency's recent kill notices that may name a story of `item_ids`:
    by its id, or by words (a kill advisory)."""
    since = now - timedelta(days=KILL_NOTICE_DAYS)
    return queries.recent_kill_notices(agency.pk, since, item_ids)


def notice_names_item(notice: KillNotice, item: WireItem) -> bool:
    """Return True when a kill notice names the story `item` would make."""
    if notice.item_id == item.item_id:
        return True
    if not notice.text:
        return False
    return rules.words_name_story(notice.text, item.item_id, item.slugline or "", item.headline)
