"""What the desk does to feeds and the quarantine: pause, resume, settings, retry, dismiss.

An agency's feeds may be paused together (its public stories withheld with
them); settings are a feed's or an agency's desk settings.

Each is logged in the lifecycle log with who did it and why, as hand actions
on stories are (stories/editorial.py).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from wiredesk.pictures import services as pictures
from wiredesk.pictures.models import Picture
from wiredesk.sources.models import Agency, Feed
from wiredesk.stories import editorial
from wiredesk.stories.events import Editor, record
from wiredesk.stories.models import LifecycleEvent, Story

from .models import Quarantine
from .pipeline import IngestReport, ingest_bytes, retrying
from .unsubscribing import end_subscriptions

log = logging.getLogger("wiredesk.ingest")


def pause(
    feeds: Iterable[Feed], user: Editor, reason: str, now: datetime | None = None
) -> list[Feed]:
    """Stop polling the feeds (and refuse their pushes) until resumed; return those paused."""
    reason, now = editorial.required_reason(reason), now or timezone.now()
    paused = []
    with transaction.atomic():
        for feed in feeds:
            if Feed.objects.filter(pk=feed.pk, enabled=True).update(enabled=False):
                feed.enabled = False
                record(
                    LifecycleEvent.Kind.PAUSED,
                    editorial.editor_name(user),
                    feed=feed,
                    agency=feed.agency,
                    user=user,
                    reason=reason,
                    at=now,
                )
                log.warning(
                    "paused feed=%s by %s: %s", feed.slug, editorial.editor_name(user), reason
                )
                # Not polled, so not renewed: the hub is told now, not when the lease lapses.
                end_subscriptions(feed, "paused")
                paused.append(feed)
    return paused


def resume(
    feeds: Iterable[Feed], user: Editor, reason: str = "", now: datetime | None = None
) -> list[Feed]:
    """Poll the feeds again, at once; return those resumed."""
    now = now or timezone.now()
    resumed = []
    with transaction.atomic():
        for feed in feeds:
            if Feed.objects.filter(pk=feed.pk, enabled=False).update(
                enabled=True, next_poll_at=None, failures=0
            ):
                feed.enabled = True
                record(
                    LifecycleEvent.Kind.RESUMED,
                    editorial.editor_name(user),
                    feed=feed,
                    agency=feed.agency,
                    user=user,
                    reason=reason.strip(),
                    at=now,
                )
                log.info("resumed feed=%s by %s", feed.slug, editorial.editor_name(user))
                resumed.append(feed)
    return resumed


def configure(
    target: Feed | Agency, user: Editor, changes: dict, now: datetime | None = None
) -> list[str]:
    """Save changed desk settings of a feed or an agency (publishing policy, a feed's
    encoding); log them. Return what changed, "name: old -> new", in words."""
    now = now or timezone.now()
    said = []
    for name, value in changes.items():
        old = getattr(target, name)
        if old != value:
            said.append(f"{name}: {old!r} -> {value!r}")
            setattr(target, name, value)
    if said:
        feed = target if isinstance(target, Feed) else None
        agency = target.agency if isinstance(target, Feed) else target
        with transaction.atomic():
            target.save(update_fields=list(changes))
            record(
                LifecycleEvent.Kind.CONFIGURED,
                editorial.editor_name(user),
                feed=feed,
                agency=agency,
                user=user,
                reason="; ".join(said),
                at=now,
            )
    return said


def pause_agency(
    agency: Agency,
    user: Editor,
    reason: str,
    withhold_live: bool = False,
    now: datetime | None = None,
) -> tuple[list[Feed], list[Story]]:
    """Pause every feed of the agency; with `withhold_live`, withhold its public stories too."""
    reason, now = editorial.required_reason(reason), now or timezone.now()
    with transaction.atomic():
        paused = pause(list(agency.feeds.all()), user, reason, now)
        withheld: list[Story] = []
        if withhold_live:
            live = Story.objects.filter(agency=agency, state=Story.State.PUBLISHED)
            withheld = editorial.withhold(
                list(live.values_list("pk", flat=True)), user, f"agency paused: {reason}", now
            )
    return paused, withheld


PICTURE_PREFIX = "picture:"


def _retry_picture(entry: Quarantine, feed: Feed) -> IngestReport:
    """Fetch a quarantined picture again now; the report says whether it is served."""
    identity = entry.item_id[len(PICTURE_PREFIX) :]
    report = IngestReport(origin=entry.origin)
    picture = Picture.objects.filter(feed=feed, identity=identity).first()
    if picture is None:
        report.quarantined = "the picture is no longer used by any story"
        return report
    pictures.retry(identity)
    picture.refresh_from_db()
    if pictures.process(picture):
        report.actions["picture ready"] += 1
    else:
        picture.refresh_from_db()
        report.quarantined = picture.last_error
    return report


def retry(entry: Quarantine, user: Editor, now: datetime | None = None) -> IngestReport:
    """Take a quarantined delivery through the pipeline again, under its feed's settings now.

    Repeat-safe: what was stored before is not stored twice. Stored whole, the
    entry is resolved; refused again, it stays, with the new reason.
    """
    now = now or timezone.now()
    if entry.feed_id is None:
        raise ValueError("this delivery's feed is gone: nothing to retry it with")
    feed = Feed.objects.select_related("agency").get(pk=entry.feed_id)
    with retrying():  # refused again, the entry is not counted as a new refusal
        if entry.item_id.startswith(PICTURE_PREFIX):
            report = _retry_picture(entry, feed)
        else:
            report = ingest_bytes(feed, bytes(entry.data), entry.origin)
    # An item's own entry is resolved when that item went through; a
    # delivery's, when the delivery did (its items may have entries of their own).
    stored = report.ok and not (
        entry.item_id and any(entry.item_id[:80] in failure for failure in report.item_failures)
    )
    outcome = f"{report}" if stored else f"refused again: {report.quarantined or report}"
    with transaction.atomic():
        record(
            LifecycleEvent.Kind.RETRIED,
            editorial.editor_name(user),
            feed=feed,
            agency=feed.agency,
            user=user,
            reason=f"{entry.origin[:200]}: {outcome}",
            at=now,
        )
        if stored:
            Quarantine.objects.filter(pk=entry.pk).update(
                resolved_at=now, resolved_by=user, resolution=f"retried: {report}"
            )
    log.info("quarantine retried id=%s by %s: %s", entry.pk, editorial.editor_name(user), outcome)
    return report


def dismiss(
    entries: Iterable[Quarantine], user: Editor, reason: str, now: datetime | None = None
) -> int:
    """Close quarantine entries nobody will retry (the bytes are kept); return how many."""
    reason, now = editorial.required_reason(reason), now or timezone.now()
    count = 0
    with transaction.atomic():
        for entry in entries:
            if Quarantine.objects.filter(pk=entry.pk, resolved_at=None).update(
                resolved_at=now, resolved_by=user, resolution=f"dismissed: {reason}"
            ):
                record(
                    LifecycleEvent.Kind.DISMISSED,
                    editorial.editor_name(user),
                    feed=entry.feed,
                    agency=entry.feed.agency if entry.feed else None,
                    user=user,
                    reason=f"{entry.origin[:200]}: {reason}",
                    at=now,
                )
                count += 1
    return count
