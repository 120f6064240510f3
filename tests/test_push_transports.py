"""Push in: an agency POSTing to a feed's address, and WebSub with a real hub on 127.0.0.1."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from wiredesk.ingest.polling import FeedPoller
from wiredesk.sources.models import Feed
from wiredesk.stories.models import Story

from .options import with_options
from .test_ftp_transport import wait_until
from .wire_builder import g2_item
from .wire_server import AgencyServer, Handler

SECRET = "push-secret-1234"


def delivery(n: int) -> bytes:
    return g2_item(
        f"urn:newsml:agency.example:2026:push-{n}",
        1,
        datetime(2026, 11, 28, tzinfo=UTC),
        headline=f"Pushed story {n}",
    )


def sign(body: bytes, secret: str = SECRET, method: str = "sha256") -> str:
    return f"{method}=" + hmac.new(secret.encode(), body, getattr(hashlib, method)).hexdigest()


@pytest.fixture
def push_feed(feeds, monkeypatch):
    monkeypatch.setenv("TEST_PUSH_SECRET", SECRET)
    feed = Feed(
        agency=feeds["ians"].agency,
        slug="ians-push",
        transport="push",
        location="-",
        options={"secret_env": "TEST_PUSH_SECRET"},
    )
    feed.full_clean()
    feed.save()
    return feed


def test_a_signed_push_is_stored_answered_and_on_the_site_at_once(client, push_feed):
    body = delivery(1)
    answer = client.post(
        "/push/ians-push/",
        body,
        content_type="application/xml",
        HTTP_X_WIREDESK_SIGNATURE=sign(body),
    )
    assert answer.status_code == 200
    assert answer.json() == {
        "stored": 1,
        "actions": {"published": 1},
        "quarantined": None,
        "item_failures": [],
    }
    story = Story.objects.get()
    assert client.get(story.get_absolute_url()).status_code == 200
    # The same push again (an agency retrying) stores nothing twice.
    again = client.post(
        "/push/ians-push/",
        body,
        content_type="application/xml",
        HTTP_X_WIREDESK_SIGNATURE=sign(body),
    )
    assert again.json()["actions"] == {"unchanged": 1} and Story.objects.count() == 1


def test_a_push_may_carry_the_secret_as_a_bearer_token(client, push_feed):
    answer = client.post(
        "/push/ians-push/",
        delivery(2),
        content_type="application/xml",
        HTTP_AUTHORIZATION=f"Bearer {SECRET}",
    )
    assert answer.status_code == 200 and answer.json()["stored"] == 1


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"HTTP_X_WIREDESK_SIGNATURE": sign(b"other bytes")},
        {"HTTP_X_WIREDESK_SIGNATURE": sign(delivery(3), secret="guess")},
        {"HTTP_AUTHORIZATION": "Bearer guess"},
    ],
)
def test_an_unproved_push_is_refused_and_stores_nothing(client, push_feed, headers):
    answer = client.post("/push/ians-push/", delivery(3), content_type="application/xml", **headers)
    assert answer.status_code == 401 and not Story.objects.exists()


def test_a_feed_that_accepts_only_signatures_refuses_the_bare_secret(client, push_feed):
    Feed.objects.filter(pk=push_feed.pk).update(
        options={"secret_env": "TEST_PUSH_SECRET", "accept": "signature"}
    )
    answer = client.post(
        "/push/ians-push/",
        delivery(4),
        content_type="application/xml",
        HTTP_AUTHORIZATION=f"Bearer {SECRET}",
    )
    assert answer.status_code == 401


def test_a_push_over_the_limit_is_refused_before_it_is_read(client, push_feed):
    Feed.objects.filter(pk=push_feed.pk).update(
        options={"secret_env": "TEST_PUSH_SECRET", "max_bytes": 200}
    )
    body = delivery(5)
    answer = client.post(
        "/push/ians-push/",
        body,
        content_type="application/xml",
        HTTP_X_WIREDESK_SIGNATURE=sign(body),
    )
    assert answer.status_code == 413 and "200-byte limit" in answer.json()["error"]


def test_a_broken_push_is_quarantined_and_the_answer_says_why(client, push_feed):
    from wiredesk.ingest.models import Quarantine

    body = b"<newsItem><broken"
    answer = client.post(
        "/push/ians-push/",
        body,
        content_type="application/xml",
        HTTP_X_WIREDESK_SIGNATURE=sign(body),
    )
    assert answer.status_code == 422
    assert answer.json()["quarantined"].startswith("malformed XML")
    assert Quarantine.objects.get().data == body  # kept with its bytes


def test_pushes_to_a_feed_that_is_not_a_push_feed_are_not_found(client, feeds):
    answer = client.post("/push/ians-inbox/", delivery(6), content_type="application/xml")
    assert answer.status_code == 404
    assert client.get("/push/ians-inbox/").status_code == 405


def test_a_push_feed_is_never_polled(push_feed):
    from wiredesk.ingest.loop import IngestLoop

    loop = IngestLoop()
    try:
        assert push_feed.pk not in [f.pk for f in loop.due_feeds()]
    finally:
        loop.poller.close()


# -- WebSub ---------------------------------------------------------------------------------


class Hub:
    """A WebSub hub: takes subscriptions, checks the subscriber's intent, then distributes."""

    def __init__(self, server: AgencyServer, verifying: bool = True) -> None:
        self.server = server
        self.verifying = verifying  # False: only take requests (the test checks intent itself)
        self.subscriptions: list[dict[str, str]] = []
        self.verifications: list[httpx.Response] = []
        self.verified = threading.Event()
        server.routes["/hub"] = self.subscribe

    def subscribe(self, handler: Handler) -> None:
        form = {k: v[0] for k, v in parse_qs(handler.server.requests[-1].body.decode()).items()}
        self.subscriptions.append(form)
        handler.reply(202)
        if self.verifying:
            threading.Thread(target=self.verify, args=(form,), daemon=True).start()

    def verify(self, form: dict[str, str], challenge: str = "c-0123456789") -> None:
        query = urlencode(
            {
                "hub.mode": form["hub.mode"],
                "hub.topic": form["hub.topic"],
                "hub.challenge": challenge,
                "hub.lease_seconds": "86400",
            }
        )
        callback = form["hub.callback"]  # its own query kept, ours appended (section 5.3)
        joined = "&" if urlsplit(callback).query else "?"
        self.verifications.append(httpx.get(f"{callback}{joined}{query}"))
        self.verified.set()

    def distribute(self, body: bytes, signature: str | None = None) -> httpx.Response:
        form = self.subscriptions[-1]
        header = signature if signature is not None else sign(body, form["hub.secret"], "sha1")
        return httpx.post(
            form["hub.callback"],
            content=body,
            headers={"Content-Type": "application/xml", "X-Hub-Signature": header},
        )


