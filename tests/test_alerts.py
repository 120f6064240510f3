"""Alerts (docs/desk.md, Alerts): a feed turning red and back, an agency's kill, a flash held
for an editor, a delivery quarantined, each told once a change, by Django's mail and to webhooks
on 127.0.0.1 (Slack-compatible and signed JSON), through the outbox and its retries."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import socket
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.utils import timezone

from wiredesk.config.alerts import AlertDestinationOptions
from wiredesk.config.options import ConfigError, Options
from wiredesk.ingest import control
from wiredesk.ingest.models import Quarantine
from wiredesk.ingest.pipeline import ingest_bytes
from wiredesk.ingest.polling import FeedPoller
from wiredesk.sources.models import Feed
from wiredesk.stories import editorial
from wiredesk.stories.models import Story
from wiredesk.syndication.checks import alert_problems
from wiredesk.syndication.dispatch import deliver_due, make_client
from wiredesk.syndication.models import AlertDestination, FeedAlertState, OutboundMessage

from .options import with_options
from .smtp_sink import SmtpSink
from .wire_builder import g2_item
from .wire_server import AgencyServer

# Real commits: the kill's announcement and the poll's check run after them, as in production.
pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "s3cret-for-alerts"
T0 = datetime.now(UTC) - timedelta(minutes=30)


@pytest.fixture
def hooks(settings, monkeypatch):
    """A chat service and an operator's endpoint on 127.0.0.1, and a duty inbox, all configured."""
    server = AgencyServer().start()
    server.routes["/slack"] = lambda h: h.reply(200, b"ok")
    server.routes["/signed"] = lambda h: h.reply(204)
    monkeypatch.setenv("WD_TEST_ALERT_SECRET", SECRET)
    with_options(
        settings,
        alerts=(
            AlertDestinationOptions(kind="email", to=("duty@news.example",)),
            AlertDestinationOptions(kind="slack", url=server.base_url + "/slack"),
            AlertDestinationOptions(
                kind="signed", url=server.base_url + "/signed", secret_env="WD_TEST_ALERT_SECRET"
            ),
        ),
    )
    yield server
    server.stop()


@pytest.fixture
def http():
    client = make_client()
    yield client
    client.close()


def poll(feed: Feed) -> None:
    poller = FeedPoller(settle_seconds=0.1)
    try:
        poller.poll(Feed.objects.get(pk=feed.pk))
    finally:
        poller.close()


def drop(feed: Feed, name: str, data: bytes) -> None:
    path = FeedPoller().folder(feed).path / name
    path.write_bytes(data)
    past = time.time() - 60
    os.utime(path, (past, past))


def queued(event: str) -> list[OutboundMessage]:
    return list(OutboundMessage.objects.filter(kind="alert", event=event).order_by("id"))


def posted(server: AgencyServer, path: str) -> list[dict]:
    return [json.loads(r.body) for r in server.requests if r.path == path and r.method == "POST"]


def failing_feed(feeds, server: AgencyServer) -> Feed:
    server.routes["/wire.xml"] = lambda h: h.reply(503)
    feed = Feed.objects.create(
        agency=feeds["ians"].agency,
        slug="ians-wire",
        transport="http",
        location=server.base_url + "/wire.xml",
    )
    Feed.objects.filter(pk=feed.pk).update(last_success_at=timezone.now())
    return feed


