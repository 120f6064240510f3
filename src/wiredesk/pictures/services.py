"""Pictures through their life: attached to a version, fetched, rendered, replaced, killed.

The pipeline calls `attach_many` in the transaction that stores a version, and
`apply_picture_items` for pictures delivered alone. Fetching happens after,
outside any transaction (`process_due`: the embedded ingest loop's own thread,
or a Celery task), so a slow picture server never holds up a story: the story
is published at once and gains its picture when it is ready.

Several passes may run at once (ingest processes, Celery workers): each
claims its pictures (`claim`), one UPDATE that gives each picture to one
pass, and renews the claim while it works on them. A pass that dies leaves
claims that lapse within `CLAIM_SECONDS`, and the next pass takes those
pictures again.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import threading
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor, wait
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import close_old_connections, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from wiredesk.sources.models import Agency, Feed
from wiredesk.stories.models import Story, StoryVersion
from wiredesk.stories.signals import announce
from wiredesk.stories.storage.rows import build, insert_returning_ids
from wiredesk.wire import WireItem
from wiredesk.wire.pictures import PictureRef

from . import files, sizes
from .models import Picture, StoryPicture
from .signals import picture_failed
from .visibility import sync_files

log = logging.getLogger("wiredesk.pictures")

MAX_ATTEMPTS = 10
# After a failure: 30 s, 1 min, 2 min ... capped at 6 hours.
FIRST_RETRY_SECONDS = 30
MAX_RETRY_SECONDS = 6 * 3600
# A pass's claim on its pictures lasts this long unless renewed, and is
# renewed every HEARTBEAT_SECONDS while the pass works: a pass killed
# mid-render holds its pictures at most CLAIM_SECONDS more. A pass stalled
# longer than that (it is not renewing) may see a picture taken by another,
# and both render it once: renditions are written over, never deleted first.
CLAIM_SECONDS = 45
HEARTBEAT_SECONDS = 10
META_FIELDS = ("caption", "alt", "credit", "copyright", "byline", "usage_terms")


def _values(ref: PictureRef) -> dict[str, str]:
    return {name: getattr(ref, name) or "" for name in META_FIELDS}


def _new_picture(agency: Agency, feed: Feed | None, ref: PictureRef, now: datetime) -> Picture:
    # Every column, as the storage seam's fast insert wants them (a backfill
    # attaches photos to a whole batch of stories at once).
    return build(
        Picture,
        {
            "agency_id": agency.pk,
            "feed_id": feed.pk if feed else None,
            "identity": ref.identity[:2000],
            "href": ref.href[:2000],
            "version": (ref.version or "")[:200],
            **_values(ref),
            "state": Picture.State.PENDING,
            "sha256": "",
            "mime": "",
            "width": None,
            "height": None,
            "widths": [],
            "large_bytes": None,
            "colour": "",
            "attempts": 0,
            "next_attempt_at": now,
            "last_error": "",
            "created_at": now,
            "fetched_at": None,
            "claimed_by": "",
            "claimed_at": None,
        },
    )


def _brought_up_to_date(picture: Picture, ref: PictureRef) -> Picture:
    """Save what a newer description of a known picture changes (new words, a new file)."""
    changes: dict[str, object] = {
        k: v for k, v in _values(ref).items() if v and v != getattr(picture, k)
    }
    if ref.href[:2000] != picture.href and picture.state != Picture.State.KILLED:
        # Fetched again at once, by any pass: one still at the old file keeps
        # its result to itself (`process` stores only for the href it fetched).
        changes.update(
            href=ref.href[:2000],
            state=Picture.State.PENDING,
            attempts=0,
            next_attempt_at=timezone.now(),
            claimed_by="",
            claimed_at=None,
        )
    if changes:
        Picture.objects.filter(pk=picture.pk).update(**changes)
        for name, value in changes.items():
            setattr(picture, name, value)
    return picture


def _pictures_for(agency: Agency, feed: Feed | None, refs: list[PictureRef]) -> dict[str, Picture]:
    """Return the agency's Picture of each ref by identity, creating the new ones together."""
    identities = {ref.identity[:2000]: ref for ref in refs}
    known = {
        p.identity: _brought_up_to_date(p, identities[p.identity])
        for p in Picture.objects.filter(agency=agency, identity__in=list(identities))
    }
    now = timezone.now()
    new = [
        _new_picture(agency, feed, ref, now) for key, ref in identities.items() if key not in known
    ]
    insert_returning_ids(new)
    for picture in new:
        known[picture.identity] = picture
    return known


def _picture_for(agency: Agency, feed: Feed | None, ref: PictureRef) -> Picture:
    return _pictures_for(agency, feed, [ref])[ref.identity[:2000]]


