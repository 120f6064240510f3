"""The facts the desk shows of each feed: health inputs, items per hour, latency."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Max, QuerySet, Sum

from wiredesk.ingest.models import Quarantine
from wiredesk.sources.models import Feed
from wiredesk.stories.models import Delivery, LifecycleEvent, Story, StoryVersion

from .health import FeedFacts, Health, health

WEEK_HOURS = 7 * 24


@dataclass(frozen=True)
class FeedBoard:
    """One feed's row on the feeds board."""

    feed: Feed
    health: Health
    hourly: list[int]  # items per hour, the last WEEK_HOURS hours, oldest first
    latency_p50: timedelta | None
    latency_p99: timedelta | None
    quarantine_open: int
    repaired_week: int = 0  # deliveries read with repairs (wire/repair.py), the last 7 days

    @property
    def last_day(self) -> list[int]:
        return self.hourly[-24:]

    @property
    def daily(self) -> list[int]:
        return [sum(self.hourly[i : i + 24]) for i in range(0, WEEK_HOURS, 24)]

    @property
    def last_day_bars(self) -> list[tuple[int, float, float]]:
        return bars(self.last_day)

    @property
    def daily_bars(self) -> list[tuple[int, float, float]]:
        return bars(self.daily)


def bars(values: list[int], height: float = 10.0) -> list[tuple[int, float, float]]:
    """Return (x, y, height) of a bar chart's bars in a box `height` high."""
    top = max(values, default=0) or 1
    return [
        (x, round(height - n * height / top, 2), round(n * height / top, 2))
        for x, n in enumerate(values)
    ]


def board(feed: Feed, now: datetime) -> FeedBoard:
    """Gather one feed's facts and judge its health."""
    day, week = now - timedelta(hours=24), now - timedelta(hours=WEEK_HOURS)
    arrivals = list(
        StoryVersion.objects.filter(delivery__feed=feed, received_at__gte=week)
        .order_by()
        .values_list("received_at", "version_created")
    )
    hourly = _per_hour(arrivals, now)
    # This hour of the day: now (a part of an hour), then each of the six days before.
    same_hour = [count for age, count in enumerate(reversed(hourly)) if age % 24 == 0]
    skew = max(
        (made - got for got, made in arrivals if made is not None and got >= day),
        default=timedelta(0),
    )
    deliveries = Delivery.objects.filter(feed=feed)
    stored, refused = recent_deliveries(feed, day)
    facts = FeedFacts(
        enabled=feed.enabled,
        failures=feed.failures,
        last_error=feed.last_error,
        last_success_at=feed.last_success_at,
        poll_interval=timedelta(seconds=feed.poll_interval),
        stored_24h=stored,
        quarantined_24h=refused,
        last_item_at=deliveries.aggregate(last=Max("received_at"))["last"],
        usual_per_hour=sum(same_hour[1:]) / (len(same_hour) - 1),
        skew=skew,
        paused="" if feed.enabled else _paused(feed),
    )
    p50, p99 = _latency(feed, day)
    return FeedBoard(
        feed=feed,
        health=health(facts, now),
        hourly=hourly,
        latency_p50=p50,
        latency_p99=p99,
        quarantine_open=Quarantine.objects.filter(feed=feed, resolved_at=None).count(),
        repaired_week=deliveries.filter(received_at__gte=week).exclude(repairs=[]).count(),
    )


def recent_deliveries(feed: Feed, since: datetime) -> tuple[int, int]:
    """Return the feed's deliveries stored and refused since `since`, as its health counts them."""
    stored = (
        Delivery.objects.filter(feed=feed, received_at__gte=since)
        .exclude(sha256__in=retried_bytes(since))
        .count()
    )
    # Each refusal counts: the same bytes refused again are one entry, `repeats` times.
    refused = Quarantine.objects.filter(feed=feed, last_seen_at__gte=since).aggregate(
        n=Sum("repeats")
    )["n"]
    return stored, refused or 0


def retried_bytes(since: datetime) -> QuerySet[Quarantine, str]:
    """Return the digests of whole deliveries quarantined since `since`: stored later by a
    retry, such a delivery is counted once, as quarantined, not once more as stored."""
    return Quarantine.objects.filter(last_seen_at__gte=since, item_id="").values_list(
        "sha256", flat=True
    )


def _paused(feed: Feed) -> str:
    """Return who paused the feed and why, in the words of its last pause in the log."""
    last = (
        LifecycleEvent.objects.filter(feed=feed, kind=LifecycleEvent.Kind.PAUSED)
        .order_by("-at", "-id")
        .values_list("actor", "reason")
        .first()
    )
    if last is None:
        return ""  # paused in the admin: no reason given
    actor, reason = last
    return f"paused by {actor}: {reason}" if reason else f"paused by {actor}"


def _per_hour(arrivals: list[tuple[datetime, datetime | None]], now: datetime) -> list[int]:
    counts = Counter(int((now - got).total_seconds() // 3600) for got, _ in arrivals)
    return [counts.get(age, 0) for age in range(WEEK_HOURS - 1, -1, -1)]


def _latency(feed: Feed, since: datetime) -> tuple[timedelta | None, timedelta | None]:
    """Return the p50 and p99 of arrival-to-publication of the feed's stories published since."""
    rows = (
        Story.objects.filter(versions__delivery__feed=feed, published_at__gte=since)
        .order_by()
        .values_list("pk", "published_at", "created_at")
        .distinct()[:10_000]
    )
    spans = sorted(
        max(published - created, timedelta(0))
        for _, published, created in rows
        if published is not None
    )
    if not spans:
        return None, None
    return spans[len(spans) // 2], spans[min(len(spans) - 1, int(len(spans) * 0.99))]