def test_a_feed_turning_red_is_told_once_and_back_once_by_every_destination(feeds, hooks, http):
    feed = failing_feed(feeds, hooks)
    poll(feed)
    poll(feed)
    assert queued("feed.red") == []  # amber is not told
    for _ in range(4):  # red from the third failed poll on: told once, not at every poll
        poll(feed)
    red = queued("feed.red")
    assert sorted(m.payload["channel"] for m in red) == ["email", "signed", "slack"]
    assert FeedAlertState.objects.get(feed=feed).red
    item = g2_item("urn:back", 1, T0)
    hooks.routes["/wire.xml"] = lambda h: h.reply(200, item, {"Content-Type": "application/xml"})
    poll(feed)
    poll(feed)
    assert len(queued("feed.recovered")) == 3
    assert len(queued("feed.red")) == 3

    deliver_due(http)
    slack = posted(hooks, "/slack")
    assert [body["text"].splitlines()[0] for body in slack] == [
        "Feed ians-wire (IANS) is red",
        "Feed ians-wire (IANS) is no longer red",
    ]
    assert "3 polls failed in a row" in slack[0]["text"]
    button = slack[0]["blocks"][-1]["elements"][0]
    assert button["url"] == "https://news.example/desk/feeds/#feed-ians-wire"
    signed = posted(hooks, "/signed")
    assert [(b["event"], b["feed"], b["red"]) for b in signed] == [
        ("feed.red", "ians-wire", True),
        ("feed.recovered", "ians-wire", False),
    ]
    assert [m.subject for m in mail.outbox] == [
        "[Wiredesk Test] Feed ians-wire (IANS) is red",
        "[Wiredesk Test] Feed ians-wire (IANS) is no longer red",
    ]
    assert mail.outbox[0].to == ["duty@news.example"]
    assert "https://news.example/desk/feeds/#feed-ians-wire" in mail.outbox[0].body
    assert OutboundMessage.objects.filter(kind="alert").exclude(status="sent").count() == 0


def test_two_processes_seeing_the_same_change_tell_it_once(feeds, hooks):
    from wiredesk.syndication import alerts

    feed = Feed.objects.select_related("agency").get(pk=feeds["ians"].pk)
    now = timezone.now()
    # Each as a process that read the old state before the other wrote the new one.
    assert alerts.feed_health(feed, True, ["down"], now) == "feed.red"
    assert alerts.feed_health(feed, True, ["down"], now) is None
    FeedAlertState.objects.filter(feed=feed).update(red=True)
    assert alerts._change(feed, now, red=True) is False
    assert len(queued("feed.red")) == 3


def test_an_agency_kill_is_told_and_an_editor_s_is_not(feeds, hooks, http):
    ingest_bytes(feeds["ians"], g2_item("urn:k", 1, T0, headline="Dam breach feared"), "k1.xml")
    ingest_bytes(feeds["ians"], g2_item("urn:e", 1, T0, headline="Minister resigns"), "e1.xml")
    ingest_bytes(feeds["ians"], g2_item("urn:k", 2, T0, status="canceled"), "k2.xml")
    ingest_bytes(feeds["ians"], g2_item("urn:k", 3, T0, status="canceled"), "k3.xml")  # again
    editor_s = Story.objects.get(item_id="urn:e")
    editorial.kill([editor_s.pk], None, "Court order")
    killed = Story.objects.get(item_id="urn:k")
    assert killed.state == "killed"
    assert len(queued("agency.kill")) == 3  # one story, three destinations; the desk's kill: none
    deliver_due(http)
    [slack] = posted(hooks, "/slack")
    assert slack["text"].startswith("IANS killed: Dam breach feared")
    assert f"https://news.example/desk/story/{killed.pk}/" in slack["text"]
    [signed] = posted(hooks, "/signed")
    assert (signed["event"], signed["story"], signed["agency"]) == (
        "agency.kill",
        killed.pk,
        "ians",
    )
    [email] = mail.outbox
    assert email.subject == "[Wiredesk Test] IANS killed: Dam breach feared"


def flash(guid: str, version: int = 1, urgency: int = 1) -> bytes:
    item = g2_item(guid, version, T0, headline=f"Flash {guid}")
    return item.replace(b"<contentMeta>", f"<contentMeta><urgency>{urgency}</urgency>".encode())


