"""WebSub, IndexNow and webhooks against real HTTP endpoints on 127.0.0.1 that record what they get.

Sent apart from ingest, retried with backoff, signed, logged.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import pytest
import time_machine

from wiredesk.ingest.pipeline import ingest_bytes
from wiredesk.stories.models import Story
from wiredesk.syndication.dispatch import MAX_ATTEMPTS, deliver_due, make_client, retry_delay
from wiredesk.syndication.models import OutboundMessage, Webhook

from .options import with_options
from .wire_builder import g2_item
from .wire_server import AgencyServer, Handler

T0 = datetime(2021, 10, 14, 4, 0, tzinfo=UTC)
# Real commits, so the change signals fire and fill the outbox as in production.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def endpoints(settings):
    server = AgencyServer().start()
    server.routes["/hub"] = lambda h: h.reply(204)
    server.routes["/indexnow"] = lambda h: h.reply(200)
    with_options(
        settings,
        site={
            "websub_hub": server.base_url + "/hub",
            "indexnow_key": "a1b2c3d4e5f6a7b8",
            "indexnow_endpoint": server.base_url + "/indexnow",
        },
    )
    yield server
    server.stop()


@pytest.fixture
def client_http():
    client = make_client()
    yield client
    client.close()


def publish(feeds, version=1, status="usable"):
    ingest_bytes(
        feeds["ians"],
        g2_item("urn:p", version, T0 + timedelta(minutes=version), status=status),
        "p.xml",
    )


def test_ingest_only_queues_nothing_is_sent_on_the_ingest_path(feeds, endpoints):
    def slow(handler: Handler) -> None:
        time.sleep(2)
        handler.reply(204)

    endpoints.routes["/hub"] = slow
    started = time.monotonic()
    publish(feeds)
    assert time.monotonic() - started < 1.5  # a slow hub never slows ingest
    assert endpoints.requests == []
    assert OutboundMessage.objects.filter(status="pending").count() == 7  # 6 feeds + IndexNow


def test_websub_publish_ping_for_every_touched_feed(feeds, endpoints, client_http):
    publish(feeds)
    deliver_due(client_http)
    pings = [parse_qs(r.body.decode()) for r in endpoints.requests if r.path == "/hub"]
    assert all(p["hub.mode"] == ["publish"] for p in pings)
    assert sorted(p["hub.url"][0] for p in pings) == sorted(
        f"https://news.example/{path}"
        for path in (
            "feeds/rss.xml",
            "feeds/atom.xml",
            "feeds/feed.json",
            "agency/ians/rss.xml",
            "agency/ians/atom.xml",
            "agency/ians/feed.json",
        )
    )
    assert not OutboundMessage.objects.exclude(status="sent").exists()


def test_pings_queued_before_the_hub_and_key_were_taken_out_are_not_sent(
    feeds, endpoints, client_http, settings
):
    publish(feeds)
    with_options(settings, site={"websub_hub": None, "indexnow_key": None})
    deliver_due(client_http)
    assert endpoints.requests == []
    errors = set(OutboundMessage.objects.values_list("status", "attempts", "last_error"))
    assert errors == {
        ("pending", 1, "no [site] websub_hub to ping"),
        ("pending", 1, "no [site] indexnow_key to submit with"),
    }


def test_indexnow_submission_on_publish_and_kill_with_key_file(
    client, feeds, endpoints, client_http
):
    publish(feeds)
    story = Story.objects.get()
    deliver_due(client_http)
    publish(feeds, version=2, status="canceled")
    deliver_due(client_http)
    bodies = [json.loads(r.body) for r in endpoints.requests if r.path == "/indexnow"]
    assert len(bodies) == 2
    for body in bodies:
        assert body["host"] == "news.example"
        assert body["key"] == "a1b2c3d4e5f6a7b8"
        assert body["keyLocation"] == "https://news.example/a1b2c3d4e5f6a7b8.txt"
    assert bodies[0]["urlList"] == [f"https://news.example{story.get_absolute_url()}"]
    assert bodies[1]["urlList"] == bodies[0]["urlList"]  # the killed URL too
    assert client.get("/a1b2c3d4e5f6a7b8.txt").content == b"a1b2c3d4e5f6a7b8"
    assert client.get("/00000000000000.txt").status_code == 404


def test_webhooks_are_signed_and_carry_the_event(feeds, endpoints, client_http):
    endpoints.routes["/hook"] = lambda h: h.reply(200)
    Webhook.objects.create(
        url=endpoints.base_url + "/hook",
        secret="s3cret",
        events=["story.published", "story.killed"],
    )
    publish(feeds)
    publish(feeds, version=2)  # story.updated: not subscribed
    publish(feeds, version=3, status="canceled")
    deliver_due(client_http)
    calls = [r for r in endpoints.requests if r.path == "/hook"]
    assert [c.headers["x-wiredesk-event"] for c in calls] == ["story.published", "story.killed"]
    for call in calls:
        expected = "sha256=" + hmac.new(b"s3cret", call.body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(call.headers["x-wiredesk-signature"], expected)
        assert call.headers["content-type"] == "application/json"
    published = json.loads(calls[0].body)
    assert published["event"] == "story.published"
    assert published["story"]["headline"] == "Monsoon withdraws from north India"
    assert json.loads(calls[1].body)["story"]["state"] == "killed"


def test_failed_webhook_is_retried_with_backoff_until_it_succeeds(
    feeds, endpoints, client_http, admin_client
):
    answers = iter([500, 503, 200])
    endpoints.routes["/hook"] = lambda h: h.reply(next(answers))
    hook = Webhook.objects.create(url=endpoints.base_url + "/hook", secret="k", description="CMS")
    with time_machine.travel(T0, tick=False) as clock:
        publish(feeds)
        assert deliver_due(client_http) >= 1
        message = OutboundMessage.objects.get(kind="webhook")
        assert (
            message.status == "pending" and message.attempts == 1 and message.response_status == 500
        )
        assert deliver_due(client_http) == 0  # not due yet: it backs off
        clock.move_to(message.next_attempt_at)
        deliver_due(client_http)
        message.refresh_from_db()
        assert message.attempts == 2 and message.last_error == "HTTP 503"
        first_wait = message.next_attempt_at - T0
        clock.move_to(message.next_attempt_at)
        deliver_due(client_http)
    message.refresh_from_db()
    assert message.status == "sent" and message.attempts == 3 and message.response_status == 200
    assert len([r for r in endpoints.requests if r.path == "/hook"]) == 3
    assert first_wait > timedelta(seconds=2)
    # The delivery log, in the admin.
    page = admin_client.get(
        f"/admin/wiredesk_syndication/webhook/{hook.pk}/change/"
    ).content.decode()
    assert "story.published" in page and ">Sent<" in page.replace("\n", "").replace(" ", "")
    log = admin_client.get("/admin/wiredesk_syndication/outboundmessage/", {"kind": "webhook"})
    assert log.status_code == 200 and "/hook" in log.content.decode()


def test_a_dead_endpoint_is_given_up_after_the_last_attempt(feeds, endpoints, client_http):
    Webhook.objects.create(url="http://127.0.0.1:9/nothing-listens-here", secret="k")
    with time_machine.travel(T0, tick=False) as clock:
        publish(feeds)
        for _ in range(MAX_ATTEMPTS):
            deliver_due(client_http)
            clock.shift(timedelta(hours=2))
    message = OutboundMessage.objects.get(kind="webhook")
    assert message.status == "failed" and message.attempts == MAX_ATTEMPTS
    assert "ConnectError" in message.last_error


def test_retry_delays_grow_and_are_jittered():
    import random

    rng = random.Random(3)
    delays = [[retry_delay(n, rng) for _ in range(20)] for n in range(1, 6)]
    for earlier, later in itertools.pairwise(delays):
        assert max(earlier) <= min(later) * 2 + 1e-9
        assert len(set(later)) > 15
    assert max(max(d) for d in delays) <= 3600
