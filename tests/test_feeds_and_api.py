"""Feeds (RSS 2.0, Atom 1.0 with tombstones, JSON Feed 1.1) and the app API, checked by structure.

Feeds are parsed back with feedparser; killed, withheld and embargoed stories appear in none.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import feedparser
import lxml.etree
import pytest

from wiredesk.ingest.pipeline import ingest_bytes
from wiredesk.stories.models import Story

from .conftest import SEED_V1, SEED_V2
from .options import with_options
from .wire_builder import g2_item

T0 = datetime(2021, 10, 14, 4, 0, tzinfo=UTC)
FEEDS = ["/feeds/rss.xml", "/feeds/atom.xml", "/feeds/feed.json"]


@pytest.fixture
def stories(ingest, feeds):
    """The seed story (revised), one killed, one withheld, one embargoed far ahead."""
    ingest(SEED_V1)
    ingest(SEED_V2)
    feed = feeds["harbour"]
    ingest_bytes(feed, g2_item("urn:killed", 1, T0, headline="Killed story headline"), "k1.xml")
    ingest_bytes(
        feed, g2_item("urn:killed", 2, T0 + timedelta(minutes=1), status="canceled"), "k2.xml"
    )
    ingest_bytes(
        feed,
        g2_item("urn:withheld", 1, T0, headline="Withheld story headline", status="withheld"),
        "w.xml",
    )
    ingest_bytes(
        feed,
        g2_item(
            "urn:embargoed",
            1,
            T0,
            headline="Embargoed story headline",
            embargo=datetime(2099, 1, 1, tzinfo=UTC),
        ),
        "e.xml",
    )
    return Story.objects.get(item_id__startswith="IANS-")


def parsed(client, url):
    """Return the response and its entries as feedparser (or, for JSON Feed, json) reads them."""
    response = client.get(url)
    assert response.status_code == 200, url
    if url.endswith(".json"):
        items = json.loads(response.content)["items"]
        entries = [
            feedparser.FeedParserDict(
                id=i["id"], title=i["title"], link=i["url"], summary=i["content_html"]
            )
            for i in items
        ]
        return response, feedparser.FeedParserDict(bozo=False, entries=entries)
    return response, feedparser.parse(response.content)


@pytest.mark.parametrize("url", FEEDS)
def test_feeds_carry_the_visible_story_and_nothing_hidden(client, stories, url):
    response, feed = parsed(client, url)
    assert not feed.bozo, feed.get("bozo_exception")
    titles = [e.title for e in feed.entries]
    assert titles == ["'US, S.Korea working to restart dialogue with Pyongyang'"]
    entry = feed.entries[0]
    assert entry.id == f"https://news.example/story/{stories.pk}/"
    assert entry.link.endswith(stories.get_absolute_url())
    body = entry.content[0].value if "content" in entry else entry.summary
    assert "Korean Peninsula since the late 1950s" in body
    assert "auto-published from an agency feed" in body  # the disclaimer travels with the text
    assert "Killed story" not in response.content.decode()
    assert (
        "Withheld" not in response.content.decode() and "Embargoed" not in response.content.decode()
    )


def test_rss_structure_guid_dates_and_self_link(client, stories, settings):
    with_options(settings, site={"websub_hub": "https://hub.example/"})
    response = client.get("/feeds/rss.xml")
    assert response["Content-Type"].startswith("application/rss+xml")
    root = lxml.etree.fromstring(response.content)
    channel = root.find("channel")
    assert channel.findtext("title") == "Wiredesk Test"
    assert channel.findtext("link") == "https://news.example/"  # the site URL, never the Host
    atom = "{http://www.w3.org/2005/Atom}link"
    rels = [(link.get("rel"), link.get("href")) for link in channel.iter(atom)]
    assert sorted(rels) == [
        ("hub", "https://hub.example/"),
        ("self", "https://news.example/feeds/rss.xml"),
    ]
    item = channel.find("item")
    assert item.findtext("guid") == f"https://news.example/story/{stories.pk}/"
    assert item.findtext("pubDate") == "Thu, 14 Oct 2021 09:39:03 +0530"


def test_atom_has_tombstones_for_killed_stories(client, stories):
    root = lxml.etree.fromstring(client.get("/feeds/atom.xml").content)
    ns = {"a": "http://www.w3.org/2005/Atom", "at": "http://purl.org/atompub/tombstones/1.0"}
    killed = Story.objects.get(item_id="urn:killed")
    deleted = root.findall("at:deleted-entry", ns)
    assert [d.get("ref") for d in deleted] == [f"https://news.example/story/{killed.pk}/"]
    assert deleted[0].get("when")
    entry = root.find("a:entry", ns)
    assert entry.findtext("a:published", namespaces=ns) == "2021-10-14T09:39:03+05:30"
    assert entry.findtext("a:updated", namespaces=ns) == "2021-10-14T09:50:13+05:30"
    assert root.find("a:link[@rel='self']", ns).get("href") == "https://news.example/feeds/atom.xml"


def test_json_feed_is_served_as_application_feed_json(client, stories):
    response = client.get("/feeds/feed.json")
    assert response["Content-Type"].startswith("application/feed+json")
    document = json.loads(response.content)
    assert document["version"] == "https://jsonfeed.org/version/1.1"
    [item] = document["items"]
    assert item["id"] == f"https://news.example/story/{stories.pk}/"
    assert item["date_published"] == "2021-10-14T09:39:03+05:30"
    assert item["content_html"].startswith("<p>Seoul, Oct 14 South Korea")


def test_agency_feeds_and_conditional_get(client, stories):
    _, feed = parsed(client, "/agency/harbour/rss.xml")
    assert feed.entries == []
    response = client.get("/agency/ians/atom.xml")
    assert response.status_code == 200 and response.has_header("ETag")
    again = client.get("/agency/ians/atom.xml", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    assert client.get("/agency/nobody/rss.xml").status_code == 404


# -- API -------------------------------------------------------------------------------------


def test_api_lists_only_visible_stories(client, stories):
    data = client.get("/api/v1/stories").json()
    assert [s["id"] for s in data["items"]] == [stories.pk]
    item = data["items"][0]
    assert item["published"] == "2021-10-14T04:09:03Z" or item["published"].startswith(
        "2021-10-14T"
    )
    assert item["updated"] is True and item["agency"] == "ians"
    assert data["next_cursor"] is None


def test_api_story_and_tombstone(client, stories):
    full = client.get(f"/api/v1/stories/{stories.pk}").json()
    assert full["headline"] == "'US, S.Korea working to restart dialogue with Pyongyang'"
    assert full["body_text"].startswith("Seoul, Oct 14 South Korea")
    assert full["versions"] == 2
    killed = Story.objects.get(item_id="urn:killed")
    response = client.get(f"/api/v1/stories/{killed.pk}")
    assert response.status_code == 410
    assert response.json()["state"] == "killed" and response.json()["id"] == killed.pk
    for hidden in ("urn:withheld", "urn:embargoed"):
        assert (
            client.get(f"/api/v1/stories/{Story.objects.get(item_id=hidden).pk}").status_code == 404
        )


def test_api_cursor_pagination_and_filters(client, all_bundled):
    seen, cursor = [], None
    while True:
        params = {"limit": 7, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/stories", params).json()
        seen += [s["id"] for s in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == Story.objects.count()
    northline = client.get("/api/v1/stories", {"agency": "northline", "limit": 100}).json()["items"]
    assert len(northline) == 11 and {s["agency"] for s in northline} == {"northline"}
    assert client.get("/api/v1/stories", {"cursor": "garbage!"}).status_code == 400
    agencies = client.get("/api/v1/agencies").json()
    assert [a["slug"] for a in agencies] == ["harbour", "ians", "meridian", "northline"]


def test_api_etag_gives_304(client, stories):
    first = client.get(f"/api/v1/stories/{stories.pk}")
    assert (
        client.get(f"/api/v1/stories/{stories.pk}", HTTP_IF_NONE_MATCH=first["ETag"]).status_code
        == 304
    )


def test_openapi_document_is_served(client, db):
    spec = client.get("/api/v1/openapi.json").json()
    assert {"/api/v1/stories", "/api/v1/stories/{story_id}", "/api/v1/agencies"} <= set(
        spec["paths"]
    )


def test_topic_feeds_and_api_filter(client, all_bundled):
    # The Northline stories are filed under "Asia-Pacific", the seed under "World" and "Korea".
    _, feed = parsed(client, "/topic/asia-pacific/rss.xml")
    assert len(feed.entries) == 11
    _, korea = parsed(client, "/topic/korea/atom.xml")
    assert [e.title for e in korea.entries] == [
        "'US, S.Korea working to restart dialogue with Pyongyang'"
    ]
    items = client.get("/api/v1/stories", {"topic": "korea"}).json()["items"]
    assert [i["agency"] for i in items] == ["ians"]
    assert client.get("/api/v1/stories", {"topic": "nothing-filed-here"}).json()["items"] == []
    _, json_feed = parsed(client, "/topic/uk/feed.json")
    assert len(json_feed.entries) == 11  # Meridian's JSON Feed tags


def test_feeds_answer_if_modified_since_with_304(client, stories):
    response = client.get("/feeds/rss.xml")
    assert response.has_header("Last-Modified")
    again = client.get("/feeds/rss.xml", HTTP_IF_MODIFIED_SINCE=response["Last-Modified"])
    assert again.status_code == 304


def test_story_page_twitter_card_fits_its_limits(client, stories):
    import lxml.html

    tree = lxml.html.fromstring(client.get(stories.get_absolute_url()).content)

    def meta(name):
        return tree.xpath(f'//meta[@name="{name}"]/@content')[0]

    assert meta("twitter:card") == "summary"
    assert 0 < len(meta("twitter:title")) <= 70
    assert 0 < len(meta("twitter:description")) <= 200
    assert tree.xpath('//meta[@property="article:section"]/@content') == ["IANS"]
    assert "World" in tree.xpath('//meta[@property="article:tag"]/@content')
