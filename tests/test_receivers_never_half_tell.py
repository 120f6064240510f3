"""Every change reaches every receiver of `stories_changed`, or the one that failed is run again.

Each receiver (the page cache's generation, the pictures' visibility, the CDN
purge, the outbox of pings and webhooks) is made to fail in turn, with an
exception of its own type: the others still run, the delivery stays stored and
is never quarantined, and the failed one is run again from the outbox until it
takes the change. Real commits (on_commit must fire), a real HTTP server for
the CDN, the WebSub hub and IndexNow.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import OperationalError
from django.utils import timezone

from wiredesk.config.options import PurgeBackendOptions
from wiredesk.ingest.models import Quarantine
from wiredesk.ingest.pipeline import ingest_bytes
from wiredesk.pictures import files, visibility
from wiredesk.pictures.models import Picture
from wiredesk.site import purge
from wiredesk.site.cache import generation
from wiredesk.site.checks import check_purge_backends
from wiredesk.site.generation import generation_clock
from wiredesk.stories.models import Delivery, Story
from wiredesk.syndication import outbox
from wiredesk.syndication.checks import check_destinations
from wiredesk.syndication.dispatch import deliver_due, make_client
from wiredesk.syndication.models import OutboundMessage, Webhook

from .options import with_options
from .pictures_helpers import fetch_all, photo
from .test_commands_live import clean_env
from .test_pictures import g2_package
from .wire_builder import g2_item
from .wire_server import AgencyServer

pytestmark = pytest.mark.django_db(transaction=True)

T0 = datetime(2026, 12, 3, 4, 0, tzinfo=UTC)
HTTP_PURGE = "wiredesk.site.purge.HttpPurgeBackend"


class FailingUntilMended:
    """Stand in for `real`, raising `error` at every call until mended, then calling it."""

    def __init__(self, real: Callable[..., Any], error: Exception) -> None:
        self.real, self.error, self.mended, self.calls = real, error, False, 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        if not self.mended:
            raise self.error
        return self.real(*args, **kwargs)


@dataclass
class Receiver:
    name: str  # its dotted name, as the logs and the outbox say it
    break_it: Callable[[pytest.MonkeyPatch], FailingUntilMended]


def _break_generation(monkeypatch: pytest.MonkeyPatch) -> FailingUntilMended:
    clock = generation_clock()
    failing = FailingUntilMended(clock.bump, KeyError("url"))
    monkeypatch.setattr(clock, "bump", failing)
    return failing


def _break_pictures(monkeypatch: pytest.MonkeyPatch) -> FailingUntilMended:
    failing = FailingUntilMended(visibility.sync_files, OSError(28, "No space left on device"))
    monkeypatch.setattr(visibility, "sync_files", failing)
    return failing


def _break_purge(monkeypatch: pytest.MonkeyPatch) -> FailingUntilMended:
    failing = FailingUntilMended(purge.story_keys, RuntimeError("a bug in the keys"))
    monkeypatch.setattr(purge, "story_keys", failing)
    return failing


def _break_outbox(monkeypatch: pytest.MonkeyPatch) -> FailingUntilMended:
    failing = FailingUntilMended(outbox.enqueue_many, OperationalError("database is locked"))
    monkeypatch.setattr(outbox, "enqueue_many", failing)
    return failing


RECEIVERS = {
    "cache generation": Receiver("wiredesk.site.cache.bump_generation", _break_generation),
    "picture visibility": Receiver(
        "wiredesk.pictures.visibility.follow_story_changes", _break_pictures
    ),
    "purge": Receiver("wiredesk.syndication.outbox.purge_changes", _break_purge),
    "outbox": Receiver("wiredesk.syndication.outbox.receive_changes", _break_outbox),
}


@pytest.fixture
def outside(settings):
    """One real HTTP server for the CDN (PURGE /), the WebSub hub and IndexNow."""
    server = AgencyServer().start()
    server.routes["/"] = lambda h: h.reply(200)
    server.routes["/hub"] = lambda h: h.reply(204)
    server.routes["/indexnow"] = lambda h: h.reply(200)
    with_options(
        settings,
        purge=(PurgeBackendOptions(HTTP_PURGE, {"url": server.base_url}),),
        site={
            "websub_hub": server.base_url + "/hub",
            "indexnow_key": "a1b2c3d4e5f6a7b8",
            "indexnow_endpoint": server.base_url + "/indexnow",
        },
    )
    yield server
    server.stop()


@pytest.fixture
def http():
    client = make_client()
    yield client
    client.close()


def purged(server: AgencyServer, key: str) -> bool:
    return any(
        r.method == "PURGE" and r.headers.get("surrogate-key") == key for r in server.requests
    )


def told(event: str) -> bool:
    """Say whether the outbox holds the pings of `event` (IndexNow's and WebSub's)."""
    kinds = set(OutboundMessage.objects.filter(event=event).values_list("kind", flat=True))
    return {"indexnow", "websub"} <= kinds


def run_again(http, name: str, event: str) -> None:
    """Check the failed receiver waits in the outbox, and have the outbox run it."""
    waiting = OutboundMessage.objects.get(kind="receiver")
    assert (waiting.url, waiting.event, waiting.status) == (name, event, "pending")
    deliver_due(http)
    waiting.refresh_from_db()
    assert waiting.status == "sent" and waiting.attempts == 1, waiting.last_error


def kill_count() -> float:
    """Return how many kills wiredesk_kill_seconds has timed in this process."""
    from prometheus_client import REGISTRY

    return REGISTRY.get_sample_value("wiredesk_kill_seconds_count") or 0.0


@pytest.mark.parametrize("which", list(RECEIVERS))
def test_a_failing_receiver_leaves_a_kill_stored_and_the_others_told_and_is_run_again(
    which, feeds, picture_files, photo_server, outside, http, monkeypatch
):
    feed = feeds["ians"]
    feed.fetch_allowed_hosts = "127.0.0.1"
    feed.save()
    photo_server.serve("/big.jpg", photo(1800, 1200))
    photo_server.serve("/thumb.jpg", photo(320, 213))
    assert ingest_bytes(feed, g2_package(photo_server.base_url), origin="package").ok
    assert fetch_all() == 1
    story = Story.objects.get()
    digest = Picture.objects.get().sha256
    assert files.rendition_names(digest)
    receiver = RECEIVERS[which]
    failing = receiver.break_it(monkeypatch)
    before = generation()
    outside.requests.clear()

    kills_timed = kill_count()
    kill = g2_item(story.item_id, 9, T0 + timedelta(hours=1), status="canceled")
    report = ingest_bytes(feed, kill, origin="kill.xml")
    assert kill_count() == kills_timed  # not gone everywhere yet: not timed

    # The kill is stored and stands, and nothing is quarantined for the failure.
    assert failing.calls >= 1
    assert report.ok and report.quarantined is None, report
    assert not Quarantine.objects.exists()
    assert Story.objects.get().state == Story.State.KILLED
    assert Delivery.objects.filter(origin="kill.xml").exists()
    # Every other receiver took the change; the failed one did not.
    effects = {
        "cache generation": lambda: generation() != before,
        "picture visibility": lambda: (
            Picture.objects.get().state == Picture.State.WITHDRAWN
            and files.rendition_names(digest) == []
        ),
        "purge": lambda: purged(outside, f"story-{story.pk}") and purged(outside, "lists"),
        "outbox": lambda: told("story.killed"),
    }
    for other, effect in effects.items():
        assert effect() == (other != which), other
    # The failed one waits in the outbox, and takes the change once it works again.
    failing.mended = True
    run_again(http, receiver.name, "story.killed")
    assert effects[which]()
    assert kill_count() == kills_timed + 1  # timed when the retry took it (the alert sees it)


@pytest.mark.parametrize("which", ["cache generation", "purge", "outbox"])
def test_a_failing_receiver_leaves_a_delivery_published_and_unquarantined(
    which, feeds, outside, http, monkeypatch, client
):
    receiver = RECEIVERS[which]
    failing = receiver.break_it(monkeypatch)
    before = generation()

    report = ingest_bytes(feeds["ians"], g2_item("urn:told", 1, T0), origin="one.xml")

    assert failing.calls == 1
    assert report.ok and report.actions["published"] == 1, report
    assert not Quarantine.objects.exists()
    story = Story.objects.get()
    assert story.state == Story.State.PUBLISHED
    assert client.get(story.get_absolute_url()).status_code == 200
    effects = {
        "cache generation": lambda: generation() != before,
        "purge": lambda: purged(outside, f"story-{story.pk}"),
        "outbox": lambda: told("story.published"),
    }
    for other, effect in effects.items():
        assert effect() == (other != which), other
    failing.mended = True
    run_again(http, receiver.name, "story.published")
    assert effects[which]()


def test_a_purge_block_without_url_neither_quarantines_the_delivery_nor_stops_the_pings(
    feeds, outside, settings, http
):
    """The issue's case: a `[[purge]]` block lacking its url raised KeyError in the commit hook."""
    with_options(settings, purge=(PurgeBackendOptions(HTTP_PURGE),))
    report = ingest_bytes(feeds["ians"], g2_item("urn:no-url", 1, T0), origin="a.xml")
    assert report.ok and report.quarantined is None, report
    assert not Quarantine.objects.exists()
    assert Story.objects.get().state == Story.State.PUBLISHED
    assert told("story.published")  # IndexNow and WebSub still hear of it
    waiting = OutboundMessage.objects.get(kind="purge")
    assert waiting.status == "pending" and waiting.attempts == 1
    assert "has no url" in waiting.last_error
    # Found at start-up, not at the first change.
    [problem] = check_purge_backends()
    assert problem.msg.startswith("wiredesk.toml [[purge]] #1 has no url: give the address")


