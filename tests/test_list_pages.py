"""A list's pages: numbered at first, then each named by the story next to it, so a crawler
walks every list from newest to oldest, however deep, at the cost of a page a request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

import lxml.html
import pytest

from wiredesk.site.list_pages import NUMBERED
from wiredesk.sources.models import Agency
from wiredesk.stories.models import Story

from .options import with_options

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
STORIES = 30


@pytest.fixture
def stories(db) -> list[Story]:
    """STORIES stories a minute apart, every other one under the topic "world"; newest first."""
    agency = Agency.objects.create(slug="wire", name="Wire", byline="Wire")
    made = [
        Story.objects.create(
            agency=agency,
            item_id=f"urn:{n}",
            slug=f"story-{n}",
            headline=f"Story {n}",
            body_html="<p>Words.</p>",
            body_text="Words.",
            topics="|world|" if n % 2 == 0 else "",
            first_published_at=T0 - timedelta(minutes=n),
            modified_at=T0 - timedelta(minutes=n),
        )
        for n in range(STORIES)
    ]
    return made


def walk(client, url: str, rel: str) -> list[tuple[str, list[int], lxml.html.HtmlElement]]:
    """Follow a list's `rel` links from `url`: (address, story ids, page) of each page."""
    pages = []
    while url:
        response = client.get(url, follow=True)  # a newer page at the top: the first
        assert response.status_code == 200, url
        url = response.redirect_chain[-1][0] if response.redirect_chain else url
        tree = lxml.html.fromstring(response.content)
        ids = [int(href.split("/")[2]) for href in tree.xpath('//ul[@class="cards"]//h2/a/@href')]
        pages.append((url, ids, tree))
        link = tree.xpath(f'//nav[@class="pager"]/a[@rel="{rel}"]/@href')
        url = url.split("?")[0] + link[0] if link else ""
    return pages


@pytest.mark.parametrize(("path", "size"), [("/", 2), ("/topic/world/", 1)])
def test_a_list_is_walked_newest_to_oldest_past_its_numbered_pages(
    client, settings, stories, path, size
):
    with_options(settings, site={"page_size": size})
    listed = [s.pk for s in stories if path == "/" or s.topics]
    pages = walk(client, path, "next")
    assert [pk for _, ids, _ in pages for pk in ids] == listed  # every story once, in order
    addresses = [url for url, _, _ in pages]
    assert addresses[:NUMBERED] == [path] + [f"{path}?page={n}" for n in range(2, NUMBERED + 1)]
    # Past the numbered pages, each is named by the last story of the one before it.
    for (_, before, _), (url, _, _) in pairwise(pages[NUMBERED - 1 :]):
        assert url == f"{path}?before={before[-1]}"
    for url, _, tree in pages:  # each page is its own canonical address
        assert tree.xpath('//link[@rel="canonical"]/@href') == [f"https://news.example{url}"]
    # And back: each newer page ends just before the one it was reached from.
    *back, (top, _, _) = walk(client, addresses[-1], "prev")
    assert top == path and len(back) > 1
    for (_, later, _), (url, newer, _) in pairwise(back):
        assert listed.index(newer[-1]) + 1 == listed.index(later[0]), url


def test_a_newer_page_at_the_top_of_the_list_is_its_first_page(client, settings, stories):
    with_options(settings, site={"page_size": 5})
    assert client.get(f"/?after={stories[3].pk}").headers["Location"] == "/"
    newer = client.get(f"/?after={stories[12].pk}")
    assert newer.status_code == 200
    tree = lxml.html.fromstring(newer.content)
    shown = [int(h.split("/")[2]) for h in tree.xpath('//ul[@class="cards"]//h2/a/@href')]
    assert shown == [s.pk for s in stories[7:12]]


def test_a_page_deeper_than_the_numbered_ones_or_named_oddly_is_not_found(
    client, settings, stories
):
    # Counting to page 11 reads every newer story: the old deep links are gone,
    # their stories linked from the older pages and the sitemaps.
    with_options(settings, site={"page_size": 1})
    assert client.get(f"/?page={NUMBERED}").status_code == 200
    for url in (
        f"/?page={NUMBERED + 1}",
        "/?before=x",
        "/?before=",
        "/?before=999999",  # no such story
        f"/?before={stories[-1].pk}",  # nothing older than the oldest
        f"/?before={stories[3].pk}&page=2",  # one page, one address
        f"/?before={stories[3].pk}&after={stories[5].pk}",
    ):
        assert client.get(url).status_code == 404, url


def test_the_page_cache_keeps_each_page_named_by_a_story_apart(client, settings, stories):
    with_options(settings, site={"page_size": 5, "page_cache_seconds": 300})

    def shown(url: str) -> list[str]:
        tree = lxml.html.fromstring(client.get(url).content)
        return tree.xpath('//ul[@class="cards"]//h2/a/text()')

    first, second = shown(f"/?before={stories[4].pk}"), shown(f"/?before={stories[9].pk}")
    assert first == [f"Story {n}" for n in range(5, 10)]
    assert second == [f"Story {n}" for n in range(10, 15)]
    assert shown(f"/?after={stories[20].pk}") == [f"Story {n}" for n in range(15, 20)]
