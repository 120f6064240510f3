"""The desk in a real browser: Playwright driving Debian's chromium, with axe-core.

An editor logs in, watches a delivery arrive in the wire without reloading
and kills it; holds a feed, sees its next item held and releases it; retries a
quarantined delivery after fixing its feed's encoding; pauses an agency. axe
finds no serious or critical problem on any desk page. Set
WIREDESK_SCREENSHOT_DIR=docs to keep the screenshots (docs/desk-*.png were
made that way).
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from wiredesk.ingest.pipeline import ingest_bytes
from wiredesk.ingest.polling import FeedPoller
from wiredesk.sources.models import Feed
from wiredesk.stories.models import Section, Story

from .browser_support import CHROMIUM, desk_in_chromium
from .wire_builder import g2_item

# Outside CI a machine without Chromium skips this; in CI its absence is a failure.
pytestmark = [
    pytest.mark.skipif(
        CHROMIUM is None and not os.environ.get("CI"), reason="Debian's chromium is not installed"
    ),
    pytest.mark.django_db(transaction=True),
]
T0 = datetime(2021, 10, 14, 4, 0, tzinfo=UTC)


@pytest.fixture
def browser_page(live_server, monkeypatch):
    with desk_in_chromium(
        live_server, monkeypatch, viewport={"width": 1280, "height": 900}
    ) as page:
        yield page


def no_serious_violations(page) -> None:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    serious = [
        (v["id"], v["impact"], len(v["nodes"]))
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == [], page.url


def feed_settings(page, slug: str):
    """Open a feed's settings on the feeds board; return its form."""
    settings = page.locator("details", has_text=f"Settings of {slug}")
    settings.get_by_text(f"Settings of {slug}").click()
    return settings.locator("form.feed-settings")


def keep(page, name: str) -> None:
    folder = os.environ.get("WIREDESK_SCREENSHOT_DIR")
    if folder:
        page.screenshot(path=str(Path(folder) / f"desk-{name}.png"), full_page=False)


def test_an_editor_sees_a_delivery_arrive_without_reloading_and_kills_it(browser_page, feeds):
    page = browser_page
    ingest_bytes(feeds["ians"], g2_item("urn:old", 1, T0, headline="Monsoon withdraws"), "o.xml")
    page.reload()
    no_serious_violations(page)
    started = time.monotonic()
    ingest_bytes(
        feeds["harbour"], g2_item("urn:new", 1, T0, headline="Quake shakes the capital"), "n.xml"
    )
    row = page.locator("#wire tbody tr", has_text="Quake shakes the capital")
    row.wait_for(timeout=3000)  # polled every second
    arrived = time.monotonic() - started
    assert arrived < 3.0
    assert page.locator("#wire tbody tr").count() == 2  # no reload: the old row is still there
    keep(page, "wire")
    row.get_by_role("link", name="Quake shakes the capital").click()
    page.wait_for_selector("h1:has-text('Quake shakes the capital')")
    no_serious_violations(page)
    keep(page, "story")
    page.get_by_role("link", name="Kill…").click()  # asks first (tests/test_roles_browser.py)
    page.fill("#reason", "Wrong location: a court order")
    page.get_by_role("button", name="Kill for good").click()
    page.wait_for_selector(".messages >> text=Kill: done.")
    story = Story.objects.get(item_id="urn:new")
    assert httpx.get(page.base + story.get_absolute_url()).status_code == 410


def test_an_editor_holds_a_feed_then_releases_its_next_item(browser_page, feeds):
    page = browser_page
    page.goto(page.base + "/desk/feeds/")
    no_serious_violations(page)
    form = feed_settings(page, "ians-inbox")
    form.get_by_label("Publishing").select_option("hold")
    form.get_by_role("button", name="Save").click()
    page.wait_for_selector(".messages >> text=publishing: 'agency' -> 'hold'")
    feed = Feed.objects.get(pk=feeds["ians"].pk)
    ingest_bytes(feed, g2_item("urn:wait", 1, T0, headline="Budget leaked early"), "w.xml")
    page.goto(page.base + "/desk/?state=held")
    row = page.locator("#wire tbody tr", has_text="Budget leaked early")
    assert row.locator(".state").inner_text().lower() == "held"
    story = Story.objects.get(item_id="urn:wait")
    assert httpx.get(page.base + story.get_absolute_url()).status_code == 404
    row.get_by_role("button", name="Release").click()
    page.wait_for_selector(".messages >> text=Release: done.")
    assert httpx.get(page.base + story.get_absolute_url()).status_code == 200


