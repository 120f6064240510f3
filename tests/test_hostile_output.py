"""What agency text holds never breaks or turns into markup in what Wiredesk writes out."""

from __future__ import annotations

import json

import lxml.etree
import lxml.html
import pytest

from wiredesk.ingest.pipeline import ingest_bytes
from wiredesk.stories.models import Story

MENTIONS_MARKUP = (
    "Experts warn that <img src=x onerror=alert(1)> and <script>steal()</script> tricks spread."
)


def ninjs(uri: str, body: str, byline: str = "Desk") -> bytes:
    return json.dumps(
        {
            "uri": uri,
            "type": "text",
            "headline": "Security advice",
            "byline": byline,
            "versioncreated": "2021-10-14T09:00:00+05:30",
            "body_text": body,
        }
    ).encode()


@pytest.mark.parametrize("url", ["/feeds/rss.xml", "/feeds/atom.xml"])
def test_teaser_that_mentions_tags_is_text_in_every_feed_reader(client, feeds, url):
    ingest_bytes(feeds["harbour"], ninjs("urn:h:1", MENTIONS_MARKUP), "a.json")
    root = lxml.etree.fromstring(client.get(url).content)
    summaries = [
        e.text for e in root.iter() if lxml.etree.QName(e).localname in ("description", "summary")
    ]
    [teaser] = [s for s in summaries if s and "Experts" in s]
    # What a feed reader renders as HTML: the angle brackets are text, not elements.
    rendered = lxml.html.fragment_fromstring(teaser, create_parent="div")
    assert {el.tag for el in rendered.iter()} == {"div"}
    assert "<img src=x onerror=alert(1)>" in rendered.text_content()


def test_json_feed_summary_is_the_plain_teaser(client, feeds):
    ingest_bytes(feeds["harbour"], ninjs("urn:h:2", MENTIONS_MARKUP), "a.json")
    [item] = json.loads(client.get("/feeds/feed.json").content)["items"]
    assert item["summary"].startswith("Experts warn that <img src=x onerror=alert(1)>")


def test_control_characters_in_agency_fields_never_reach_the_stories(feeds):
    ingest_bytes(
        feeds["harbour"], ninjs("urn:h:3", "Plain copy.", byline="Ann\x00 Writer\x07"), "n.json"
    )
    assert Story.objects.get().byline == "Ann Writer"


@pytest.mark.parametrize("url", ["/feeds/rss.xml", "/feeds/atom.xml", "/feeds/feed.json"])
def test_a_stored_control_character_in_a_byline_does_not_break_the_feeds(client, feeds, url):
    ingest_bytes(feeds["harbour"], ninjs("urn:h:4", "Plain copy."), "n.json")
    # Stored before normalize stripped them (a NUL itself PostgreSQL never stores;
    # XML 1.0 refuses these as it refuses NUL).
    Story.objects.update(byline="Ann\x01 Writer", headline="Head\x0bline")
    response = client.get(url)
    assert response.status_code == 200
    if url.endswith(".json"):
        json.loads(response.content)
    else:
        root = lxml.etree.fromstring(response.content)
        assert "Headline" in lxml.etree.tostring(root, encoding="unicode")
