"""The desk on a phone, 390 x 844 in Debian's chromium: the wire, the feeds board and the
quarantine as cards, each with its state and its likely action on screen, nothing wider
than the screen, and axe clean.

Set WIREDESK_SCREENSHOT_DIR=docs to keep the screenshots (docs/desk-phone-*.png were
made that way).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from wiredesk.ingest.models import Quarantine
from wiredesk.ingest.pipeline import ingest_bytes
from wiredesk.sources.models import Feed
from wiredesk.stories.models import Story

from .browser_support import CHROMIUM, desk_in_chromium
from .test_desk_browser import no_serious_violations
from .wire_builder import g2_item

pytestmark = [
    pytest.mark.skipif(
        CHROMIUM is None and not os.environ.get("CI"), reason="Debian's chromium is not installed"
    ),
    pytest.mark.django_db(transaction=True),
]
WIDTH, HEIGHT = 390, 844


@pytest.fixture
def phone(live_server, monkeypatch):
    with desk_in_chromium(
        live_server,
        monkeypatch,
        viewport={"width": WIDTH, "height": HEIGHT},
        device_scale_factor=2,
        has_touch=True,
    ) as page:
        yield page


def keep(page, name: str) -> None:
    folder = os.environ.get("WIREDESK_SCREENSHOT_DIR")
    if folder:
        page.screenshot(path=str(Path(folder) / f"desk-phone-{name}.png"), full_page=False)


def no_sideways_scroll(page) -> None:
    assert page.evaluate("document.scrollingElement.scrollWidth <= innerWidth"), page.url


def on_screen(locator, scrolled: bool = False) -> None:
    """Assert the element is shown whole on the screen: the first one, or (`scrolled`) once
    scrolled down to, never sideways."""
    if scrolled:
        locator.scroll_into_view_if_needed()
    assert locator.is_visible()
    box = locator.bounding_box()
    assert box is not None
    assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTH, box
    assert box["y"] >= 0 and box["y"] + box["height"] <= HEIGHT, box


def test_a_held_item_on_the_phone_shows_its_state_and_release_and_releases(phone, feeds):
    page = phone
    now = datetime.now(UTC) - timedelta(minutes=5)
    for n in range(4):
        ingest_bytes(feeds["ians"], g2_item(f"urn:p{n}", 1, now, headline=f"Rains {n}"), "p.xml")
    Feed.objects.filter(pk=feeds["ians"].pk).update(publishing="hold")
    held = "Parliament adjourned after a walkout by the opposition over the farm bills"
    ingest_bytes(Feed.objects.get(pk=feeds["ians"].pk), g2_item("urn:h", 1, now, held), "h.xml")
    page.reload()
    no_sideways_scroll(page)
    row = page.locator("#wire tbody tr", has_text=held)
    on_screen(row.locator(".state"))
    on_screen(row.get_by_role("button", name="Release"))
    # A card as wide as the screen, not a table squeezed into it.
    assert row.bounding_box()["width"] > WIDTH * 0.9
    no_serious_violations(page)
    keep(page, "wire")
    published = page.locator("#wire tbody tr", has_text="Rains 3")
    on_screen(published.locator(".state"), scrolled=True)
    on_screen(published.locator("td.published time"), scrolled=True)
    assert published.locator(".state").inner_text().lower() == "published"
    row.get_by_role("button", name="Release").click()
    page.wait_for_selector(".messages >> text=Release: done.")
    assert Story.objects.get(item_id="urn:h").state == Story.State.PUBLISHED


def test_a_feed_on_the_phone_shows_its_health_and_pause_then_its_pause_reason(phone, feeds):
    page = phone
    ingest_bytes(feeds["ians"], g2_item("urn:f", 1, datetime.now(UTC)), "f.xml")
    page.goto(page.base + "/desk/feeds/")
    no_sideways_scroll(page)
    card = page.locator("#feed-ians-inbox")
    on_screen(card.locator(".health"))
    on_screen(card.get_by_role("button", name="Pause"))
    no_serious_violations(page)
    card.get_by_label("Why pause ians-inbox").fill("Agency asked us to stop: duplicate send")
    card.get_by_role("button", name="Pause").click()
    page.wait_for_selector(".messages >> text=Paused ians-inbox.")
    card = page.locator("#feed-ians-inbox")
    assert card.locator(".health").inner_text().lower() == "paused"
    on_screen(card.get_by_text("paused by editor alice: Agency asked us to stop: duplicate send"))
    on_screen(card.get_by_role("button", name="Resume"))
    no_sideways_scroll(page)
    keep(page, "feeds")


BROKEN = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0">\n<channel>\n'
    b"<title>Wire</title>\n<item><guid>1</guid><title>A &lt;b&gt; headline</title>\n"
    b"<description>x</descr></item>\n</channel></rss>\n"
)


def test_quarantine_on_the_phone_shows_the_reason_retry_and_dismiss_and_the_bytes(phone, feeds):
    page = phone
    ingest_bytes(feeds["ians"], BROKEN, "https://wire.example/a-very-long-address/feed.xml")
    page.goto(page.base + "/desk/quarantine/")
    no_sideways_scroll(page)
    card = page.locator("tbody tr", has_text="malformed XML")
    on_screen(card.locator("td.reason"))
    on_screen(card.get_by_role("button", name="Retry"))
    on_screen(card.get_by_role("button", name="Dismiss"))
    no_serious_violations(page)
    keep(page, "quarantine")
    card.get_by_role("link", name="read").click()
    page.wait_for_selector("h1:has-text('Quarantined bytes')")
    no_sideways_scroll(page)
    marked = page.locator(".raw-lines li mark")
    assert marked.count() == 1
    assert marked.inner_text() == "<description>x</descr></item>"
    assert page.locator(".raw-lines li").nth(5).locator("mark").count() == 1  # line 6
    no_serious_violations(page)
    entry = Quarantine.objects.get()
    assert entry.repeats == 1
