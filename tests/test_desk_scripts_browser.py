"""The desk in Debian's Chromium shows a Hindi or Urdu headline in its script's own fonts
(the site's stacks, site/languages.py), its link underlined below the vowel signs, axe clean."""

from __future__ import annotations

import os
import shutil

import pytest
from django.contrib.auth import get_user_model

from wiredesk.ingest.pipeline import ingest_bytes
from wiredesk.site.languages import font_rules
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
PASSWORD = "pw-123456789-desk"


def stack_of(language: str) -> str:
    """Return the font-family the site's rule gives `language`, as Chromium reports it."""
    rule = font_rules(language)
    family = rule.split("font-family:", 1)[1].split(";")[0].split("}")[0]
    return ", ".join(family.split(","))


@pytest.mark.parametrize("language", ["hi", "ur"])
def test_a_headline_in_an_indian_script_on_the_wire_takes_its_fonts_and_underlines_below(
    live_server, feeds, monkeypatch, language
):
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    get_user_model().objects.create_superuser("alice", "alice@news.example", PASSWORD)
    ingest_bytes(feeds["ians"], ninjs(f"urn:ians:{language}:desk", language), "s.json")
    story = Story.objects.get(item_id=f"urn:ians:{language}:desk")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{live_server.url}/admin/login/?next=/desk/")
        page.fill("#id_username", "alice")
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_url(f"{live_server.url}/desk/")
        link = page.locator(f"td.headline a[href='/desk/story/{story.pk}/']")
        assert link.get_attribute("lang") == language
        assert link.inner_text().strip() == STORIES[language][0]
        style = link.evaluate(
            "e => { const s = getComputedStyle(e);"
            " return [s.fontFamily, s.textUnderlineOffset, s.textDecorationSkipInk]; }"
        )
        family, offset, skip_ink = style
        assert family == stack_of(language)
        assert offset not in ("auto", "0px") and skip_ink == "auto"
        violations = Axe().run(page).response["violations"]
        serious = [
            (v["id"], v["impact"]) for v in violations if v["impact"] in ("serious", "critical")
        ]
        assert serious == []
        browser.close()
