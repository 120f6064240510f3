"""The seed test: the IANS fixture in, the reference page out, element for element."""

from __future__ import annotations

import json

import lxml.html
import pytest

from wiredesk.stories.models import Story, StoryVersion
from wiredesk.wire.text import fold

from .conftest import DATA, SEED_V1, SEED_V2
from .helpers import visible_text
from .options import with_options

SEED_PAGE = (DATA / "seed" / "ians-2021-10-14-us-skorea-dialogue.txt").read_text()
HEADLINE = "'US, S.Korea working to restart dialogue with Pyongyang'"
BYLINE = "By IANS | Published: October 14, 2021 09:39 AM IST"
DISCLAIMER = (
    "Disclaimer: This post has been auto-published from an agency feed without any "
    "modifications to the text and has not been reviewed by an editor"
)


def seed_paragraphs() -> list[str]:
    """Return the body paragraphs of the reference page, dateline first."""
    blocks = [fold(b) for b in SEED_PAGE.split("\n\n") if b.strip()]
    start = next(
        i for i, b in enumerate(blocks) if b.startswith("Seoul, Oct 14") and b.endswith("said.")
    )
    end = next(i for i, b in enumerate(blocks) if b.startswith("Disclaimer:"))
    return blocks[start:end]


def page_text(page: lxml.html.HtmlElement) -> str:
    return visible_text(page.find("body"))


def assert_in_order(text: str, parts: list[str]) -> None:
    position = 0
    for part in parts:
        found = text.find(part, position)
        assert found >= 0, f"not found after position {position}: {part[:60]!r}"
        position = found + len(part)


def json_ld(page: lxml.html.HtmlElement) -> dict:
    (script,) = page.xpath('//script[@type="application/ld+json"]')
    return json.loads(script.text)


@pytest.fixture
def seed_page(client, ingest):
    def fetch() -> lxml.html.HtmlElement:
        story = Story.objects.get()
        response = client.get(story.get_absolute_url())
        assert response.status_code == 200
        return lxml.html.fromstring(response.content)

    ingest(SEED_V1)
    return fetch


def test_seed_story_page_has_every_element_of_the_reference_page_in_order(seed_page, ingest):
    ingest(SEED_V2)
    page = seed_page()
    paragraphs = seed_paragraphs()
    assert len(paragraphs) == 10
    text = page_text(page)
    assert_in_order(text, [HEADLINE, BYLINE, *paragraphs, DISCLAIMER, "Open in app"])
    published = page.xpath('//p[@class="meta"]/time')[0]
    assert published.get("datetime") == "2021-10-14T09:39:03+05:30"
    assert json_ld(page)["datePublished"] == "2021-10-14T09:39:03+05:30"
    # The teaser is the meta description, cut at a word, like the reference page's.
    description = page.xpath('//meta[@name="description"]/@content')[0]
    assert description == (
        "Seoul, Oct 14 South Korea and the US are working closely together "
        "to restart dialogue with North Korea, ..."
    )
    story_id = Story.objects.get().pk
    assert page.xpath('//a[@class="app-link"]/@href') == [f"newsexample://story/{story_id}"]


def test_first_version_alone_is_not_marked_updated(seed_page):
    page = seed_page()
    text = page_text(page)
    assert BYLINE in text
    assert "Updated:" not in text
    assert json_ld(page)["dateModified"] == "2021-10-14T09:39:03+05:30"


def test_revised_seed_version_updates_the_same_story(seed_page, ingest):
    report = ingest(SEED_V2)
    assert report.actions == {"updated": 1}
    story = Story.objects.get()
    assert StoryVersion.objects.filter(story=story).count() == 2
    assert story.version_count == 2
    page = seed_page()
    text = page_text(page)
    assert "Updated: October 14, 2021 09:50 AM IST" in text
    times = page.xpath('//p[@class="meta"]/time/@datetime')
    assert times == ["2021-10-14T09:39:03+05:30", "2021-10-14T09:50:13+05:30"]
    data = json_ld(page)
    assert data["dateModified"] == "2021-10-14T09:50:13+05:30"
    assert data["datePublished"] == "2021-10-14T09:39:03+05:30"
    # The revision's full text replaced the first take.
    assert_in_order(text, seed_paragraphs())


def test_seed_page_structured_data_and_open_graph(seed_page, ingest):
    ingest(SEED_V2)
    page = seed_page()
    data = json_ld(page)
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == HEADLINE
    assert data["author"] == {"@type": "Organization", "name": "IANS"}
    assert data["dateline"] == "Seoul, Oct 14"
    assert data["contentLocation"]["name"] == "Seoul"
    canonical = page.xpath('//link[@rel="canonical"]/@href')[0]
    assert canonical == "https://news.example" + Story.objects.get().get_absolute_url()
    assert data["mainEntityOfPage"]["@id"] == canonical

    def og(name: str) -> str:
        return page.xpath(f'//meta[@property="{name}"]/@content')[0]

    assert og("og:type") == "article"
    assert og("og:title") == HEADLINE
    assert og("og:url") == canonical
    assert og("article:published_time") == "2021-10-14T09:39:03+05:30"
    assert og("article:modified_time") == "2021-10-14T09:50:13+05:30"


def test_no_open_in_app_link_when_no_app_is_configured(seed_page, settings):
    with_options(settings, site={"app": {"link": None}})
    page = seed_page()
    assert "Open in app" not in page_text(page)
    assert page.xpath('//a[@class="app-link"]') == []