def attach_many(uses: list[tuple[StoryVersion, list[PictureRef]]], feed: Feed | None) -> None:
    """Make each version's pictures its story's shown ones: a few statements a delivery.

    A version that carries no picture keeps the ones before it (agencies send
    text-only updates of a story whose photo stands); one that carries
    pictures replaces them.
    """
    uses = [(version, refs) for version, refs in uses if refs]
    if not uses or not settings.WIREDESK.pictures.enabled:
        return
    agency = feed.agency if feed is not None else uses[0][0].story.agency
    pictures = _pictures_for(agency, feed, [ref for _, refs in uses for ref in refs])
    StoryPicture.objects.filter(
        story_id__in=[version.story_id for version, _ in uses], current=True
    ).update(current=False)
    StoryPicture.objects.bulk_create(
        StoryPicture(story_id=version.story_id, version=version, picture=picture, position=n)
        for version, refs in uses
        for n, picture in enumerate(
            p
            for p in (pictures[ref.identity[:2000]] for ref in refs)
            if p.state != Picture.State.KILLED
        )
    )


def apply_picture_items(agency: Agency, feed: Feed | None, items: list[WireItem]) -> list[str]:
    """Update or kill pictures delivered alone; return what each did ("killed", "updated")."""
    done = []
    for item in items:
        picture = Picture.objects.filter(agency=agency, identity=item.item_id[:2000]).first()
        if item.pub_status == "canceled":
            if picture is not None:
                kill_picture(picture)
            done.append("picture killed")
            continue
        refs = [ref for ref in item.pictures if ref]
        if picture is None:
            # Not shown by any story here: nothing to fetch (agencies send
            # their whole picture service; only pictures of stories are ours).
            done.append("picture not used")
            continue
        if not refs:
            done.append("picture without a file")
            continue
        ref = refs[0]
        if ref.ref is None:
            ref = PictureRef(**{**ref.to_dict(), "ref": item.item_id})
        picture = _picture_for(agency, feed, ref)
        transaction.on_commit(partial(_announce_users, picture), robust=True)
        done.append("picture updated")
    return done


def kill_picture(picture: Picture) -> None:
    """Take a picture the agency killed out of every story that used it, and stop serving it."""
    Picture.objects.filter(pk=picture.pk).update(state=Picture.State.KILLED)
    story_ids = list(
        StoryPicture.objects.filter(picture=picture, current=True).values_list(
            "story_id", flat=True
        )
    )
    StoryPicture.objects.filter(picture=picture).update(current=False)
    if picture.sha256:
        transaction.on_commit(lambda: sync_files(picture.sha256), robust=True)
    if story_ids:
        announce(list(Story.objects.filter(pk__in=story_ids)), "updated")


def _announce_users(picture: Picture) -> None:
    stories = list(
        Story.objects.filter(picture_links__picture=picture, picture_links__current=True).distinct()
    )
    if stories:
        announce(stories, "updated")


def retry_delay(attempts: int) -> timedelta:
    """Return how long to wait after the `attempts`-th failure."""
    return timedelta(seconds=min(MAX_RETRY_SECONDS, FIRST_RETRY_SECONDS * 2 ** (attempts - 1)))


def _still(picture: Picture) -> QuerySet[Picture]:
    """Return the picture's row, unless it was killed or given a new file since it was read."""
    return Picture.objects.filter(pk=picture.pk, href=picture.href).exclude(
        state=Picture.State.KILLED
    )


def _fail(picture: Picture, reason: str, data: bytes | None) -> None:
    attempts = picture.attempts + 1
    gives_up = attempts >= MAX_ATTEMPTS
    failed = _still(picture).update(
        state=Picture.State.FAILED,
        attempts=attempts,
        last_error=reason[:2000],
        next_attempt_at=None if gives_up else timezone.now() + retry_delay(attempts),
        claimed_by="",
        claimed_at=None,
    )
    if not failed:
        return  # killed, or a new file to fetch: this file's failure no longer matters
    log.warning(
        "picture %s (%s) failed, attempt %d: %s", picture.pk, picture.href, attempts, reason
    )
    # Ingest keeps it on the quarantine (a receiver: pictures never import ingest).
    picture_failed.send(
        Picture,
        feed=picture.feed,
        origin=picture.href,
        data=data if data is not None else picture.href.encode(),
        reason=f"picture: {reason}",
        item_id=f"picture:{picture.identity}",
    )