def topic_document(hub_url: str) -> bytes:
    return (
        '<?xml version="1.0"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">'
        f'<channel><title>Agency</title><atom:link rel="hub" href="{hub_url}"/>'
        "<item><guid>topic-1</guid><title>From the topic</title><description>Text.</description>"
        "</item></channel></rss>"
    ).encode()


@pytest.fixture
def agency_server():
    running = AgencyServer().start()
    yield running
    running.stop()


@pytest.mark.django_db(transaction=True)
def test_websub_subscribes_at_the_topic_s_hub_answers_its_check_and_takes_signed_content(
    feeds, agency_server, live_server, settings, monkeypatch
):
    with_options(settings, site={"url": live_server.url})
    monkeypatch.setenv("TEST_WEBSUB_SECRET", "hub-secret-5678")
    hub = Hub(agency_server)
    topic = agency_server.base_url + "/topic.xml"
    agency_server.routes["/topic.xml"] = lambda h: h.reply(200, topic_document("/hub"))
    feed = Feed.objects.create(
        agency=feeds["ians"].agency,
        slug="ians-websub",
        transport="websub",
        location=topic,
        poll_interval=3600,
        options={"secret_env": "TEST_WEBSUB_SECRET"},
    )
    poller = FeedPoller()
    try:
        [report] = poller.poll(feed)  # subscribed, and the topic read once as a safety net
        assert report.actions == {"published": 1}
    finally:
        poller.close()
    [form] = hub.subscriptions
    assert form["hub.mode"] == "subscribe" and form["hub.topic"] == topic
    token = token_of(form)
    assert form["hub.callback"] == f"{live_server.url}/websub/ians-websub/?token={token}"
    assert form["hub.secret"] == "hub-secret-5678"
    assert hub.verified.wait(10)
    [check] = hub.verifications
    assert check.status_code == 200 and check.text == "c-0123456789"
    feed.refresh_from_db()
    assert feed.checkpoint["lease_until"] > time.time() + 86000
    # The hub distributes new content: signed, it is stored and on the site at once.
    body = delivery(7)
    answer = hub.distribute(body)
    assert answer.status_code == 200 and answer.json()["stored"] == 1
    story = Story.objects.get(headline="Pushed story 7")
    assert httpx.get(live_server.url + story.get_absolute_url()).status_code == 200
    # Unsigned, or signed with another secret: ignored (section 8).
    for signature in ("", sign(delivery(8), "not-the-secret")):
        assert hub.distribute(delivery(8), signature).status_code == 403
    assert not Story.objects.filter(headline="Pushed story 8").exists()


