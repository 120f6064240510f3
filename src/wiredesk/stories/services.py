"""Writes for stories: decide what a WireItem means and store it, repeat-safe.

Decide (docs/design.md data flow): a new story, a new version of a known story, a
kill, or a no-op. The lifecycle rules, as code:

- Every version is stored with the raw bytes it came in. Only the newest by
  the agency's own clock becomes the story's text: an old version arriving
  late never overwrites a newer one.
- A kill (`canceled`, a kill signal, or a kill notice naming the story) is
  final: the story answers 410 forever and its URL is never reused. A kill
  that arrives before its story is kept, so the story is never published.
- `withheld` hides a story until a usable version arrives.
- Nothing is visible before its embargo ends; `release_embargoes` publishes it
  when it does.
- Advisories and editor notes are never published.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from django.db import IntegrityError, connection, transaction

from wiredesk.sources.models import Agency, Feed
from wiredesk.wire import WireItem
from wiredesk.wire.notices import notice_text

from . import signals
from .bulk import build, insert_returning_ids, placeholders
from .duplicates import attach_signature, elect_lead, group_new_stories
from .events import agency_actor, record
from .kill_notices import (
    KILL_NOTICE_DAYS,
    killed_in_advance,
    named_by,
    notice_names,
    recent_notices,
)
from .models import Delivery, KillNotice, LifecycleEvent, Story, StoryVersion
from .search import index_stories, unindex_story
from .transitions import (
    CURRENT_FIELDS,
    announce,
    derive,
    kill_story,
    make_current,
    state_for,
)

log = logging.getLogger("wiredesk.stories")
_AGENCY = Story._meta.get_field("agency")
_DELIVERY = StoryVersion._meta.get_field("delivery")
_STORY = StoryVersion._meta.get_field("story")

Action = Literal["published", "updated", "stored", "unchanged", "killed", "skipped"]


@dataclass(frozen=True)
class Outcome:
    """What storing one item did. `stored` means kept but not current (it arrived late)."""

    action: Action
    story: Story | None = None
    version: StoryVersion | None = None
    reason: str = ""


def get_or_create_delivery(data: bytes, feed: Feed | None, origin: str, now: datetime) -> Delivery:
    """Return the Delivery for these bytes, storing them the first time they are seen."""
    digest = hashlib.sha256(data).hexdigest()
    # Looked up and inserted by hand: the ORM's get_or_create took twice the
    # time of writing the bytes (half a millisecond a delivery).
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {Delivery._meta.db_table} WHERE sha256 = %s", [digest])
        row = cursor.fetchone()
    if row is not None:
        return Delivery.objects.get(pk=row[0])
    delivery = build(Delivery, {"sha256": digest, "feed_id": feed.pk if feed else None,
                                "origin": origin[:2000], "received_at": now,
                                "size": len(data), "data": data})  # fmt: skip
    try:
        with transaction.atomic():
            insert_returning_ids([delivery])
    except IntegrityError:  # another worker stored the same bytes meanwhile
        return Delivery.objects.get(sha256=digest)
    return delivery


def _version_fields(item: WireItem, now: datetime) -> dict:
    return {
        "received_at": now,
        "effective_at": item.version_created or item.first_created or now,
        "format": item.format,
        "pub_status": item.pub_status,
        "signal": item.signal or "",
        "first_created": item.first_created,
        "version_created": item.version_created,
        "embargoed_until": item.embargoed_until,
        "urgency": item.urgency,
        "headline": item.headline,
        "slugline": item.slugline or "",
        "byline": item.byline or "",
        "dateline": item.dateline or "",
        "located": item.located or "",
        "language": item.language or "",
        "body_html": item.body_html,
        "body_text": item.body_text,
        "teaser": item.teaser,
        "subjects": item.subjects,
        "keywords": item.keywords,
        "link": item.link or "",
        "creditline": item.creditline or "",
        "ednote": item.ednote or "",
        "text_sha256": hashlib.sha256(item.body_text.encode()).hexdigest(),
    }


def iskill_story(item: WireItem) -> bool:
    """Return True when the item kills its story (docs/design.md: canceled or a kill signal)."""
    return item.pub_status == "canceled" or item.signal == "kill"


def _recordkill_story(agency: Agency, item: WireItem, delivery: Delivery, now: datetime) -> Outcome:
    """Apply a kill: to its own story, and to every recent story a notice's words name."""
    text = notice_text(item) if item.is_advisory else ""
    # One notice an item and text: a canceled item left in a feed comes back at
    # every poll, and would add a row each time.
    notice, _ = KillNotice.objects.get_or_create(
        agency=agency, item_id=item.item_id, text=text,
        defaults={"received_at": now, "delivery": delivery},
    )  # fmt: skip
    targets = list(Story.objects.filter(agency=agency, item_id=item.item_id))
    if text:
        since = now - timedelta(days=KILL_NOTICE_DAYS)
        recent = Story.objects.filter(agency=agency, created_at__gte=since).exclude(
            state=Story.State.KILLED
        )
        targets += [s for s in recent if s not in targets and named_by(text, s)]
    killed = None
    for story in targets:
        version = None
        if story.item_id == item.item_id:
            version, _ = StoryVersion.objects.get_or_create(
                story=story, version=item.version, defaults={"delivery": delivery,
                                                              **_version_fields(item, now)},
            )  # fmt: skip
            story.version_count = story.versions.count()
        why = f"{item.pub_status}/{item.signal} {item.item_id}"
        if story.state != Story.State.KILLED:
            record(LifecycleEvent.Kind.KILLED, agency_actor(agency, delivery.feed), story=story,
                   delivery=delivery, feed=delivery.feed, reason=text or why, at=now)  # fmt: skip
        kill_story(story, version, now, why)
        notice.killed.add(story)
        killed = story
    if killed is None:
        log.warning("kill for unknown story agency=%s item=%s: kept; it will never be published",
                    agency.slug, item.item_id)  # fmt: skip
        return Outcome("skipped", reason="kill for an unknown story: kept for later")
    return Outcome("killed", killed)