def test_a_purge_the_cdn_refuses_is_sent_again_until_it_takes_it(feeds, outside, http):
    answers = iter([503, 200, 200])
    outside.routes["/"] = lambda h: h.reply(next(answers, 200))
    with time_machine.travel(T0, tick=False) as clock:
        ingest_bytes(feeds["ians"], g2_item("urn:refused", 1, T0), origin="a.xml")
        story = Story.objects.get()
        waiting = OutboundMessage.objects.get(kind="purge")
        # Tried at once, in the commit's wake: the CDN refused it.
        assert purged(outside, f"story-{story.pk}")
        assert waiting.status == "pending" and waiting.attempts == 1
        assert waiting.last_error.endswith(f"story-{story.pk}: HTTP 503")
        deliver_due(http)  # the pings go; the purge is not due yet: it backs off
        waiting.refresh_from_db()
        assert waiting.attempts == 1
        outside.requests.clear()
        clock.move_to(waiting.next_attempt_at)
        assert deliver_due(http) == 1
    waiting.refresh_from_db()
    assert waiting.status == "sent" and waiting.attempts == 2 and waiting.last_error == ""
    assert purged(outside, f"story-{story.pk}") and purged(outside, "lists")


def test_a_purge_is_never_given_up_where_a_webhook_would_be(feeds, outside, http):
    from wiredesk.syndication.dispatch import MAX_ATTEMPTS

    outside.routes["/"] = lambda h: h.reply(503)  # the CDN down for hours
    with time_machine.travel(T0, tick=False) as clock:
        ingest_bytes(feeds["ians"], g2_item("urn:long-down", 1, T0), origin="a.xml")
        story = Story.objects.get()
        waiting = OutboundMessage.objects.get(kind="purge")
        for _ in range(MAX_ATTEMPTS + 2):
            clock.shift(timedelta(hours=2))
            deliver_due(http)
        waiting.refresh_from_db()
        # Past the attempts a webhook gets, still waiting, at most an hour apart.
        assert waiting.status == "pending" and waiting.attempts > MAX_ATTEMPTS
        assert waiting.next_attempt_at - timezone.now() <= timedelta(hours=1)
        outside.routes["/"] = lambda h: h.reply(200)  # back
        outside.requests.clear()
        clock.shift(timedelta(hours=1))
        deliver_due(http)
    waiting.refresh_from_db()
    assert waiting.status == "sent" and purged(outside, f"story-{story.pk}")


