"""`[log] format = "json"`: one JSON line an event, carrying the ids that follow a delivery.

A delivery's lines share its feed and delivery ids from its arrival to every
surface (the announcement, the CDN purge, the WebSub pings, the webhook); a
web request's lines carry its request id, which its answer echoes.
"""

from __future__ import annotations

import gc
import io
import json
import logging
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from django.conf import settings as django_settings

from wiredesk.config.options import ConfigError, Options, PurgeBackendOptions
from wiredesk.ingest.pipeline import ingest_bytes
from wiredesk.logs.formatting import JsonFormatter
from wiredesk.logs.requests import request_id
from wiredesk.stories.models import Delivery, Story
from wiredesk.syndication.dispatch import deliver_due, make_client
from wiredesk.syndication.models import Webhook

from .conftest import SEED_V1
from .options import with_options
from .test_commands_live import clean_env
from .test_push_transports import SECRET, sign
from .wire_builder import g2_item
from .wire_server import AgencyServer

ROOT = Path(__file__).resolve().parent.parent
T0 = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
ISO_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def parsed(text: str) -> list[dict]:
    """Return every line of `text` as JSON: a line that is not fails the test here."""
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]
    for line in lines:
        assert {"time", "level", "logger", "message"} <= set(line), line
        assert ISO_UTC.fullmatch(line["time"]), line["time"]
    return lines


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """Write every wiredesk line at INFO and above as the json format does, into a string."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("wiredesk")
    logger.addHandler(handler)
    level, logger.level = logger.level, logging.INFO
    yield stream
    logger.removeHandler(handler)
    logger.level = level


@pytest.fixture
def surfaces(settings) -> Iterator[AgencyServer]:
    """A CDN, a WebSub hub, an IndexNow endpoint and a webhook receiver on 127.0.0.1."""
    server = AgencyServer().start()
    for path in ("/hub", "/indexnow", "/hook"):
        server.routes[path] = lambda handler: handler.reply(204)
    server.routes["/"] = lambda handler: handler.reply(200)  # PURGE
    with_options(
        settings,
        site={
            "websub_hub": server.base_url + "/hub",
            "indexnow_key": "a1b2c3d4e5f6a7b8",
            "indexnow_endpoint": server.base_url + "/indexnow",
        },
        purge=(
            PurgeBackendOptions("wiredesk.site.purge.HttpPurgeBackend", {"url": server.base_url}),
        ),
    )
    Webhook.objects.create(url=server.base_url + "/hook", secret="s" * 32, description="app")
    yield server
    server.stop()


def with_id(lines: list[dict], name: str, value: object) -> list[dict]:
    return [line for line in lines if line.get(name) == value]


@pytest.mark.django_db(transaction=True)
def test_a_delivery_is_followed_by_its_ids_from_arrival_to_every_surface(feeds, surfaces, json_log):
    feed = feeds["ians"]
    ingest_bytes(feed, g2_item("urn:logs:1", 1, T0, headline="Logged story"), "one.xml")
    with make_client() as client:  # the outbox's worker, later and elsewhere
        assert deliver_due(client) > 0
    delivery, story = Delivery.objects.get(), Story.objects.get()
    lines = parsed(json_log.getvalue())

    ours = with_id(lines, "delivery_id", delivery.pk)
    messages = [line["message"] for line in ours]
    # Arrival: the delivery's line, with its feed.
    arrival = [line for line in ours if line["message"].startswith("delivery feed=ians-inbox")]
    assert [line["feed_id"] for line in arrival] == [feed.pk]
    # The announcement to every surface, and each surface's own line, name the story.
    announced = [m for m in messages if m.startswith("stories_changed: published 1 story")]
    assert len(announced) == 1
    sent = {
        line["message"].split()[2] for line in ours if line["message"].startswith("outbox: sent")
    }
    assert sent == {"purge", "websub", "indexnow", "webhook"}, messages
    for line in ours:
        if line["message"].startswith(("stories_changed", "outbox:")):
            assert line["story_id"] == story.pk, line
    # Lines about this delivery never name another.
    assert {line.get("story_id") for line in ours} <= {None, story.pk}
    assert all(line["level"] == "INFO" for line in ours)


@pytest.fixture
def deployed() -> object:
    """Return the WSGI application every server runs (config/wsgi.py)."""
    import wiredesk.config.wsgi as module  # sets Django's logging up again: before json_log

    gc.unfreeze()  # it freezes the collector's view of a worker at start-up
    return module.application


@pytest.mark.django_db(transaction=True)
def test_a_request_s_lines_carry_its_request_id_and_the_answer_echoes_it(
    feeds, monkeypatch, deployed, json_log
):
    monkeypatch.setenv("TEST_PUSH_SECRET", SECRET)
    from wiredesk.sources.models import Feed

    Feed.objects.create(
        agency=feeds["ians"].agency,
        slug="ians-push",
        transport="push",
        location="-",
        options={"secret_env": "TEST_PUSH_SECRET"},
    )
    http = httpx.Client(transport=httpx.WSGITransport(app=deployed), base_url="http://127.0.0.1")
    body = g2_item("urn:logs:push", 1, T0, headline="Pushed and logged")
    answer = http.post(
        "/push/ians-push/",
        content=body,
        headers={
            "Content-Type": "application/xml",
            "X-Wiredesk-Signature": sign(body),
            "X-Request-ID": "edge-7f3a9c",
        },
    )
    assert answer.status_code == 200
    assert answer.headers["X-Request-ID"] == "edge-7f3a9c"
    lines = parsed(json_log.getvalue())
    ours = with_id(lines, "request_id", "edge-7f3a9c")
    delivery = Delivery.objects.get()
    assert [line["delivery_id"] for line in ours if line["message"].startswith("delivery ")] == [
        delivery.pk
    ]
    assert any(line["message"].startswith("stories_changed: published") for line in ours)
    assert {line["request_id"] for line in lines if "delivery_id" in line} == {"edge-7f3a9c"}

    # No id, or one not fit to log: a new one, each request its own, kept answers too.
    story = Story.objects.get().get_absolute_url()
    given = [
        http.get(story, headers=headers) for headers in ({}, {}, {"X-Request-ID": "a b\x7f" * 60})
    ]
    made = [answer.headers["X-Request-ID"] for answer in given]
    assert all(answer.status_code == 200 for answer in given)
    assert len(set(made)) == 3 and "a b" not in "".join(made)
    assert all(re.fullmatch(r"[0-9a-f]{12}-[0-9a-f]+", rid) for rid in made)


def test_a_sane_request_id_is_kept_and_anything_else_replaced():
    assert (
        request_id("0f8fad5b-d9cb-469f-a165-70867728950e") == "0f8fad5b-d9cb-469f-a165-70867728950e"
    )
    for bad in ("", "x" * 129, "two words", "line\nbreak", "é"):
        assert request_id(bad) != bad


def test_a_json_line_holds_an_error_s_traceback_on_the_same_line():
    formatter = JsonFormatter()
    try:
        raise ValueError("broken\nover two lines")
    except ValueError:
        record = logging.LogRecord(
            "wiredesk.test", logging.ERROR, __file__, 1, "failed %s", ("x",), sys.exc_info()
        )
    text = formatter.format(record)
    assert "\n" not in text
    line = json.loads(text)
    assert line["message"] == "failed x" and "ValueError: broken" in line["error"]


def test_plain_is_the_default_format_and_unchanged():
    assert Options.from_config({}, {}).log.format == "plain"
    assert django_settings.LOGGING["handlers"]["console"]["formatter"] == "plain"
    assert django_settings.LOGGING["formatters"]["plain"] == {
        "format": "%(asctime)s %(levelname)s %(name)s %(message)s"
    }


def test_an_unknown_log_format_is_a_clear_config_error():
    with pytest.raises(ConfigError) as caught:
        Options.from_config(tomllib.loads('[log]\nformat = "xml"\n'), {})
    assert str(caught.value) == (
        "wiredesk.toml [log] format: expected one of 'plain' or 'json', got 'xml'"
    )


def documented_command() -> list[str]:
    """Return the command docs/deploy.md's Logs section gives, as words."""
    text = (ROOT / "docs" / "deploy.md").read_text()
    section = re.search(r"\n## Logs\n(.*?)(?=\n## |\Z)", text, re.S)
    assert section, "docs/deploy.md has no '## Logs' section"
    (command,) = re.findall(r"```sh\n(wiredesk [^\n]*)\n```", section[1])
    return command.split()


