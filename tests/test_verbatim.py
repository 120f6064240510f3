"""Verbatim: every bundled story's page body is the agency's text, word for word.

The expected text is read with feedparser (and json for JSON Feed): a parser
independent of Wiredesk's own, so a shared bug cannot hide a changed word.
"""

from __future__ import annotations

import json
from pathlib import Path

import feedparser
import lxml.html
import pytest

from wiredesk.demo.replay import agency_of, bundled_deliveries
from wiredesk.stories.models import Story
from wiredesk.wire.text import fold

from .helpers import html_fragment_text, visible_text


def agency_texts(path: Path) -> dict[str, str]:
    """Return {item id: folded body text} as the agency sent it."""
    data = path.read_bytes()
    if path.suffix == ".json":
        feed = json.loads(data)
        if isinstance(feed, list):  # ninjs items: their plain text
            return {item["uri"]: fold(item["body_text"]) for item in feed}
        if "uri" in feed:
            return {feed["uri"]: fold(feed["body_text"])}
        return {
            item["id"]: html_fragment_text(item["content_html"])
            if "content_html" in item
            else fold(item["content_text"])
            for item in feed["items"]
        }
    parsed = feedparser.parse(data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    texts = {}
    for entry in parsed.entries:
        body = entry.content[0].value if entry.get("content") else entry.summary
        texts[entry.id] = html_fragment_text(body)
    return texts


def latest_texts() -> dict[tuple[str, str], str]:
    """Return the newest agency text of every bundled item, by (agency, item id)."""
    texts = {}
    for path in bundled_deliveries():
        for item_id, text in agency_texts(path).items():
            texts[agency_of(path), item_id] = text
    return texts


def test_demo_bundle_has_the_seed_and_30_more_stories_from_3_agencies_in_2_formats():
    texts = latest_texts()
    others = {key for key in texts if key[0] != "ians"}
    assert len(others) >= 30
    assert len({agency for agency, _ in others}) >= 3
    assert len({p.suffix for p in bundled_deliveries()}) >= 2


@pytest.mark.django_db
def test_every_bundled_story_page_body_is_the_agency_text(client, all_bundled):
    expected = latest_texts()
    assert Story.objects.count() == len(expected)
    for story in Story.objects.select_related("agency"):
        response = client.get(story.get_absolute_url())
        assert response.status_code == 200
        page = lxml.html.fromstring(response.content)
        (body,) = page.xpath('//div[@class="story-body"]')
        assert visible_text(body) == expected[story.agency.slug, story.item_id], story
