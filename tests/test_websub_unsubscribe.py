"""A WebSub feed removed, paused, or given another topic or hub asks its hub to end the
subscription (W3C WebSub 5.1), and confirms the hub's check of that intent (5.3) only
when it asked; with a real hub on 127.0.0.1 that checks intent by a GET to the callback.

Before, no unsubscription was ever sent: the hub pushed to a removed feed's
callback until the lease lapsed (ten days by default).
"""

from __future__ import annotations

import time
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from wiredesk.ingest import control
from wiredesk.ingest.unsubscribing import confirm_unsubscription
from wiredesk.sources.models import Feed
from wiredesk.stories.storage.statistics import analyze
from wiredesk.syndication.dispatch import deliver_due, make_client
from wiredesk.syndication.models import OutboundMessage

from .options import with_options
from .test_long_tail_plans import plan
from .test_push_transports import (  # noqa: F401 (fixtures)
    Hub,
    agency_server,
    subscribe_at,
    token_of,
    topic_document,
)


@pytest.fixture
def subscribed(feeds, agency_server, live_server, settings, monkeypatch):  # noqa: F811
    """Return (hub, feed, the subscription request) once the hub has confirmed it."""
    with_options(settings, site={"url": live_server.url})
    monkeypatch.setenv("TEST_WEBSUB_SECRET", "s")
    hub = Hub(agency_server)  # checks our intent itself, by a GET to the callback
    agency_server.routes["/topic.xml"] = lambda h: h.reply(200, topic_document("/hub"))
    feed = Feed.objects.create(
        agency=feeds["ians"].agency,
        slug="ians-websub",
        transport="websub",
        location=agency_server.base_url + "/topic.xml",
        options={"secret_env": "TEST_WEBSUB_SECRET", "lease_seconds": 3600},
        fetch_allowed_hosts="127.0.0.1",  # the hub is on the loopback (transports/outbound.py)
    )
    asked = subscribe_at(hub, feed)
    assert hub.verified.wait(10)
    [verification] = hub.verifications
    assert verification.status_code == 200 and verification.text == "c-0123456789"
    hub.verified.clear()
    feed.refresh_from_db()
    return hub, feed, asked


def remove(feed: Feed) -> None:
    feed.delete()


def pause(feed: Feed) -> None:
    control.pause([feed], None, "The agency's contract is under review")


def move_topic(feed: Feed) -> None:
    feed.location = feed.location.replace("/topic.xml", "/other-topic.xml")
    feed.save()


def change_hub(feed: Feed) -> None:
    feed.options = {**feed.options, "hub": feed.location.replace("/topic.xml", "/new-hub")}
    feed.save()


def turn_off_in_the_admin(feed: Feed) -> None:
    feed.enabled = False
    feed.save()


ENDINGS = {
    "removed": remove,
    "paused": pause,
    "topic-changed": move_topic,
    "hub-changed": change_hub,
    "turned-off": turn_off_in_the_admin,
}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("end", ENDINGS.values(), ids=ENDINGS.keys())
def test_a_feed_that_no_longer_wants_its_subscription_unsubscribes_and_confirms_the_hub_s_check(
    subscribed, end
):
    hub, feed, asked = subscribed
    end(feed)
    deliver_due(make_client())
    assert hub.verified.wait(10)
    unsubscription = hub.subscriptions[-1]
    # The very topic and callback the subscription is known by at the hub (section 5.1).
    assert unsubscription == {
        "hub.mode": "unsubscribe",
        "hub.topic": asked["hub.topic"],
        "hub.callback": asked["hub.callback"],
    }
    check = hub.verifications[-1]
    assert check.status_code == 200 and check.text == "c-0123456789"
    [message] = OutboundMessage.objects.filter(kind=OutboundMessage.Kind.UNSUBSCRIBE)
    assert message.status == OutboundMessage.Status.SENT and message.response_status == 202
    # One answer per request: the same check again, from anyone, is refused.
    assert _send(_check_of(unsubscription)).status_code == 404
    kept = Feed.objects.filter(pk=feed.pk).first()
    if kept is not None:  # no lease held: polled again, it subscribes afresh
        assert kept.checkpoint["lease_until"] == 0 and kept.checkpoint["subscriptions"] == []


@pytest.mark.django_db(transaction=True)
def test_a_check_of_an_unsubscription_never_asked_for_is_refused_and_the_feed_keeps_its_lease(
    subscribed,
):
    _hub, feed, asked = subscribed
    unsubscription = {**asked, "hub.mode": "unsubscribe"}
    assert _send(_check_of(unsubscription)).status_code == 404
    feed.refresh_from_db()
    assert feed.checkpoint["lease_until"] > time.time() + 3000
    [subscription] = feed.checkpoint["subscriptions"]
    assert subscription["callback"] == asked["hub.callback"]
    # A change that keeps the subscription (its poll interval) asks the hub nothing.
    feed.poll_interval = 120
    feed.save()
    assert not OutboundMessage.objects.filter(kind=OutboundMessage.Kind.UNSUBSCRIBE).exists()


@pytest.mark.django_db(transaction=True)
def test_a_removed_feed_s_unsubscription_is_confirmed_only_with_its_subscription_s_token(
    subscribed,
):
    _hub, feed, asked = subscribed
    feed.delete()
    check_url, query = _check_of({**asked, "hub.mode": "unsubscribe"})
    token = token_of(asked)
    for wrong in ("", "wrong", token[:-1], token + "x", "tökén"):
        refused = httpx.get(check_url, params={**query, "token": wrong})
        assert 400 <= refused.status_code < 500, wrong
    other_topic = {**query, "hub.topic": "https://evil.example/", "token": token}
    assert httpx.get(check_url, params=other_topic).status_code == 404
    answered = httpx.get(check_url, params={**query, "token": token})
    assert answered.status_code == 200 and answered.text == "c-1"


@pytest.mark.django_db
def test_a_check_of_an_unsubscription_reads_the_last_day_s_unsubscriptions_by_index():
    # Anyone may GET the callback: the outbox's log, kept by the million, is never walked.
    now = timezone.now()
    OutboundMessage.objects.bulk_create(
        OutboundMessage(
            kind=OutboundMessage.Kind.WEBSUB,
            status=OutboundMessage.Status.SENT,
            event="story.published",
            url=f"https://news.example/feeds/{n}",
            created_at=now - timedelta(minutes=n),
            next_attempt_at=now,
        )
        for n in range(3000)
    )
    analyze()
    with CaptureQueriesContext(connection) as queries:
        assert not confirm_unsubscription("ians-websub", "https://agency.example/", "t-1")
    table = OutboundMessage._meta.db_table
    [read] = [q["sql"] for q in queries.captured_queries if f'"{table}"' in q["sql"]]
    steps = [step for step in plan(read) if step.table == table]
    assert steps and all(s.index == "outbox_unsubscriptions" and not s.scan for s in steps)


def _send(check: tuple[str, dict[str, str]]) -> httpx.Response:
    return httpx.get(check[0], params=check[1])


def _check_of(request: dict[str, str]) -> tuple[str, dict[str, str]]:
    """Return the address and query of a hub's check of `request` (section 5.3)."""
    callback = urlsplit(request["hub.callback"])
    query = {k: v[0] for k, v in parse_qs(callback.query).items()}
    query |= {"hub.mode": request["hub.mode"], "hub.topic": request["hub.topic"]}
    query["hub.challenge"] = "c-1"
    return callback._replace(query="").geturl(), query
