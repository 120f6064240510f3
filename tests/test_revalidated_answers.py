"""Answers sent again from a web worker's memory once a read says nothing they show changed:
an unchanged feed costs one statement and no trip through Django, and no change (a kill,
a new story, an agency renamed) is ever answered from the kept bytes."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.core.signals import request_started
from django.core.wsgi import get_wsgi_application
from django.db import connection
from django.test.utils import CaptureQueriesContext
from lxml import etree

from wiredesk.site.fastpath import WholeBody, whole_bodies, wrap
from wiredesk.site.generation import generation_clock
from wiredesk.site.kept import WhileSignature, mark_keep
from wiredesk.site.revalidated import RevalidatedAnswers, revalidated
from wiredesk.sources.models import Agency

from .options import with_options
from .test_fast_path import request
from .test_feed_fragments import publish

pytestmark = pytest.mark.django_db(transaction=True)  # real commits, as a web worker sees them
FEEDS = ("/feeds/rss.xml", "/feeds/atom.xml", "/feeds/feed.json", "/agency/ians/rss.xml")


@pytest.fixture(autouse=True)
def page_cache_off(settings):
    """As benchmarks/load.py's uncached feed: nothing kept for the content generation."""
    with_options(settings, site={"page_cache_seconds": 0})


@pytest.fixture
def django_requests():
    """Count the requests that reach Django's request cycle."""
    seen: list[object] = []

    def started(**kwargs):
        seen.append(kwargs)

    request_started.connect(started)
    yield seen
    request_started.disconnect(started)


@pytest.fixture
def app():
    return revalidated(whole_bodies(get_wsgi_application()), 8 << 20)


def rss_titles(body: bytes) -> list[str]:
    return [item.findtext("title") for item in etree.fromstring(body).iter("item")]


@pytest.mark.parametrize("path", FEEDS)
def test_an_unchanged_feed_is_sent_again_without_reaching_django(app, feeds, django_requests, path):
    for n in range(3):
        publish(feeds["ians"], n)
    first = request(app, path)
    with CaptureQueriesContext(connection) as queries:
        second = request(app, path)
    assert first[0] == "200 OK" and len(django_requests) == 1
    assert second == first  # the same status line, headers (ETag, Last-Modified) and bytes
    # One statement: the listing, the kills and the bylines (an agency's feed: its agency too).
    assert len(queries) == (2 if path.startswith("/agency/") else 1)


def test_a_kill_is_never_answered_from_the_kept_bytes(app, feeds, django_requests):
    publish(feeds["ians"], 1)
    publish(feeds["ians"], 2)
    assert rss_titles(request(app, "/feeds/rss.xml")[2]) == ["Story number 2", "Story number 1"]
    publish(feeds["ians"], 1, version=2, status="canceled")
    status, _, body = request(app, "/feeds/rss.xml")
    assert status == "200 OK" and rss_titles(body) == ["Story number 2"]
    assert len(django_requests) == 2
    atom = etree.fromstring(request(app, "/feeds/atom.xml")[2])
    assert len(atom.findall("{http://purl.org/atompub/tombstones/1.0}deleted-entry")) == 1


def test_a_new_story_and_a_new_version_are_answered_by_django(app, feeds, django_requests):
    publish(feeds["ians"], 1)
    before = request(app, "/feeds/feed.json")
    publish(feeds["ians"], 2)
    after_new = request(app, "/feeds/feed.json")
    publish(feeds["ians"], 2, version=2, paragraphs=("NEW DELHI, Oct 14 Rewritten words.",))
    after_update = request(app, "/feeds/feed.json")
    assert len(django_requests) == 3
    titles = [item["title"] for item in json.loads(after_new[2])["items"]]
    assert titles == ["Story number 2", "Story number 1"]
    assert b"Rewritten words." in after_update[2] and before[1]["ETag"] != after_new[1]["ETag"]


def test_an_agency_s_feed_follows_its_name_its_byline_and_its_address(app, feeds, django_requests):
    publish(feeds["ians"], 1)
    request(app, "/agency/ians/rss.xml")
    Agency.objects.filter(slug="ians").update(name="Indo-Asian News Service (renamed)")
    rss = etree.fromstring(request(app, "/agency/ians/rss.xml")[2])
    assert rss.findtext("channel/title").startswith("Indo-Asian News Service (renamed)")
    Agency.objects.filter(slug="ians").update(byline="IANS Wire")
    assert b"IANS Wire" in request(app, "/agency/ians/rss.xml")[2]
    Agency.objects.filter(slug="ians").update(slug="ians-wire")
    assert request(app, "/agency/ians/rss.xml")[0].startswith("404")
    assert len(django_requests) == 4