@pytest.mark.django_db(transaction=True)
def test_websub_renews_a_lease_before_it_ends_and_not_before(
    feeds, agency_server, live_server, settings, monkeypatch
):
    with_options(settings, site={"url": live_server.url})
    monkeypatch.setenv("TEST_WEBSUB_SECRET", "hub-secret-5678")
    hub = Hub(agency_server)
    topic = agency_server.base_url + "/topic.xml"
    agency_server.routes["/topic.xml"] = lambda h: h.reply(200, topic_document("/hub"))
    now = time.time()
    leased = {"confirmed_at": now - 80000, "requested_at": now - 80000, "lease_seconds": 86400}
    feed = Feed.objects.create(
        agency=feeds["ians"].agency,
        slug="ians-websub",
        transport="websub",
        location=topic,
        options={"secret_env": "TEST_WEBSUB_SECRET", "hub": agency_server.base_url + "/hub"},
        checkpoint={**leased, "lease_until": now + 50000},
    )
    poller = FeedPoller()
    try:
        poller.poll(feed)
        assert hub.subscriptions == []  # most of the lease is left
        Feed.objects.filter(pk=feed.pk).update(checkpoint={**leased, "lease_until": now + 3000})
        feed.refresh_from_db()
        poller.poll(feed)
    finally:
        poller.close()
    assert len(hub.subscriptions) == 1 and hub.verified.wait(10)
    feed.refresh_from_db()
    assert feed.checkpoint["lease_until"] > now + 86000


def subscribe_at(hub: Hub, feed: Feed) -> dict[str, str]:
    """Have Wiredesk ask `hub` for the feed's subscription; return the request the hub got."""
    poller = FeedPoller()
    try:
        poller.poll(feed)
    finally:
        poller.close()
    return hub.subscriptions[-1]


def token_of(form: dict[str, str]) -> str:
    """Return the token in the callback a subscription request registered."""
    [token] = parse_qs(urlsplit(form["hub.callback"]).query)["token"]
    return token


@pytest.fixture
def websub_feed(feeds, agency_server, monkeypatch) -> Feed:
    """A WebSub feed whose topic and hub are on 127.0.0.1; the hub checks nothing itself."""
    monkeypatch.setenv("TEST_WEBSUB_SECRET", "s")
    topic = agency_server.base_url + "/topic.xml"
    agency_server.routes["/topic.xml"] = lambda h: h.reply(200, topic_document("/hub"))
    return Feed.objects.create(
        agency=feeds["ians"].agency,
        slug="ians-websub",
        transport="websub",
        location=topic,
        options={"secret_env": "TEST_WEBSUB_SECRET", "lease_seconds": 3600},
    )


