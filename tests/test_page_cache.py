"""Caches follow: a cached page or list never outlives a kill, a withhold or an embargo's end."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from wiredesk.ingest.pipeline import ingest_bytes
from wiredesk.stories.models import Story
from wiredesk.stories.releases import release_embargoes

from .options import with_options
from .surfaces import feed_ids, listed_ids
from .wire_builder import g2_item

T0 = datetime(2021, 10, 14, 4, 0, tzinfo=UTC)

# Real commits here, so the change signals fire as they do in production.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def page_cache(settings):
    with_options(settings, site={"page_cache_seconds": 300})


def test_a_cached_story_page_is_served_without_the_database(
    client, feeds, django_assert_num_queries
):
    ingest_bytes(feeds["ians"], g2_item("urn:a", 1, T0), "a.xml")
    url = Story.objects.get().get_absolute_url()
    first = client.get(url)
    with django_assert_num_queries(0):
        second = client.get(url)
    assert second.status_code == 200 and second.content == first.content


def test_a_page_kept_in_an_older_release_s_shape_is_a_miss_never_an_error(client, feeds):
    """Pages outlive a deploy in Redis: a value of another shape under a key is rendered over."""
    from django.core.cache import cache

    from wiredesk.site.cache import PAGED_BY, CachedPage, generation

    ingest_bytes(feeds["ians"], g2_item("urn:a", 1, T0), "a.xml")
    url = Story.objects.get().get_absolute_url()
    key = f"wiredesk:page:{generation()}:{url}:" + ":".join("" for _ in PAGED_BY)
    cache.set(key, (200, {"Content-Type": "text/html"}, b"an older release's bytes"), 300)
    response = client.get(url)
    assert response.status_code == 200 and b"older release" not in response.content
    assert isinstance(cache.get(key), CachedPage)
    assert cache.get(key).content == response.content


@pytest.mark.parametrize("status", ["canceled", "withheld"])
def test_a_kill_or_withhold_is_never_served_from_cache(client, feeds, status):
    feed = feeds["ians"]
    ingest_bytes(feed, g2_item("urn:a", 1, T0), "a.xml")
    story = Story.objects.get()
    assert client.get(story.get_absolute_url()).status_code == 200
    assert story.pk in listed_ids(client, "/")
    assert story.pk in feed_ids(client, "/feeds/rss.xml")
    ingest_bytes(feed, g2_item("urn:a", 2, T0 + timedelta(minutes=1), status=status), "b.xml")
    assert client.get(story.get_absolute_url()).status_code == (
        410 if status == "canceled" else 404
    )
    assert story.pk not in listed_ids(client, "/")
    assert story.pk not in listed_ids(client, "/agency/ians/")
    assert story.pk not in feed_ids(client, "/feeds/rss.xml")


def test_an_update_is_never_hidden_behind_a_cached_page(client, feeds):
    feed = feeds["ians"]
    ingest_bytes(feed, g2_item("urn:a", 1, T0, paragraphs=("NEW DELHI, Oct 14 First.",)), "a.xml")
    url = Story.objects.get().get_absolute_url()
    assert b"First." in client.get(url).content
    ingest_bytes(
        feed,
        g2_item("urn:a", 2, T0 + timedelta(minutes=1), paragraphs=("NEW DELHI, Oct 14 Second.",)),
        "b.xml",
    )
    assert b"Second." in client.get(url).content


def test_an_embargo_release_reaches_cached_lists(client, feeds):
    with time_machine.travel(T0, tick=False) as clock:
        ingest_bytes(
            feeds["ians"], g2_item("urn:a", 1, T0, embargo=T0 + timedelta(hours=1)), "a.xml"
        )
        story = Story.objects.get()
        assert story.pk not in listed_ids(client, "/")  # cached without it
        clock.move_to(T0 + timedelta(hours=1))
        release_embargoes(datetime.now(UTC))  # the ingest loop does this every tick
        assert story.pk in listed_ids(client, "/")


@pytest.mark.parametrize(
    "path",
    [
        "/sitemap.xml",
        "/sitemap-stories.xml",
        "/sitemap-news.xml",
        "/feeds/rss.xml",
        "/",
        "/agency/ians/",
    ],
)
def test_every_cached_surface_is_served_twice_the_same(client, feeds, path):
    """Sitemaps answer with a TemplateResponse: it is rendered before it is kept."""
    ingest_bytes(feeds["ians"], g2_item("urn:a", 1, T0), "a.xml")
    first = client.get(path)
    second = client.get(path)
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    if path == "/sitemap.xml":
        assert b"/sitemap-stories.xml" in first.content
    elif path != "/sitemap-news.xml":  # the news sitemap lists the last two days only
        assert Story.objects.get().get_absolute_url().encode() in first.content


def test_a_search_is_kept_a_few_seconds_and_a_kill_still_leaves_it_at_once(client, feeds):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    feed = feeds["ians"]
    ingest_bytes(feed, g2_item("urn:s", 1, T0, headline="Cyclone nears coast"), "a.xml")
    story = Story.objects.get()
    first = client.get("/search", {"q": "Cyclone"})
    assert story.get_absolute_url() in first.content.decode()
    with CaptureQueriesContext(connection) as queries:
        again = client.get("/search", {"q": "  cyclone "})  # the same words, normalised
    assert story.get_absolute_url() in again.content.decode()
    assert not any("story_search" in q["sql"] or "tsquery" in q["sql"] for q in queries)
    ingest_bytes(feed, g2_item("urn:s", 2, T0 + timedelta(minutes=1), status="canceled"), "b.xml")
    assert story.get_absolute_url() not in client.get("/search", {"q": "cyclone"}).content.decode()
    api = client.get("/api/v1/stories", {"q": "cyclone"}).json()
    assert api["items"] == []


def test_an_api_list_is_kept_by_its_filters_and_a_kill_leaves_it_at_once(
    client, feeds, django_assert_num_queries
):
    feed = feeds["ians"]
    ingest_bytes(feed, g2_item("urn:l", 1, T0), "a.xml")
    story = Story.objects.get()
    first = client.get("/api/v1/stories", {"limit": 5, "agency": "ians"}).json()
    assert [s["id"] for s in first["items"]] == [story.pk]
    with django_assert_num_queries(0):  # the same filters: kept
        again = client.get("/api/v1/stories", {"agency": "ians", "limit": 5}).json()
    assert again == first
    assert client.get("/api/v1/stories", {"limit": 5, "agency": "harbour"}).json()["items"] == []
    ingest_bytes(feed, g2_item("urn:l", 2, T0 + timedelta(minutes=1), status="canceled"), "b.xml")
    assert client.get("/api/v1/stories", {"limit": 5, "agency": "ians"}).json()["items"] == []
