"""Celery workers on a real Redis broker: racing workers store each story once, and a worker
killed in the middle of an item loses nothing (the item is processed again, once)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid

import pytest
import redis
from django.conf import settings

from wiredesk.config.celery import app
from wiredesk.ingest import tasks
from wiredesk.sources.models import Feed
from wiredesk.stories.models import Story, StoryVersion

from .test_commands_live import clean_env
from .wire_builder import g2_item
from .wire_server import AgencyServer

BROKER = os.environ.get("WIREDESK_TEST_BROKER", "redis://127.0.0.1:6379/2")
pytestmark = pytest.mark.django_db(transaction=True)


QUEUE = f"wiredesk-test-{uuid.uuid4().hex[:12]}"  # this run's own queue on a shared broker


@pytest.fixture
def broker():
    try:
        redis.Redis.from_url(BROKER, socket_connect_timeout=2).delete(QUEUE)
    except redis.ConnectionError:
        # A laptop without Redis skips these; CI (which starts Redis) fails instead.
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no Redis at {BROKER} for the Celery broker")
    # The tests send to the same broker the workers read (the app's connection
    # pool is made on first use, after this).
    app.conf.broker_url = BROKER
    app.conf.task_default_queue = QUEUE
    yield BROKER


@pytest.fixture
def workers(broker, tmp_path):
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        url = f"sqlite:///{database['NAME']}"
    else:
        url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    env = {
        **clean_env(),
        "DATABASE_URL": url,
        "CELERY_BROKER_URL": broker,
        "WIREDESK_CELERY_QUEUE": QUEUE,
        "WIREDESK_TASK_VISIBILITY_TIMEOUT": "3",
        "WIREDESK_DATA_DIR": str(tmp_path),
    }
    started = []

    def start(name: str, **extra_env: str) -> subprocess.Popen:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "wiredesk.cli",
                "worker",
                "--concurrency",
                "1",
                "--hostname",
                f"{name}@test",
            ],
            env={**env, **extra_env},
            stdout=open(tmp_path / f"{name}.log", "w"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def wait_until(check, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    pytest.fail("condition not met in time")


def test_two_workers_racing_on_the_same_deliveries_publish_each_story_once(feeds, workers):
    """Two feeds of one agency carry the same ten deliveries (a mirror, say); their polls,
    queued as the scheduler queues them, race on two workers: each story is stored once."""
    from datetime import UTC, datetime

    when = datetime(2021, 10, 14, tzinfo=UTC)
    server = AgencyServer().start()
    polled = []
    for n in range(10):
        data = g2_item(f"urn:race:{n}", 1, when, headline=f"Race {n}")
        for copy in ("a", "b"):  # the same delivery twice, from two feeds
            path = f"/race-{n}-{copy}.xml"
            server.routes[path] = lambda handler, data=data: handler.reply(200, data)
            polled.append(
                Feed.objects.create(
                    agency=feeds["ians"].agency,
                    slug=f"race-{n}-{copy}",
                    transport="http",
                    location=server.base_url + path,
                    poll_interval=600,
                )
            )
    try:
        workers("one")
        workers("two")
        for feed in polled:
            tasks.poll_feed.delay(feed.pk)
        wait_until(lambda: Story.objects.count() == 10)
        wait_until(lambda: len(server.requests) == 20)
        time.sleep(2)  # let the second copies land too
    finally:
        server.stop()
    assert Story.objects.count() == 10
    assert StoryVersion.objects.count() == 10


def test_a_worker_killed_mid_item_loses_nothing(feeds, workers):
    from datetime import UTC, datetime

    data = g2_item("urn:killed-worker", 1, datetime(2021, 10, 14, tzinfo=UTC))
    server = AgencyServer().start()

    def slow(handler):
        # The first fetch hangs while its worker is killed; later ones answer at once.
        if len(server.requests) == 1:
            time.sleep(8)
        handler.reply(200, data)

    server.routes["/feed"] = slow
    feed = Feed.objects.create(
        agency=feeds["ians"].agency,
        slug="ians-http",
        transport="http",
        location=server.base_url + "/feed",
        poll_interval=600,
    )
    try:
        first = workers("first")
        tasks.poll_feed.delay(feed.pk)
        wait_until(lambda: len(server.requests) == 1, timeout=30)  # mid-item: fetching
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        assert Story.objects.count() == 0
        # Past the visibility timeout (3 s here) before the next worker starts:
        # Redis gives an unacknowledged task back when a worker connects after
        # it (a worker that started 3.0 s after the first took it found
        # nothing to restore, and waited on).
        time.sleep(3.5)
        workers("second")
        wait_until(lambda: Story.objects.filter(item_id="urn:killed-worker").exists(), timeout=60)
        time.sleep(1)
        assert Story.objects.count() == 1 and StoryVersion.objects.count() == 1
        assert len(server.requests) >= 2  # the item was processed again
    finally:
        server.stop()


def test_the_scheduler_queues_the_periodic_tasks(broker, tmp_path):
    env = {
        **clean_env(),
        "CELERY_BROKER_URL": broker,
        "WIREDESK_DATA_DIR": str(tmp_path),
        "WIREDESK_CELERY_QUEUE": QUEUE,
    }
    beat = subprocess.Popen(
        [sys.executable, "-m", "wiredesk.cli", "scheduler"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    queue = redis.Redis.from_url(broker)
    try:
        wait_until(lambda: queue.llen(QUEUE) >= 3, timeout=30)
    finally:
        os.killpg(beat.pid, signal.SIGTERM)
        beat.wait(timeout=10)
    import json

    names = {json.loads(m)["headers"]["task"] for m in queue.lrange(QUEUE, 0, -1)}
    queue.delete(QUEUE)
    assert {
        "wiredesk.ingest.tasks.poll_due_feeds",
        "wiredesk.ingest.tasks.release_ended_embargoes",
    } <= names
