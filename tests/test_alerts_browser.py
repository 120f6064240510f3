"""Alerts in a real browser (Playwright with Debian's chromium): an administrator points the
desk's alerts at a webhook on 127.0.0.1 and an inbox; a feed turns red and an agency kills a
story; the webhook gets both POSTs and Django's mail outbox both messages, each linking back to
the desk, and the alerts page lists them as sent."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.utils import timezone

from wiredesk.ingest.pipeline import ingest_bytes
from wiredesk.ingest.polling import FeedPoller
from wiredesk.sources.models import Feed
from wiredesk.stories.models import Story
from wiredesk.syndication.dispatch import deliver_due, make_client
from wiredesk.syndication.models import AlertDestination

from . import test_desk_browser
from .test_desk_browser import no_serious_violations, pytestmark  # noqa: F401  (skip without chromium)
from .wire_builder import g2_item
from .wire_server import AgencyServer

# The desk's browser tests' page, logged in as an administrator (a superuser).
browser_page = test_desk_browser.browser_page

T0 = datetime.now(UTC) - timedelta(minutes=30)


@pytest.fixture
def hook():
    server = AgencyServer().start()
    server.routes["/hook"] = lambda h: h.reply(200, b"ok")
    server.routes["/down.xml"] = lambda h: h.reply(503)
    yield server
    server.stop()


def poll(feed: Feed) -> None:
    poller = FeedPoller(settle_seconds=0.1)
    try:
        poller.poll(Feed.objects.get(pk=feed.pk))
    finally:
        poller.close()


def add_destination(page, kind: str, target: str, events: tuple[str, ...] = ()) -> None:
    form = page.locator("form.alert-destination")
    form.get_by_label("Kind").select_option(kind)
    form.get_by_label("To", exact=True).fill(target)
    for event in events:
        form.get_by_label(event, exact=True).check()
    form.get_by_role("button", name="Add").click()
    page.wait_for_selector(f".messages >> text=Alerts now go to {kind} {target}.")


def test_an_alert_reaches_a_webhook_and_the_mail_outbox_when_a_feed_turns_red_and_a_kill_arrives(
    browser_page, feeds, hook
):
    page = browser_page
    page.get_by_role("navigation", name="Desk").get_by_role("link", name="Alerts").click()
    page.wait_for_selector("h1:has-text('Alerts')")
    no_serious_violations(page)
    add_destination(page, "slack", hook.base_url + "/hook", ("feed.red", "agency.kill"))
    add_destination(page, "email", "duty@news.example")
    rows = page.locator("table.desk-destinations tbody tr")
    assert rows.count() == 2
    assert rows.nth(0).locator("td.target").inner_text() == hook.base_url + "/hook"
    assert AlertDestination.objects.filter(enabled=True).count() == 2

    # A feed turns red: three polls of an agency's server that answers 503.
    feed = Feed.objects.create(
        agency=feeds["ians"].agency,
        slug="ians-wire",
        transport="http",
        location=hook.base_url + "/down.xml",
    )
    Feed.objects.filter(pk=feed.pk).update(last_success_at=timezone.now())
    for _ in range(4):
        poll(feed)
    # And the agency kills a story it sent.
    ingest_bytes(feeds["ians"], g2_item("urn:k", 1, T0, headline="Dam breach feared"), "k1.xml")
    ingest_bytes(feeds["ians"], g2_item("urn:k", 2, T0, status="canceled"), "k2.xml")
    story = Story.objects.get(item_id="urn:k")

    client = make_client()
    try:
        deliver_due(client)
    finally:
        client.close()
    bodies = [json.loads(r.body) for r in hook.requests if r.path == "/hook"]
    assert [body["text"].splitlines()[0] for body in bodies] == [
        "Feed ians-wire (IANS) is red",
        "IANS killed: Dam breach feared",
    ]
    assert [m.subject for m in mail.outbox] == [
        "[Wiredesk Test] Feed ians-wire (IANS) is red",
        "[Wiredesk Test] IANS killed: Dam breach feared",
    ]
    assert all(m.to == ["duty@news.example"] for m in mail.outbox)

    # Each links to the desk: the red feed's row, the killed story's page.
    links = [body["blocks"][-1]["elements"][0]["url"] for body in bodies]
    assert links == [
        "https://news.example/desk/feeds/#feed-ians-wire",
        f"https://news.example/desk/story/{story.pk}/",
    ]
    page.goto(page.base + urlsplit(links[0]).path)
    assert "health-red" in page.locator("#feed-ians-wire").get_attribute("class")
    page.goto(page.base + urlsplit(links[1]).path)
    page.wait_for_selector("h1:has-text('Dam breach feared')")

    page.goto(page.base + "/desk/alerts/")
    sent = page.locator("table.sent tbody tr")
    assert sent.count() == 4
    events = sorted(sent.nth(n).locator("td").nth(1).inner_text() for n in range(4))
    assert events == ["agency.kill", "agency.kill", "feed.red", "feed.red"]
    assert {sent.nth(n).locator("td").nth(3).inner_text() for n in range(4)} == {"sent"}
    no_serious_violations(page)
