"""The pipeline: bytes of one delivery in, stories stored (or the delivery quarantined).

transport ── bytes ──▶ prepare (parse, normalize, classify) ──▶ stories.services.store_items
Each step is one call with a plain value, made from here; none imports this
module (the layers, docs/architecture.md). What a lower app must tell ingest
comes as a signal (pictures/signals.py: a picture that cannot be had).
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import F
from django.utils import timezone

from wiredesk.logs import context as log_ids
from wiredesk.pictures.services import apply_picture_items, attach_many
from wiredesk.sources.models import Feed
from wiredesk.stories.duplicates import band_shape
from wiredesk.stories.events import agency_actor, record
from wiredesk.stories.models import Delivery, LifecycleEvent, StoryVersion
from wiredesk.stories.outcomes import Outcome
from wiredesk.stories.services import get_or_create_delivery, policy_of, store_items
from wiredesk.stories.storage import Batch
from wiredesk.syndication.alerts import held_flashes
from wiredesk.wire import WireItem
from wiredesk.wire.errors import one_line

from . import measures
from .models import Quarantine
from .prepare import PreparedDelivery, PrepareOptions, prepare
from .signals import checked
from .translations import link_translations

log = logging.getLogger("wiredesk.ingest")

MAX_ITEM_ID = 512


@dataclass
class IngestReport:
    """What one delivery did: counts by action, and why it was refused if it was."""

    origin: str
    actions: Counter = field(default_factory=Counter)
    outcomes: list[Outcome] = field(default_factory=list)
    quarantined: str | None = None
    # Items quarantined alone ("item 3 (id): reason"), the rest of the delivery stored.
    item_failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.quarantined is None

    def __str__(self) -> str:
        if self.quarantined:
            return f"{self.origin}: quarantined: {self.quarantined}"
        counts = ", ".join(f"{n} {a}" for a, n in sorted(self.actions.items())) or "no items"
        return f"{self.origin}: {counts}"


# Set while an editor retries an entry (control.py): its bytes refused again are
# not another arrival, so the feed's health does not count them twice.
_RETRYING: ContextVar[bool] = ContextVar("wiredesk_retrying", default=False)


@contextmanager
def retrying() -> Iterator[None]:
    """Within, bytes refused that are already in quarantine only update its reason."""
    token = _RETRYING.set(True)
    try:
        yield
    finally:
        _RETRYING.reset(token)


def quarantine(
    feed: Feed | None, origin: str, data: bytes, reason: str, item_id: str = "", size: int = 0
) -> Quarantine:
    """Keep a refused delivery with its bytes and its one-line reason.

    The same bytes refused again for the same feed and item are counted on
    the first entry (`repeats`), not stored again; within `retrying`, not counted
    either (an item's bytes retried alone are read as a delivery: any entry of
    the same bytes is theirs).
    """
    log.warning(
        "quarantined feed=%s origin=%s item=%s: %s",
        feed.slug if feed else "-",
        origin,
        item_id or "-",
        reason,
    )
    now = timezone.now()
    digest = hashlib.sha256(data).hexdigest()
    retried = _RETRYING.get()
    seen = Quarantine.objects.filter(
        feed=feed,
        sha256=digest,
        size=size or len(data),
        resolved_at=None,  # bytes refused again after a dismissal are a new entry
    )
    if not retried:
        seen = seen.filter(item_id=item_id[:512])
    entry = seen.order_by("id").first()
    if entry is not None and retried:
        seen.filter(pk=entry.pk).update(reason=reason)
        return entry
    if entry is not None:
        seen.filter(pk=entry.pk).update(repeats=F("repeats") + 1, last_seen_at=now, reason=reason)
        return entry
    if feed is not None:
        record(
            LifecycleEvent.Kind.QUARANTINED,
            agency_actor(feed.agency, feed),
            feed=feed,
            agency=feed.agency,
            reason=f"{origin[:200]}: {reason}",
            at=now,
        )
    return Quarantine.objects.create(
        feed=feed,
        origin=origin[:2000],
        received_at=now,
        last_seen_at=now,
        reason=reason,
        item_id=item_id[:512],
        sha256=digest,
        size=size or len(data),
        data=data,
    )


# The lengths the stories' columns hold. Checked here, before storing, so both
# engines refuse the same items with the same reason (PostgreSQL raised
# DataError where SQLite stored the value whole).
FIELD_LIMITS = {"item_id": MAX_ITEM_ID, "version": 200, "language": 35, "link": 2000}


def _check(item: WireItem) -> str | None:
    for name, limit in FIELD_LIMITS.items():
        value = getattr(item, name)
        if value and len(value) > limit:
            return (
                f"{name.replace('_', ' ')} is {len(value):,} characters, over the {limit:,} limit"
            )
    if not item.headline and not item.body_text:
        return "item has neither headline nor text"
    return None


def _with_full_text(
    feed: Feed,
    items: list[WireItem],
    zone: tzinfo,
    teaser_chars: int,
    urgency_map: dict[str, int],
) -> list[WireItem]:
    """Fetch the linked article of every item not stored yet (outside any transaction)."""
    # trafilatura and httpx: only where a feed asks for full text.
    from wiredesk.transports.outbound import OutboundPolicy

    from .fulltext import with_full_text

    known = set(
        StoryVersion.objects.filter(
            story__agency=feed.agency, story__item_id__in=[i.item_id for i in items]
        ).values_list("story__item_id", "version")
    )
    policy = OutboundPolicy(allowed_hosts=feed.allowed_hosts)
    agent = settings.WIREDESK.site.user_agent
    return [
        item
        if (item.item_id, item.version) in known
        else with_full_text(
            item, policy, agent, time_zone=zone, teaser_chars=teaser_chars, urgency_map=urgency_map
        )
        for item in items
    ]


def prepare_options(feed: Feed) -> PrepareOptions:
    """Return what preparing a delivery of `feed` needs (plain values: they cross processes)."""
    agency = feed.agency
    return PrepareOptions(
        format=feed.format,
        encoding=feed.encoding or None,
        repair_xml=feed.repair_xml,
        time_zone=agency.zone,
        teaser_chars=settings.WIREDESK.site.teaser_chars,
        # A story's language: the item's, else its feed document's (the parsers
        # read both), else its agency's, else the site's.
        language=agency.language or settings.WIREDESK.site.language,
        urgency_map={str(k).lower(): v for k, v in (agency.urgency_map or {}).items()},
        kill_patterns=tuple(agency.kill_patterns or ()),
        advisory_patterns=tuple(agency.advisory_patterns or ()),
        band_shape=band_shape(),
    )


def ingest_bytes(
    feed: Feed,
    data: bytes,
    origin: str,
    now: datetime | None = None,
    base_url: str | None = None,
) -> IngestReport:
    """Parse, normalize, decide and store one delivery of `feed`; never raise for bad input.

    `base_url` is the URL the delivery was fetched from (its relative links
    resolve against it).
    """
    now = now or timezone.now()  # its arrival, before it is read
    prepared = prepare(data, prepare_options(feed), base_url=base_url)
    report = store_prepared(feed, data, origin, prepared, now)
    checked(feed.pk)  # pushed, or retried from the quarantine: the alerts judge the feed anew
    return report


def store_prepared(
    feed: Feed,
    data: bytes,
    origin: str,
    prepared: PreparedDelivery,
    now: datetime | None = None,
    *,
    batch: Batch | None = None,
) -> IngestReport:
    """Store a delivery prepared by `prepare` (here or in another process).

    A `batch` (a backfill's) holds index writes until it ends. Every line
    logged meanwhile carries the feed's id, and the delivery's once stored.
    """
    with log_ids.bound(feed_id=feed.pk):
        return _store_prepared(feed, data, origin, prepared, now, batch)


def _store_prepared(
    feed: Feed,
    data: bytes,
    origin: str,
    prepared: PreparedDelivery,
    now: datetime | None,
    batch: Batch | None,
) -> IngestReport:
    origin = origin[:2000]  # a URL can be longer than any column should hold
    report = IngestReport(origin=origin)
    now = now or timezone.now()
    if prepared.error is not None:
        quarantine(feed, origin, data, prepared.error)
        report.quarantined = prepared.error
        measures.count_delivery(feed.slug, report, now)
        return report
    for failure in prepared.failures:
        # One item that cannot be read is quarantined alone, with its own bytes
        # where they could be cut out of the delivery (else the delivery's).
        quarantine(feed, origin, failure.data or data, str(failure), item_id=failure.item_id)
        report.actions["quarantined"] += 1
        report.item_failures.append(str(failure))
    if prepared.repairs:
        log.info(
            "delivery feed=%s %s: read with repairs: %s",
            feed.slug,
            origin,
            "; ".join(map(str, prepared.repairs)),
        )
    items = prepared.items
    if feed.full_text:
        options = prepare_options(feed)
        items = _with_full_text(
            feed, items, options.time_zone, options.teaser_chars, options.urgency_map
        )
    committed: list[bool] = []
    try:
        try:
            _store(feed, data, origin, prepared, items, report, now, batch, committed)
        except Exception:
            if not committed:
                raise
            # Stored and committed: what failed ran after the commit (a hook). The
            # delivery is not quarantined for it; the hook's own failure is logged.
            log.exception(
                "delivery feed=%s %s: stored, but a hook after its commit failed", feed.slug, origin
            )
    except TRANSIENT:
        raise  # the database or the disk is away, not the delivery's fault: retried later
    except Exception as exc:
        # Anything else this delivery makes storing raise is the delivery's to
        # answer for: it is quarantined with its bytes, and the feed goes on.
        reason = f"could not be stored: {one_line(exc)}"
        log_ids.bind(delivery_id=None)  # rolled back: its id may be given to the next delivery
        quarantine(feed, origin, data, reason)
        report.outcomes.clear()
        report.actions.clear()
        report.quarantined = reason
        measures.count_delivery(feed.slug, report, now)
        return report
    log.info("delivery feed=%s %s", feed.slug, report)
    # An import's (a backfill's) arrival is not a reader's wait: counted, not timed.
    measures.count_delivery(feed.slug, report, now, timed=batch is None)
    return report


# Failures of what storing needs rather than of what the delivery holds.
TRANSIENT = (OperationalError, InterfaceError, OSError)


def _attach_pictures(feed: Feed, items: list[WireItem], outcomes: list[Outcome]) -> None:
    """Link each new current version to the pictures its item carries."""
    refs = {(item.item_id, item.version): item.pictures for item in items if item.pictures}
    if not refs:
        return
    uses = []
    for outcome in outcomes:
        shown = outcome.action in ("published", "updated") or (
            outcome.action == "stored" and outcome.reason  # embargoed or held: shown later
        )
        if shown and outcome.version is not None and outcome.story is not None:
            found = refs.get((outcome.story.item_id, outcome.version.version))
            if found:
                uses.append((outcome.version, found))
    attach_many(uses, feed)


def _store(
    feed: Feed,
    data: bytes,
    origin: str,
    prepared: PreparedDelivery,
    items: list[WireItem],
    report: IngestReport,
    now: datetime,
    batch: Batch | None,
    committed: list[bool],
) -> None:
    # One transaction a delivery: its bytes and every version they brought land
    # together or not at all. Bytes that brought nothing new are not kept twice.
    with transaction.atomic():
        # First of the commit's hooks: whatever fails after it failed after the commit.
        transaction.on_commit(lambda: committed.append(True))
        repairs = [[r.name, r.detail] for r in prepared.repairs]
        delivery = get_or_create_delivery(data, feed, origin, now, repairs)
        log_ids.bind(delivery_id=delivery.pk)  # the stories' lines and their announcements
        if delivery.repairs != repairs:  # bytes stored before, read another way now
            Delivery.objects.filter(pk=delivery.pk).update(repairs=repairs)
            delivery.repairs = repairs
        storable = []
        alone = [item for item in items if item.kind == "picture"]
        if alone:
            report.actions.update(apply_picture_items(feed.agency, feed, alone))
            items = [item for item in items if item.kind != "picture"]
        for item in items:
            problem = _check(item)
            if problem:
                quarantine(feed, origin, data, problem, item_id=item.item_id)
                report.actions["quarantined"] += 1
                report.item_failures.append(f"{item.item_id[:80]}: {problem}")
            else:
                storable.append(item)
        for outcome in store_items(
            feed.agency,
            storable,
            delivery,
            now,
            prepared.signatures,
            prepared.band_keys,
            batch,
            policy_of(feed),
        ):
            report.outcomes.append(outcome)
            report.actions[outcome.action] += 1
        _attach_pictures(feed, storable, report.outcomes)
        if batch is None:  # told to the people on duty (docs/desk.md, Alerts); not an import's
            held_flashes(report.outcomes)
        link_translations(storable, report.outcomes)
        kept = any(o.version and o.version.delivery_id == delivery.pk for o in report.outcomes)
        if not kept and not delivery.versions.exists():
            delivery.delete()
            log_ids.bind(delivery_id=None)  # its id may be given to the next delivery