@pytest.mark.django_db(transaction=True)
def test_the_documented_command_writes_only_json_lines_that_follow_the_delivery(feeds, tmp_path):
    (tmp_path / "wiredesk.toml").write_text('[log]\nformat = "json"\n')
    (tmp_path / "archive").mkdir()
    shutil.copy(SEED_V1, tmp_path / "archive" / SEED_V1.name)
    database = django_settings.DATABASES["default"]
    env = clean_env()
    env["WIREDESK_DATA_DIR"] = str(tmp_path / "var")
    if database["ENGINE"].endswith("sqlite3"):
        env["DATABASE_URL"] = f"sqlite:///{database['NAME']}"
    else:
        env["DATABASE_URL"] = (
            f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
        )
    command = documented_command()
    assert command[:2] == ["wiredesk", "backfill"]
    done = subprocess.run(
        [sys.executable, "-m", "wiredesk.cli", *command[1:]],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    lines = parsed(done.stderr)
    delivery, story = Delivery.objects.get(), Story.objects.get()
    ours = with_id(lines, "delivery_id", delivery.pk)
    assert {line["feed_id"] for line in ours} == {feeds["ians"].pk}
    announced = [line for line in ours if line["message"].startswith("stories_changed: published")]
    assert [line["story_id"] for line in announced] == [story.pk]


def test_ids_hold_for_their_span_only_and_a_line_s_own_win():
    from wiredesk.logs import context

    assert context.current() == {}
    with context.bound(feed_id=3, story_id=None):
        context.bind(delivery_id=7)
        assert context.current() == {"feed_id": 3, "delivery_id": 7}
        context.bind(delivery_id=None)  # rolled back: taken off
        assert context.current() == {"feed_id": 3}
        record = logging.LogRecord("wiredesk.test", logging.INFO, __file__, 1, "m", (), None)
        record.story_ids = [1, 2]
        assert json.loads(JsonFormatter().format(record))["story_ids"] == [1, 2]
    assert context.current() == {}
    assert context.of_many("story", [5, 5, None]) == {"story_id": 5}
    assert context.of_many("delivery", [2, 1]) == {"delivery_ids": [1, 2]}
    with pytest.raises(ValueError, match="unknown log ids"):
        context.bind(agency_id=1)
