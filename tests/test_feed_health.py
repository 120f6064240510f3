"""The feeds board's red, amber and green: each rule alone, then real feeds driven into each state."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from wiredesk.desk.health import AMBER, GREEN, PAUSED, RED, FeedFacts, health
from wiredesk.desk.stats import board
from wiredesk.ingest.polling import FeedPoller
from wiredesk.sources.models import Feed
from wiredesk.transports.base import TransportError

from .wire_builder import g2_item
from .wire_server import AgencyServer

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
QUIET = FeedFacts(
    enabled=True,
    failures=0,
    last_error="",
    last_success_at=NOW,
    poll_interval=timedelta(minutes=1),
    stored_24h=10,
    quarantined_24h=0,
    last_item_at=NOW - timedelta(minutes=5),
    usual_per_hour=2.0,
    skew=timedelta(0),
)


def with_(**changes) -> FeedFacts:
    from dataclasses import replace

    return replace(QUIET, **changes)


def test_each_rule_alone():
    assert health(QUIET, NOW).status == GREEN
    assert health(with_(failures=1, last_error="HTTP 503"), NOW).status == AMBER
    assert health(with_(failures=3, last_error="HTTP 503"), NOW).status == RED
    assert health(with_(quarantined_24h=1), NOW).status == AMBER
    assert health(with_(stored_24h=2, quarantined_24h=3), NOW).status == RED
    assert health(with_(stored_24h=10, quarantined_24h=3), NOW).status == AMBER  # a quarter
    assert health(with_(last_item_at=NOW - timedelta(hours=2)), NOW).status == AMBER
    assert health(with_(skew=timedelta(minutes=30)), NOW).status == AMBER
    assert health(with_(enabled=False), NOW).status == PAUSED
    assert health(with_(enabled=False, last_error="stopped: host key changed"), NOW).status == RED
    assert health(with_(last_success_at=None, failures=1), NOW).status == RED


def test_silence_is_judged_against_the_feed_s_own_habit_at_this_hour():
    # One an hour at this time of day: two hours' silence is usual enough...
    rare = with_(usual_per_hour=1.0, last_item_at=NOW - timedelta(hours=2))
    assert health(rare, NOW).status == GREEN
    # ... but not three and a half hours; and a feed with no habit is never "silent".
    assert (
        "silent for 3 h"
        in health(
            with_(usual_per_hour=1.0, last_item_at=NOW - timedelta(hours=3, minutes=30)), NOW
        ).reasons[0]
    )
    assert (
        health(with_(usual_per_hour=0.0, last_item_at=NOW - timedelta(days=3)), NOW).status == GREEN
    )


def test_reasons_say_what_is_wrong_in_words():
    reasons = health(with_(failures=4, last_error="login refused", quarantined_24h=1), NOW).reasons
    assert reasons == (
        "4 polls failed in a row: login refused",
        "1 of 11 deliveries quarantined in 24 hours",
    )


pytestmark_db = pytest.mark.django_db(transaction=True)


def drop(feed: Feed, name: str, data: bytes, age: float = 60) -> None:
    path = FeedPoller().folder(feed).path / name
    path.write_bytes(data)
    past = time.time() - age
    os.utime(path, (past, past))


def poll(feed: Feed) -> None:
    poller = FeedPoller(settle_seconds=0.1)
    try:
        poller.poll(Feed.objects.get(pk=feed.pk))
    finally:
        poller.close()


def status(feed: Feed) -> str:
    return board(Feed.objects.get(pk=feed.pk), timezone.now()).health.status


@pytestmark_db
def test_a_folder_feed_with_fresh_stories_is_green(feeds):
    drop(feeds["ians"], "a.xml", g2_item("urn:a", 1, datetime.now(UTC) - timedelta(minutes=2)))
    poll(feeds["ians"])
    row = board(Feed.objects.get(pk=feeds["ians"].pk), timezone.now())
    assert row.health.status == GREEN
    assert sum(row.last_day) == 1 and row.last_day[-1] == 1
    assert row.latency_p50 is not None and row.latency_p50 < timedelta(seconds=5)


@pytestmark_db
def test_an_http_feed_failing_once_is_amber_three_times_red(feeds):
    server = AgencyServer().start()
    server.routes["/down"] = lambda h: h.reply(503)
    try:
        feed = Feed.objects.create(
            agency=feeds["ians"].agency,
            slug="ians-down",
            transport="http",
            location=server.base_url + "/down",
        )
        Feed.objects.filter(pk=feed.pk).update(last_success_at=timezone.now())
        poll(feed)
        assert status(feed) == AMBER
        # The error's time in the site's zone, as every other time on the desk.
        error = Feed.objects.get(pk=feed.pk).last_error
        assert error.startswith(timezone.localtime().strftime("%Y-%m-%d")) and " IST " in error
        poll(feed)
        poll(feed)
        assert status(feed) == RED
        assert (
            "3 polls failed in a row"
            in board(Feed.objects.get(pk=feed.pk), timezone.now()).health.reasons[0]
        )
    finally:
        server.stop()


@pytestmark_db
def test_a_feed_whose_deliveries_are_mostly_quarantined_is_red_some_amber(feeds):
    now = datetime.now(UTC)
    for n in range(3):
        drop(feeds["ians"], f"broken-{n}.xml", b"<newsItem><unclosed>")
    poll(feeds["ians"])
    assert status(feeds["ians"]) == RED
    for n in range(2):
        drop(feeds["meridian"], f"good-{n}.xml", g2_item(f"urn:g{n}", 1, now))
    drop(feeds["meridian"], "broken.xml", b"<newsItem><unclosed>")
    poll(feeds["meridian"])
    assert status(feeds["meridian"]) == AMBER


@pytestmark_db
def test_a_feed_silent_for_longer_than_usual_at_this_hour_is_amber(feeds):
    feed = feeds["northline"]
    real_now = datetime.now(UTC)
    # A week of habit: four stories around this hour on each of the six days before.
    for day in range(1, 7):
        with time_machine.travel(real_now - timedelta(days=day, minutes=30), tick=True):
            for n in range(4):
                drop(feed, f"d{day}-{n}.xml", g2_item(f"urn:d{day}-{n}", 1, datetime.now(UTC)))
            poll(feed)
    assert status(feed) == AMBER  # nothing since yesterday at this hour
    reasons = board(Feed.objects.get(pk=feed.pk), timezone.now()).health.reasons
    assert any(reason.startswith("silent for") for reason in reasons)
    drop(feed, "today.xml", g2_item("urn:today", 1, real_now))
    poll(feed)
    assert status(feed) == GREEN


@pytestmark_db
def test_an_agency_clock_running_ahead_is_amber(feeds):
    ahead = datetime.now(UTC) + timedelta(minutes=40)
    drop(feeds["harbour"], "ahead.xml", g2_item("urn:ahead", 1, ahead))
    poll(feeds["harbour"])
    [reason] = board(Feed.objects.get(pk=feeds["harbour"].pk), timezone.now()).health.reasons
    assert reason.startswith("the agency's clock runs 3") and reason.endswith("min ahead of ours")


@pytestmark_db
def test_a_feed_stopped_by_the_system_is_red_and_one_paused_by_an_editor_is_paused(feeds):
    from wiredesk.ingest import control

    poller = FeedPoller()
    feed = Feed.objects.get(pk=feeds["ians"].pk)
    poller.write_health(
        feed,
        poller.transport(feed),
        [],
        TransportError("host key changed", stop=True),
        timezone.now(),
    )
    assert status(feed) == RED
    control.pause([feeds["meridian"]], None, "Contract review")
    assert status(feeds["meridian"]) == PAUSED