def test_the_callback_confirms_only_subscriptions_it_wants(client, agency_server, websub_feed):
    hub = Hub(agency_server, verifying=False)
    asked = subscribe_at(hub, websub_feed)
    topic = asked["hub.topic"]
    ask = {
        "hub.mode": "subscribe",
        "hub.challenge": "abc",
        "hub.lease_seconds": "60",
        "token": token_of(asked),
    }
    other = client.get("/websub/ians-websub/", {**ask, "hub.topic": "https://evil.example/"})
    assert other.status_code == 404
    unsubscribe = {**ask, "hub.mode": "unsubscribe", "hub.topic": topic}
    assert client.get("/websub/ians-websub/", unsubscribe).status_code == 404  # still wanted
    ours = client.get("/websub/ians-websub/", {**ask, "hub.topic": topic})
    assert ours.status_code == 200 and ours.content == b"abc"
    assert Feed.objects.get(slug="ians-websub").checkpoint["lease_seconds"] == 60
    again = client.get("/websub/ians-websub/", {**ask, "hub.topic": topic})
    assert again.status_code == 404  # one answer per request


def test_websub_content_signed_with_any_of_the_spec_s_hashes_is_accepted(
    client, feeds, monkeypatch
):
    monkeypatch.setenv("TEST_WEBSUB_SECRET", "s3")
    Feed.objects.create(
        agency=feeds["ians"].agency,
        slug="ians-websub",
        transport="websub",
        location="https://agency.example/topic.xml",
        options={"secret_env": "TEST_WEBSUB_SECRET"},
    )
    for n, method in enumerate(("sha1", "sha256", "sha384", "sha512")):
        body = delivery(20 + n)
        answer = client.post(
            "/websub/ians-websub/",
            body,
            content_type="application/xml",
            HTTP_X_HUB_SIGNATURE=sign(body, "s3", method),
        )
        assert answer.status_code == 200, method
    assert Story.objects.count() == 4
    md5 = sign(delivery(30), "s3", "md5")
    answer = client.post(
        "/websub/ians-websub/",
        delivery(30),
        content_type="application/xml",
        HTTP_X_HUB_SIGNATURE=md5,
    )
    assert answer.status_code == 403  # not a method the spec names


def test_the_answer_to_a_push_is_json_a_client_can_read(client, push_feed):
    body = delivery(40)
    answer = client.post(
        "/push/ians-push/",
        body,
        content_type="application/xml",
        HTTP_X_WIREDESK_SIGNATURE=sign(body),
    )
    assert answer["Content-Type"] == "application/json"
    assert json.loads(answer.content)["stored"] == 1
    assert wait_until(lambda: Story.objects.filter(headline="Pushed story 40").exists(), 1)


def test_a_push_feed_whose_secret_is_missing_refuses_pushes_without_failing(
    client, push_feed, monkeypatch
):
    monkeypatch.delenv("TEST_PUSH_SECRET")
    body = delivery(50)
    answer = client.post(
        "/push/ians-push/",
        body,
        content_type="application/xml",
        HTTP_X_WIREDESK_SIGNATURE=sign(body),
    )
    assert answer.status_code == 401 and not Story.objects.exists()


def test_finding_a_topic_s_hub_keeps_to_the_size_limit(agency_server):
    from wiredesk.transports.base import Context, TransportError
    from wiredesk.transports.secrets import Secrets
    from wiredesk.transports.websub import WebSubFeed

    def huge(handler: Handler) -> None:  # announces 60 MB
        handler.send_response(200)
        handler.send_header("Content-Length", str(60 * 1024 * 1024))
        handler.end_headers()
        handler.wfile.write(b"<rss>")

    agency_server.routes["/huge.xml"] = huge
    options = {"secret_env": "UNUSED"}
    topic = WebSubFeed(
        agency_server.base_url + "/huge.xml",
        options,
        Secrets(options),
        Context(feed="t", callback_url="https://news.example/websub/t/"),
    )
    try:
        with pytest.raises(TransportError, match=r"cannot read the topic.*over the limit"):
            topic.find_hub()
    finally:
        topic.close()
