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
from typing import Literal

from django.db import IntegrityError, transaction

from wiredesk.sources.models import Agency, Feed
from wiredesk.wire import WireItem
from wiredesk.wire.notices import notice_text

from . import rules, signals
from .duplicates import attach_signature, elect_lead, group_new_stories
from .events import agency_actor, record
from .kill_notices import (
    KILL_NOTICE_DAYS,
    killed_in_advance,
    named_by,
    notice_names,
    recent_notices,
)
from .models import Delivery, KillNotice, LifecycleEvent, SectionRule, Story, StoryVersion
from .storage import Batch, band_index, queries, search_index
from .storage.rows import attach, build, insert_returning_ids
from .transitions import (
    CURRENT_FIELDS,
    announce,
    derive,
    kill_story,
    known_of,
    make_current,
    newest_agency_version,
)

log = logging.getLogger("wiredesk.stories")

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
    # Not the ORM's get_or_create: it took twice the time of writing the bytes.
    known = queries.delivery_id(digest)
    if known is not None:
        return Delivery.objects.get(pk=known)
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


def _incoming(item: WireItem, now: datetime) -> rules.Incoming:
    return rules.Incoming(
        pub_status=item.pub_status, signal=item.signal, is_advisory=item.is_advisory,
        effective_at=item.version_created or item.first_created or now,
        embargoed_until=item.embargoed_until,
    )  # fmt: skip


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
        kill_story(story, version, now, why, batch)
        notice.killed.add(story)
        killed = story
    if killed is None:
        log.warning("kill for unknown story agency=%s item=%s: kept; it will never be published",
                    agency.slug, item.item_id)  # fmt: skip
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
    routes = tuple(rules.Route(*row) for row in
                   SectionRule.objects.values_list("section__slug", "kind", "value"))  # fmt: skip
    agency = feed.agency
    # The feed's own mode, or its agency's; the hold rules of both apply.
    by = agency if feed.publishing == Feed.Publishing.AGENCY else feed
    urgencies = [u for u in (feed.hold_urgency, agency.hold_urgency) if u is not None]
    return rules.Policy(mode=by.publishing, delay=timedelta(minutes=by.publish_delay_minutes),
                        hold_urgency=max(urgencies) if urgencies else None,
                        hold_words=feed.hold_words + agency.hold_words,
                        feed=feed.slug, agency=agency.slug, routes=routes)  # fmt: skip


def _sections(policy: rules.Policy | None, item: WireItem) -> str:
    if policy is None or not policy.routes:
        return ""
    return rules.route(policy.routes, policy.feed, policy.agency, item.subjects, item.keywords,
                       item.headline)  # fmt: skip


def _store(agency, item: WireItem, delivery, now, batch: Batch | None, policy) -> Outcome:
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
    if story is None:
        early = killed_in_advance(agency, item, now)
        decision = rules.decide_item(None, incoming, now, killed_in_advance=early)
        return _create(agency, item, delivery, now, ids, decision, batch, policy)
    stored = StoryVersion.objects.filter(story=story, version=item.version).exists()
    newest = None if stored else newest_agency_version(story)
    decision = rules.decide_item(known_of(story, newest, now), incoming, now,
                                 version_stored=stored)  # fmt: skip
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
        record(LifecycleEvent.Kind.HELD, agency_actor(agency, delivery.feed), story=story,
               delivery=delivery, feed=delivery.feed, at=now,
               reason=f"version {item.version} {decision.reason}")  # fmt: skip
        log.info("version held for an editor story=%s state=%s %s", story.pk, story.state, ids)
        if story.state != was:
            _show_or_hide(story, batch)
            announce("published" if story.state == Story.State.PUBLISHED else "updated", story)
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
        announce("published", story)
    else:
        announce("updated", story)
    return Outcome("updated", story, version)


def _show_or_hide(story: Story, batch: Batch | None = None) -> None:
    if story.state == Story.State.PUBLISHED:
        search_index.add([story], batch=batch)
    else:
        search_index.remove(story, batch)


def _new_story(agency: Agency, item: WireItem, delivery: Delivery, now: datetime,
               policy: rules.Policy | None):  # fmt: skip
    """Return an unsaved new story, its first version, and what its feed's policy said."""
    fields = _version_fields(item, now)
    version = build(StoryVersion, {**fields, "story_id": None, "version": item.version,
                                   "delivery_id": delivery.pk, "edited_by_id": None,
                                   "edit_reason": ""})  # fmt: skip
    attach(version, "delivery", delivery)
    story = build(Story, {
        **{name: fields[name] for name in CURRENT_FIELDS},
        "agency_id": agency.pk, "item_id": item.item_id, "state": Story.State.PUBLISHED,
        "slug": "", "topics": "", "is_correction": False, "killed_at": None,
        "held_by_desk": False, "corrected_by_desk": False, "held_for_editor": False,
        "release_at": None, "published_at": None, "sections": _sections(policy, item),
        "sections_by_desk": False,
        "first_published_at": item.first_created or fields["effective_at"],
        "modified_at": fields["effective_at"], "group_id": None, "is_lead": True,
        "minhash": None, "version_count": 1, "created_at": now,
    })  # fmt: skip
    attach(story, "agency", agency)
    hold = rules.Hold(False)
    if policy is not None:
        words = [*item.keywords, *(s.get("name") or "" for s in item.subjects)]
        hold = rules.policy_hold(policy, item.urgency, words, now)
        story.held_for_editor, story.release_at = hold.held, hold.release_at
    derive(story, version, now)  # the current fields were copied above
    return story, version, hold