def store_item(agency: Agency, item: WireItem, delivery: Delivery, now: datetime) -> Outcome:
    """Store one normalized item of `agency` in one transaction and say what it did.

    Repeat-safe: the same (agency, item id, version) again changes nothing.
    """
    try:
        with transaction.atomic():
            return _store(agency, item, delivery, now)
    except IntegrityError:
        # Another worker stored the same story or version between our read and
        # our write: the constraints kept one copy; ours is the repeat.
        with transaction.atomic():
            return _store(agency, item, delivery, now)


def _store(agency: Agency, item: WireItem, delivery: Delivery, now: datetime) -> Outcome:
    if iskill_story(item):
        return _recordkill_story(agency, item, delivery, now)
    if item.is_advisory:
        # Advisories are for the desk, never a story (docs/design.md, lifecycle).
        log.info("advisory not published agency=%s item=%s", agency.slug, item.item_id)
        return Outcome("skipped", reason="advisory")
    story = Story.objects.select_for_update().filter(agency=agency, item_id=item.item_id).first()
    ids = f"agency={agency.slug} item={item.item_id} version={item.version}"
    if story is None:
        return _create(agency, item, delivery, now, ids)
    if StoryVersion.objects.filter(story=story, version=item.version).exists():
        return Outcome("unchanged", story)
    version = StoryVersion.objects.create(
        story=story, version=item.version or "", delivery=delivery, **_version_fields(item, now)
    )
    story.version_count += 1
    current = story.versions.exclude(pk=version.pk).order_by("-effective_at", "-id").first()
    if story.corrected_by_desk and story.state != Story.State.KILLED:
        # The desk's correction stands: the agency's words wait for an editor
        # to accept them (docs/lifecycle.md), never applied silently. Its
        # status is obeyed at once: a withheld or embargoed version hides the
        # story, a usable one shows it again.
        newest = story.versions.exclude(delivery=None).order_by("-effective_at", "-id").first()
        was = story.state
        if newest is not None and newest.pk == version.pk:
            story.state = Story.State.WITHHELD if story.held_by_desk else state_for(version, now)
        story.save(update_fields=["version_count", "state"])
        record(LifecycleEvent.Kind.HELD, agency_actor(agency, delivery.feed), story=story,
               delivery=delivery, feed=delivery.feed, at=now,
               reason=f"version {item.version} held: the desk's correction stands")  # fmt: skip
        log.info("version held for an editor story=%s state=%s %s", story.pk, story.state, ids)
        if story.state != was:
            if story.state == Story.State.PUBLISHED:
                index_stories([story])
            else:
                unindex_story(story)
            announce("published" if story.state == Story.State.PUBLISHED else "updated", story)
        return Outcome("stored", story, version, reason="held for an editor")
    if story.state == Story.State.KILLED or (
        current and version.effective_at < current.effective_at
    ):
        # A kill is final; an old version arriving late is kept, not shown.
        story.save(update_fields=["version_count"])
        log.info("version kept, not current story=%s %s", story.pk, ids)
        return Outcome("stored", story, version)
    was_visible = story.state == Story.State.PUBLISHED
    make_current(story, version, now)
    story.save()
    index_stories([story])
    if story.group_id:
        elect_lead(story.group_id)  # withheld or back: the group's lead may change
    log.info("updated story=%s state=%s %s", story.pk, story.state, ids)
    if story.state == Story.State.PUBLISHED and not was_visible:
        announce("published", story)
    else:
        announce("updated", story)
    return Outcome("updated", story, version)