def test_conditional_requests_and_head_are_answered_as_django_would(app, feeds, django_requests):
    publish(feeds["ians"], 1)
    headers = request(app, "/feeds/rss.xml")[1]
    not_modified = request(app, "/feeds/rss.xml", if_none_match=headers["ETag"])
    assert not_modified[0].startswith("304") and not_modified[2] == b""
    head = request(app, "/feeds/rss.xml", method="HEAD")
    assert head[0] == "200 OK" and head[1]["ETag"] == headers["ETag"] and head[2] == b""
    assert len(django_requests) == 2  # the conditional request went to Django, HEAD did not


def test_a_gzip_reader_and_a_plain_reader_each_get_their_own_bytes(app, feeds):
    publish(feeds["ians"], 1)
    plain = request(app, "/feeds/rss.xml")
    zipped = request(app, "/feeds/rss.xml", accept_encoding="gzip")
    assert request(app, "/feeds/rss.xml", accept_encoding="gzip") == zipped
    assert request(app, "/feeds/rss.xml") == plain
    assert zipped[1].get("Content-Encoding") == "gzip" and "Content-Encoding" not in plain[1]


def test_a_check_that_fails_hands_the_request_to_django():
    """The database away, say: the kept bytes are not sent, the application answers."""
    calls = []

    def failing_check():
        raise ConnectionError("database away")

    def application(environ, start_response):
        calls.append(environ["PATH_INFO"])
        start_response("200 OK", [("Cache-Control", "public, max-age=0")])
        body = WholeBody([b"answer %d" % len(calls)])
        body.content = body[0]
        mark_keep(body, revalidate=WhileSignature(failing_check, "signature"))
        return body

    app = RevalidatedAnswers(application, 1 << 20)
    assert request(app, "/feeds/rss.xml")[2] == b"answer 1"
    assert request(app, "/feeds/rss.xml")[2] == b"answer 2"
    assert len(app.store.kept) == 1


def test_behind_the_page_cache_a_revalidated_feed_is_kept_for_the_generation(
    feeds, settings, django_requests
):
    """With the page cache on, an answer sent again is kept like any Django answer."""
    with_options(settings, site={"page_cache_seconds": 300})
    clock = generation_clock()  # with Redis, nothing is kept before its listener subscribed
    deadline = time.monotonic() + 5
    while clock.current() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    app = wrap(revalidated(whole_bodies(get_wsgi_application()), 8 << 20), 300)
    publish(feeds["ians"], 1)
    first = request(app, "/feeds/rss.xml")
    with CaptureQueriesContext(connection) as queries:
        assert request(app, "/feeds/rss.xml") == first
    assert len(queries) == 0 and len(django_requests) == 1


def test_prepared_reads_are_planned_once_on_postgresql(client, feeds):
    if connection.vendor != "postgresql":
        pytest.skip("server-side prepared statements are PostgreSQL's")
    publish(feeds["ians"], 1)
    for _ in range(3):
        client.get("/feeds/rss.xml")
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements")
        prepared = [row for row in cursor.fetchall() if "stories_story" in row[0]]
    assert prepared and all(generic >= 1 and custom == 0 for _, generic, custom in prepared)


def test_several_reads_are_one_statement_each_at_its_own_clock(feeds):
    from wiredesk.stories.models import Story
    from wiredesk.stories.storage.prepared import CompiledReads

    for n in range(3):
        publish(feeds["ians"], n)
    now = datetime.now(UTC)
    reads = CompiledReads(
        lambda key, now, since: (
            Story.objects.filter(created_at__lte=now)
            .order_by("-first_published_at")
            .values_list("headline")[:2],
            Story.objects.filter(created_at__gte=since)
            .order_by("first_published_at")
            .values_list("headline")[:1],
        ),
        clocks=2,
        order_by="1 DESC",
    )
    with CaptureQueriesContext(connection) as queries:
        rows = reads.rows(None, now, now - timedelta(hours=1))
    assert rows == [("Story number 2",), ("Story number 1",), ("Story number 0",)]
    assert len(queries) == 1
    assert reads.rows(None, now - timedelta(hours=1), now) == []


def test_with_prepared_statements_off_a_feed_reads_the_same(client, feeds, settings):
    """`[database] prepared_statements = false`, for a pooler that cannot carry them."""
    from wiredesk.syndication.fragments import frames, store

    def prepared() -> list[str]:
        if connection.vendor != "postgresql":
            return []
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements ORDER BY statement")
            return [statement for (statement,) in cursor.fetchall()]

    publish(feeds["ians"], 1)
    with_options(settings, database={"prepared_statements": False})
    plain = client.get("/feeds/atom.xml").content
    assert prepared() == []
    store.clear()
    frames.clear()
    with_options(settings, database={"prepared_statements": True})
    assert client.get("/feeds/atom.xml").content == plain
    if connection.vendor == "postgresql":
        # The feed's one read of its entries and kills, and its entries' lead pictures.
        pictures, entries = prepared()  # in the order of their text
        assert "stories_story" in entries and "UNION ALL" in entries
        assert pictures.startswith('SELECT "pictures_storypicture"."story_id"')
