"""A list's pages named by a story, in Debian's Chromium: the pager is axe clean, and its
links walk the list both ways."""

from __future__ import annotations

import os
import shutil

import pytest

from .options import with_options
from .test_list_pages import stories  # noqa: F401 (a fixture)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Outside CI a machine without Chromium skips this; in CI its absence is a failure.
pytestmark = [
    pytest.mark.skipif(
        CHROMIUM is None and not os.environ.get("CI"), reason="Debian's chromium is not installed"
    ),
    pytest.mark.django_db(transaction=True),
]


def test_a_page_named_by_a_story_has_an_accessible_pager_both_ways(
    live_server,
    stories,  # noqa: F811
    settings,
    monkeypatch,
):
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    with_options(settings, site={"page_size": 2})
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 390, "height": 844})
        page.goto(f"{live_server.url}/?before={stories[21].pk}")
        cards = page.locator("ul.cards h2 a")
        assert cards.all_inner_texts() == ["Story 22", "Story 23"]
        violations = Axe().run(page).response["violations"]
        assert [(v["id"], v["impact"]) for v in violations] == []
        page.get_by_role("link", name="Older →").click()
        assert cards.all_inner_texts() == ["Story 24", "Story 25"]
        page.get_by_role("link", name="← Newer").click()
        assert cards.all_inner_texts() == ["Story 22", "Story 23"]
        browser.close()
