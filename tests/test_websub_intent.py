"""The WebSub callback takes a check of intent or a denial only for a request of ours still
pending, for its topic, and a lease no longer than asked (issue 27, item 4).

Anyone can GET the callback: before this, such a GET stored any lease (so the
subscription was never renewed and lapsed at the hub) and wrote any text on
the desk as the feed's error.
"""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import time_machine

from wiredesk.ingest.polling import FeedPoller
from wiredesk.sources.models import Feed

from .options import with_options
from .test_push_transports import (  # noqa: F401 (fixtures)
    Hub,
    agency_server,
    subscribe_at,
    token_of,
    topic_document,
    websub_feed,
)
from .wire_server import Handler

CALLBACK = "/websub/ians-websub/"
FORGED_LEASE = "999999999999"


def poll_once(feed: Feed) -> None:
    """Poll `feed` once, as the scheduler's poller would, and close the poller."""
    poller = FeedPoller()
    try:
        poller.poll(feed)
    finally:
        poller.close()


def check(topic: str, **more: str) -> dict[str, str]:
    return {"hub.mode": "subscribe", "hub.topic": topic, "hub.challenge": "c-42", **more}


def test_a_check_of_intent_for_a_request_never_made_is_refused_and_stores_no_lease(
    client,
    websub_feed,  # noqa: F811
):
    answer = client.get(
        CALLBACK, check(websub_feed.location, **{"hub.lease_seconds": FORGED_LEASE})
    )
    assert answer.status_code == 404
    assert Feed.objects.get(pk=websub_feed.pk).checkpoint == {}


def test_a_denial_for_a_request_never_made_writes_nothing_on_the_desk(
    client,
    websub_feed,  # noqa: F811
):
    denial = {"hub.mode": "denied", "hub.topic": websub_feed.location, "hub.reason": "lies"}
    assert client.get(CALLBACK, denial).status_code == 404
    assert Feed.objects.get(pk=websub_feed.pk).last_error == ""


def test_the_lease_a_hub_confirms_is_at_most_the_lease_we_asked_for(
    client,
    agency_server,  # noqa: F811
    websub_feed,  # noqa: F811
):
    asked = subscribe_at(Hub(agency_server, verifying=False), websub_feed)
    assert asked["hub.lease_seconds"] == "3600"
    forged = {"hub.lease_seconds": FORGED_LEASE, "token": token_of(asked)}
    answer = client.get(CALLBACK, check(asked["hub.topic"], **forged))
    assert answer.status_code == 200 and answer.content == b"c-42"
    checkpoint = Feed.objects.get(pk=websub_feed.pk).checkpoint
    assert checkpoint["lease_seconds"] == 3600
    assert checkpoint["lease_until"] <= time.time() + 3600
    assert checkpoint["pending_request"] is None


def test_a_check_that_names_no_lease_gets_the_lease_we_asked_for(
    client,
    agency_server,  # noqa: F811
    websub_feed,  # noqa: F811
):
    asked = subscribe_at(Hub(agency_server, verifying=False), websub_feed)
    ours = check(asked["hub.topic"], token=token_of(asked))
    assert client.get(CALLBACK, ours).status_code == 200
    assert Feed.objects.get(pk=websub_feed.pk).checkpoint["lease_seconds"] == 3600


MALFORMED_LEASES = {
    "401-digits": "9" * 401,
    "word": "abc",
    "negative": "-5",
    "zero": "0",
    "fraction": "1.5",
    "superscript": "²",
    "arabic-indic": "\u0661\u0662\u0663",
    "past-bigint": str(2**63),
}


@pytest.mark.parametrize("lease", MALFORMED_LEASES.values(), ids=MALFORMED_LEASES.keys())
def test_a_malformed_lease_is_a_400_and_the_request_stays_pending(
    client,
    agency_server,  # noqa: F811
    websub_feed,  # noqa: F811
    lease,
):
    asked = subscribe_at(Hub(agency_server, verifying=False), websub_feed)
    ours = check(asked["hub.topic"], token=token_of(asked))
    answer = client.get(CALLBACK, {**ours, "hub.lease_seconds": lease})
    assert answer.status_code == 400
    assert "lease_until" not in Feed.objects.get(pk=websub_feed.pk).checkpoint
    assert client.get(CALLBACK, ours).status_code == 200


