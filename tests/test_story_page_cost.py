"""What one uncached story page costs: its reads and its Python calls, pinned.

Calls are counted as cProfile counts them (every Python and built-in call),
through the site's WSGI application with the page cache off: they do not vary
with what else the machine runs, so a change that makes the page do more work
fails here rather than in a benchmark weeks later (docs/benchmarks.md, "One
uncached story page"). The bound has about a tenth of room for Django's
and Python's patch releases; the code before the story page's chrome was kept
made over half as many calls again (on this test's page 6,906 against 4,211
on SQLite, 7,183 against 4,399 on PostgreSQL).
"""

from __future__ import annotations

import sys
import time

import pytest
from django.core.wsgi import get_wsgi_application
from django.db import connection
from django.test.utils import CaptureQueriesContext
from lxml import html

from wiredesk.ingest.pipeline import ingest_bytes
from wiredesk.site import translations
from wiredesk.site.cache import bump_generation
from wiredesk.site.fastpath import whole_bodies
from wiredesk.site.generation import generation_clock
from wiredesk.site.models import StoryTranslation
from wiredesk.site.revalidated import revalidated
from wiredesk.stories.models import Story

from .conftest import SEED_V2
from .options import with_options
from .test_editions import ENGLISH, HINDI, ninjs
from .test_fast_path import request as wsgi_request

# The page's reads: the story (with its agency) and its pictures; nothing else
# while no story has a translation.
READS = 2
MAX_CALLS = 4_800


@pytest.fixture(autouse=True)
def clock_seen():
    """With Redis, a process keeps nothing until its listener has subscribed (CI's second
    run): wait for it, as a web worker's first requests do."""
    clock = generation_clock()
    deadline = time.monotonic() + 5
    while clock.current() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert clock.current() is not None


@pytest.fixture
def application():
    """What a web worker runs with the page cache off (config/wsgi.py): answers revalidated
    (feeds'), Django."""
    return revalidated(whole_bodies(get_wsgi_application()), 8 << 20)


def calls_of(application, path: str) -> tuple[int, bytes]:
    """Return the function calls one request made (cProfile's count), and its body."""
    counted = 0

    def count(frame, event, arg):
        nonlocal counted
        if event in ("call", "c_call"):
            counted += 1

    sys.setprofile(count)
    try:
        status, _, body = wsgi_request(application, path)
    finally:
        sys.setprofile(None)
    assert status.startswith("200"), (path, status)
    return counted, body


def reads_of(client, path: str) -> tuple[list[str], bytes]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return [query["sql"] for query in queries.captured_queries], response.content


def alternates(page: bytes) -> dict[str, str]:
    links = html.fromstring(page).xpath("//link[@rel='alternate'][@hreflang]")
    return {link.get("hreflang"): link.get("href") for link in links}


@pytest.mark.django_db(transaction=True)  # a worker's requests end as on a server
def test_an_uncached_story_page_makes_two_reads_and_a_bounded_number_of_calls(
    client, ingest, application
):
    ingest(SEED_V2)
    path = Story.objects.get().get_absolute_url()
    calls_of(application, path)  # the first request keeps the navigation and the chrome
    # The fewest of three: a request that opens the database connection again, or
    # the one at which psycopg prepares the statement, does that work once.
    counted = [calls_of(application, path) for _ in range(3)]
    calls, body = min(counted)
    assert b"<h1>" in body and b'class="disclaimer"' in body
    assert calls <= MAX_CALLS, f"{calls} calls for one story page"
    reads, _ = reads_of(client, path)
    assert len(reads) == READS, reads


def test_a_story_pages_two_reads_are_prepared_on_postgresql_and_give_the_same_page(
    client, ingest, settings
):
    """Planned once per connection, as the feeds' and lists' reads are: parsing and
    planning a story's read anew was a large share of PostgreSQL's work for the page."""
    if connection.vendor != "postgresql":
        pytest.skip("server-side prepared statements are PostgreSQL's")

    def prepared() -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements ORDER BY statement")
            return [statement for (statement,) in cursor.fetchall()]

    ingest(SEED_V2)
    path = Story.objects.get().get_absolute_url()
    with_options(settings, database={"prepared_statements": False})
    plain = client.get(path).content
    assert prepared() == []
    with_options(settings, database={"prepared_statements": True})
    assert client.get(path).content == plain  # the times, in the site's zone, too
    pictures, story = prepared()  # in the order of their text
    assert '"stories_story"."id" = $1' in story and "sources_agency" in story
    assert '"pictures_storypicture"."story_id" IN ($' in pictures


def test_a_link_between_two_stories_shows_on_their_pages_at_once(client, feeds, settings):
    from .options import with_options

    with_options(settings, site={"editions": ("hi",)})
    ingest_bytes(feeds["ians"], ninjs("urn:ians:en:7", "en", ENGLISH), "en.json")
    ingest_bytes(feeds["ians"], ninjs("urn:ians:hi:7", "hi", HINDI), "hi.json")
    english, hindi = Story.objects.get(language="en"), Story.objects.get(language="hi")
    client.get(hindi.get_absolute_url())  # the navigation is read, and whether any is linked
    reads, page = reads_of(client, english.get_absolute_url())
    assert len(reads) == READS and alternates(page) == {}
    translations.link(english, hindi, StoryTranslation.LinkedBy.DESK)
    expected = {
        "en": f"https://news.example{english.get_absolute_url()}",
        "hi": f"https://news.example{hindi.get_absolute_url()}",
        "x-default": f"https://news.example{english.get_absolute_url()}",
    }
    assert alternates(reads_of(client, english.get_absolute_url())[1]) == expected
    assert alternates(reads_of(client, hindi.get_absolute_url())[1]) == expected
    translations.unlink(hindi)
    assert alternates(reads_of(client, english.get_absolute_url())[1]) == {}


def test_a_link_made_by_another_process_shows_once_the_generation_moves(client, feeds, settings):
    from .options import with_options

    with_options(settings, site={"editions": ("hi",)})
    ingest_bytes(feeds["ians"], ninjs("urn:ians:en:8", "en", ENGLISH), "en.json")
    ingest_bytes(feeds["ians"], ninjs("urn:ians:hi:8", "hi", HINDI), "hi.json")
    english, hindi = Story.objects.get(language="en"), Story.objects.get(language="hi")
    client.get(hindi.get_absolute_url())  # the navigation is read, and whether any is linked
    reads, page = reads_of(client, english.get_absolute_url())
    assert len(reads) == READS and alternates(page) == {}
    # Another process links them: its rows, then its commit moves the generation;
    # this process forgets nothing itself.
    for story in (english, hindi):
        StoryTranslation.objects.create(story=story, group=english.pk, linked_by="desk")
    bump_generation()
    assert set(alternates(reads_of(client, english.get_absolute_url())[1])) == {
        "en",
        "hi",
        "x-default",
    }