def test_a_cdn_that_is_down_is_left_to_the_outbox_and_gets_what_it_missed_when_back(
    feeds, outside, http
):
    outside.routes["/"] = lambda h: h.reply(503)
    with time_machine.travel(T0, tick=False) as clock:
        ingest_bytes(feeds["ians"], g2_item("urn:down:1", 1, T0), origin="a.xml")
        refused = len(outside.requests)
        # Its last purge failed: the next change's is not tried on the ingest path.
        ingest_bytes(feeds["ians"], g2_item("urn:down:2", 1, T0), origin="b.xml")
        assert len([r for r in outside.requests if r.method == "PURGE"]) == refused
        second = OutboundMessage.objects.filter(kind="purge").latest("id")
        assert second.attempts == 0 and second.next_attempt_at == T0
        outside.routes["/"] = lambda h: h.reply(200)
        outside.requests.clear()
        deliver_due(http)  # the second is due; the first backs off, then goes with it
        clock.shift(timedelta(seconds=1))
        deliver_due(http)
    assert set(OutboundMessage.objects.filter(kind="purge").values_list("status", flat=True)) == {
        "sent"
    }
    stories = Story.objects.order_by("pk")
    assert all(purged(outside, f"story-{s.pk}") for s in stories)


def test_the_system_checks_say_what_is_wrong_with_each_destination(settings, feeds):
    with_options(
        settings,
        purge=(
            PurgeBackendOptions(HTTP_PURGE, {"url": "http://varnish:6081"}),
            PurgeBackendOptions(HTTP_PURGE),
            PurgeBackendOptions("wiredesk.site.purge.FastlyBackend", {"url": "https://x"}),
            PurgeBackendOptions(HTTP_PURGE, {"url": "ftp://varnish/", "timeout": 0}),
            PurgeBackendOptions("wiredesk.site.purge.story_keys"),
        ),
        site={
            "websub_hub": "hub.example/publish",
            "indexnow_key": "a1b2c3d4e5f6a7b8",
            "indexnow_endpoint": "https://api.indexnow.org/indexnow",
        },
    )
    Webhook.objects.create(url="/hooks/cms", secret="k")
    Webhook.objects.create(url="https://cms.example/hook", secret="k")
    Webhook.objects.create(url="file:///etc/passwd", secret="k", active=False)  # not sent to
    purges = [m.msg for m in check_purge_backends()]
    assert purges[0].startswith("wiredesk.toml [[purge]] #2 has no url: give the address")
    assert purges[1].startswith(
        "wiredesk.toml [[purge]] #3: backend 'wiredesk.site.purge.FastlyBackend' cannot be imported"
    )
    assert purges[2:] == [
        "wiredesk.toml [[purge]] #4 url 'ftp://varnish/' is not an http:// or https:// address "
        "with a host",
        "wiredesk.toml [[purge]] #4 timeout 0 is not a number of seconds above 0",
        "wiredesk.toml [[purge]] #5: backend 'wiredesk.site.purge.story_keys' is not a class "
        "with purge(keys)",
    ]
    hook = Webhook.objects.get(url="/hooks/cms")
    assert [m.msg for m in check_destinations()] == [
        "wiredesk.toml [site] websub_hub 'hub.example/publish' is not an absolute http:// or "
        "https:// address with a host",
        f"webhook #{hook.pk} (admin: Syndication, Webhooks) url '/hooks/cms' is not an absolute "
        "http:// or https:// address with a host; mend it or make the webhook inactive",
    ]
    # Registered: Django's own `check` (run by `wiredesk run`, `serve` and `worker`) reports them.
    with pytest.raises(SystemCheckError, match=r"\[\[purge\]\] #2 has no url"):
        call_command("check")


