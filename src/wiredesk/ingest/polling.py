"""Poll one feed through its transport: store each delivery, then acknowledge it.

The same few steps for every transport (transports/base.py): pull from the
checkpoint, store each delivery (or quarantine it with its bytes), tell the
transport, then move the checkpoint on. A transport's trouble is written on
the feed's health in the transport's words.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from wiredesk.logs import context as log_ids
from wiredesk.metrics.instruments import POLL_FAILURES, POLL_SECONDS
from wiredesk.sources.models import Feed
from wiredesk.transports.backoff import next_delay
from wiredesk.transports.base import Context, PulledDelivery, Stored, Transport, TransportError
from wiredesk.transports.folder import FolderTransport, WatchFolder
from wiredesk.transports.secrets import Secrets

from .measures import count_delivery
from .memory import TakenFiles
from .pipeline import IngestReport, prepare_options, quarantine, store_prepared
from .prepare import prepare
from .signals import checked

log = logging.getLogger("wiredesk.ingest")

HEALTH_EVERY = 30.0  # seconds between health writes of a quiet local transport


def callback_url(feed: Feed) -> str:
    """Return the address where a hub pushes this feed's content (WebSub)."""
    site = settings.WIREDESK.site.url.rstrip("/")
    return site + reverse("ingest:websub", args=[feed.slug])


def context_for(feed: Feed, settle_seconds: float) -> Context:
    """Return what a feed's transport is given by this process."""
    return Context(
        feed=feed.slug,
        user_agent=settings.WIREDESK.site.user_agent,
        spool=settings.DATA_DIR / "spool" / feed.slug,
        callback_url=callback_url(feed),
        settle_seconds=settle_seconds,
        allowed_hosts=feed.allowed_hosts,
    )


def open_transport(feed: Feed, settle_seconds: float = 2.0) -> Transport:
    """Return a transport for `feed` as configured now."""
    cls = feed.transport_class
    options = feed.options or {}
    return cls(
        feed.location,
        options,
        Secrets(options, names=cls.secret_names()),
        context_for(feed, settle_seconds),
    )


