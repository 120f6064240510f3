"""The fast path in front of Django: repeat requests for a cached page never reach Django,
and no kept answer outlives a story change made by this process or by another one."""

from __future__ import annotations

import gzip
import io
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.core.wsgi import get_wsgi_application
from lxml import etree

from wiredesk.ingest.pipeline import ingest_bytes
from wiredesk.site import fastpath
from wiredesk.site.generation import (
    FileGeneration,
    RedisGeneration,
    generation_clock,
    sees_every_writer,
)
from wiredesk.stories.models import Story

from .options import with_options
from .wire_builder import g2_item

T0 = datetime(2021, 10, 14, 4, 0, tzinfo=UTC)
pytestmark = pytest.mark.django_db(transaction=True)  # real commits: change signals fire


@pytest.fixture(autouse=True)
def page_cache(settings):
    with_options(settings, site={"page_cache_seconds": 300})
    # With Redis, a process keeps nothing until its listener has subscribed
    # (CI's second run): wait for it, as a web worker's first requests do.
    clock = generation_clock()
    deadline = time.monotonic() + 5
    while clock.current() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert clock.current() is not None


class CountingApp:
    """Django's WSGI application, counting the requests that reach it."""

    def __init__(self) -> None:
        self.django = get_wsgi_application()
        self.calls = 0

    def __call__(self, environ, start_response):
        self.calls += 1
        return self.django(environ, start_response)


def environ_for(path: str, method: str = "GET", **headers: str) -> dict:
    """Return the WSGI environ of one request."""
    path, _, query = path.partition("?")
    return {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "SCRIPT_NAME": "",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        **{"HTTP_" + name.upper(): value for name, value in headers.items()},
    }


