"""The wire's keyboard shortcuts and "being edited by" in a real browser (Playwright driving
Debian's chromium, axe-core): j and k move a visible selection that outlives rows put on top
or drawn again, ? lists the keys in a dialog axe finds clean, / searches, keys typed in a box
stay there, h holds the selected story after asking why, r releases the picked ones, x asks
before a kill, o opens; a second editor opening a story sees who else has it open."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from wiredesk.desk.models import StoryPresence
from wiredesk.ingest.pipeline import ingest_bytes
from wiredesk.stories.models import LifecycleEvent, Story

from .comfort_helpers import T0, stories
from .test_desk_browser import CHROMIUM, no_serious_violations, pytestmark  # noqa: F401
from .wire_builder import g2_item

PASSWORD = "pw-123456789-keys"


@pytest.fixture
def browser(live_server, monkeypatch):
    """Return a function that opens chromium (a context of its own) logged in as a new
    duty editor; on leaving, no page had a script error or a refused request."""
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # the test's ORM calls
    errors: list[str] = []
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])

        def open_as(name: str):
            page = chromium.new_page(viewport={"width": 1280, "height": 900})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on(
                "response",
                lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None,
            )
            user = get_user_model().objects.create_user(name, password=PASSWORD, is_staff=True)
            user.groups.add(Group.objects.get(name="Duty editors"))
            page.goto(f"{live_server.url}/admin/login/?next=/desk/")
            page.fill("#id_username", name)
            page.fill("#id_password", PASSWORD)
            page.click("input[type=submit]")
            page.wait_for_url(f"{live_server.url}/desk/")
            page.base = live_server.url  # type: ignore[attr-defined]
            return page

        yield open_as
        chromium.close()
    assert errors == []


def selected_id(page) -> str | None:
    """Return the id of the row marked selected; assert it is the only one, and focused."""
    ids = page.eval_on_selector_all("#wire tbody tr.selected", "rows => rows.map(r => r.id)")
    assert len(ids) <= 1
    if ids:
        assert page.evaluate("document.activeElement.id") == ids[0]
    return ids[0] if ids else None


def row_ids(page) -> list[str]:
    return page.eval_on_selector_all("#wire tbody tr", "rows => rows.map(r => r.id)")


def test_j_and_k_move_a_visible_selection_that_outlives_new_and_redrawn_rows(browser, feeds):
    stories(feeds["ians"], 3)
    page = browser("alice")
    page.reload()
    ids = row_ids(page)
    assert len(ids) == 3 and selected_id(page) is None
    page.keyboard.press("j")
    assert selected_id(page) == ids[0]
    outline = page.eval_on_selector(f"#{ids[0]}", "r => getComputedStyle(r).outlineStyle")
    assert outline != "none"  # seen, not only focused
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("j")  # the last row: stays there
    assert selected_id(page) == ids[2]
    page.keyboard.press("k")
    assert selected_id(page) == ids[1]
    # A new item put on top by the poll: the same row stays selected.
    guid = "urn:comfort:new"
    ingest_bytes(feeds["harbour"], g2_item(guid, 1, T0, headline="Floods close schools"), "n.xml")
    page.locator("#wire tbody tr", has_text="Floods close schools").wait_for(timeout=5000)
    assert selected_id(page) == ids[1]
    # The row drawn again in place (as live.js does when its story changes): still selected.
    page.eval_on_selector(f"#{ids[1]}", "r => { r.outerHTML = r.outerHTML; }")
    page.wait_for_function(f"document.getElementById('{ids[1]}').classList.contains('selected')")
    page.keyboard.press("j")
    assert selected_id(page) == ids[2]


def test_question_mark_lists_the_keys_in_a_dialog_axe_finds_clean(browser, feeds):
    stories(feeds["ians"], 2)
    page = browser("alice")
    page.reload()
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    assert not dialog.is_visible()
    page.keyboard.press("?")
    dialog.wait_for(state="visible")
    keys = dialog.locator("dt kbd").all_text_contents()
    assert keys == ["j", "k", "o", "x", "h", "r", "/", "?"]
    no_serious_violations(page)
    page.keyboard.press("?")  # the same key hides it
    dialog.wait_for(state="hidden")
    page.get_by_role("button", name="Keyboard shortcuts").click()  # found without knowing "?"
    dialog.wait_for(state="visible")
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")


def test_slash_searches_and_keys_typed_in_a_box_stay_there(browser, feeds):
    stories(feeds["ians"], 2)
    page = browser("alice")
    page.reload()
    page.keyboard.press("/")
    search = page.locator("form.filters input[name=q]")
    assert search.evaluate("e => e === document.activeElement")
    page.keyboard.type("jkhx?")
    assert search.input_value() == "jkhx?"
    assert page.eval_on_selector_all("#wire tbody tr.selected", "rows => rows.length") == 0
    assert not page.get_by_role("dialog").is_visible()


def test_h_holds_the_selected_story_after_asking_why(browser, feeds):
    waiting = stories(feeds["ians"], 2, publishing="delay")  # waiting for the feed's delay
    page = browser("alice")
    page.reload()
    page.keyboard.press("j")
    page.keyboard.press("j")  # the second row: the first story ingested
    row = page.locator("#wire tbody tr.selected")
    headline = row.locator("td.headline a").inner_text()
    target = next(s for s in waiting if s.headline == headline)
    page.keyboard.press("h")
    ask = page.get_by_role("dialog", name="Hold 1 story")
    ask.wait_for(state="visible")
    no_serious_violations(page)
    ask.get_by_label("Why?").fill("Figures disputed")
    page.keyboard.press("Enter")
    page.wait_for_selector(".messages >> text=Hold: done for 1 of 1 stories.")
    held = LifecycleEvent.objects.filter(kind=LifecycleEvent.Kind.ON_HOLD, user__isnull=False)
    assert list(held.values_list("story_id", "reason", "actor")) == [
        (target.pk, "Figures disputed", "editor alice")
    ]
    assert Story.objects.get(pk=target.pk).release_at is None
    other = next(s for s in waiting if s.pk != target.pk)
    assert Story.objects.get(pk=other.pk).release_at is not None  # left alone


def test_r_releases_the_picked_stories_and_o_opens_one(browser, feeds):
    held = stories(feeds["ians"], 3, publishing="hold")
    page = browser("alice")
    page.reload()
    for story in held[:2]:
        page.get_by_role("checkbox", name=f"Pick: {story.headline}").check()
    page.keyboard.press("r")  # from the box just ticked: a box takes no words
    page.wait_for_selector(".messages >> text=Release: done for 2 of 2 stories.")
    states = [Story.objects.get(pk=s.pk).state for s in held]
    assert states == ["published", "published", "held"]
    page.keyboard.press("j")
    headline = page.locator("#wire tbody tr.selected td.headline a").inner_text()
    page.keyboard.press("o")
    page.wait_for_selector(f"h1:has-text('{headline}')")


def test_x_asks_before_killing_the_selected_story(browser, feeds):
    made = stories(feeds["ians"], 2)
    page = browser("alice")
    page.reload()
    page.keyboard.press("j")
    headline = page.locator("#wire tbody tr.selected td.headline a").inner_text()
    page.keyboard.press("x")
    page.wait_for_selector("h1:has-text('Kill this story?')")
    assert page.locator("ul.headlines li strong").all_text_contents() == [headline]
    assert Story.objects.filter(state="killed").count() == 0  # asked, nothing done yet
    no_serious_violations(page)
    page.fill("#reason", "Court order")
    page.get_by_role("button", name="Kill 1 for good").click()
    page.wait_for_selector(".messages >> text=Kill: done for 1 of 1 stories.")
    killed = Story.objects.filter(state="killed")
    assert [s.headline for s in killed] == [headline]
    assert {s.pk for s in made} - {s.pk for s in killed}  # the other one stays


def test_a_second_editor_sees_who_has_the_story_open(browser, feeds):
    [story] = stories(feeds["ians"], 1)
    alice = browser("alice")
    alice.goto(f"{alice.base}/desk/story/{story.pk}/")
    deadline = time.monotonic() + 5
    while not StoryPresence.objects.filter(user__username="alice").exists():  # her first beat
        assert time.monotonic() < deadline
        time.sleep(0.1)
    bob = browser("bob")
    bob.goto(f"{bob.base}/desk/story/{story.pk}/")
    notice = bob.locator("#presence")
    assert notice.get_attribute("role") == "status"
    assert notice.inner_text().startswith("Being edited by alice (since ")
    no_serious_violations(bob)
    alice.goto(f"{alice.base}/desk/")  # she leaves: her page says so as it goes
    deadline = time.monotonic() + 5
    while StoryPresence.objects.filter(user__username="alice").exists():
        assert time.monotonic() < deadline
        time.sleep(0.1)
    bob.reload()
    assert bob.locator("#presence").inner_text() == ""