def _new_story(agency: Agency, item: WireItem, delivery: Delivery, now: datetime):
    """Return an unsaved new story and its first version."""
    fields = _version_fields(item, now)
    version = build(StoryVersion, {**fields, "story_id": None, "version": item.version,
                                   "delivery_id": delivery.pk, "edited_by_id": None,
                                   "edit_reason": ""})  # fmt: skip
    _DELIVERY.set_cached_value(version, delivery)
    story = build(Story, {
        **{name: fields[name] for name in CURRENT_FIELDS},
        "agency_id": agency.pk, "item_id": item.item_id, "state": Story.State.PUBLISHED,
        "slug": "", "topics": "", "is_correction": False, "killed_at": None,
        "held_by_desk": False, "corrected_by_desk": False,
        "first_published_at": item.first_created or fields["effective_at"],
        "modified_at": fields["effective_at"], "group_id": None, "is_lead": True,
        "minhash": None, "version_count": 1, "created_at": now,
    })  # fmt: skip
    _AGENCY.set_cached_value(story, agency)
    derive(story, version, now)  # the current fields were copied above
    return story, version


def _create(agency, item, delivery, now, ids) -> Outcome:
    story, version = _new_story(agency, item, delivery, now)
    killed_before = killed_in_advance(agency, item, now)
    if killed_before:
        story.state = Story.State.KILLED
        story.killed_at = now
    elif story.state != Story.State.WITHHELD:
        attach_signature(story)
    story.save()
    version.story = story
    version.save()
    if killed_before:
        log.warning("story killed before it arrived, never published story=%s %s", story.pk, ids)
        return Outcome("killed", story, version, reason="killed before it arrived")
    index_stories([story], new=True)
    group_new_stories([story], now)
    log.info("stored story=%s state=%s %s", story.pk, story.state, ids)
    if story.state == Story.State.PUBLISHED:
        announce("published", story)
        return Outcome("published", story, version)
    return Outcome("stored", story, version, reason=str(story.state))


