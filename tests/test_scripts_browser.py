"""Hindi and Urdu story pages in Debian's Chromium: the script's own fonts, nothing
downloaded, links underlined below the vowel signs, right to left for Urdu, axe clean.

Set WIREDESK_SCREENSHOT_DIR=docs to keep the screenshots (docs/story-hi.png and
docs/story-ur.png were made that way).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from wiredesk.ingest.pipeline import ingest_bytes
from wiredesk.stories.models import Story

from .test_indian_scripts import STORIES, ninjs

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Outside CI a machine without Chromium skips this; in CI its absence is a failure.
pytestmark = [
    pytest.mark.skipif(
        CHROMIUM is None and not os.environ.get("CI"), reason="Debian's chromium is not installed"
    ),
    pytest.mark.django_db(transaction=True),
]

FIRST_FONT = {"hi": '"Noto Sans Devanagari"', "ur": '"Noto Nastaliq Urdu"'}


@pytest.mark.parametrize("language", ["hi", "ur"])
def test_a_story_page_in_an_indian_script_renders_with_its_own_fonts_and_no_download(
    live_server, feeds, monkeypatch, tmp_path, language
):
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    ingest_bytes(feeds["ians"], ninjs(f"urn:ians:{language}:b", language), "s.json")
    story = Story.objects.get(item_id=f"urn:ians:{language}:b")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 390, "height": 844})
        asked: list[tuple[str, str]] = []
        page.on("request", lambda r: asked.append((r.resource_type, r.url)))
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(live_server.url + story.get_absolute_url())
        article = page.locator("article")
        assert article.get_attribute("lang") == language
        font = article.evaluate("e => getComputedStyle(e).fontFamily")
        assert font.startswith(FIRST_FONT[language])
        direction = article.evaluate("e => getComputedStyle(e).direction")
        assert direction == ("rtl" if language == "ur" else "ltr")
        link = page.locator("a.brand")
        offset = link.evaluate("e => getComputedStyle(e).textUnderlineOffset")
        assert offset not in ("auto", "0px")
        assert [url for kind, url in asked if kind == "font"] == []
        # Nothing sticks out sideways (a right-to-left page scrolls to the left, too).
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        header = page.locator("header.site")
        assert header.get_attribute("lang") == "en"
        assert header.evaluate("e => getComputedStyle(e).direction") == "ltr"
        violations = Axe().run(page).response["violations"]
        assert [(v["id"], v["impact"]) for v in violations] == []
        assert errors == []
        keep = os.environ.get("WIREDESK_SCREENSHOT_DIR")
        shot = Path(keep or tmp_path) / f"story-{language}.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.read_bytes().startswith(b"\x89PNG")
        browser.close()
    assert STORIES[language][0] in story.headline