def test_a_flash_held_for_an_editor_is_told_once(feeds, hooks, http):
    Feed.objects.filter(pk=feeds["ians"].pk).update(hold_urgency=2)
    feed = Feed.objects.get(pk=feeds["ians"].pk)
    ingest_bytes(feed, flash("urn:f"), "f1.xml")
    ingest_bytes(feed, flash("urn:u", urgency=2), "u1.xml")  # held, but urgent, not a flash
    ingest_bytes(feed, flash("urn:f", 2), "f2.xml")  # its next version: no new hold
    held = Story.objects.get(item_id="urn:f")
    assert held.state == "held" and Story.objects.get(item_id="urn:u").state == "held"
    [first, *_] = messages = queued("flash.held")
    assert len(messages) == 3
    deliver_due(http)
    [signed] = posted(hooks, "/signed")
    assert (signed["event"], signed["story"]) == ("flash.held", held.pk)
    assert signed["link"] == f"https://news.example/desk/story/{held.pk}/"
    assert first.story_id == held.pk


def test_a_quarantine_is_told_once_until_the_desk_deals_with_it(feeds, hooks):
    feed = feeds["ians"]
    drop(feed, "broken-1.xml", b"<newsItem><unclosed>")
    poll(feed)
    [entry] = Quarantine.objects.all()
    told = queued("delivery.quarantined")
    assert len(told) == 3
    alert = told[0].payload["alert"]
    assert alert["link"] == "https://news.example/desk/quarantine/?feed=ians-inbox"
    assert alert["facts"]["quarantine"] == entry.pk
    drop(feed, "broken-2.xml", b"<newsItem><unclosed/><unclosed>")
    poll(feed)
    assert len(queued("delivery.quarantined")) == 3  # still open: not told again
    control.dismiss(list(Quarantine.objects.all()), None, "test files")
    poll(feed)
    drop(feed, "broken-3.xml", b"<newsItem>")
    poll(feed)
    assert len(queued("delivery.quarantined")) == 6


def test_nothing_is_judged_or_kept_without_a_destination(feeds):
    drop(feeds["ians"], "broken.xml", b"<newsItem>")
    poll(feeds["ians"])
    assert not OutboundMessage.objects.filter(kind="alert").exists()
    assert not FeedAlertState.objects.exists()