def _log_holds(agency: Agency, delivery: Delivery, held: list[tuple[Story, rules.Hold]],
               now: datetime) -> None:  # fmt: skip
    """Log each new story its feed's policy held (one statement)."""
    actor = agency_actor(agency, delivery.feed).replace("agency ", "publishing policy of ", 1)
    LifecycleEvent.objects.bulk_create([
        LifecycleEvent(at=now, kind=LifecycleEvent.Kind.ON_HOLD, story_id=story.pk,
                       agency_id=agency.pk, feed_id=delivery.feed_id, delivery_id=delivery.pk,
                       actor=actor[:300], reason=hold.reason)
        for story, hold in held
    ])  # fmt: skip


def _create(agency, item, delivery, now, ids, decision: rules.Decision, batch, policy) -> Outcome:
    story, version, hold = _new_story(agency, item, delivery, now, policy)
    if decision.state == rules.KILLED:
        story.state = Story.State.KILLED
        story.killed_at = now
        story.published_at = None
    elif story.state != Story.State.WITHHELD:
        attach_signature(story)
    story.save()
    version.story = story
    version.save()
    if story.state == Story.State.KILLED:
        log.warning("story killed before it arrived, never published story=%s %s", story.pk, ids)
        return Outcome("killed", story, version, reason=decision.reason)
    search_index.add([story], new=True, batch=batch)
    group_new_stories([story], now, batch=batch)
    if hold.held:
        _log_holds(agency, delivery, [(story, hold)], now)
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
    batch: Batch | None = None,
    policy: rules.Policy | None = None,
) -> list[Outcome]:
    """Store the items of one delivery in order; say what each did, as `store_item` would.

    A run of items that are plain new stories (not kills, advisories, repeats,
    or stories a kill notice already named) is written with a few statements
    for the whole run; any other item first writes the run before it, then is
    stored on its own. `signatures` may hold MinHashes computed elsewhere, by
    (item id, version), and `band_keys` their band keys (`duplicates.band_shape()`);
    a `batch` holds index writes until it ends; `policy` is the feed's
    publishing policy for new stories.
    """
    outcomes: list[Outcome] = []
    item_ids = sorted({item.item_id for item in items})
    known = queries.known_item_ids(agency.pk, item_ids)
    notices = recent_notices(agency, now, item_ids)
    run: list[WireItem] = []
    extra = (signatures or {}, band_keys or {}, batch, policy)
    for item in items:
        plain = not (_kills(item) or item.is_advisory or item.item_id in known)
        if plain and not any(notice_names(n, item) for n in notices):
            run.append(item)
            known.add(item.item_id)
            continue
        outcomes += _create_run(agency, run, delivery, now, *extra)
        run = []
        outcomes.append(store_item(agency, item, delivery, now, batch, policy))
        known.add(item.item_id)
        if _kills(item):  # it may name items later in this delivery
            notices = recent_notices(agency, now, item_ids)
    outcomes += _create_run(agency, run, delivery, now, *extra)
    return outcomes


def _create_run(
    agency, items, delivery, now, signatures, band_keys, batch, policy
) -> list[Outcome]:
    if not items:
        return []
    try:
        with transaction.atomic():
            return _create_many(agency, items, delivery, now, signatures, band_keys, batch, policy)
    except IntegrityError:
        # Another worker stored some of these meanwhile: one by one, repeat-safe.
        return [store_item(agency, item, delivery, now, batch, policy) for item in items]


def _create_many(
    agency, items, delivery, now, signatures, band_keys, batch, policy
) -> list[Outcome]:
    made = [_new_story(agency, item, delivery, now, policy) for item in items]
    pairs = [(story, version) for story, version, _ in made]
    for (story, _), item in zip(pairs, items, strict=True):
        if story.state != Story.State.WITHHELD:
            key = (item.item_id, item.version)
            attach_signature(story, signatures.get(key))
    stories = [story for story, _ in pairs]
    memo: dict = {}  # a story and its version share times and lists: convert them once
    insert_returning_ids(stories, memo)
    for story, version in pairs:
        version.story_id = story.pk
        attach(version, "story", story)
    insert_returning_ids([version for _, version in pairs], memo)
    search_index.add(stories, new=True, batch=batch)
    band_index.note_stored(agency.pk, now)
    group_new_stories(stories, now, [band_keys.get((i.item_id, i.version)) for i in items], batch)
    held = [(story, hold) for story, _, hold in made if hold.held]
    if held:
        _log_holds(agency, delivery, held, now)
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
