"""A Hindi edition's home page in Debian's Chromium: in Hindi, in its own fonts, axe clean.

Set WIREDESK_SCREENSHOT_DIR=docs to keep the screenshot (docs/edition-hi.png was
made that way), from the demo's Hindi deliveries.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from wiredesk.demo.replay import bundled_deliveries
from wiredesk.ingest.pipeline import ingest_bytes
from wiredesk.stories.models import Story

from .options import with_options

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Outside CI a machine without Chromium skips this; in CI its absence is a failure.
pytestmark = [
    pytest.mark.skipif(
        CHROMIUM is None and not os.environ.get("CI"), reason="Debian's chromium is not installed"
    ),
    pytest.mark.django_db(transaction=True),
]


def test_a_hindi_edition_s_home_is_in_hindi_and_axe_clean(
    live_server, feeds, settings, monkeypatch, tmp_path
):
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    with_options(settings, site={"editions": ("hi",), "name": "Wiredesk Demo"})
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    for path in bundled_deliveries():
        if path.name.split("-")[1] == "harbour" and path.suffix == ".json":
            ingest_bytes(feeds["harbour"], path.read_bytes(), path.name)
    hindi = set(Story.objects.filter(language="hi").values_list("headline", flat=True))
    assert len(hindi) == 4
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 390, "height": 844})
        asked: list[tuple[str, str]] = []
        page.on("request", lambda r: asked.append((r.resource_type, r.url)))
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(live_server.url + "/hi/")
        assert page.locator("html").get_attribute("lang") == "hi"
        cards = page.locator("ul.cards h2 a")
        assert set(cards.all_inner_texts()) == hindi
        font = cards.first.evaluate("e => getComputedStyle(e).fontFamily")
        assert font.startswith('"Noto Sans Devanagari"')
        assert page.locator("a.brand").get_attribute("href") == "/hi/"
        assert [url for kind, url in asked if kind == "font"] == []
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        violations = Axe().run(page).response["violations"]
        assert [(v["id"], v["impact"]) for v in violations] == []
        assert errors == []
        keep = os.environ.get("WIREDESK_SCREENSHOT_DIR")
        shot = Path(keep or tmp_path) / "edition-hi.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.read_bytes().startswith(b"\x89PNG")
        browser.close()
