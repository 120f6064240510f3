"""Link a delivery's new stories to their versions in other languages, by the agency's identifiers."""

from __future__ import annotations

from wiredesk.site.translations import keep_identifiers
from wiredesk.stories.outcomes import Outcome
from wiredesk.syndication.outbox import queue_purge
from wiredesk.wire import WireItem


def link_translations(items: list[WireItem], outcomes: list[Outcome]) -> None:
    """Keep each stored story's alternative identifiers; one it shares with a story in
    another language links the two (site/translations.py), and purges both pages."""
    wanted = {item.item_id: item.alt_ids for item in items if item.alt_ids}
    if not wanted:
        return
    changed: set[int] = set()
    for outcome in outcomes:
        story = outcome.story
        if story is not None and outcome.version is not None and story.item_id in wanted:
            changed.update(keep_identifiers(story, wanted[story.item_id]))
    if changed:
        ids = sorted(changed)
        queue_purge([f"story-{pk}" for pk in ids], ids)
