"""HTTP polling against a real HTTP server on 127.0.0.1: the etiquette agencies expect."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from wiredesk.ingest.polling import FeedPoller
from wiredesk.sources.models import Feed
from wiredesk.stories.models import Story
from wiredesk.transports.backoff import next_delay
from wiredesk.transports.http import HttpFetcher, PollState, parse_retry_after

from .conftest import SEED_V1, SEED_V2
from .wire_server import AgencyServer, Handler

FEED = SEED_V1.read_bytes()


@pytest.fixture
def server():
    server = AgencyServer().start()
    yield server
    server.stop()


@pytest.fixture
def transport():
    transport = HttpFetcher(user_agent="Wiredesk-test/1.0 (+https://news.example)", timeout=1.0)
    yield transport
    transport.close()


def conditional_feed(handler: Handler) -> None:
    """Answer like a well-behaved agency: 304 when the client has the current copy."""
    if handler.headers.get("If-None-Match") == '"v1"':
        handler.reply(304, headers={"ETag": '"v1"'})
    else:
        handler.reply(
            200,
            FEED,
            {
                "ETag": '"v1"',
                "Last-Modified": "Thu, 14 Oct 2021 04:09:03 GMT",
                "Content-Type": "application/rss+xml",
            },
        )


def test_conditional_get_sends_validators_and_gets_304(server, transport):
    server.routes["/feed"] = conditional_feed
    first = transport.fetch(server.base_url + "/feed", PollState())
    assert first.status == "fetched"
    assert first.content == FEED
    assert first.state == PollState('"v1"', "Thu, 14 Oct 2021 04:09:03 GMT")
    second = transport.fetch(server.base_url + "/feed", first.state)
    assert second.status == "not_modified"
    assert second.content is None
    sent = server.requests[1].headers
    assert sent["if-none-match"] == '"v1"'
    assert sent["if-modified-since"] == "Thu, 14 Oct 2021 04:09:03 GMT"
    assert server.requests[0].headers["user-agent"] == "Wiredesk-test/1.0 (+https://news.example)"


def test_429_retry_after_seconds_is_honoured(server, transport):
    server.routes["/feed"] = lambda h: h.reply(429, b"slow down", {"Retry-After": "120"})
    result = transport.fetch(server.base_url + "/feed", PollState())
    assert result.status == "error"
    assert result.http_status == 429
    assert result.retry_after == 120
    assert next_delay(60, 1, result.retry_after) >= 120  # the feed's first failure


def test_503_retry_after_http_date_is_honoured(server, transport):
    later = datetime.now(UTC) + timedelta(seconds=300)
    server.routes["/feed"] = lambda h: h.reply(
        503, b"", {"Retry-After": format_datetime(later, usegmt=True)}
    )
    result = transport.fetch(server.base_url + "/feed", PollState())
    assert result.http_status == 503
    assert 290 <= result.retry_after <= 300


def test_5xx_failures_back_off_exponentially_with_jitter(server, transport):
    server.routes["/feed"] = lambda h: h.reply(500, b"boom")
    known = PollState('"v1"', "Thu, 14 Oct 2021 04:09:03 GMT")
    state = known
    for _ in range(4):
        result = transport.fetch(server.base_url + "/feed", state)
        state = result.state
    assert result.error == "HTTP 500 Internal Server Error"
    assert state == known  # a failure forgets nothing; the feed counts them (feed.failures)
    rng = random.Random(7)
    delays = [next_delay(60, failures, rng=rng) for failures in range(6) for _ in range(50)]
    by_failures = [delays[i * 50 : (i + 1) * 50] for i in range(6)]
    assert by_failures[0] == [60] * 50  # no failure: the feed's own interval
    for failures, group in enumerate(by_failures[1:], start=1):
        assert all(60 <= d <= 60 * 2**failures for d in group)
        assert len(set(group)) > 40  # jittered, so nodes do not retry in step
    assert max(by_failures[5]) > max(by_failures[1])
    assert next_delay(60, 30) <= 3600  # capped at an hour


def test_slow_server_times_out_as_an_error(server, transport):
    def slow(handler: Handler) -> None:
        time.sleep(2)
        handler.reply(200, FEED)

    server.routes["/feed"] = slow
    started = time.monotonic()
    result = transport.fetch(server.base_url + "/feed", PollState())
    assert result.status == "error"
    assert result.error == "timed out"
    assert time.monotonic() - started < 2.5


def test_redirect_is_followed(server, transport):
    server.routes["/old"] = lambda h: h.reply(301, b"", {"Location": "/feed"})
    server.routes["/feed"] = conditional_feed
    result = transport.fetch(server.base_url + "/old", PollState())
    assert result.status == "fetched"
    assert result.content == FEED
    assert result.url == server.base_url + "/feed"


def test_response_over_the_size_limit_is_refused(server):
    server.routes["/feed"] = lambda h: h.reply(200, b"x" * 5000)
    small = HttpFetcher(user_agent="t", max_bytes=1000)
    result = small.fetch(server.base_url + "/feed", PollState())
    small.close()
    assert result.status == "error"
    assert "over the limit" in result.error


def test_retry_after_parsing():
    assert parse_retry_after("30") == 30
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    now = datetime(2021, 10, 14, tzinfo=UTC)
    assert parse_retry_after("Thu, 14 Oct 2021 00:01:00 GMT", now) == 60


def test_http_feed_is_polled_stored_and_scheduled(server, feeds):
    """The whole path: poll a real server, store the story, then 304 stores nothing."""
    versions = {"body": SEED_V1.read_bytes(), "etag": '"a"'}

    def agency(handler: Handler) -> None:
        if handler.headers.get("If-None-Match") == versions["etag"]:
            handler.reply(304)
        else:
            handler.reply(200, versions["body"], {"ETag": versions["etag"]})

    server.routes["/ians.xml"] = agency
    feed = Feed.objects.create(
        agency=feeds["ians"].agency,
        slug="ians-http",
        transport="http",
        location=server.base_url + "/ians.xml",
        poll_interval=60,
    )
    poller = FeedPoller()
    try:
        [report] = poller.poll(feed)
        assert report.actions == {"published": 1}
        feed.refresh_from_db()
        assert feed.checkpoint["etag"] == '"a"'
        assert feed.next_poll_at > feed.last_polled_at
        assert poller.poll(feed) == []  # 304: nothing to ingest
        versions.update(body=SEED_V2.read_bytes(), etag='"b"')
        feed.refresh_from_db()
        [report] = poller.poll(feed)
        assert report.actions == {"updated": 1}
    finally:
        poller.close()
    assert Story.objects.get().version_count == 2
    assert [r.headers.get("if-none-match") for r in server.requests] == [None, '"a"', '"a"']


def test_failing_http_feed_records_its_health(server, feeds):
    server.routes["/down"] = lambda h: h.reply(503, b"", {"Retry-After": "600"})
    feed = Feed.objects.create(
        agency=feeds["ians"].agency,
        slug="ians-down",
        transport="http",
        location=server.base_url + "/down",
        poll_interval=60,
    )
    poller = FeedPoller()
    try:
        assert poller.poll(feed) == []
    finally:
        poller.close()
    feed.refresh_from_db()
    assert feed.failures == 1
    assert "HTTP 503" in feed.last_error
    assert (feed.next_poll_at - feed.last_polled_at).total_seconds() >= 600


def test_an_absurd_retry_after_is_capped_at_six_hours_and_shown(server, transport):
    server.routes["/feed"] = lambda h: h.reply(429, b"slow down", {"Retry-After": "999999"})
    result = transport.fetch(server.base_url + "/feed", PollState())
    assert result.retry_after == 6 * 3600
    assert "wait 21,600 s (Retry-After)" in result.error  # what the feed's health shows
    assert next_delay(60, 1, result.retry_after) == 6 * 3600
    assert parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT") == 6 * 3600
    assert parse_retry_after("\u0663\u0660") is None  # Arabic-Indic digits are no number here


def test_an_unchanged_broken_feed_is_quarantined_once_counted_and_shown_failing(server, feeds):
    from wiredesk.ingest.models import Quarantine

    server.routes["/broken"] = lambda h: h.reply(200, b"<rss><channel><item>")
    feed = Feed.objects.create(
        agency=feeds["ians"].agency,
        slug="ians-broken",
        transport="http",
        location=server.base_url + "/broken",
        poll_interval=60,
    )
    poller = FeedPoller()
    try:
        for _ in range(3):
            [report] = poller.poll(feed)
            assert not report.ok
    finally:
        poller.close()
    [kept] = Quarantine.objects.all()  # one entry for the same bytes, not one a poll
    assert kept.repeats == 3 and "malformed XML" in kept.reason
    feed.refresh_from_db()
    assert "delivery quarantined: malformed XML" in feed.last_error
    assert feed.last_success_at is None
    server.routes["/broken"] = lambda h: h.reply(200, SEED_V1.read_bytes())
    poller = FeedPoller()
    try:
        poller.poll(feed)
    finally:
        poller.close()
    feed.refresh_from_db()
    assert feed.last_error == "" and feed.last_success_at is not None


def test_wrong_credentials_say_the_agency_refused_access_and_the_password_stays_unsaid(
    server, feeds, monkeypatch
):
    import base64

    monkeypatch.setenv("TEST_FEED_PASSWORD", "not-the-password")
    wanted = "Basic " + base64.b64encode(b"publisher:the-password").decode()
    server.routes["/private.xml"] = lambda h: (
        h.reply(200, SEED_V1.read_bytes())
        if h.headers.get("Authorization") == wanted
        else h.reply(401, b"", {"WWW-Authenticate": 'Basic realm="feeds"'})
    )
    feed = Feed.objects.create(
        agency=feeds["ians"].agency,
        slug="ians-private",
        transport="http",
        location=server.base_url + "/private.xml",
        options={"auth": "basic", "username": "publisher", "password_env": "TEST_FEED_PASSWORD"},
    )
    poller = FeedPoller()
    try:
        assert poller.poll(feed) == []
        feed.refresh_from_db()
        assert "access refused by the agency's server: HTTP 401" in feed.last_error
        assert "not-the-password" not in feed.last_error
        monkeypatch.setenv("TEST_FEED_PASSWORD", "the-password")  # put right: read at the next poll
        [report] = poller.poll(feed)
        assert report.actions == {"published": 1}
    finally:
        poller.close()