def test_the_signed_alert_s_signature_verifies_with_the_secret(feeds, hooks, http):
    ingest_bytes(feeds["ians"], g2_item("urn:s", 1, T0), "s1.xml")
    ingest_bytes(feeds["ians"], g2_item("urn:s", 2, T0, status="canceled"), "s2.xml")
    deliver_due(http)
    [request] = [r for r in hooks.requests if r.path == "/signed"]
    expected = "sha256=" + hmac.new(SECRET.encode(), request.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(request.headers["x-wiredesk-signature"], expected)
    assert request.headers["x-wiredesk-event"] == "agency.kill"
    wrong = "sha256=" + hmac.new(b"another", request.body, hashlib.sha256).hexdigest()
    assert request.headers["x-wiredesk-signature"] != wrong


def test_a_webhook_that_is_down_gets_the_alert_when_it_is_back(feeds, hooks, http):
    hooks.routes["/slack"] = lambda h: h.reply(503)
    ingest_bytes(feeds["ians"], g2_item("urn:d", 1, T0), "d1.xml")
    ingest_bytes(feeds["ians"], g2_item("urn:d", 2, T0, status="canceled"), "d2.xml")
    deliver_due(http)
    message = OutboundMessage.objects.get(kind="alert", payload__channel="slack")
    assert (message.status, message.attempts, message.last_error) == ("pending", 1, "HTTP 503")
    # Past the last attempt of a webhook's: an alert is never given up.
    later = timezone.now()
    for _ in range(10):
        later += timedelta(hours=2)
        deliver_due(http, now=later)
    message.refresh_from_db()
    assert message.status == "pending" and message.attempts == 11
    hooks.routes["/slack"] = lambda h: h.reply(200)
    deliver_due(http, now=later + timedelta(hours=2))
    message.refresh_from_db()
    assert message.status == "sent"
    assert len(posted(hooks, "/slack")) == 12


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_mail_server_that_is_down_delays_an_alert_and_never_loses_it(
    feeds, settings, hooks, http
):
    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2
    ingest_bytes(feeds["ians"], g2_item("urn:m", 1, T0, headline="Dam breach feared"), "m1.xml")
    ingest_bytes(feeds["ians"], g2_item("urn:m", 2, T0, status="canceled"), "m2.xml")
    deliver_due(http)  # nothing listens on the port: refused
    message = OutboundMessage.objects.get(kind="alert", payload__channel="email")
    assert message.status == "pending" and message.attempts == 1
    assert "ConnectionRefusedError" in message.last_error
    sink = SmtpSink(port).start()
    try:
        deliver_due(http, now=timezone.now() + timedelta(hours=1))
        message.refresh_from_db()
        assert message.status == "sent"
        [received] = sink.received
        assert received.recipients == ["duty@news.example"]
        assert received.message["Subject"] == "[Wiredesk Test] IANS killed: Dam breach feared"
        story = Story.objects.get(item_id="urn:m")
        assert f"https://news.example/desk/story/{story.pk}/" in received.message.get_content()
    finally:
        sink.stop()


def test_a_destination_removed_from_the_desk_is_dropped_not_retried(feeds, settings, http):
    row = AlertDestination.objects.create(kind="slack", target="http://127.0.0.1:9/hook")
    ingest_bytes(feeds["ians"], g2_item("urn:r", 1, T0), "r1.xml")
    ingest_bytes(feeds["ians"], g2_item("urn:r", 2, T0, status="canceled"), "r2.xml")
    [message] = queued("agency.kill")
    row.delete()
    deliver_due(http)
    message.refresh_from_db()
    assert message.status == "failed" and "removed from the desk" in message.last_error


def test_the_system_check_says_what_is_wrong_with_each_destination(settings, monkeypatch):
    monkeypatch.delenv("WD_NO_SUCH_SECRET", raising=False)
    with_options(
        settings,
        alerts=(
            AlertDestinationOptions(kind="email", to=("duty@news.example", "not an address")),
            AlertDestinationOptions(kind="email"),
            AlertDestinationOptions(kind="slack", url="hooks.slack.com/services/T0"),
            AlertDestinationOptions(
                kind="signed", url="https://ops.example/in", secret_env="WD_NO_SUCH_SECRET"
            ),
            AlertDestinationOptions(kind="signed", url="https://ops.example/in"),
        ),
    )
    row = AlertDestination.objects.create(kind="signed", target="ftp://ops.example/x", secret="")
    AlertDestination.objects.create(kind="slack", target="ftp://off.example/", enabled=False)
    problems = alert_problems()
    assert problems == [
        "wiredesk.toml [[alerts]] #1: 'not an address' is not an email address",
        "wiredesk.toml [[alerts]] #2 sends email to no one: give the addresses",
        "wiredesk.toml [[alerts]] #3 url 'hooks.slack.com/services/T0' is not an absolute "
        "http:// or https:// address with a host",
        "wiredesk.toml [[alerts]] #4: the environment variable 'WD_NO_SUCH_SECRET' holds no secret",
        "wiredesk.toml [[alerts]] #5 has no secret_env: name the environment variable "
        "holding its secret",
        f"alert destination #{row.pk} (desk: Alerts) url 'ftp://ops.example/x' is not an "
        "absolute http:// or https:// address with a host; mend it or disable it",
        f"alert destination #{row.pk} (desk: Alerts) is signed with an empty secret; "
        "mend it or disable it",
    ]
    with pytest.raises(SystemCheckError, match=r"wiredesk\.E104"):
        call_command("check")


def test_good_destinations_pass_the_check(hooks):
    assert alert_problems() == []


def test_wiredesk_toml_reads_alerts_and_the_mail_server():
    options = Options.from_config(
        {
            "email": {"host": "smtp.news.example", "port": 587, "use_tls": True, "from": "d@n.ex"},
            "alerts": [
                {"kind": "email", "to": ["duty@news.example"], "events": ["feed.red"]},
                {"kind": "signed", "url": "https://ops.example/in", "secret_env": "OPS"},
            ],
        },
        {"WIREDESK_EMAIL_PASSWORD": "pw"},
    )
    assert (options.email.host, options.email.port, options.email.use_tls) == (
        "smtp.news.example",
        587,
        True,
    )
    assert (options.email.sender, options.email.password) == ("d@n.ex", "pw")
    first, second = options.alerts
    assert first.wants("feed.red") and not first.wants("agency.kill")
    assert second.wants("agency.kill") and second.target == "https://ops.example/in"
    with pytest.raises(ConfigError, match=r"'feed\.redd' unknown"):
        Options.from_config({"alerts": [{"kind": "slack", "events": ["feed.redd"]}]}, {})
    with pytest.raises(ConfigError, match="expected one of 'email', 'slack' or 'signed'"):
        Options.from_config({"alerts": [{"kind": "pager", "url": "https://x.example"}]}, {})
    with pytest.raises(ConfigError, match="unknown key 'uri'"):
        Options.from_config({"alerts": [{"kind": "slack", "uri": "https://x.example"}]}, {})


def test_an_administrator_sets_where_alerts_go_on_the_desk(client, feeds, hooks, http):
    import lxml.html
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.create_superuser("chief", "chief@news.example"))
    page = lxml.html.document_fromstring(client.get("/desk/alerts/").content)
    configured = page.xpath("//table[contains(@class, 'configured')]/tbody/tr")
    assert [row.xpath("string(td[2])") for row in configured] == ["email", "slack", "signed"]
    assert not page.xpath("//table[contains(@class, 'configured')]//button[@value='delete']")

    refused = client.post(
        "/desk/alerts/act", {"action": "add", "kind": "signed", "target": "ftp://ops.example/"}
    )
    assert refused.status_code == 400 and not AlertDestination.objects.exists()
    errors = lxml.html.document_fromstring(refused.content).xpath("//ul[@class='errors']/li")
    assert [e.text_content() for e in errors] == [
        "It url 'ftp://ops.example/' is not an absolute http:// or https:// address with a host",
        "It is signed with an empty secret",
    ]

    hooks.routes["/desk-hook"] = lambda h: h.reply(200)
    added = client.post(
        "/desk/alerts/act",
        {
            "action": "add",
            "kind": "slack",
            "target": hooks.base_url + "/desk-hook",
            "events": ["agency.kill"],
            "name": "night desk",
        },
    )
    assert added.status_code == 302
    row = AlertDestination.objects.get()
    assert (row.name, row.events, row.enabled) == ("night desk", ["agency.kill"], True)

    client.post("/desk/alerts/act", {"action": "test", "source": "desk", "key": row.pk})
    client.post("/desk/alerts/act", {"action": "test", "source": "toml", "key": "2"})
    assert [(m.event, m.url) for m in queued("test")] == [
        ("test", hooks.base_url + "/desk-hook"),
        ("test", hooks.base_url + "/slack"),
    ]
    deliver_due(http)
    [tested] = posted(hooks, "/desk-hook")
    assert tested["text"].startswith("A test of the desk's alerts, sent by chief")

    client.post("/desk/alerts/act", {"action": "disable", "source": "desk", "key": row.pk})
    ingest_bytes(feeds["ians"], g2_item("urn:o", 1, T0), "o1.xml")
    ingest_bytes(feeds["ians"], g2_item("urn:o", 2, T0, status="canceled"), "o2.xml")
    assert len(queued("agency.kill")) == 3  # wiredesk.toml's three; the desk's is off
    client.post("/desk/alerts/act", {"action": "delete", "source": "desk", "key": row.pk})
    assert not AlertDestination.objects.exists()
    sent = lxml.html.document_fromstring(client.get("/desk/alerts/").content)
    assert len(sent.xpath("//table[contains(@class, 'sent')]/tbody/tr")) == 5
