"""Feeds assembled from items kept by story version: a change renders one item again,
and a feed of kept items is the feed rendered whole, byte for byte."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree

from wiredesk.ingest.pipeline import ingest_bytes
from wiredesk.pictures.models import Picture
from wiredesk.sources.models import Agency
from wiredesk.stories.models import Story
from wiredesk.stories.selectors import visible_stories
from wiredesk.stories.storage.prepared import CompiledReads
from wiredesk.syndication.fragments import store

from .options import with_options
from .pictures_helpers import fetch_all, photo
from .test_pictures import g2_package
from .wire_builder import g2_item

T0 = datetime(2021, 10, 14, 4, 0, tzinfo=UTC)
ATOM = "{http://www.w3.org/2005/Atom}"
FEEDS = ("/feeds/rss.xml", "/feeds/atom.xml", "/feeds/feed.json", "/agency/ians/rss.xml")


def publish(feed, n: int, version: int = 1, **fields) -> None:
    when = T0 + timedelta(minutes=n)
    ingest_bytes(
        feed,
        g2_item(f"urn:story-{n}", version, when, headline=f"Story number {n}", **fields),
        f"{n}-{version}.xml",
    )


@pytest.fixture
def rendered(monkeypatch) -> list:
    """Record the key of each item rendered (a rendered item is kept in the store)."""
    keys: list = []
    put = store.put

    def counted(key, text):
        keys.append(key)
        put(key, text)

    monkeypatch.setattr(store, "put", counted)
    return keys


def rss_titles(client) -> list[str]:
    rss = etree.fromstring(client.get("/feeds/rss.xml").content)
    return [item.findtext("title") for item in rss.iter("item")]


def test_a_new_story_renders_its_own_item_and_keeps_the_others(client, feeds, rendered):
    for n in range(3):
        publish(feeds["ians"], n)
    assert rss_titles(client) == ["Story number 2", "Story number 1", "Story number 0"]
    assert len(rendered) == 3
    assert len(rss_titles(client)) == 3 and len(rendered) == 3  # all kept
    publish(feeds["ians"], 3)
    assert rss_titles(client)[0] == "Story number 3"
    assert len(rendered) == 4


def test_an_update_renders_its_item_again_with_the_new_words(client, feeds, rendered):
    publish(feeds["ians"], 1)
    publish(feeds["ians"], 2)
    client.get("/feeds/rss.xml")
    publish(feeds["ians"], 1, version=2, paragraphs=("NEW DELHI, Oct 14 Rewritten words.",))
    body = client.get("/feeds/rss.xml").content
    assert b"Rewritten words." in body and len(rendered) == 3


def test_a_killed_story_leaves_the_feed_at_once(client, feeds):
    publish(feeds["ians"], 1)
    publish(feeds["ians"], 2)
    assert len(rss_titles(client)) == 2
    publish(feeds["ians"], 1, version=2, status="canceled")
    assert rss_titles(client) == ["Story number 2"]
    atom = etree.fromstring(client.get("/feeds/atom.xml").content)
    assert len(atom.findall("{http://purl.org/atompub/tombstones/1.0}deleted-entry")) == 1


def test_a_feed_of_kept_items_is_the_feed_rendered_whole(client, feeds):
    for n in range(4):
        publish(feeds["ians"], n)
    whole = {path: client.get(path).content for path in FEEDS}
    kept = {path: client.get(path).content for path in FEEDS}
    store.clear()
    publish(feeds["ians"], 4)
    client.get("/feeds/rss.xml")  # four kept, one new
    mixed = client.get("/feeds/rss.xml").content
    store.clear()
    assert mixed == client.get("/feeds/rss.xml").content
    assert kept == whole
    rss = etree.fromstring(whole["/feeds/rss.xml"])
    assert rss.findtext("channel/lastBuildDate") == "Thu, 14 Oct 2021 09:33:00 +0530"
    atom = etree.fromstring(whole["/feeds/atom.xml"])
    assert atom.findtext(f"{ATOM}updated") == "2021-10-14T09:33:00+05:30"
    assert len(atom.findall(f"{ATOM}entry")) == 4
    items = json.loads(whole["/feeds/feed.json"])["items"]
    assert [item["title"] for item in items] == [f"Story number {n}" for n in (3, 2, 1, 0)]


def test_the_agency_s_new_disclaimer_reaches_every_kept_item(client, feeds):
    publish(feeds["ians"], 1)
    assert b"Written by robots" not in client.get("/feeds/rss.xml").content
    Agency.objects.filter(slug="ians").update(disclaimer="Written by robots.")
    assert b"Written by robots" in client.get("/feeds/rss.xml").content


def test_a_picture_that_arrives_after_its_story_joins_the_kept_item(
    client, picture_feed, photo_server
):
    photo_server.serve("/big.jpg", photo(1800, 1200))
    photo_server.serve("/thumb.jpg", photo(320, 213))
    ingest_bytes(picture_feed, g2_package(photo_server.base_url), origin="delivery")
    rss = etree.fromstring(client.get("/feeds/rss.xml").content)
    assert rss.find("channel/item/enclosure") is None  # not fetched yet
    assert fetch_all() == 1
    rss = etree.fromstring(client.get("/feeds/rss.xml").content)
    assert rss.find("channel/item/enclosure").get("type") == "image/jpeg"
    Picture.objects.update(state=Picture.State.WITHDRAWN)
    rss = etree.fromstring(client.get("/feeds/rss.xml").content)
    assert rss.find("channel/item/enclosure") is None


def test_a_prepared_query_is_compiled_once_and_asked_at_each_time(feeds):
    now = datetime.now(UTC)
    publish(feeds["ians"], 1, embargo=now + timedelta(hours=2))
    visible = CompiledReads(lambda key, now: visible_stories(now).values_list("headline"))
    assert visible.rows("site", now + timedelta(hours=1)) == []
    assert visible.rows("site", now + timedelta(hours=3)) == [("Story number 1",)]
    assert len(visible.compiled) == 1
    assert Story.objects.get().state == Story.State.EMBARGOED


@pytest.mark.parametrize("path", FEEDS)
def test_a_feed_costs_the_same_few_queries_however_many_stories_it_lists(client, feeds, path):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for n in range(20):
        publish(feeds["ians"], n)
        if n in (1, 19):
            client.get(path)
            with CaptureQueriesContext(connection) as queries:
                assert client.get(path).status_code == 200
            counts.append(len(queries))
    # One statement: the listed versions, the kills, the agencies' bylines (and an agency's
    # feed, its agency).
    assert counts[0] == counts[1] == (2 if path.startswith("/agency/") else 1)


def test_the_frame_around_the_items_follows_the_newest_change_and_the_site_s_name(
    client, feeds, settings
):
    publish(feeds["ians"], 1)
    rss = etree.fromstring(client.get("/feeds/rss.xml").content)
    assert rss.findtext("channel/lastBuildDate") == "Thu, 14 Oct 2021 09:31:00 +0530"
    changed = g2_item("urn:story-1", 2, T0 + timedelta(minutes=2), headline="Story number 1")
    ingest_bytes(feeds["ians"], changed, "1-2.xml")  # the same story, changed a minute later
    rss = etree.fromstring(client.get("/feeds/rss.xml").content)
    assert rss.findtext("channel/lastBuildDate") == "Thu, 14 Oct 2021 09:32:00 +0530"
    with_options(settings, site={"name": "The Other Daily"})
    rss = etree.fromstring(client.get("/feeds/rss.xml").content)
    assert rss.findtext("channel/title") == "The Other Daily"
    assert [item.findtext("title") for item in rss.iter("item")] == ["Story number 1"]
