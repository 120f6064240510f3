"""The live wire and its flash alerts in a real browser (Playwright driving Debian's chromium).

A flash or a held item arriving while the editor looks elsewhere puts a count in the
tab's title, shows a browser notification and beeps (once asked to), until it is seen;
a row changes state, sections and actions when another editor or the agency changes its
story, without a reload. The browser's own Notification and OscillatorNode are wrapped,
so the test sees the page's real calls.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from wiredesk.ingest.pipeline import ingest_bytes
from wiredesk.sources.models import Feed
from wiredesk.stories import editorial
from wiredesk.stories.models import Section, Story

from .test_desk_browser import CHROMIUM, pytestmark  # noqa: F401  (skip without chromium)
from .wire_builder import g2_item

T0 = datetime(2021, 10, 14, 4, 0, tzinfo=UTC)
PASSWORD = "pw-123456789-live"
TITLE = "Wire · Wiredesk Test desk"
COUNTED = "(1) " + TITLE
# Records every notification the page makes and every tone it starts.
RECORDER = """
(() => {
  const Real = window.Notification;
  window.notes = [];
  window.Notification = class extends Real {
    constructor(title, options) {
      super(title, options);
      window.notes.push({ title, tag: options && options.tag, note: this });
    }
    close() {
      this.closed = true;
      super.close();
    }
  };
  window.tones = 0;
  const start = OscillatorNode.prototype.start;
  OscillatorNode.prototype.start = function (...args) {
    window.tones += 1;
    return start.apply(this, args);
  };
})();
"""


@pytest.fixture
def desk(live_server, monkeypatch):
    """Return a function that opens the wire in chromium as a new duty editor."""
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # the test's ORM calls
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])

        def open_as(name: str, height: int = 900):
            context = chromium.new_context(viewport={"width": 1280, "height": height})
            context.grant_permissions(["notifications"], origin=live_server.url)
            context.add_init_script(RECORDER)
            page = context.new_page()
            page.errors = []  # type: ignore[attr-defined]
            page.on("pageerror", lambda e: page.errors.append(str(e)))
            page.base = live_server.url  # type: ignore[attr-defined]
            user = get_user_model().objects.create_user(name, password=PASSWORD, is_staff=True)
            user.groups.add(Group.objects.get(name="Duty editors"))
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


def deliver(feed: Feed, guid: str, headline: str, urgency: int | None = None) -> Story:
    data = g2_item(guid, 1, T0 + timedelta(minutes=1), headline=headline)
    if urgency is not None:
        data = data.replace(b"<contentMeta>", f"<contentMeta><urgency>{urgency}</urgency>".encode())
    ingest_bytes(feed, data, f"{guid}.xml")
    return Story.objects.get(item_id=guid)


def test_a_flash_raises_the_title_count_a_notification_and_a_sound_until_seen(desk, feeds):
    from playwright.sync_api import expect

    for n in range(12):  # enough rows for the top of the wire to scroll out of view
        deliver(feeds["meridian"], f"urn:old-{n}", f"Routine item {n}")
    page = desk("dora", height=480)
    no_violations(page)
    alerts = page.get_by_role("group", name="Flash alerts")
    sound = alerts.get_by_role("button", name="Sound")
    notify = alerts.get_by_role("button", name="Notify me")
    assert sound.get_attribute("aria-pressed") == "false"  # off until asked
    assert notify.get_attribute("aria-pressed") == "false"
    notify.click()
    page.wait_for_selector("#alert-notify[aria-pressed=true]")
    sound.click()
    assert sound.get_attribute("aria-pressed") == "true"
    tones = page.evaluate("window.tones")
    assert tones > 0  # a sample beep on turning it on

    # The editor reads the bottom of the wire: the top is out of view.
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    deliver(feeds["ians"], "urn:flash", "Quake shakes the capital", urgency=1)
    deliver(feeds["harbour"], "urn:routine", "Rain expected on Sunday", urgency=5)
    expect(page).to_have_title(COUNTED, timeout=5000)
    page.locator("#wire tbody tr", has_text="Rain expected on Sunday").wait_for()
    notes = page.evaluate("window.notes.map(n => [n.title, n.tag])")
    flash = page.locator("#wire tbody tr", has_text="Quake shakes the capital")
    assert notes == [["Flash: Quake shakes the capital", flash.get_attribute("id")]]
    assert page.evaluate("window.tones") > tones
    assert "unseen" in flash.get_attribute("class")

    # Scrolled back to the top, it is seen: the count goes, and its notification closes.
    page.evaluate("window.scrollTo(0, 0)")
    expect(page).to_have_title(TITLE, timeout=3000)
    assert "unseen" not in flash.get_attribute("class")

    # A held item counts too; clicking its notification brings the editor to its row.
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    Feed.objects.filter(pk=feeds["harbour"].pk).update(publishing="hold")
    deliver(Feed.objects.get(pk=feeds["harbour"].pk), "urn:held", "Budget leaked early")
    expect(page).to_have_title(COUNTED, timeout=5000)
    assert page.evaluate("window.notes.at(-1).title") == "Held for an editor: Budget leaked early"
    page.evaluate("window.notes.at(-1).note.dispatchEvent(new Event('click'))")
    assert page.evaluate("document.activeElement.textContent") == "Budget leaked early"
    expect(page).to_have_title(TITLE)

    # Both switches are remembered by this browser.
    page.reload()
    assert sound.get_attribute("aria-pressed") == "true"
    assert notify.get_attribute("aria-pressed") == "true"
    no_violations(page)
    assert page.errors == []  # type: ignore[attr-defined]


def test_an_urgent_item_raises_the_title_count_and_a_notification_closed_once_seen(desk, feeds):
    from playwright.sync_api import expect

    for n in range(12):  # enough rows for the top of the wire to scroll out of view
        deliver(feeds["meridian"], f"urn:old-{n}", f"Routine item {n}")
    page = desk("uma", height=480)
    page.get_by_role("group", name="Flash alerts").get_by_role("button", name="Notify me").click()
    page.wait_for_selector("#alert-notify[aria-pressed=true]")

    # Urgency 2 alerts as a flash does; urgency 3 does not.
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    deliver(feeds["ians"], "urn:urgent", "Markets halt trading", urgency=2)
    deliver(feeds["harbour"], "urn:routine", "Rain expected on Sunday", urgency=3)
    expect(page).to_have_title(COUNTED, timeout=5000)
    page.locator("#wire tbody tr", has_text="Rain expected on Sunday").wait_for()
    urgent = page.locator("#wire tbody tr", has_text="Markets halt trading")
    notes = page.evaluate("window.notes.map(n => [n.title, n.tag, n.note.closed === true])")
    assert notes == [["Urgent: Markets halt trading", urgent.get_attribute("id"), False]]
    assert "unseen" in urgent.get_attribute("class")

    # Seen (scrolled into view): the count goes and the page closes its notification.
    page.evaluate("window.scrollTo(0, 0)")
    expect(page).to_have_title(TITLE, timeout=3000)
    assert "unseen" not in urgent.get_attribute("class")
    assert page.evaluate("window.notes.map(n => n.note.closed === true)") == [True]
    assert page.errors == []  # type: ignore[attr-defined]


def test_a_row_changes_state_sections_and_actions_without_a_reload(desk, feeds):
    Section.objects.create(name="Business", slug="business")
    Feed.objects.filter(pk=feeds["ians"].pk).update(publishing="hold")
    story = deliver(Feed.objects.get(pk=feeds["ians"].pk), "urn:budget", "Budget leaked early")
    deliver(feeds["harbour"], "urn:other", "Rain expected on Sunday")
    watching = desk("wendy")
    watching.evaluate("window.stayed = true")  # gone if the page is loaded again
    row = watching.locator("#wire tbody tr", has_text="Budget leaked early")
    other = watching.locator("#wire tbody tr", has_text="Rain expected on Sunday")
    assert row.locator(".state").text_content() == "held"
    assert row.get_by_role("button", name="Release").count() == 1
    untouched = other.evaluate("tr => tr.outerHTML")

    # Another editor, in another browser, releases it.
    acting = desk("amir")
    acting.goto(f"{acting.base}/desk/story/{story.pk}/")
    acting.get_by_role("button", name="Release").click()
    acting.wait_for_selector(".messages >> text=Release: done.")
    row.locator(".state", has_text="published").wait_for(timeout=5000)
    assert row.get_by_role("button", name="Release").count() == 0  # no action applies now
    assert "state-published" in row.get_attribute("class")

    # An editor sets its sections, then withholds it, through the lifecycle.
    amir = get_user_model().objects.get(username="amir")
    editorial.set_sections(story.pk, amir, ["business"], "belongs in Business")
    row.locator(".sections", has_text="business").wait_for(timeout=5000)
    row.get_by_role("link", name="Budget leaked early").focus()  # where the editor is
    editorial.withhold([story.pk], amir, "a court order")
    row.locator(".state", has_text="withheld").wait_for(timeout=5000)
    focused = "document.activeElement.closest('tr').id + ' ' + document.activeElement.textContent"
    assert watching.evaluate(focused) == row.get_attribute("id") + " Budget leaked early"
    assert watching.locator("#live-status").inner_text() == "Budget leaked early: now withheld"

    assert watching.evaluate("window.stayed") is True  # the same page all along
    assert other.evaluate("tr => tr.outerHTML") == untouched
    no_violations(watching)
    assert watching.errors == []  # type: ignore[attr-defined]