def test_the_default_configuration_passes_the_checks(db):
    assert check_purge_backends() == [] and check_destinations() == []


@pytest.mark.parametrize("command", ["run", "serve", "worker"])
def test_each_long_running_command_refuses_to_start_with_a_wrong_purge_block(command, tmp_path):
    config = tmp_path / "wiredesk.toml"
    config.write_text(f'[[purge]]\nbackend = "{HTTP_PURGE}"\n')
    env = clean_env() | {"WIREDESK_CONFIG": str(config), "WIREDESK_DATA_DIR": str(tmp_path / "var")}
    result = subprocess.run(
        [sys.executable, "-m", "wiredesk.cli", command, "--port", "0"]
        if command != "worker"
        else [sys.executable, "-m", "wiredesk.cli", command],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "wiredesk.toml [[purge]] #1 has no url" in result.stderr


def test_the_cache_generation_hears_of_a_change_first_then_the_purge():
    from wiredesk.stories.signals import receiver_name, stories_changed

    names = [receiver_name(r) for r in stories_changed._live_receivers(None)[0]]
    assert names[:3] == [
        RECEIVERS["cache generation"].name,
        RECEIVERS["purge"].name,
        RECEIVERS["outbox"].name,
    ]
    assert RECEIVERS["picture visibility"].name in names