def test_an_editor_retries_a_quarantined_delivery_after_fixing_the_feed_s_encoding(
    browser_page, feeds
):
    page = browser_page
    Feed.objects.filter(pk=feeds["ians"].pk).update(encoding="utf-8")  # wrong: it sends Latin-1
    data = (
        (
            b'<?xml version="1.0" encoding="ISO-8859-1"?>'
            + g2_item("urn:cafe", 1, T0, headline="Café owners protest")
        )
        .decode()
        .encode("latin-1")
    )
    folder = FeedPoller().folder(Feed.objects.get(pk=feeds["ians"].pk)).path
    (folder / "cafe.xml").write_bytes(data)
    os.utime(folder / "cafe.xml", (time.time() - 60, time.time() - 60))
    poller = FeedPoller(settle_seconds=0.1)
    poller.poll(Feed.objects.get(pk=feeds["ians"].pk))
    poller.close()
    page.goto(page.base + "/desk/quarantine/")
    assert page.locator("tbody tr", has_text="not valid utf-8").count() == 1
    no_serious_violations(page)
    keep(page, "quarantine")
    page.goto(page.base + "/desk/feeds/")
    form = feed_settings(page, "ians-inbox")
    form.get_by_label("Encoding").fill("iso-8859-1")
    form.get_by_role("button", name="Save").click()
    page.wait_for_selector(".messages >> text=encoding")
    page.goto(page.base + "/desk/quarantine/")
    page.get_by_role("button", name="Retry").click()
    page.wait_for_selector(".messages >> text=Retried")
    assert Story.objects.get(item_id="urn:cafe").headline == "Café owners protest"
    assert page.locator("tbody tr", has_text="not valid utf-8").count() == 0


def test_an_editor_pauses_an_agency(browser_page, feeds):
    page = browser_page
    ingest_bytes(
        feeds["meridian"], g2_item("urn:m", 1, datetime.now(UTC) - timedelta(minutes=1)), "m.xml"
    )
    page.goto(page.base + "/desk/feeds/")
    keep(page, "feeds")
    agency = page.locator(".agencies li", has_text="Meridian Press")
    agency.get_by_label("Why").fill("Contract under review")
    agency.get_by_role("button", name="Pause every feed").click()
    page.wait_for_selector(".messages >> text=Paused 1 feed(s) of Meridian Press")
    assert page.locator("#feed-meridian-inbox .health").inner_text().lower() == "paused"
    assert not Feed.objects.get(pk=feeds["meridian"].pk).enabled
    page.goto(page.base + "/desk/audit/?kind=paused")
    assert page.locator("tbody tr", has_text="Contract under review").count() == 1
    no_serious_violations(page)


def test_an_editor_creates_a_section_with_a_rule_and_finds_the_next_story_there(
    browser_page, feeds
):
    page = browser_page
    page.goto(page.base + "/admin/stories/section/add/")
    page.locator("#id_name").press_sequentially("Weather")
    assert page.input_value("#id_slug") == "weather"  # made from the name, as editors expect
    page.select_option("#id_rules-0-kind", "headline")
    page.fill("#id_rules-0-value", "monsoon")
    page.click("input[name=_save]")
    page.wait_for_selector("text=was added successfully")
    assert list(Section.objects.values_list("slug", flat=True)) == ["weather"]
    ingest_bytes(
        feeds["ians"], g2_item("urn:rain", 1, T0, headline="Monsoon withdraws early"), "r.xml"
    )
    ingest_bytes(feeds["ians"], g2_item("urn:dry", 1, T0, headline="Budget passed"), "d.xml")
    page.goto(page.base + "/section/weather/")
    cards = page.locator("ul.cards h2 a")
    assert cards.all_inner_texts() == ["Monsoon withdraws early"]
    assert page.get_by_role("navigation", name="Sections").get_by_role(
        "link"
    ).all_inner_texts() == ["Weather"]
    no_serious_violations(page)
    page.goto(page.base + "/desk/?section=weather")
    assert page.locator("#wire tbody tr").count() == 1
