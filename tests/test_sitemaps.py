"""Sitemaps and robots.txt: limits, dates, and no killed or embargoed URL, checked by structure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import lxml.etree
import time_machine

from wiredesk.ingest.pipeline import ingest_bytes
from wiredesk.stories.models import Story
from wiredesk.syndication.sitemaps import NewsSitemap, StorySitemap

from .wire_builder import g2_item

NS = {
    "s": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
}
NOW = datetime(2021, 10, 16, 4, 0, tzinfo=UTC)


def seed(feeds):
    feed = feeds["ians"]
    for n, age in enumerate((1, 30, 47, 49, 100)):  # hours before NOW
        when = NOW - timedelta(hours=age)
        ingest_bytes(
            feed,
            g2_item(f"urn:s:{n}", 1, when, headline=f"Story {age} hours old", first_created=when),
            f"{n}.xml",
        )
    ingest_bytes(
        feed, g2_item("urn:s:killed", 1, NOW - timedelta(hours=2), headline="Killed one"), "k.xml"
    )
    ingest_bytes(
        feed, g2_item("urn:s:killed", 2, NOW - timedelta(hours=1), status="canceled"), "k2.xml"
    )
    ingest_bytes(
        feed,
        g2_item(
            "urn:s:embargoed",
            1,
            NOW - timedelta(hours=1),
            headline="Embargoed one",
            embargo=NOW + timedelta(days=1),
        ),
        "e.xml",
    )


def locs(tree) -> list[str]:
    return tree.xpath("//s:url/s:loc/text()", namespaces=NS)


def test_sitemap_index_lists_the_sections(client, feeds):
    with time_machine.travel(NOW, tick=False):
        seed(feeds)
        tree = lxml.etree.fromstring(client.get("/sitemap.xml").content)
    sections = tree.xpath("//s:sitemap/s:loc/text()", namespaces=NS)
    assert [s.rsplit("/", 1)[1] for s in sections] == [
        "sitemap-news.xml",
        "sitemap-stories.xml",
        "sitemap-sections.xml",
    ]


def test_news_sitemap_has_only_the_last_two_days_with_publication_date_and_title(client, feeds):
    with time_machine.travel(NOW, tick=False):
        seed(feeds)
        tree = lxml.etree.fromstring(client.get("/sitemap-news.xml").content)
    urls = tree.xpath("//s:url", namespaces=NS)
    titles = [u.findtext("news:news/news:title", namespaces=NS) for u in urls]
    assert titles == ["Story 1 hours old", "Story 30 hours old", "Story 47 hours old"]
    first = urls[0]
    assert first.findtext("news:news/news:publication/news:name", namespaces=NS) == "Wiredesk Test"
    assert first.findtext("news:news/news:publication/news:language", namespaces=NS) == "en"
    story = Story.objects.get(item_id="urn:s:0")
    assert (
        first.findtext("news:news/news:publication_date", namespaces=NS)
        == "2021-10-16T08:30:00+05:30"
    )
    assert (
        first.findtext("s:loc", namespaces=NS) == "https://news.example" + story.get_absolute_url()
    )


def test_story_sitemap_has_every_visible_story_and_no_killed_or_embargoed_url(client, feeds):
    with time_machine.travel(NOW, tick=False):
        seed(feeds)
        tree = lxml.etree.fromstring(client.get("/sitemap-stories.xml").content)
    visible = Story.objects.filter(state=Story.State.PUBLISHED)
    assert sorted(locs(tree)) == sorted(
        "https://news.example" + s.get_absolute_url() for s in visible
    )
    for hidden in Story.objects.exclude(state=Story.State.PUBLISHED):
        assert not any(f"/story/{hidden.pk}/" in loc for loc in locs(tree))
    lastmods = tree.xpath("//s:url/s:lastmod/text()", namespaces=NS)
    assert all(m.endswith("+05:30") for m in lastmods)


def test_sitemap_limits_follow_the_protocols():
    # sitemaps.org allows 50,000 a file; 1,000 keeps a crawler's request small.
    assert StorySitemap.limit == 1_000 <= 50_000
    assert NewsSitemap.limit == 1_000  # Google News: 1,000 a file


def test_sitemap_paginates_at_its_limit(client, feeds, monkeypatch):
    monkeypatch.setattr(StorySitemap, "limit", 2)
    with time_machine.travel(NOW, tick=False):
        seed(feeds)
        index = lxml.etree.fromstring(client.get("/sitemap.xml").content)
        sections = index.xpath("//s:sitemap/s:loc/text()", namespaces=NS)
        # 7 stories stored (5 shown, a killed one, one under embargo), 2 ids a file.
        assert sum("sitemap-stories.xml" in s for s in sections) == 4
        pages = [
            locs(lxml.etree.fromstring(client.get("/sitemap-stories.xml", {"p": p}).content))
            for p in (1, 2, 3, 4)
        ]
        assert client.get("/sitemap-stories.xml", {"p": 5}).status_code == 404
    first = Story.objects.order_by("pk").first().pk
    ids = [[int(loc.split("/story/")[1].split("/")[0]) - first for loc in page] for page in pages]
    # Each file its own run of ids, newest first: a new story moves no other one.
    assert ids == [[1, 0], [3, 2], [4], []]


def test_robots_txt_points_at_the_sitemaps(client, db):
    text = client.get("/robots.txt").content.decode()
    assert "Sitemap: https://news.example/sitemap.xml" in text.splitlines()
    assert "Disallow: /admin/" in text
