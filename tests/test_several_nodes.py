"""Several nodes at once: one poll of an HTTP feed per interval, a web node serving what a
separate ingest wrote, and a shared cache when REDIS_URL is set (CI's second run)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from django.conf import settings
from django.core.cache import cache

from wiredesk.ingest import tasks
from wiredesk.ingest.loop import IngestLoop, claim_poll
from wiredesk.ingest.pipeline import ingest_bytes
from wiredesk.sources.models import Feed
from wiredesk.stories.models import Story

from .conftest import SEED_V1
from .test_celery_workers import broker, wait_until, workers  # noqa: F401  (fixtures)
from .test_commands_live import SEED_URL, free_port, wait_for
from .wire_builder import g2_item
from .wire_server import AgencyServer


@pytest.mark.django_db(transaction=True)
def test_two_nodes_racing_poll_an_http_feed_once_per_interval(feeds):
    server = AgencyServer().start()
    server.routes["/feed"] = lambda h: h.reply(200, SEED_V1.read_bytes())
    Feed.objects.update(enabled=False)
    Feed.objects.create(
        agency=feeds["ians"].agency,
        slug="ians-http",
        transport="http",
        location=server.base_url + "/feed",
        poll_interval=60,
    )
    first, second = IngestLoop(), IngestLoop()
    try:
        # Both nodes read the same due feed before either claims it: the race.
        due_first, due_second = first.due_feeds(), second.due_feeds()
        assert [f.slug for f in due_first] == [f.slug for f in due_second] == ["ians-http"]
        first.due_feeds, second.due_feeds = (lambda: due_first), (lambda: due_second)
        for loop in (first, second):
            loop.run_once()
        for loop in (first, second):
            for job in list(loop._running.values()):
                job.result(timeout=30)
    finally:
        for loop in (first, second):
            loop.pool.shutdown(wait=True)
            loop.poller.close()
        server.stop()
    assert len(server.requests) == 1  # one node polled; the other lost the claim
    assert Story.objects.count() == 1


def test_claim_is_a_compare_and_set(feeds, db):
    feed = Feed.objects.create(
        agency=feeds["ians"].agency,
        slug="x",
        transport="http",
        location="https://x.example/",
        poll_interval=60,
    )
    stale = Feed.objects.get(pk=feed.pk)
    assert claim_poll(Feed.objects.get(pk=feed.pk)) is True
    assert claim_poll(stale) is False


def start_web_node() -> tuple[subprocess.Popen, str]:
    """Start `wiredesk serve` (granian) on the test database; return it and its base URL.

    It shares REDIS_URL with this process when set (CI's second run), as every
    node of a deployment must.
    """
    database = settings.DATABASES["default"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIREDESK_")}
    if database["ENGINE"].endswith("sqlite3"):
        env["DATABASE_URL"] = f"sqlite:///{database['NAME']}"
    else:
        env["DATABASE_URL"] = (
            f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
            f"{database['NAME']}"
        )
    port = free_port()
    node = subprocess.Popen(
        [sys.executable, "-m", "wiredesk.cli", "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return node, f"http://127.0.0.1:{port}"


def status_within(url: str, status: int, seconds: float) -> bool:
    """Say whether `url` answers `status` within `seconds` (the one-second target of a kill)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if httpx.get(url).status_code == status:
            return True
        time.sleep(0.01)
    return False


@pytest.mark.django_db(transaction=True)
def test_a_web_node_serves_what_ingest_wrote(feeds, tmp_path):
    """`wiredesk serve` (granian) as a separate process on the same database."""
    ingest_bytes(feeds["ians"], SEED_V1.read_bytes(), "seed.xml")
    node, base = start_web_node()
    try:
        response, _ = wait_for(
            base + SEED_URL.replace("/1/", f"/{Story.objects.get().pk}/"),
            lambda r: r.status_code == 200,
            timeout=30,
        )
        assert b"By IANS" in response.content
        assert httpx.get(base + "/static/admin/css/base.css").status_code == 200  # WhiteNoise
        # Its workers wait behind ingest for the CPU (docs/architecture.md, "Readers below ingest").
        assert os.getpriority(os.PRIO_PROCESS, node.pid) == os.getpriority(os.PRIO_PROCESS, 0) + 5
        # A kill made by another process (ingest, a worker) reaches the web node at
        # once: its caches follow the shared generation, never stale.
        url = str(response.url)
        assert httpx.get(url).status_code == 200  # again: from the worker's fast path
        seed_id = Story.objects.get().item_id
        kill = g2_item(seed_id, 9, datetime(2021, 10, 15, tzinfo=UTC), status="canceled")
        ingest_bytes(feeds["ians"], kill, "kill.xml")
        assert status_within(url, 410, 1.0)
    finally:
        node.terminate()
        node.wait(timeout=10)


@pytest.mark.django_db(transaction=True)
def test_a_web_node_and_a_worker_see_each_others_changes(feeds, workers, tmp_path):  # noqa: F811
    """A Celery worker stores and kills; a separate web node serves what it stored, and
    its page caches and the CDN (a purge endpoint) drop the killed story at once."""
    purges = AgencyServer().start()
    purges.routes["/"] = lambda handler: handler.reply(200)
    config = tmp_path / "worker.toml"
    config.write_text(
        f'[[purge]]\nbackend = "wiredesk.site.purge.HttpPurgeBackend"\nurl = "{purges.base_url}"\n'
    )
    when = datetime(2021, 10, 14, tzinfo=UTC)
    agency = AgencyServer().start()  # the worker polls it, as in production
    sent = {"feed": g2_item("urn:nodes:1", 1, when, headline="Stored by a worker")}
    agency.routes["/feed"] = lambda handler: handler.reply(200, sent["feed"])
    feed = Feed.objects.create(
        agency=feeds["ians"].agency,
        slug="ians-http",
        transport="http",
        location=agency.base_url + "/feed",
        poll_interval=600,
    )
    workers("one", WIREDESK_CONFIG=str(config))
    node, base = start_web_node()
    try:
        tasks.poll_feed.delay(feed.pk)
        wait_until(lambda: Story.objects.filter(item_id="urn:nodes:1").exists())
        story = Story.objects.get(item_id="urn:nodes:1")
        url = base + story.get_absolute_url()
        page, _ = wait_for(url, lambda r: r.status_code == 200, timeout=30)
        assert b"Stored by a worker" in page.content
        assert b"Stored by a worker" in httpx.get(base + "/").content
        assert httpx.get(url).status_code == 200  # now kept by the web node
        sent["feed"] = g2_item("urn:nodes:1", 2, when + timedelta(minutes=1), status="canceled")
        tasks.poll_feed.delay(feed.pk)
        wait_until(lambda: Story.objects.get(pk=story.pk).state == Story.State.KILLED)
        assert status_within(url, 410, 1.0)
        assert b"Stored by a worker" not in httpx.get(base + "/").content
        wait_until(
            lambda: any(
                r.method == "PURGE" and r.headers.get("surrogate-key") == f"story-{story.pk}"
                for r in purges.requests
            ),
            timeout=5,
        )
    finally:
        node.terminate()
        node.wait(timeout=10)
        purges.stop()
        agency.stop()


def test_the_cache_is_shared_through_redis_when_configured():
    if not os.environ.get("REDIS_URL"):
        assert settings.CACHES["default"]["BACKEND"].endswith("LocMemCache")
        return
    import redis

    cache.set("wiredesk-test-key", "seen", 30)
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    assert any(b"wiredesk-test-key" in key for key in client.keys("*wiredesk-test-key*"))
