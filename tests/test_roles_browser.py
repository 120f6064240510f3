"""Roles and the kill's confirmation in a real browser (Playwright driving Debian's chromium),
and the site's 404 and 410 pages with axe-core finding no violation at all.

A viewer logs in and sees the desk with no action, and a POST of one is refused; a duty
editor withholds and restores a story, is asked before a kill (headline, where it will
disappear), cancels, then kills, and pauses a feed whose settings they are not offered.
"""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from wiredesk.ingest.pipeline import ingest_bytes
from wiredesk.sources.models import Feed
from wiredesk.stories import editorial
from wiredesk.stories.models import Story

from .test_desk_browser import CHROMIUM, pytestmark  # noqa: F401  (skip without chromium)
from .wire_builder import g2_item

T0 = datetime(2021, 10, 14, 4, 0, tzinfo=UTC)
PASSWORD = "pw-123456789-role"
HEADLINE = "Quake shakes the capital"


@pytest.fixture
def browser(live_server, monkeypatch):
    """Return a function that opens chromium logged in as a new user of a role."""
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # the test's ORM calls
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])

        def open_as(group: str | None, width: int = 1280):
            page = chromium.new_page(viewport={"width": width, "height": 900})
            page.base = live_server.url  # type: ignore[attr-defined]
            if group is None:
                return page
            name = group.lower().replace(" ", "-")
            user = get_user_model().objects.create_user(name, password=PASSWORD, is_staff=True)
            user.groups.add(Group.objects.get(name=group))
            page.goto(f"{live_server.url}/admin/login/?next=/desk/")
            page.fill("#id_username", name)
            page.fill("#id_password", PASSWORD)
            page.click("input[type=submit]")
            page.wait_for_url(f"{live_server.url}/desk/")
            return page

        yield open_as
        chromium.close()


def no_violations(page) -> None:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    assert [(v["id"], v["impact"]) for v in results.response["violations"]] == [], page.url


def a_story(feeds) -> Story:
    ingest_bytes(feeds["ians"], g2_item("urn:quake", 1, T0, headline=HEADLINE), "q.xml")
    return Story.objects.get()


def test_a_viewer_sees_the_desk_without_actions_and_a_post_is_refused(browser, feeds):
    story = a_story(feeds)
    page = browser("Viewers")
    assert page.locator("#wire tbody tr", has_text=HEADLINE).count() == 1
    page.get_by_role("link", name=HEADLINE).click()
    page.wait_for_selector(f"h1:has-text('{HEADLINE}')")
    assert page.locator("section.actions").count() == 0
    assert page.get_by_role("button").count() == 0
    assert page.get_by_role("link", name="Kill…").count() == 0
    page.goto(page.base + "/desk/feeds/")
    assert page.get_by_role("button", name="Pause").count() == 0
    # A hand-made POST, with the session's CSRF token, is refused all the same.
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    refused = page.request.post(
        f"{page.base}/desk/story/{story.pk}/act",
        form={"action": "withhold", "reason": "Legal review"},
        headers={"X-CSRFToken": token, "Referer": page.base + "/desk/"},
    )
    assert refused.status == 403
    assert refused.status == 403 and Story.objects.get().state == Story.State.PUBLISHED


def test_a_duty_editor_withholds_restores_and_is_asked_before_a_kill(browser, feeds):
    story = a_story(feeds)
    page = browser("Duty editors")
    page.goto(f"{page.base}/desk/story/{story.pk}/")
    page.fill("#reason", "Legal review")
    page.get_by_role("button", name="Withhold").click()
    page.wait_for_selector(".messages >> text=Withhold: done.")
    page.fill("#reason", "Cleared")
    page.get_by_role("button", name="Restore").click()
    page.wait_for_selector(".messages >> text=Restore: done.")
    # Kill asks first: the headline, and everywhere the story will disappear from.
    page.get_by_role("link", name="Kill…").click()
    page.wait_for_selector("h1:has-text('Kill this story?')")
    assert page.locator("p.headline strong").inner_text() == HEADLINE
    surfaces = page.locator("ul.surfaces li").all_inner_texts()
    assert any("410 Gone" in s for s in surfaces) and any("API" in s for s in surfaces)
    no_violations(page)
    # The reason is required before the form is sent.
    page.get_by_role("button", name="Kill for good").click()
    assert page.locator("#reason:invalid").count() == 1
    assert Story.objects.get().state == Story.State.PUBLISHED
    page.get_by_role("link", name="Cancel").click()
    page.wait_for_selector(f"h1:has-text('{HEADLINE}')")
    assert Story.objects.get().state == Story.State.PUBLISHED
    assert httpx.get(page.base + story.get_absolute_url()).status_code == 200
    page.get_by_role("link", name="Kill…").click()
    page.fill("#reason", "Court order 1234/2026")
    page.fill("#note", "It repeated an allegation we could not verify.")
    page.get_by_role("button", name="Kill for good").click()
    page.wait_for_selector(".messages >> text=Kill: done.")
    assert Story.objects.get().state == Story.State.KILLED
    # A duty editor pauses a feed, but its settings are an administrator's.
    page.goto(page.base + "/desk/feeds/")
    assert page.get_by_text("Settings of ians-inbox").count() == 0
    page.fill("#why-" + str(feeds["ians"].pk), "Sending garbage")
    page.locator("#feed-ians-inbox").get_by_role("button", name="Pause").click()
    page.wait_for_selector(".messages >> text=Paused ians-inbox.")
    assert not Feed.objects.get(pk=feeds["ians"].pk).enabled


@pytest.mark.parametrize("width", [1280, 360])
def test_the_site_s_404_and_410_pages_are_styled_and_axe_clean(browser, feeds, width):
    story = a_story(feeds)
    chief = get_user_model().objects.create_superuser("chief", "chief@news.example")
    page = browser(None, width)
    missing = page.goto(page.base + "/no/such/page")
    assert missing is not None and missing.status == 404
    assert page.locator("header.site a.brand").inner_text() == "Wiredesk Test"
    assert page.locator("main h1").inner_text() == "Page not found"
    no_violations(page)
    editorial.withhold([story.pk], chief, "Legal review")
    withheld = page.goto(page.base + story.get_absolute_url())
    assert withheld is not None and withheld.status == 404
    no_violations(page)
    editorial.restore([story.pk], chief, "Cleared")
    editorial.kill([story.pk], chief, "Court order", note="It named a minor.")
    gone = page.goto(page.base + story.get_absolute_url())
    assert gone is not None and gone.status == 410
    assert page.locator("p.withdrawn-by").inner_text().startswith("Wiredesk Test withdrew")
    assert page.locator("p.withdrawn-note").inner_text() == "It named a minor."
    no_violations(page)
    if width == 360:  # on a phone, the page is laid out for the phone (the viewport meta)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        assert page.evaluate("window.innerWidth") == 360
