"""The embedded engine's ingest loop: a thread of the ingest process (runtime/engine.py)."""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta

from django.db import close_old_connections
from django.db.models import Q
from django.utils import timezone

from wiredesk.pictures.services import process_due
from wiredesk.sources.models import Feed
from wiredesk.stories.releases import release_due
from wiredesk.stories.storage.statistics import analyze_if_due
from wiredesk.transports.backoff import next_delay
from wiredesk.transports.base import get, transport_choices

from .polling import FeedPoller, stamp

log = logging.getLogger("wiredesk.ingest")

FOLDER_MAX_BACKOFF_SECONDS = 30.0


def polled_transports(local: bool | None = None) -> list[str]:
    """Return the names of the transports that are polled (all but push), local or remote."""
    return [
        name
        for name, _ in transport_choices()
        if get(name).polled and (local is None or get(name).local == local)
    ]


def claim_poll(feed: Feed) -> bool:
    """Take this interval's poll of a remote feed; False when another node took it first.

    Several nodes may run ingest at once: the update only succeeds while the
    feed's next poll time is still the one this node read, so exactly one node
    polls an agency's server per interval (a compare-and-set, not luck).
    """
    now = timezone.now()
    taken = Feed.objects.filter(pk=feed.pk, next_poll_at=feed.next_poll_at).update(
        next_poll_at=now + timedelta(seconds=feed.poll_interval), last_polled_at=now
    )
    return taken == 1


def record_crash(feed: Feed, exc: BaseException) -> float:
    """Put a poll that crashed on the feed's health and back off; return the wait in seconds.

    Backing off like a failed fetch keeps a feed that trips a bug from
    spinning; the error shows on the feed's health.
    """
    failures = feed.failures + 1
    delay = next_delay(feed.poll_interval, failures)
    if feed.transport_class.local:
        # Scanning a folder costs the agency nothing: after a crash (a full
        # disk, a database away) try again soon, not in an hour.
        delay = min(delay, FOLDER_MAX_BACKOFF_SECONDS)
    now = timezone.now()
    Feed.objects.filter(pk=feed.pk).update(
        failures=failures,
        last_error=f"{stamp(now)} {type(exc).__name__}: {exc}"[:2000],
        next_poll_at=now + timedelta(seconds=delay),
    )
    return delay


class IngestLoop(threading.Thread):
    """Poll every enabled feed when it is due; folders and URLs side by side.

    Slow HTTP feeds run in a small pool so they never hold back a watch folder.
    """

    def __init__(self, tick: float = 0.1, workers: int = 4, settle_seconds: float = 2.0) -> None:
        super().__init__(name="wiredesk-ingest", daemon=True)
        self.tick = tick
        self.poller = FeedPoller(settle_seconds=settle_seconds)
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="wiredesk-poll")
        self.folder_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="wiredesk-folder")
        # Pictures are fetched and rendered beside the polls, never in their way.
        self.picture_pool = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="wiredesk-pictures"
        )
        self._pictures: Future | None = None
        self.stopping = threading.Event()
        self._running: dict[int, Future] = {}
        # When each feed is next due, by this process's clock: a quiet watch
        # folder does not write its schedule to the database on every scan.
        self._due_at: dict[int, float] = {}

    def stop(self) -> None:
        self.stopping.set()

    def due_feeds(self) -> list[Feed]:
        now = timezone.now()
        return list(
            Feed.objects.filter(enabled=True, transport__in=polled_transports())
            .filter(Q(next_poll_at__isnull=True) | Q(next_poll_at__lte=now))
            .select_related("agency")
        )

    def run_once(self) -> None:
        """Release ended embargoes, then start a poll of every due feed not being polled."""
        # Each tick, so an embargo is lifted within a tick of its end (docs/design.md).
        release_due(timezone.now())
        analyze_if_due()
        self._fetch_pictures()
        for pk in [pk for pk, job in self._running.items() if job.done()]:
            error = self._running.pop(pk).exception()
            if error is not None:
                log.error("poll of feed %s crashed: %r", pk, error, exc_info=error)
        clock = time.monotonic()
        for feed in self.due_feeds():
            if feed.pk in self._running or self._due_at.get(feed.pk, 0) > clock:
                continue
            self._due_at[feed.pk] = clock + feed.poll_interval
            local = feed.transport_class.local
            if not local and not claim_poll(feed):
                continue  # another node polls the agency's server this interval
            # Folders and remote servers in pools of their own: agencies' servers
            # that trickle a byte a second never hold up a folder.
            pool = self.folder_pool if local else self.pool
            self._running[feed.pk] = pool.submit(self._poll, feed)

    def _fetch_pictures(self) -> None:
        if self._pictures is not None and not self._pictures.done():
            return
        if self._pictures is not None and self._pictures.exception() is not None:
            log.error("picture pass failed: %r", self._pictures.exception())
        self._pictures = self.picture_pool.submit(self._picture_pass)

    @staticmethod
    def _picture_pass() -> int:
        try:
            return process_due()
        finally:
            close_old_connections()

    def _poll(self, feed: Feed) -> None:
        try:
            self.poller.poll(feed)
        except Exception as exc:
            record_crash(feed, exc)
            raise
        finally:
            close_old_connections()

    def run(self) -> None:
        log.info("ingest loop started")
        while not self.stopping.is_set():
            try:
                close_old_connections()
                self.run_once()
            except Exception:  # keep the desk running whatever one pass hits
                log.exception("ingest pass failed")
            self.stopping.wait(self.tick)
        self.pool.shutdown(wait=True, cancel_futures=True)
        self.folder_pool.shutdown(wait=True, cancel_futures=True)
        self.picture_pool.shutdown(wait=True, cancel_futures=True)
        self.poller.close()
