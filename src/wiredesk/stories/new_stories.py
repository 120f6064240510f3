"""The one way a story is made: an agency's new items, one or a delivery's run of them,
created as the rules decide, with a few statements for the whole run.

services.py sends here each item that names no stored story and is neither a
kill nor an advisory; each comes back as an `Outcome`.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import NamedTuple

from wiredesk.sources.models import Agency
from wiredesk.wire import WireItem

from . import rules, signals
from .duplicates import attach_signature, group_new_stories
from .events import agency_actor
from .item_facts import _incoming, _sections, _version_fields
from .kill_notices import notice_names_item, recent_notices
from .models import Delivery, LifecycleEvent, Story, StoryVersion
from .outcomes import Outcome
from .storage import Batch, band_index, search_index
from .storage.rows import attach, build, insert_returning_ids
from .transitions import CURRENT_FIELDS, derive

log = logging.getLogger("wiredesk.stories")


def _new_story(
    agency: Agency, item: WireItem, delivery: Delivery, now: datetime, policy: rules.Policy | None
) -> tuple[Story, StoryVersion, rules.Hold]:
    """Return an unsaved new story, its first version, and what its feed's policy said."""
    fields = _version_fields(item, now)
    version = build(
        StoryVersion,
        {
            **fields,
            "story_id": None,
            "version": item.version,
            "delivery_id": delivery.pk,
            "edited_by_id": None,
            "edit_reason": "",
        },
    )
    attach(version, "delivery", delivery)
    story = build(
        Story,
        {
            **{name: fields[name] for name in CURRENT_FIELDS},
            "agency_id": agency.pk,
            "item_id": item.item_id,
            "state": Story.State.PUBLISHED,
            "slug": "",
            "topics": "",
            "is_correction": False,
            "killed_at": None,
            "killed_by_desk": False,
            "withdrawn_note": "",
            "held_by_desk": False,
            "corrected_by_desk": False,
            "held_for_editor": False,
            "release_at": None,
            "published_at": None,
            "sections": _sections(policy, item),
            "sections_by_desk": False,
            "first_published_at": item.first_created or fields["effective_at"],
            "modified_at": fields["effective_at"],
            "group_id": None,
            "is_lead": True,
            "minhash": None,
            "version_count": 1,
            "created_at": now,
        },
    )
    attach(story, "agency", agency)
    hold = rules.Hold(False)
    if policy is not None:
        words = [*item.keywords, *(s.get("name") or "" for s in item.subjects)]
        hold = rules.policy_hold(policy, item.urgency, words, now)
        story.held_for_editor, story.release_at = hold.held, hold.release_at
    derive(story, version, now)  # the current fields were copied above
    return story, version, hold


def _log_holds(
    agency: Agency, delivery: Delivery, held: list[tuple[Story, rules.Hold]], now: datetime
) -> None:
    """Log each new story its feed's policy held (one statement)."""
    actor = agency_actor(agency, delivery.feed).replace("agency ", "publishing policy of ", 1)
    LifecycleEvent.objects.bulk_create(
        [
            LifecycleEvent(
                at=now,
                kind=LifecycleEvent.Kind.ON_HOLD,
                story_id=story.pk,
                agency_id=agency.pk,
                feed_id=delivery.feed_id,
                delivery_id=delivery.pk,
                actor=actor[:300],
                reason=hold.reason,
            )
            for story, hold in held
        ]
    )


class _New(NamedTuple):
    """A new story the rules let be created, not yet stored: its first version, what its
    feed's policy said, the rules' decision, and the item it came from."""

    story: Story
    version: StoryVersion
    hold: rules.Hold
    decision: rules.Decision
    item: WireItem


def _create(
    agency: Agency,
    items: list[WireItem],
    delivery: Delivery,
    now: datetime,
    batch: Batch | None,
    policy: rules.Policy | None,
    signatures: dict[tuple[str, str | None], bytes | None] | None = None,
    band_keys: dict[tuple[str, str | None], list[int]] | None = None,
) -> list[Outcome]:
    """Create the stories of new items, in order, as the rules decide: the one way a story is made.

    `items` name no stored story and are neither kills nor advisories (`_store`
    stores those): one item (`store_item`), or a delivery's run of them
    (`store_items`), written with a few statements for the whole run. Each is
    created in the state the rules give it: killed, when a kill notice named it
    before it came (stored, never shown, never announced). The others are put
    in the search index, their bands noted and grouped with near-duplicates,
    their feed's holds logged, and the published ones announced. `signatures`
    and `band_keys` may hold what was computed elsewhere, by (item id, version).
    """
    signatures, band_keys = signatures or {}, band_keys or {}
    notices = recent_notices(agency, now, sorted({item.item_id for item in items}))
    entries: list[Outcome | _New] = []
    for item in items:
        early = any(notice_names_item(notice, item) for notice in notices)
        decision = rules.decide_item(None, _incoming(item, now), now, killed_in_advance=early)
        if decision.step != rules.Step.CREATE:  # refused: no story
            log.info(
                "not a story agency=%s item=%s version=%s: %s",
                agency.slug,
                item.item_id,
                item.version,
                decision.reason,
            )
            entries.append(Outcome("skipped", reason=decision.reason))
            continue
        story, version, hold = _new_story(agency, item, delivery, now, policy)
        if decision.state == rules.KILLED:
            story.state, story.killed_at, story.published_at = Story.State.KILLED, now, None
        elif story.state != Story.State.WITHHELD:
            attach_signature(story, signatures.get((item.item_id, item.version)))
        entries.append(_New(story, version, hold, decision, item))
    new = [entry for entry in entries if isinstance(entry, _New)]
    memo: dict = {}  # a story and its version share times and lists: convert them once
    insert_returning_ids([entry.story for entry in new], memo)
    for entry in new:
        entry.version.story_id = entry.story.pk
        attach(entry.version, "story", entry.story)
    insert_returning_ids([entry.version for entry in new], memo)
    live = [entry for entry in new if entry.story.state != Story.State.KILLED]
    stories = [entry.story for entry in live]
    for entry in new:
        if entry.story.state == Story.State.KILLED:
            log.warning(
                "story killed before it arrived, never published story=%s agency=%s item=%s",
                entry.story.pk,
                agency.slug,
                entry.item.item_id,
            )
    if stories:
        search_index.add(stories, new=True, batch=batch)
        band_index.note_stored(agency.pk, now)
        keys = [band_keys.get((entry.item.item_id, entry.item.version)) for entry in live]
        group_new_stories(stories, now, keys, batch)
    held = [(entry.story, entry.hold) for entry in live if entry.hold.held]
    if held:
        _log_holds(agency, delivery, held, now)
    published = [story for story in stories if story.state == Story.State.PUBLISHED]
    log.info(
        "stored %d new stories of agency=%s (%d published)", len(new), agency.slug, len(published)
    )
    if published:
        signals.announce(published, "published")
    return [entry if isinstance(entry, Outcome) else _created(entry) for entry in entries]


def _created(entry: _New) -> Outcome:
    story, version = entry.story, entry.version
    if story.state == Story.State.KILLED:
        return Outcome("killed", story, version, reason=entry.decision.reason)
    if story.state == Story.State.PUBLISHED:
        return Outcome("published", story, version)
    return Outcome("stored", story, version, reason=str(story.state))