def test_a_check_for_another_topic_or_mode_is_refused_and_leaves_the_request_pending(
    client,
    agency_server,  # noqa: F811
    websub_feed,  # noqa: F811
):
    asked = subscribe_at(Hub(agency_server, verifying=False), websub_feed)
    topic, token = asked["hub.topic"], token_of(asked)
    assert client.get(CALLBACK, check("https://evil.example/", token=token)).status_code == 404
    unsubscribe = check(topic, token=token, **{"hub.mode": "unsubscribe"})
    assert client.get(CALLBACK, unsubscribe).status_code == 404
    denial = {
        "hub.mode": "denied",
        "hub.topic": "https://evil.example/",
        "hub.reason": "x",
        "token": token,
    }
    assert client.get(CALLBACK, denial).status_code == 404
    assert Feed.objects.get(pk=websub_feed.pk).last_error == ""
    assert client.get(CALLBACK, check(topic, token=token)).status_code == 200


def test_a_hub_s_denial_of_our_pending_request_is_shown_on_the_feed_once(
    client,
    agency_server,  # noqa: F811
    websub_feed,  # noqa: F811
):
    asked = subscribe_at(Hub(agency_server, verifying=False), websub_feed)
    topic, token = asked["hub.topic"], token_of(asked)
    denial = {"hub.mode": "denied", "hub.topic": topic, "hub.reason": "unpaid", "token": token}
    assert client.get(CALLBACK, denial).status_code == 200
    feed = Feed.objects.get(pk=websub_feed.pk)
    assert feed.last_error == "the WebSub hub denied the subscription: unpaid"
    assert "lease_until" not in feed.checkpoint
    # The request is answered: neither a check nor another denial answers it again.
    assert client.get(CALLBACK, check(topic, token=token)).status_code == 404
    assert client.get(CALLBACK, {**denial, "hub.reason": "other"}).status_code == 404


def test_a_request_pending_for_over_a_day_is_answered_no_more(
    client,
    agency_server,  # noqa: F811
    websub_feed,  # noqa: F811
):
    asked = subscribe_at(Hub(agency_server, verifying=False), websub_feed)
    ours = check(asked["hub.topic"], token=token_of(asked))
    with time_machine.travel(time.time() + 25 * 3600):
        assert client.get(CALLBACK, ours).status_code == 404
    with time_machine.travel(time.time() + 23 * 3600):
        assert client.get(CALLBACK, ours).status_code == 200


def test_a_subscription_the_hub_refuses_leaves_nothing_pending(
    client,
    agency_server,  # noqa: F811
    websub_feed,  # noqa: F811
):
    asked: list[dict[str, str]] = []

    def refuse(handler: Handler) -> None:  # notes the request, then refuses it
        asked.append(
            {k: v[0] for k, v in parse_qs(handler.server.requests[-1].body.decode()).items()}
        )
        handler.reply(403, b"not for you")

    agency_server.routes["/hub"] = refuse
    poll_once(websub_feed)
    feed = Feed.objects.get(pk=websub_feed.pk)
    assert "refused the subscription: HTTP 403" in feed.last_error
    assert feed.checkpoint["pending_request"] is None
    [form] = asked
    assert client.get(CALLBACK, check(form["hub.topic"], token=token_of(form))).status_code == 404


