"""What every reader-facing surface shows of a story: one place to extend as surfaces are added."""

from __future__ import annotations

import json

import feedparser
import lxml.etree
import lxml.html

from wiredesk.stories.models import Story


def listed_ids(client, url: str) -> set[int]:
    """Return the story ids a list page links to (every page of it)."""
    ids, page = set(), 1
    while True:
        response = client.get(url, {"page": page})
        tree = lxml.html.fromstring(response.content)
        for href in tree.xpath('//ul[@class="cards"]//h2/a/@href'):
            ids.add(int(href.split("/")[2]))
        if not tree.xpath('//a[@rel="next"]'):
            return ids
        page += 1


def feed_ids(client, url: str) -> set[int]:
    """Return the story ids in a feed (RSS, Atom or JSON Feed)."""
    content = client.get(url).content
    if url.endswith(".json"):
        ids = [item["id"] for item in json.loads(content)["items"]]
    else:
        ids = [entry.id for entry in feedparser.parse(content).entries]
    return {int(i.rstrip("/").rsplit("/", 1)[1]) for i in ids}


def api_ids(client) -> set[int]:
    ids, cursor = set(), None
    while True:
        page = client.get(
            "/api/v1/stories", {"limit": 100, **({"cursor": cursor} if cursor else {})}
        ).json()
        ids |= {s["id"] for s in page["items"]}
        cursor = page["next_cursor"]
        if not cursor:
            return ids


def sitemap_ids(client) -> set[int]:
    tree = lxml.etree.fromstring(client.get("/sitemap-stories.xml").content)
    locs = tree.xpath(
        "//s:loc/text()", namespaces={"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    )
    return {int(loc.split("/story/")[1].split("/")[0]) for loc in locs}


def search_ids(client, words: str) -> set[int]:
    items = client.get("/api/v1/stories", {"q": words, "limit": 100}).json()["items"]
    return {item["id"] for item in items}


def surfaces(client, story: Story) -> dict[str, object]:
    """Return how each surface shows `story`: page, provenance and API status, and list presence."""
    story.refresh_from_db()
    url = f"/story/{story.pk}/{story.slug}/"
    agency = story.agency.slug
    return {
        "page": client.get(url).status_code,
        "versions": client.get(url + "versions/").status_code,
        "api": client.get(f"/api/v1/stories/{story.pk}").status_code,
        "home": story.pk in listed_ids(client, "/"),
        "agency": story.pk in listed_ids(client, f"/agency/{agency}/"),
        "api_list": story.pk in api_ids(client),
        "rss": story.pk in feed_ids(client, "/feeds/rss.xml"),
        "atom": story.pk in feed_ids(client, f"/agency/{agency}/atom.xml"),
        "json_feed": story.pk in feed_ids(client, "/feeds/feed.json"),
        "sitemap": story.pk in sitemap_ids(client),
        "search": story.pk in search_ids(client, " ".join(story.headline.split()[:2])),
    }


LISTS = ("home", "agency", "api_list", "rss", "atom", "json_feed", "sitemap", "search")
VISIBLE = {"page": 200, "versions": 200, "api": 200, **dict.fromkeys(LISTS, True)}
HIDDEN = {"page": 404, "versions": 404, "api": 404, **dict.fromkeys(LISTS, False)}
GONE = {"page": 410, "versions": 410, "api": 410, **dict.fromkeys(LISTS, False)}