def process(picture: Picture) -> bool:
    """Fetch, check, store and render one picture; True when it is ready.

    A picture that cannot be had, or cannot be rendered, whatever the error,
    leaves its stories as they are (published, without it), goes on the
    quarantine with its reason, and is retried later (`retry_delay`).
    """
    # Pillow and httpx: loaded by the processes that fetch pictures, not by web workers.
    from wiredesk.transports.outbound import Refused

    from . import images
    from .fetching import fetch_picture

    data, step = None, "fetched"
    try:
        data = fetch_picture(picture)
        step = "checked"
        checked = images.check(data)
        step = "stored"
        digest = hashlib.sha256(data).hexdigest()
        files.save_original(digest, images.extension(checked.mime), data)
        rendered = _rendered(digest) if files.has_renditions(digest) else None
        if rendered is None:
            step = "rendered"
            made = images.render(data)
            step = "stored"
            files.save_renditions(digest, made.files)
            rendered = made.widths, made.colour
            if made.height > sizes.MAX_RENDITION_SIDE:
                log.info(
                    "picture %s is %d x %d pixels: rendered %d wide, no side over %d",
                    picture.pk,
                    made.width,
                    made.height,
                    max(made.widths),
                    sizes.MAX_RENDITION_SIDE,
                )
    except (Refused, images.BadPicture) as exc:
        _fail(picture, str(exc), data)
        return False
    except Exception as exc:  # whatever it is, one picture's failure, never the pass's
        log.exception("picture %s (%s) could not be %s", picture.pk, picture.href, step)
        _fail(picture, f"could not be {step}: {type(exc).__name__}: {exc}", data)
        return False
    widths, colour = rendered
    embedded = {k: v for k, v in checked.embedded.items() if not getattr(picture, k)}
    ready = _still(picture).update(
        state=Picture.State.READY,
        sha256=digest,
        mime=checked.mime,
        width=checked.width,
        height=checked.height,
        widths=widths,
        colour=colour,
        fetched_at=timezone.now(),
        large_bytes=files.size(digest, f"{max(widths)}.jpg"),
        last_error="",
        next_attempt_at=None,
        claimed_by="",
        claimed_at=None,
        **embedded,
    )
    if not ready:  # killed, or a new file to fetch, meanwhile: this one is not shown
        sync_files(digest)
        return False
    sync_files(digest)  # a story killed meanwhile: its picture goes again at once
    if picture.sha256 and picture.sha256 != digest:
        sync_files(
            picture.sha256
        )  # the agency's earlier file: served no more, unless shown elsewhere
    _announce_users(picture)
    return True


def _rendered(digest: str) -> tuple[list[int], str] | None:
    """Return the widths and colour these bytes were rendered with for another picture."""
    # The same bytes from another agency or version: rendered once already.
    # None when no picture records it (its pass died between files and row):
    # rendered again, written over.
    found = (
        Picture.objects.filter(sha256=digest).exclude(colour="").values_list("widths", "colour")
    ).first()
    return (list(found[0]), found[1]) if found and found[0] else None


_AGENCY_SLOTS: dict[int, threading.BoundedSemaphore] = defaultdict(
    lambda: threading.BoundedSemaphore(settings.WIREDESK.pictures.per_agency)
)


def _process_with_slot(picture_id: int) -> bool:
    try:
        picture = Picture.objects.select_related("feed").filter(pk=picture_id).first()
        if picture is None:  # its agency deleted meanwhile
            return False
        with _AGENCY_SLOTS[picture.agency_id]:
            return process(picture)
    except Exception:
        # Not the picture's (`process` keeps those): the database or the
        # storage failing. Its claim lapses and a later pass tries again.
        log.exception("picture %s: processing failed", picture_id)
        return False
    finally:
        close_old_connections()


def _waiting(now: datetime) -> Q:
    """Pictures due for a fetch or a retry, and not claimed by a live pass."""
    return Q(state__in=[Picture.State.PENDING, Picture.State.FAILED], next_attempt_at__lte=now) & (
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - timedelta(seconds=CLAIM_SECONDS))
    )


def due(limit: int = 50) -> list[int]:
    """Return the ids of pictures waiting for a fetch or a retry, oldest first."""
    return list(
        Picture.objects.filter(_waiting(timezone.now()))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def claim(limit: int, token: str) -> list[int]:
    """Claim up to `limit` due pictures for the pass `token`; return their ids, oldest first.

    The UPDATE checks each row again as it writes it, so of two passes
    claiming at once each picture goes to one: PostgreSQL re-reads a row the
    other has just claimed (and finds it claimed), SQLite writes one at a time.
    """
    now = timezone.now()
    ids = due(limit)
    if not ids:
        return []
    Picture.objects.filter(_waiting(now), pk__in=ids).update(claimed_by=token, claimed_at=now)
    return list(
        Picture.objects.filter(pk__in=ids, claimed_by=token)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)
    )


def _renew(ids: list[int], token: str) -> None:
    """Say the pass `token` still works on its pictures (those it has not finished)."""
    try:
        Picture.objects.filter(pk__in=ids, claimed_by=token).update(claimed_at=timezone.now())
    except Exception:  # the next renewal may get through; if none does, the claims lapse
        log.exception("picture claims of %s not renewed", token)


def process_due(limit: int = 50, workers: int = 4) -> int:
    """Process due pictures, a few agencies at once (each within its own slots); return ready."""
    if not settings.WIREDESK.pictures.enabled:
        return 0
    token = f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"
    ids = claim(limit, token)
    if not ids:
        return 0
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="wiredesk-picture") as pool:
        jobs = [pool.submit(_process_with_slot, pk) for pk in ids]
        running = set(jobs)
        while running:
            _, running = wait(running, timeout=HEARTBEAT_SECONDS)
            if running:
                _renew(ids, token)
    return sum(job.result() for job in jobs)


def retry(identity: str) -> int:
    """Fetch a quarantined picture again at once (the desk's retry); return how many."""
    return (
        Picture.objects.filter(identity=identity)
        .exclude(state=Picture.State.KILLED)
        .update(state=Picture.State.PENDING, attempts=0, next_attempt_at=timezone.now())
    )
