"""With `[log] format = "json"`, a Celery worker on a real Redis broker writes only JSON lines
to standard error: Celery's own (a task received, succeeded) and ours inside its tasks, which
carry the feed, delivery and story ids (logs/context.py; docs/deploy.md, Logs).

Before, Celery took the root logger over: its lines were plain text among the JSON ones.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.conf import settings

from wiredesk.ingest import tasks
from wiredesk.sources.models import Feed
from wiredesk.stories.models import Story

from .test_celery_workers import QUEUE, broker, wait_until  # noqa: F401 (a fixture)
from .test_commands_live import clean_env
from .wire_builder import g2_item
from .wire_server import AgencyServer

pytestmark = pytest.mark.django_db(transaction=True)


def database_url() -> str:
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{database['NAME']}"
    return f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"


@pytest.fixture
def json_worker(broker, tmp_path):  # noqa: F811
    """Start a worker whose wiredesk.toml asks for JSON logs; yield the file of its stderr."""
    config = tmp_path / "wiredesk.toml"
    config.write_text('[log]\nformat = "json"\n')
    errors = tmp_path / "worker.stderr"
    env = {
        **clean_env(),
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": broker,
        "WIREDESK_CELERY_QUEUE": QUEUE,
        "WIREDESK_CONFIG": str(config),
        "WIREDESK_DATA_DIR": str(tmp_path),
    }
    command = [sys.executable, "-m", "wiredesk.cli", "worker", "--concurrency", "1"]
    with open(tmp_path / "worker.stdout", "wb") as out, open(errors, "wb") as err:
        process = subprocess.Popen(
            [*command, "--hostname", "json@test"],
            env=env,
            stdout=out,
            stderr=err,
            start_new_session=True,
        )
    try:
        yield errors
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def lines_of(path: Path) -> list[str]:
    return [line for line in path.read_text().splitlines() if line.strip()]


def test_a_worker_s_lines_are_json_and_those_inside_a_task_carry_the_ids(feeds, json_worker):
    server = AgencyServer().start()
    data = g2_item("urn:json-logs:1", 1, datetime(2021, 10, 14, tzinfo=UTC), headline="Logs")
    server.routes["/wire.xml"] = lambda handler: handler.reply(200, data)
    feed = Feed.objects.create(
        agency=feeds["ians"].agency,
        slug="ians-http",
        transport="http",
        location=server.base_url + "/wire.xml",
        poll_interval=600,
    )
    try:
        tasks.poll_feed.delay(feed.pk)
        wait_until(lambda: Story.objects.filter(item_id="urn:json-logs:1").exists())
        wait_until(lambda: "succeeded" in json_worker.read_text())
    finally:
        server.stop()
    story = Story.objects.get(item_id="urn:json-logs:1")
    written = lines_of(json_worker)
    records = [json.loads(line) for line in written]  # every line, or this raises
    assert all({"time", "level", "logger", "message"} <= set(record) for record in records)

    def one(logger: str, *words: str) -> dict:
        found = [
            r for r in records if r["logger"] == logger and all(w in r["message"] for w in words)
        ]
        assert len(found) == 1, (logger, words, written)
        return found[0]

    task = "wiredesk.ingest.tasks.poll_feed"
    assert one("celery.worker.strategy", task, "received")["level"] == "INFO"
    assert one("celery.app.trace", task, "succeeded")["level"] == "INFO"
    delivery = one("wiredesk.ingest", "delivery feed=ians-http", "1 published")
    assert delivery["feed_id"] == feed.pk and isinstance(delivery["delivery_id"], int)
    told = one("wiredesk.stories", "stories_changed: published 1 story")
    assert told["story_id"] == story.pk and told["feed_id"] == feed.pk
    assert told["delivery_id"] == delivery["delivery_id"]
