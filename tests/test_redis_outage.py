"""Redis away: pages are served uncached (slower, never a 500), and a kill made meanwhile
takes effect on every cached page as soon as Redis is back.

The tests start a Redis server of their own on a free port and stop it with
SIGSTOP (an outage that keeps Redis's data: the pages cached before it are
still there when it comes back, as after a network partition).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from datetime import UTC, datetime, timedelta

import pytest

from wiredesk.ingest.pipeline import ingest_bytes
from wiredesk.site import generation as generation_module
from wiredesk.site.generation import RedisGeneration
from wiredesk.stories.models import Story

from .options import with_options
from .surfaces import listed_ids
from .wire_builder import g2_item

T0 = datetime(2021, 10, 14, 4, 0, tzinfo=UTC)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def own_redis(tmp_path):
    """Return (url, process) of a Redis server started for this test alone."""
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("CI"):
            raise RuntimeError("redis-server is not installed")
        pytest.skip("redis-server is not installed")
    port = free_port()
    process = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    import redis

    client = redis.Redis(host="127.0.0.1", port=port)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0", process
    process.send_signal(signal.SIGCONT)
    process.terminate()
    process.wait(10)


def wait_until(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def test_a_change_made_while_redis_is_away_is_announced_when_it_is_back(own_redis):
    url, process = own_redis
    clock = RedisGeneration(url)
    assert wait_until(lambda: clock.current() is not None, 5)
    before = clock.fresh()
    process.send_signal(signal.SIGSTOP)
    clock.bump()  # must not raise: the story change has been committed already
    assert clock.current() is None  # nothing is served from this process's cache meanwhile
    assert clock.fresh() is None
    process.send_signal(signal.SIGCONT)
    assert wait_until(lambda: clock.fresh() not in (None, before), 5)
    assert wait_until(lambda: clock.current() == clock.fresh(), 5)


def test_tokens_never_come_back_after_redis_is_emptied(own_redis):
    url, _ = own_redis
    import redis

    clock = RedisGeneration(url)
    seen = set()
    for _ in range(3):
        clock.bump()
        seen.add(clock.fresh())
        redis.Redis.from_url(url).flushall()  # a restart without persistence
    assert len(seen) == 3 and clock.fresh() not in seen


@pytest.mark.django_db(transaction=True)
def test_a_kill_during_a_redis_outage_reaches_cached_pages_when_redis_returns(
    own_redis, settings, client, feeds
):
    url, process = own_redis
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": url,
            "OPTIONS": {
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 1,
                "SOCKET_TIMEOUT": 1,
            },
        }
    }
    with_options(settings, site={"page_cache_seconds": 300})
    generation_module._clock.cache_clear()
    try:
        feed = feeds["ians"]
        ingest_bytes(feed, g2_item("urn:outage", 1, T0), "a.xml")
        story_pk = Story.objects.get().pk
        page = Story.objects.get().get_absolute_url()
        assert client.get(page).status_code == 200  # now kept in Redis
        assert story_pk in listed_ids(client, "/")
        process.send_signal(signal.SIGSTOP)
        statuses = [client.get(page).status_code, client.get("/").status_code]
        ingest_bytes(
            feed, g2_item("urn:outage", 2, T0 + timedelta(minutes=1), status="canceled"), "b.xml"
        )
        statuses.append(client.get(page).status_code)
        assert statuses == [200, 200, 410]  # served uncached: slower, never a 500, never stale
        process.send_signal(signal.SIGCONT)
        back = time.monotonic()
        assert wait_until(lambda: client.get(page).status_code == 410, 2)
        assert time.monotonic() - back < 1.5
        assert story_pk not in listed_ids(client, "/")
    finally:
        process.send_signal(signal.SIGCONT)
        generation_module._clock.cache_clear()
