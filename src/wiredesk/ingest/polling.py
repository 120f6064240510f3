"""Poll one feed through its transport and feed what arrives to the pipeline."""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from wiredesk.sources.models import Feed
from wiredesk.transports.folder import FileTooLarge, WatchFolder
from wiredesk.transports.http import HttpTransport, PollState, next_delay

from .pipeline import IngestReport, ingest_bytes, prepare_options, quarantine, store_prepared
from .prepare import prepare

log = logging.getLogger("wiredesk.ingest")

HEALTH_EVERY = 30.0  # seconds between health writes of a quiet watch folder


class FeedPoller:
    """Keep the transports of the feeds polled in this process, and poll them."""

    def __init__(self, settle_seconds: float = 2.0) -> None:
        self.settle_seconds = settle_seconds
        self._folders: dict[int, WatchFolder] = {}
        self._http: HttpTransport | None = None
        self._health_written: dict[int, float] = {}
        self._failed_scanned: dict[int, float] = {}

    def close(self) -> None:
        if self._http is not None:
            self._http.close()

    @property
    def http(self) -> HttpTransport:
        if self._http is None:
            self._http = HttpTransport(user_agent=settings.WIREDESK["USER_AGENT"])
        return self._http

    def folder(self, feed: Feed) -> WatchFolder:
        folder = self._folders.get(feed.pk)
        if folder is None or folder.path != Path(feed.location):
            folder = WatchFolder(feed.location, settle_seconds=self.settle_seconds)
            self._folders[feed.pk] = folder
        return folder

    def poll(self, feed: Feed) -> list[IngestReport]:
        """Poll `feed` once, store what it brought, and schedule its next poll."""
        if feed.transport == Feed.Transport.FOLDER:
            reports = self.poll_folder(feed)
        else:
            reports = self.poll_http(feed)
        return reports

    def poll_folder(self, feed: Feed) -> list[IngestReport]:
        """Ingest every complete file in the feed's folder, then move it."""
        folder = self.folder(feed)
        reports = []
        clock = time.monotonic()
        if clock - self._failed_scanned.get(feed.pk, -HEALTH_EVERY) >= HEALTH_EVERY:
            self._failed_scanned[feed.pk] = clock
            for path in folder.retake_changed_failures():
                log.info("feed=%s: %s changed after it was refused; taking it again",
                         feed.slug, path.name)  # fmt: skip
        for path in folder.ready_files():
            try:
                data = folder.read(path)
            except FileTooLarge as exc:
                quarantine(feed, path.name, b"", str(exc), size=path.stat().st_size)
                folder.fail(path, str(exc))
                continue
            except FileNotFoundError:
                continue  # taken by another poller on the same folder
            prepared = prepare(data, prepare_options(feed))
            if prepared.error is not None and folder.wait_for(path):
                continue  # unreadable, but perhaps still arriving: it is taken again later
            report = store_prepared(feed, data, path.name, prepared)
            # The move comes after the commit: a crash in between leaves the
            # file to be taken again, and the repeat is a no-op.
            if report.ok:
                folder.done(path, report.item_failures)
            else:
                folder.fail(path, report.quarantined or "")
            reports.append(report)
        # A folder is scanned several times a second; writing its health on
        # every empty scan would be a database write per scan for nothing.
        clock = time.monotonic()
        if reports or clock - self._health_written.get(feed.pk, -HEALTH_EVERY) >= HEALTH_EVERY:
            self._health_written[feed.pk] = clock
            now = timezone.now()
            health = {
                "last_polled_at": now,
                "next_poll_at": now + timedelta(seconds=feed.poll_interval),
            }
            health.update(_health_of(reports, now))
            if "last_success_at" in health:
                health["failures"] = 0  # a pass that worked ends any run of failures
            Feed.objects.filter(pk=feed.pk).update(**health)
        return reports

    def poll_http(self, feed: Feed) -> list[IngestReport]:
        """Fetch the feed URL with a conditional GET and ingest a changed answer."""
        state = PollState(feed.etag, feed.last_modified, feed.failures)
        auth = (feed.username, feed.password) if feed.username else None
        result = self.http.fetch(feed.location, state, auth=auth)
        now = timezone.now()
        reports = []
        updates = {
            "etag": result.state.etag[:500],
            "last_modified": result.state.last_modified[:100],
            "failures": result.state.failures,
            "last_polled_at": now,
        }
        if result.content is not None:
            url = result.url or feed.location
            reports.append(ingest_bytes(feed, result.content, origin=url, base_url=url))
        if result.status == "error":
            updates["last_error"] = f"{now:%Y-%m-%d %H:%M:%S} {result.error}"
            log.warning("poll failed feed=%s: %s", feed.slug, result.error)
        else:
            updates.update(_health_of(reports, now))
        delay = next_delay(feed.poll_interval, result.state.failures, result.retry_after)
        updates["next_poll_at"] = now + timedelta(seconds=delay)
        Feed.objects.filter(pk=feed.pk).update(**updates)
        return reports


def _health_of(reports: list[IngestReport], now) -> dict:
    """Return the health fields after a poll: a delivery fetched but refused is a failure to see."""
    refused = [r for r in reports if not r.ok]
    if refused:
        # The fetch worked, the agency's bytes did not: the feed is failing,
        # and its last success stays where it was.
        reason = refused[-1].quarantined or ""
        return {"last_error": f"{now:%Y-%m-%d %H:%M:%S} delivery quarantined: {reason}"[:2000]}
    return {"last_success_at": now, "last_error": ""}