def test_a_topic_naming_a_hub_on_another_private_host_never_gets_our_secret(
    agency_server,  # noqa: F811
    websub_feed,  # noqa: F811
):
    # The topic is on 127.0.0.1, which the operator named; its hub link points at
    # `localhost` (the same loopback, another name nobody allowed): the subscription
    # request, which carries our secret, is refused before it is sent.
    asked: list[bytes] = []
    agency_server.routes["/hub"] = lambda h: (
        asked.append(h.server.requests[-1].body),
        h.reply(202, b""),
    )
    elsewhere = f"http://localhost:{urlsplit(agency_server.base_url).port}/hub"
    agency_server.routes["/topic.xml"] = lambda h: h.reply(200, topic_document(elsewhere))
    poll_once(websub_feed)
    feed = Feed.objects.get(pk=websub_feed.pk)
    assert asked == []
    assert "cannot ask the WebSub hub to subscribe" in feed.last_error
    assert "localhost" in feed.last_error
    assert feed.checkpoint["pending_request"] is None
    # Allowed by name on the feed, the same hub is asked.
    Feed.objects.filter(pk=feed.pk).update(fetch_allowed_hosts="localhost", checkpoint={})
    poll_once(Feed.objects.get(pk=feed.pk))
    [body] = asked
    assert parse_qs(body.decode())["hub.secret"] == ["s"]


def test_an_unsubscription_is_confirmed_only_when_we_asked_for_it(
    client,
    websub_feed,  # noqa: F811
):
    topic, now = websub_feed.location, time.time()
    leased = {"lease_seconds": 3600, "lease_until": now + 3000}
    Feed.objects.filter(pk=websub_feed.pk).update(checkpoint=leased)
    unsubscribe = check(topic, **{"hub.mode": "unsubscribe"})
    assert client.get(CALLBACK, unsubscribe).status_code == 404
    pending = {"mode": "unsubscribe", "topic": topic, "at": now, "token": "t-1"}
    Feed.objects.filter(pk=websub_feed.pk).update(checkpoint={**leased, "pending_request": pending})
    assert client.get(CALLBACK, unsubscribe).status_code == 404  # not the request's token
    assert client.get(CALLBACK, {**unsubscribe, "token": "t-1"}).status_code == 200
    assert Feed.objects.get(pk=websub_feed.pk).checkpoint["lease_until"] == 0


class HubThatChecksFirst(Hub):
    """A hub that checks our intent before it answers the subscription request."""

    def subscribe(self, handler: Handler) -> None:
        form = {k: v[0] for k, v in parse_qs(handler.server.requests[-1].body.decode()).items()}
        self.subscriptions.append(form)
        self.verify(form)
        handler.reply(202)


@pytest.mark.django_db(transaction=True)
def test_a_hub_that_checks_before_it_answers_finds_the_request_already_noted(
    feeds,
    agency_server,  # noqa: F811
    live_server,
    settings,
    monkeypatch,
):
    with_options(settings, site={"url": live_server.url})
    monkeypatch.setenv("TEST_WEBSUB_SECRET", "s")
    hub = HubThatChecksFirst(agency_server)
    agency_server.routes["/topic.xml"] = lambda h: h.reply(200, topic_document("/hub"))
    feed = Feed.objects.create(
        agency=feeds["ians"].agency,
        slug="ians-websub",
        transport="websub",
        location=agency_server.base_url + "/topic.xml",
        options={"secret_env": "TEST_WEBSUB_SECRET"},
    )
    subscribe_at(hub, feed)
    [verification] = hub.verifications
    assert verification.status_code == 200 and verification.text == "c-0123456789"
    feed.refresh_from_db()
    assert feed.checkpoint["lease_seconds"] == 86400  # what the hub said, under the default
    assert feed.checkpoint["pending_request"] is None


# -- the callback's token (section 5.1: an unguessable callback URL per subscription) --------


