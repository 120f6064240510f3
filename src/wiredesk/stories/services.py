"""An agency's items, stored: ask the rules what each means, then carry it out, repeat-safe.

What an item does (a new story, a new version shown or kept, a kill, or
nothing) is decided by `rules.decide_item` from the facts read here; every
version is stored with the raw bytes it came in. How rows and indexes are
written fast is storage/'s business; which signal tells the surfaces is
transitions.py's; releases.py publishes what waited for its embargo or delay.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, NamedTuple

from django.db import IntegrityError, transaction

from wiredesk.sources.models import Agency, Feed
from wiredesk.wire import WireItem
from wiredesk.wire.notices import notice_text

from . import rules, signals
from .duplicates import attach_signature, elect_lead, group_new_stories
from .events import agency_actor, record
from .kill_notices import (
    KILL_NOTICE_DAYS,
    named_by,
    notice_names_item,
    recent_notices,
)
from .models import Delivery, KillNotice, LifecycleEvent, SectionRule, Story, StoryVersion
from .storage import Batch, band_index, queries, search_index
from .storage.rows import attach, build, insert_returning_ids
from .transitions import (
    CURRENT_FIELDS,
    announce_story,
    derive,
    kill_story,
    known_of,
    make_current,
    newest_agency_version,
)

log = logging.getLogger("wiredesk.stories")

# What storing an agency's item did to its story (an `Outcome`'s `action`); an
# editor's hand actions are `rules.Action`.
ItemAction = Literal["published", "updated", "stored", "unchanged", "killed", "skipped"]


@dataclass(frozen=True)
class Outcome:
    """What storing one item did. `stored` means kept but not current (it arrived late)."""

    action: ItemAction
    story: Story | None = None
    version: StoryVersion | None = None
    reason: str = ""


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


def _incoming(item: WireItem, now: datetime) -> rules.Incoming:
    return rules.Incoming(
        pub_status=item.pub_status,
        signal=item.signal,
        is_advisory=item.is_advisory,
        effective_at=item.version_created or item.first_created or now,
        embargoed_until=item.embargoed_until,
    )


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


def _sections(policy: rules.Policy | None, item: WireItem) -> str:
    if policy is None or not policy.routes:
        return ""
    return rules.route(
        policy.routes, policy.feed, policy.agency, item.subjects, item.keywords, item.headline
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