def store_items(
    agency: Agency,
    items: list[WireItem],
    delivery: Delivery,
    now: datetime,
    signatures: dict[tuple[str, str | None], bytes | None] | None = None,
    band_keys: dict[tuple[str, str | None], list[int]] | None = None,
) -> list[Outcome]:
    """Store the items of one delivery in order; say what each did, as `store_item` would.

    A run of items that are plain new stories (not kills, advisories, repeats,
    or stories a kill notice already named) is written with a few statements
    for the whole run; any other item first writes the run before it, then is
    stored on its own. `signatures` may hold MinHashes computed elsewhere, by
    (item id, version), and `band_keys` their band keys (`duplicates.band_shape()`).
    """
    outcomes: list[Outcome] = []
    known = _known_item_ids(agency, items)
    item_ids = sorted({item.item_id for item in items})
    notices = recent_notices(agency, now, item_ids)
    run: list[WireItem] = []
    for item in items:
        plain = not (iskill_story(item) or item.is_advisory or item.item_id in known)
        if plain and not any(notice_names(n, item) for n in notices):
            run.append(item)
            known.add(item.item_id)
            continue
        outcomes += _create_run(agency, run, delivery, now, signatures or {}, band_keys or {})
        run = []
        outcomes.append(store_item(agency, item, delivery, now))
        known.add(item.item_id)
        if iskill_story(item):  # it may name items later in this delivery
            notices = recent_notices(agency, now, item_ids)
    outcomes += _create_run(agency, run, delivery, now, signatures or {}, band_keys or {})
    return outcomes


def _known_item_ids(agency: Agency, items: list[WireItem]) -> set[str]:
    ids = sorted({item.item_id for item in items})
    known: set[str] = set()
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            # Through the (agency, item) index; written out as `_recent_notices` is.
            cursor.execute(
                f"SELECT item_id FROM {Story._meta.db_table} "
                f"WHERE agency_id = %s AND item_id IN ({placeholders(chunk)})",
                [agency.pk, *chunk],
            )
            known.update(item_id for (item_id,) in cursor.fetchall())
    return known


def _create_run(agency, items, delivery, now, signatures, band_keys) -> list[Outcome]:
    if not items:
        return []
    try:
        with transaction.atomic():
            return _create_many(agency, items, delivery, now, signatures, band_keys)
    except IntegrityError:
        # Another worker stored some of these meanwhile: one by one, repeat-safe.
        return [store_item(agency, item, delivery, now) for item in items]


def _create_many(agency, items, delivery, now, signatures, band_keys) -> list[Outcome]:
    pairs = [_new_story(agency, item, delivery, now) for item in items]
    for (story, _), item in zip(pairs, items, strict=True):
        if story.state != Story.State.WITHHELD:
            key = (item.item_id, item.version)
            attach_signature(story, signatures.get(key))
    stories = [story for story, _ in pairs]
    memo: dict = {}  # a story and its version share times and lists: convert them once
    insert_returning_ids(stories, memo)
    for story, version in pairs:
        # Now with its id; set as the descriptor would, without its router checks.
        version.story_id = story.pk
        _STORY.set_cached_value(version, story)
    insert_returning_ids([version for _, version in pairs], memo)
    index_stories(stories, new=True)
    group_new_stories(stories, now, [band_keys.get((i.item_id, i.version)) for i in items])
    published = [story for story in stories if story.state == Story.State.PUBLISHED]
    log.info("stored %d new stories of agency=%s (%d published)", len(stories), agency.slug,
             len(published))  # fmt: skip
    if published:
        signals.announce(published, "published")
    return [
        Outcome("published", story, version)
        if story.state == Story.State.PUBLISHED
        else Outcome("stored", story, version, reason=str(story.state))
        for story, version in pairs
    ]


def release_embargoes(now: datetime) -> list[Story]:
    """Publish every story whose embargo has ended; return them."""
    released = []
    due = Story.objects.filter(state=Story.State.EMBARGOED, embargoed_until__lte=now)
    for story in due.select_related("agency"):
        with transaction.atomic():
            updated = Story.objects.filter(pk=story.pk, state=Story.State.EMBARGOED).update(
                state=Story.State.PUBLISHED
            )
            if updated:  # another node may have released it first
                story.state = Story.State.PUBLISHED
                released.append(story)
                log.info("embargo ended story=%s agency=%s item=%s", story.pk, story.agency.slug,
                         story.item_id)  # fmt: skip
                record(LifecycleEvent.Kind.EMBARGO_ENDED, "embargo", story=story, at=now,
                       reason=f"embargoed until {story.embargoed_until:%Y-%m-%d %H:%M:%S %Z}")  # fmt: skip
                announce("published", story)
    return released
