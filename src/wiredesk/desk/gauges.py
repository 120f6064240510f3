"""The gauges /metrics reads from the database and the broker when it is scraped.

The outbox, the quarantine and each feed's health are facts of the database,
the same whichever process is asked: read at each scrape, they are right in
multiprocess mode too, where a gauge kept in memory would be one process's.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Min, Sum
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from wiredesk.ingest.models import Quarantine
from wiredesk.sources.models import Feed
from wiredesk.stories.models import Delivery
from wiredesk.syndication.models import OutboundMessage

from .health import RED, FeedFacts, health
from .stats import retried_bytes

BROKER_SECONDS = 1.0  # a broker that does not answer within this costs one scrape no more
BROKER_OPTIONS = {"socket_timeout": BROKER_SECONDS, "socket_connect_timeout": BROKER_SECONDS}


class StateCollector(Collector):
    """Yield the gauges of the outbox, the quarantine, the feeds and the Celery queue."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = timezone.now()
        yield from outbox(now)
        yield from quarantine()
        yield from feeds(now)
        yield from celery_queue()


def outbox(now: datetime) -> Iterator[GaugeMetricFamily]:
    """Pending messages and the oldest one's age, and failed messages, by kind."""
    pending = GaugeMetricFamily(
        "wiredesk_outbox_pending", "Outbox messages not yet sent, by kind.", labels=["kind"]
    )
    oldest = GaugeMetricFamily(
        "wiredesk_outbox_oldest_seconds",
        "Age of the oldest outbox message not yet sent, by kind (0 when none).",
        labels=["kind"],
    )
    failed = GaugeMetricFamily(
        "wiredesk_outbox_failed",
        "Outbox messages given up on after their last retry, by kind.",
        labels=["kind"],
    )
    # Sent messages stay in the log by the million: only these two statuses are
    # read, through the index the sender claims by (status, next attempt).
    waiting = (OutboundMessage.Status.PENDING, OutboundMessage.Status.FAILED)
    rows = OutboundMessage.objects.filter(status__in=waiting).order_by().values("kind", "status")
    found = {
        (row["kind"], row["status"]): (row["n"], row["first"])
        for row in rows.annotate(n=Count("id"), first=Min("created_at"))
    }
    for kind in OutboundMessage.Kind.values:
        number, first = found.get((kind, OutboundMessage.Status.PENDING), (0, None))
        pending.add_metric([kind], number)
        oldest.add_metric([kind], max((now - first).total_seconds(), 0.0) if first else 0.0)
        failed.add_metric([kind], found.get((kind, OutboundMessage.Status.FAILED), (0, None))[0])
    yield from (pending, oldest, failed)


def quarantine() -> Iterator[GaugeMetricFamily]:
    """Open quarantine entries, and the refusals they count, by feed."""
    entries = GaugeMetricFamily(
        "wiredesk_quarantine_open",
        "Quarantine entries not yet retried or dismissed, by feed.",
        labels=["feed"],
    )
    refusals = GaugeMetricFamily(
        "wiredesk_quarantine_open_refusals",
        "Refusals the open quarantine entries count (the same bytes refused again), by feed.",
        labels=["feed"],
    )
    rows = (
        Quarantine.objects.filter(resolved_at=None)
        .order_by()
        .values("feed__slug")
        .annotate(n=Count("id"), times=Sum("repeats"))
    )
    found = {row["feed__slug"] or "": (row["n"], row["times"] or 0) for row in rows}
    for slug in [*Feed.objects.order_by("slug").values_list("slug", flat=True), ""]:
        number, times = found.get(slug, (0, 0))
        if slug or number:  # entries of no feed (a deleted one's) only when there are some
            entries.add_metric([slug], number)
            refusals.add_metric([slug], times)
    yield from (entries, refusals)


def feeds(now: datetime) -> Iterator[GaugeMetricFamily]:
    """Each feed's red state (the desk's rules), failed polls in a row, and whether it runs."""
    red = GaugeMetricFamily(
        "wiredesk_feed_red", "1 while the feed is red on the desk's feeds board.", labels=["feed"]
    )
    failures = GaugeMetricFamily(
        "wiredesk_feed_failures", "Polls of the feed that failed in a row.", labels=["feed"]
    )
    enabled = GaugeMetricFamily(
        "wiredesk_feed_enabled",
        "1 while the feed is polled (not paused or stopped).",
        labels=["feed"],
    )
    day = now - timedelta(hours=24)
    # Counted here, not grouped in SQL: grouping by feed led SQLite's planner to
    # walk every delivery kept in feed order; the day's range is what is read.
    stored = Counter(
        Delivery.objects.filter(received_at__gte=day)
        .exclude(sha256__in=retried_bytes(day))
        .order_by()
        .values_list("feed_id", flat=True)
    )
    refused = dict(
        Quarantine.objects.filter(last_seen_at__gte=day)
        .order_by()
        .values_list("feed_id")
        .annotate(n=Sum("repeats"))
        .values_list("feed_id", "n")
    )
    for feed in Feed.objects.order_by("slug"):
        # Red depends on these facts only; amber's silence and clock skew are
        # the desk's to show (desk/stats.py), too costly to gather at each scrape.
        facts = FeedFacts(
            enabled=feed.enabled,
            failures=feed.failures,
            last_error=feed.last_error,
            last_success_at=feed.last_success_at,
            poll_interval=timedelta(seconds=feed.poll_interval),
            stored_24h=stored.get(feed.pk, 0),
            quarantined_24h=refused.get(feed.pk) or 0,
            last_item_at=None,
            usual_per_hour=0.0,
            skew=timedelta(0),
        )
        red.add_metric([feed.slug], 1 if health(facts, now).status == RED else 0)
        failures.add_metric([feed.slug], feed.failures)
        enabled.add_metric([feed.slug], 1 if feed.enabled else 0)
    yield from (red, failures, enabled)


def celery_queue() -> Iterator[GaugeMetricFamily]:
    """The tasks waiting in the Celery queue, where a broker is configured."""
    url = settings.CELERY_BROKER_URL
    if url.startswith("memory://"):
        return  # no Celery: `wiredesk run` ingests in its own process
    from amqp.exceptions import ChannelError
    from kombu import Connection

    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    depth = GaugeMetricFamily(
        "wiredesk_celery_queue_length", "Tasks waiting in the Celery queue.", labels=["queue"]
    )
    up = GaugeMetricFamily("wiredesk_celery_broker_up", "1 when the broker answered this scrape.")
    try:
        with Connection(
            url, connect_timeout=BROKER_SECONDS, transport_options=BROKER_OPTIONS
        ) as connection:
            connection.connect()  # once: a scrape never waits through retries
            channel = connection.default_channel
            try:
                # Passive: count what is there, never create the queue.
                _, waiting, _ = channel.queue_declare(queue=queue, passive=True)
            except ChannelError:  # never declared (on Redis: nothing waiting)
                waiting = 0
    except Exception:  # the broker away: no depth to show
        up.add_metric([], 0)
        yield up
        return
    up.add_metric([], 1)
    depth.add_metric([queue], waiting)
    yield from (up, depth)