@pytest.mark.django_db(transaction=True)
def test_a_check_without_the_request_s_token_is_refused_and_the_hub_s_own_then_succeeds(
    feeds,
    agency_server,  # noqa: F811
    live_server,
    settings,
    monkeypatch,
):
    with_options(settings, site={"url": live_server.url})
    monkeypatch.setenv("TEST_WEBSUB_SECRET", "s")
    hub = Hub(agency_server, verifying=False)
    agency_server.routes["/topic.xml"] = lambda h: h.reply(200, topic_document("/hub"))
    feed = Feed.objects.create(
        agency=feeds["ians"].agency,
        slug="ians-websub",
        transport="websub",
        location=agency_server.base_url + "/topic.xml",
        options={"secret_env": "TEST_WEBSUB_SECRET"},
    )
    asked = subscribe_at(hub, feed)
    topic, token = asked["hub.topic"], token_of(asked)
    # Someone who knows the topic answers first: the right topic and mode, not the token.
    forged = check(topic, **{"hub.lease_seconds": "86400"})
    denial = {"hub.mode": "denied", "hub.topic": topic, "hub.reason": "forged"}
    for wrong in (None, "", "wrong", token[:-1], token + "x", token.upper()):
        for answer in (forged, denial):
            query = answer if wrong is None else {**answer, "token": wrong}
            refused = httpx.get(live_server.url + CALLBACK, params=query)
            assert refused.status_code == 404, (wrong, answer["hub.mode"])
    feed.refresh_from_db()
    assert feed.checkpoint["pending_request"]["token"] == token  # still pending
    assert "lease_until" not in feed.checkpoint and feed.last_error == ""
    # The hub's own check comes to the callback it was given, token and all.
    hub.verify(asked)
    [verification] = hub.verifications
    assert verification.status_code == 200 and verification.text == "c-0123456789"
    feed.refresh_from_db()
    assert feed.checkpoint["pending_request"] is None
    assert feed.checkpoint["lease_until"] > time.time() + 86000


def test_the_subscription_request_the_hub_gets_names_a_fresh_token_in_its_callback(
    client,
    agency_server,  # noqa: F811
    websub_feed,  # noqa: F811
):
    hub = Hub(agency_server, verifying=False)
    first = subscribe_at(hub, websub_feed)
    token = token_of(first)
    callback = urlsplit(first["hub.callback"])
    assert callback.path == CALLBACK and parse_qs(callback.query) == {"token": [token]}
    assert len(token) >= 32 and token.isascii()
    pending = Feed.objects.get(pk=websub_feed.pk).checkpoint["pending_request"]
    assert pending["token"] == token
    # Unconfirmed after ten minutes: asked again with a new token, which alone answers it.
    with time_machine.travel(time.time() + 11 * 60):
        second = subscribe_at(hub, Feed.objects.get(pk=websub_feed.pk))
        assert token_of(second) != token
        topic = second["hub.topic"]
        assert client.get(CALLBACK, check(topic, token=token)).status_code == 404
        assert client.get(CALLBACK, check(topic, token=token_of(second))).status_code == 200


NON_ASCII_TOKENS = {
    "accent": "tökén",
    "arabic-indic": "\u0661\u0662\u0663",
    "emoji": "\U0001f511",
    "nbsp": "\u00a0",
    "fullwidth": "\uff54\uff4f\uff4b\uff45\uff4e",
}


@pytest.mark.parametrize("token", NON_ASCII_TOKENS.values(), ids=NON_ASCII_TOKENS.keys())
def test_a_check_with_a_non_ascii_token_is_a_4xx_and_the_request_stays_pending(
    client,
    agency_server,  # noqa: F811
    websub_feed,  # noqa: F811
    token,
):
    asked = subscribe_at(Hub(agency_server, verifying=False), websub_feed)
    ours = token_of(asked)
    for sent in (token, ours + token, ours[:-1] + token):
        for answer in (
            check(asked["hub.topic"]),
            {"hub.mode": "denied", "hub.topic": asked["hub.topic"]},
        ):
            refused = client.get(CALLBACK, {**answer, "token": sent})
            assert 400 <= refused.status_code < 500, (sent, answer["hub.mode"])
    feed = Feed.objects.get(pk=websub_feed.pk)
    assert feed.checkpoint["pending_request"]["token"] == ours and feed.last_error == ""
    assert client.get(CALLBACK, check(asked["hub.topic"], token=ours)).status_code == 200