def request(app, path: str, method: str = "GET", **headers: str) -> tuple[str, dict, bytes]:
    """Make one WSGI request; return (status line, headers, body)."""
    environ = environ_for(path, method, **headers)
    sent = {}

    def start_response(status, response_headers, exc_info=None):
        sent["status"], sent["headers"] = status, dict(response_headers)

    result = app(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        getattr(result, "close", lambda: None)()
    return sent["status"], sent["headers"], body


@pytest.fixture
def story(feeds):
    ingest_bytes(feeds["ians"], g2_item("urn:a", 1, T0), "a.xml")
    return Story.objects.get()


def test_a_repeat_request_is_answered_without_reaching_django(story):
    django = CountingApp()
    app = fastpath.wrap(django, 300)
    first = request(app, story.get_absolute_url())
    second = request(app, story.get_absolute_url())
    assert first[0] == "200 OK" and django.calls == 1
    assert second == first  # same status line, headers (ETag, surrogate keys) and bytes
    assert f"story-{story.pk}" in second[1]["Surrogate-Key"]


def test_a_kill_is_never_answered_from_the_fast_path(feeds, story):
    app = fastpath.wrap(CountingApp(), 300)
    url = story.get_absolute_url()
    assert request(app, url)[0] == "200 OK"
    assert story.headline.encode() in request(app, "/")[2]
    ingest_bytes(
        feeds["ians"], g2_item("urn:a", 2, T0 + timedelta(minutes=1), status="canceled"), "kill.xml"
    )
    assert request(app, url)[0].startswith("410")
    assert story.headline.encode() not in request(app, "/")[2]


def test_an_update_replaces_the_kept_page(feeds, story):
    app = fastpath.wrap(CountingApp(), 300)
    url = story.get_absolute_url()
    assert b"Second." not in request(app, url)[2]
    ingest_bytes(
        feeds["ians"],
        g2_item("urn:a", 2, T0 + timedelta(minutes=1), paragraphs=("NEW DELHI, Oct 14 Second.",)),
        "b.xml",
    )
    assert b"Second." in request(app, url)[2]


def test_gzip_and_plain_answers_are_kept_apart(story):
    django = CountingApp()
    app = fastpath.wrap(django, 300)
    url = story.get_absolute_url()
    plain = request(app, url)
    zipped = request(app, url, accept_encoding="gzip, br")
    assert request(app, url, accept_encoding="gzip, br") == zipped
    assert request(app, url) == plain and django.calls == 2
    assert zipped[1]["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped[2]) == plain[2]


def test_conditional_and_head_requests(story):
    django = CountingApp()
    app = fastpath.wrap(django, 300)
    url = story.get_absolute_url()
    status, headers, _ = request(app, url)
    # A revalidation goes to Django, which answers 304 from the same ETag.
    assert request(app, url, if_none_match=headers["ETag"])[0].startswith("304")
    assert django.calls == 2
    head = request(app, url, method="HEAD")
    assert head[0] == status and head[2] == b"" and head[1]["ETag"] == headers["ETag"]
    assert django.calls == 2  # HEAD answered from the kept GET


def test_searches_and_api_lists_are_kept_by_their_whole_address_until_a_change(feeds, story):
    django = CountingApp()
    app = fastpath.wrap(django, 300)
    word = story.headline.split()[0]
    for _ in range(2):
        assert story.headline.encode() in request(app, f"/search?q={word}")[2]
        assert json.loads(request(app, "/api/v1/stories?limit=5")[2])["items"]
    assert django.calls == 2
    request(app, "/api/v1/stories?limit=6")  # another address: another answer
    assert django.calls == 3
    ingest_bytes(
        feeds["ians"], g2_item("urn:a", 2, T0 + timedelta(minutes=1), status="canceled"), "kill.xml"
    )
    assert story.headline.encode() not in request(app, f"/search?q={word}")[2]
    assert json.loads(request(app, "/api/v1/stories?limit=5")[2])["items"] == []


def test_answers_to_requests_with_credentials_are_never_kept(story):
    django = CountingApp()
    app = fastpath.wrap(django, 300)
    for _ in range(2):
        request(app, "/api/v1/stories", authorization="Bearer x")
    assert django.calls == 2


def test_a_plain_answer_leaves_in_one_piece_and_ends_django_s_request(story):
    from django.core.signals import request_finished

    ended = []

    def finished(**_):
        ended.append(True)

    request_finished.connect(finished)
    try:
        app = fastpath.whole_bodies(get_wsgi_application())
        result = app(environ_for("/feeds/rss.xml"), lambda status, headers, exc_info=None: None)
    finally:
        request_finished.disconnect(finished)
    assert isinstance(result, list) and len(result) == 1 and ended == [True]
    assert etree.fromstring(result[0]).find("channel/item/title").text == story.headline


def test_kept_answers_are_bounded_in_bytes(story):
    app = fastpath.FastPageCache(CountingApp(), 300, max_bytes=40_000)
    for n in range(30):  # distinct query strings: distinct keys, the same page
        request(app, f"/?from={n}")
    request(app, story.get_absolute_url())
    assert 0 < app.store.kept_bytes <= 40_000
    assert app.store.kept_bytes == sum(len(kept.body) for kept in app.store.kept.values())


def test_kept_answers_expire(story):
    django = CountingApp()
    app = fastpath.FastPageCache(django, 0.2)
    request(app, story.get_absolute_url())
    time.sleep(0.3)
    request(app, story.get_absolute_url())
    assert django.calls == 2


def test_no_fast_path_where_a_writer_could_be_unseen():
    """A server database without Redis: ingest may run on a machine whose changes this
    process could not see, so nothing may be kept locally."""
    locmem, redis = "django.core.cache.backends.locmem.LocMemCache", "django_redis.cache.RedisCache"
    sqlite, postgres = "django.db.backends.sqlite3", "django.db.backends.postgresql"
    assert sees_every_writer(sqlite, locmem) and sees_every_writer(postgres, redis)
    assert not sees_every_writer(postgres, locmem)
    app = CountingApp()
    assert fastpath.wrap(app, 300) is not app  # this test run's engines are both safe
    assert fastpath.wrap(app, 0) is app  # page cache off


def test_a_file_generation_is_shared_by_the_processes_of_a_machine(tmp_path):
    path = tmp_path / "db.sqlite3-generation"
    clock = FileGeneration(path)
    before = clock.current()
    script = (
        "import sys; from pathlib import Path; from wiredesk.site.generation import FileGeneration; "
        "FileGeneration(Path(sys.argv[1])).bump()"
    )
    subprocess.run(
        [sys.executable, "-c", script, str(path)],
        check=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "wiredesk.config.settings"},
    )
    assert clock.current() != before and len(clock.current()) == 8


def test_the_clock_lives_beside_the_sqlite_database_or_in_redis(settings):
    clock = generation_clock()
    if settings.CACHES["default"]["BACKEND"].startswith("django_redis"):
        assert isinstance(clock, RedisGeneration)
    else:
        assert isinstance(clock, FileGeneration)


def test_a_redis_generation_without_redis_keeps_nothing_local():
    clock = RedisGeneration("redis://127.0.0.1:1/0")  # nothing listens there
    assert clock.current() is None
    time.sleep(0.3)
    assert clock.current() is None


def _subscribed(clock: RedisGeneration) -> RedisGeneration:
    """Return `clock` once its listener has subscribed (skip without Redis, but not in CI)."""
    try:
        clock.fresh()
    except Exception:
        if os.environ.get("CI"):
            raise
        pytest.skip("no Redis here")
    deadline = time.monotonic() + 5
    while clock.current() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    return clock


def test_a_redis_bump_reaches_every_listener(settings):
    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/3")
    listener, writer = _subscribed(RedisGeneration(url)), RedisGeneration(url)
    before = listener.current()
    assert before == writer.fresh()
    writer.bump()
    deadline = time.monotonic() + 1  # the one-second target for a kill
    while listener.current() == before and time.monotonic() < deadline:
        time.sleep(0.005)
    assert listener.current() == writer.fresh() != before


def test_a_redis_bump_is_seen_at_once_by_the_process_that_made_it():
    """A worker's kill, then a request it answers itself: no waiting for its own message."""
    clock = _subscribed(RedisGeneration(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/3")))
    for _ in range(20):
        clock.bump()
        assert clock.current() == clock.fresh()  # at once, every time