class FeedPoller:
    """Keep the transports of the feeds polled in this process, and poll them."""

    def __init__(self, settle_seconds: float = 2.0) -> None:
        self.settle_seconds = settle_seconds
        self._transports: dict[int, tuple[str, Transport]] = {}
        self._health_written: dict[int, float] = {}

    def close(self) -> None:
        for _, transport in self._transports.values():
            transport.close()
        self._transports.clear()

    def transport(self, feed: Feed) -> Transport:
        """Return the feed's transport, kept between polls while its settings stay the same.

        Kept, because it remembers what it saw (a remote file's size on the
        last listing), holds connections and OAuth tokens.
        """
        settings_now = json.dumps([feed.transport, feed.location, feed.options], sort_keys=True)
        kept = self._transports.get(feed.pk)
        if kept is not None and kept[0] == settings_now:
            return kept[1]
        if kept is not None:
            kept[1].close()
        transport = open_transport(feed, self.settle_seconds)
        self._transports[feed.pk] = (settings_now, transport)
        return transport

    def folder(self, feed: Feed) -> WatchFolder:
        """Return the watch folder of a folder feed."""
        transport = self.transport(feed)
        assert isinstance(transport, FolderTransport)
        return transport.folder

    def poll(self, feed: Feed) -> list[IngestReport]:
        """Poll `feed` once, store what it brought, and schedule its next poll."""
        with log_ids.bound(feed_id=feed.pk):
            return self._poll(feed)

    def _poll(self, feed: Feed) -> list[IngestReport]:
        started, clock = timezone.now(), time.perf_counter()
        transport = self.transport(feed)
        checkpoint = dict(feed.checkpoint or {})
        reports: list[IngestReport] = []
        error: TransportError | None = None
        try:
            for delivery in transport.pull(checkpoint, TakenFiles(feed)):
                report = self.take(feed, transport, delivery)
                if report is not None:
                    reports.append(report)
                if delivery.checkpoint is not None:
                    # Only now, with the delivery stored and acknowledged.
                    checkpoint.update(delivery.checkpoint)
                    Feed.objects.filter(pk=feed.pk).update(checkpoint=checkpoint)
        except TransportError as exc:
            error = exc
            log.warning("poll failed feed=%s: %s", feed.slug, exc)
            POLL_FAILURES.labels(feed.slug).inc()
        POLL_SECONDS.labels(feed.slug).observe(time.perf_counter() - clock)
        for path in getattr(transport, "retaken", ()):
            log.info(
                "feed=%s: %s changed after it was refused; taking it again", feed.slug, path.name
            )
        self.write_health(feed, transport, reports, error, started)
        return reports

    def take(
        self, feed: Feed, transport: Transport, delivery: PulledDelivery
    ) -> IngestReport | None:
        """Store one delivery and acknowledge it; None when there was nothing to store yet."""
        if delivery.refused:
            quarantine(feed, delivery.name, b"", delivery.refused, size=delivery.size)
            transport.acknowledge(delivery, Stored(ok=False, reason=delivery.refused))
            report = IngestReport(origin=delivery.name[:2000], quarantined=delivery.refused)
            count_delivery(feed.slug, report, timezone.now(), refused=True)
            return report
        if delivery.only_checkpoint:
            return None
        arrived = timezone.now()  # before it is read: reading is part of a reader's wait
        prepared = prepare(delivery.data, prepare_options(feed), base_url=delivery.base_url)
        if prepared.error is not None and transport.may_be_incomplete(delivery):
            return None  # unreadable, but perhaps still arriving: taken again later
        report = store_prepared(feed, delivery.data, delivery.name, prepared, arrived)
        # After the commit: a crash in between makes the transport offer the
        # delivery again, and storing it again does nothing.
        transport.acknowledge(
            delivery, Stored(report.ok, report.quarantined or "", report.item_failures)
        )
        return report

    def write_health(
        self,
        feed: Feed,
        transport: Transport,
        reports: list[IngestReport],
        error: TransportError | None,
        started: datetime,
    ) -> None:
        """Write the feed's health; its next poll is due an interval after this one began."""
        now = timezone.now()
        if error is None and not reports and transport.local:
            # A folder is scanned several times a second; writing its health on
            # every empty scan would be a database write per scan for nothing.
            clock = time.monotonic()
            if clock - self._health_written.get(feed.pk, -HEALTH_EVERY) < HEALTH_EVERY:
                return
            self._health_written[feed.pk] = clock
        updates: dict = {"last_polled_at": started}
        if error is not None:
            failures = feed.failures + 1
            updates["failures"] = failures
            updates["last_error"] = f"{stamp(now)} {error}"[:2000]
            delay = next_delay(feed.poll_interval, failures, error.retry_after)
            if error.stop:
                # Not polled again until a person has looked (a changed host key).
                updates["enabled"] = False
                updates["last_error"] = f"{stamp(now)} stopped: {error}"[:2000]
        else:
            updates.update(_health_of(reports, now))
            if "last_success_at" in updates:
                updates["failures"] = 0  # a pass that worked ends any run of failures
            delay = feed.poll_interval
        # From the poll's start: a poll that took a while (a large remote
        # folder) does not stretch the interval the agency's copy waits.
        updates["next_poll_at"] = started + timedelta(seconds=delay)
        Feed.objects.filter(pk=feed.pk).update(**updates)
        checked(feed.pk)  # red or back, a quarantine: the alerts (docs/desk.md)


def stamp(now: datetime) -> str:
    """Return when an error happened, in the site's time zone as every page shows times."""
    return timezone.localtime(now).strftime("%Y-%m-%d %H:%M:%S %Z")


def _health_of(reports: list[IngestReport], now: datetime) -> dict:
    """Return the health fields after a poll: a delivery fetched but refused is a failure to see."""
    refused = [r for r in reports if not r.ok]
    if refused:
        # The fetch worked, the agency's bytes did not: the feed is failing,
        # and its last success stays where it was.
        reason = refused[-1].quarantined or ""
        return {"last_error": f"{stamp(now)} delivery quarantined: {reason}"[:2000]}
    return {"last_success_at": now, "last_error": ""}
