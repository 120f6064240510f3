"""An agency's items, stored: ask the rules what each means, then carry it out, repeat-safe.

What an item does (a new story, a new version shown or kept, a kill, or
nothing) is decided by `rules.decide_item` from the facts item_facts.py reads;
every version is stored with the raw bytes it came in, and every new story is
made by new_stories.py. How rows and indexes are written fast is storage/'s
business; which signal tells the surfaces is transitions.py's; releases.py
publishes what waited for its embargo or delay.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction

from wiredesk.sources.models import Agency, Feed
from wiredesk.wire import WireItem
from wiredesk.wire.notices import notice_text

from . import rules
from .duplicates import elect_lead
from .events import agency_actor, record
from .item_facts import _incoming, _sections, _version_fields
from .kill_notices import KILL_NOTICE_DAYS, named_by
from .models import Delivery, KillNotice, LifecycleEvent, SectionRule, Story, StoryVersion
from .new_stories import _create
from .outcomes import Outcome
from .storage import Batch, queries, search_index
from .storage.rows import build, insert_returning_ids
from .transitions import announce_story, kill_story, known_of, make_current, newest_agency_version

log = logging.getLogger("wiredesk.stories")


def get_or_create_delivery(
    data: bytes, feed: Feed | None, origin: str, now: datetime, repairs: list | None = None
) -> Delivery:
    """Return the Delivery for these bytes, storing them the first time they are seen.

    `repairs` is what had to be mended to read them ([name, detail] pairs).
    """
    digest = hashlib.sha256(data).hexdigest()
    # Not the ORM's get_or_create: it took longer than writing the bytes (docs/benchmarks.md).
    known = queries.delivery_id(digest)
    if known is not None:
        return Delivery.objects.get(pk=known)
    delivery = build(
        Delivery,
        {
            "sha256": digest,
            "feed_id": feed.pk if feed else None,
            "origin": origin[:2000],
            "received_at": now,
            "size": len(data),
            "data": data,
            "repairs": repairs or [],
        },
    )
    try:
        with transaction.atomic():
            insert_returning_ids([delivery])
    except IntegrityError:  # another worker stored the same bytes meanwhile
        return Delivery.objects.get(sha256=digest)
    return delivery


def _kills(item: WireItem) -> bool:
    return rules.kills(item.pub_status, item.signal)


def _record_kill(
    agency: Agency, item: WireItem, delivery: Delivery, now: datetime, batch: Batch | None
) -> Outcome:
    """Apply a kill: to its own story, and to every recent story a notice's words name."""
    text = notice_text(item) if item.is_advisory else ""
    # One notice an item and text: a canceled item left in a feed comes back at
    # every poll, and would add a row each time.
    notice, _ = KillNotice.objects.get_or_create(
        agency=agency,
        item_id=item.item_id,
        text=text,
        defaults={"received_at": now, "delivery": delivery},
    )
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
                story=story,
                version=item.version,
                defaults={"delivery": delivery, **_version_fields(item, now)},
            )
            story.version_count = story.versions.count()
        why = f"{item.pub_status}/{item.signal} {item.item_id}"
        if story.state != Story.State.KILLED:
            record(
                LifecycleEvent.Kind.KILLED,
                agency_actor(agency, delivery.feed),
                story=story,
                delivery=delivery,
                feed=delivery.feed,
                reason=text or why,
                at=now,
            )
        kill_story(story, version, now, why, batch)
        notice.killed.add(story)
        killed = story
    if killed is None:
        log.warning(
            "kill for unknown story agency=%s item=%s: kept; it will never be published",
            agency.slug,
            item.item_id,
        )
        return Outcome("skipped", reason="kill for an unknown story: kept for later")
    return Outcome("killed", killed)


def store_item(
    agency: Agency,
    item: WireItem,
    delivery: Delivery,
    now: datetime,
    batch: Batch | None = None,
    policy: rules.Policy | None = None,
) -> Outcome:
    """Store one normalized item of `agency` in one transaction and say what it did.

    Repeat-safe: the same (agency, item id, version) again changes nothing. A
    `batch` holds index writes until it ends (storage.Batch); `policy` is the
    feed's publishing policy for a new story (`policy_of`).
    """
    try:
        with transaction.atomic():
            return _store(agency, item, delivery, now, batch, policy)
    except IntegrityError:
        # Another worker stored the same story or version between our read and
        # our write: the constraints kept one copy; ours is the repeat.
        with transaction.atomic():
            return _store(agency, item, delivery, now, batch, policy)


def policy_of(feed: Feed | None) -> rules.Policy | None:
    """Return what a feed's configuration says of new stories: its publishing policy, and
    the site's routing rules into sections (read now: a rule made a moment ago applies)."""
    if feed is None:
        return None
    routes = tuple(
        rules.Route(*row)
        for row in SectionRule.objects.values_list("section__slug", "kind", "value")
    )
    agency = feed.agency
    # The feed's own mode, or its agency's; the hold rules of both apply.
    by = agency if feed.publishing == Feed.Publishing.AGENCY else feed
    urgencies = [u for u in (feed.hold_urgency, agency.hold_urgency) if u is not None]
    return rules.Policy(
        mode=by.publishing,
        delay=timedelta(minutes=by.publish_delay_minutes),
        hold_urgency=max(urgencies) if urgencies else None,
        hold_words=feed.hold_words + agency.hold_words,
        feed=feed.slug,
        agency=agency.slug,
        routes=routes,
    )


def _store(
    agency: Agency,
    item: WireItem,
    delivery: Delivery,
    now: datetime,
    batch: Batch | None,
    policy: rules.Policy | None,
) -> Outcome:
    ids = f"agency={agency.slug} item={item.item_id} version={item.version}"
    incoming = _incoming(item, now)
    if _kills(item) or item.is_advisory:  # whatever is stored of the story
        decision = rules.decide_item(None, incoming, now)
        if decision.step == rules.Step.KILL:
            return _record_kill(agency, item, delivery, now, batch)
        # Advisories are for the desk, never a story (docs/design.md, lifecycle).
        log.info("advisory not published %s", ids)
        return Outcome("skipped", reason=decision.reason)
    story = Story.objects.select_for_update().filter(agency=agency, item_id=item.item_id).first()
    if story is None:  # a new story: a run of one through the one creation path
        [outcome] = _create(agency, [item], delivery, now, batch, policy)
        return outcome
    stored = StoryVersion.objects.filter(story=story, version=item.version).exists()
    newest = None if stored else newest_agency_version(story)
    decision = rules.decide_item(known_of(story, newest, now), incoming, now, version_stored=stored)
    if decision.step == rules.Step.REPEAT:
        return Outcome("unchanged", story)
    version = StoryVersion.objects.create(
        story=story, version=item.version or "", delivery=delivery, **_version_fields(item, now)
    )
    story.version_count += 1
    if decision.step == rules.Step.KEEP:
        # A kill is final; an old version arriving late is kept, not shown.
        story.save(update_fields=["version_count"])
        log.info("version kept, not current story=%s %s: %s", story.pk, ids, decision.reason)
        return Outcome("stored", story, version)
    if decision.step == rules.Step.KEEP_FOR_EDITOR:
        # The desk's correction stands (docs/lifecycle.md): the words wait for
        # an editor; the status is obeyed at once.
        was, story.state = story.state, decision.state
        story.save(update_fields=["version_count", "state"])
        record(
            LifecycleEvent.Kind.HELD,
            agency_actor(agency, delivery.feed),
            story=story,
            delivery=delivery,
            feed=delivery.feed,
            at=now,
            reason=f"version {item.version} {decision.reason}",
        )
        log.info("version held for an editor story=%s state=%s %s", story.pk, story.state, ids)
        if story.state != was:
            _show_or_hide(story, batch)
            announce_story(
                "published" if story.state == Story.State.PUBLISHED else "updated", story
            )
        return Outcome("stored", story, version, reason="held for an editor")
    was_visible = story.state == Story.State.PUBLISHED
    make_current(story, version, now)
    if policy is not None and not story.sections_by_desk:
        story.sections = _sections(policy, item)  # the new words may route it elsewhere
    story.save()
    search_index.add([story], batch=batch)
    if story.group_id:
        elect_lead(story.group_id)  # withheld or back: the group's lead may change
    log.info("updated story=%s state=%s %s", story.pk, story.state, ids)
    if story.state == Story.State.PUBLISHED and not was_visible:
        announce_story("published", story)
    else:
        announce_story("updated", story)
    return Outcome("updated", story, version)


def _show_or_hide(story: Story, batch: Batch | None = None) -> None:
    if story.state == Story.State.PUBLISHED:
        search_index.add([story], batch=batch)
    else:
        search_index.remove(story, batch)


def store_items(
    agency: Agency,
    items: list[WireItem],
    delivery: Delivery,
    now: datetime,
    signatures: dict[tuple[str, str | None], bytes | None] | None = None,
    band_keys: dict[tuple[str, str | None], list[int]] | None = None,
    batch: Batch | None = None,
    policy: rules.Policy | None = None,
) -> list[Outcome]:
    """Store the items of one delivery in order; say what each did, as `store_item` would.

    A run of items that would each make a new story (not kills, advisories, or
    items of a stored story) is created with a few statements for the whole
    run, as `store_item` creates one (`_create`); any other item first writes
    the run before it, then is stored on its own. `signatures` may hold
    MinHashes computed elsewhere, by (item id, version), and `band_keys` their
    band keys (`duplicates.band_shape()`); a `batch` holds index writes until
    it ends; `policy` is the feed's publishing policy for new stories.
    """
    outcomes: list[Outcome] = []
    known = queries.known_item_ids(agency.pk, sorted({item.item_id for item in items}))
    run: list[WireItem] = []
    extra = (signatures or {}, band_keys or {}, batch, policy)
    for item in items:
        if not (_kills(item) or item.is_advisory or item.item_id in known):
            run.append(item)
            known.add(item.item_id)
            continue
        # The run first: a kill may name one of its stories, and the run after
        # it reads the kill's notice (its stories are then created killed).
        outcomes += _create_run(agency, run, delivery, now, *extra)
        run = []
        outcomes.append(store_item(agency, item, delivery, now, batch, policy))
        known.add(item.item_id)
    outcomes += _create_run(agency, run, delivery, now, *extra)
    return outcomes


def _create_run(
    agency: Agency,
    items: list[WireItem],
    delivery: Delivery,
    now: datetime,
    signatures: dict[tuple[str, str | None], bytes | None],
    band_keys: dict[tuple[str, str | None], list[int]],
    batch: Batch | None,
    policy: rules.Policy | None,
) -> list[Outcome]:
    if not items:
        return []
    try:
        with transaction.atomic():
            return _create(agency, items, delivery, now, batch, policy, signatures, band_keys)
    except IntegrityError:
        # Another worker stored some of these meanwhile: one by one, repeat-safe.
        return [store_item(agency, item, delivery, now, batch, policy) for item in items]
