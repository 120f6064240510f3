"""The embedded ingest loop: due feeds polled in a pool, quiet folders cost no writes."""

from __future__ import annotations

import shutil
import time

import pytest

from wiredesk.ingest.loop import IngestLoop
from wiredesk.sources.models import Feed
from wiredesk.stories.models import Story

from .conftest import SEED_V1


def settle(loop: IngestLoop) -> None:
    """Run one pass of the loop and wait for the polls it started."""
    loop.run_once()
    for job in list(loop._running.values()):
        job.result(timeout=30)


@pytest.fixture
def loop():
    loop = IngestLoop(settle_seconds=0)
    yield loop
    loop.pool.shutdown(wait=True)
    loop.folder_pool.shutdown(wait=True)
    loop.poller.close()


@pytest.mark.django_db(transaction=True)
def test_loop_takes_a_dropped_file_and_stores_its_story(feeds, loop):
    feed = feeds["ians"]
    settle(loop)  # first pass makes the folder
    shutil.copy(SEED_V1, f"{feed.location}/{SEED_V1.name}")
    Feed.objects.update(next_poll_at=None)  # due again now, not in a second
    loop._due_at.clear()
    settle(loop)
    assert Story.objects.get().headline.startswith("'US, S.Korea")


@pytest.mark.django_db(transaction=True)
def test_quiet_folder_is_scanned_without_a_database_write_each_time(feeds, loop):
    Feed.objects.exclude(slug="ians-inbox").update(enabled=False)
    settle(loop)
    first = Feed.objects.get(slug="ians-inbox").last_polled_at
    assert first is not None
    for _ in range(3):
        loop._due_at.clear()
        settle(loop)
    assert Feed.objects.get(slug="ians-inbox").last_polled_at == first


@pytest.mark.django_db(transaction=True)
def test_feed_is_not_polled_again_before_its_interval(feeds, loop):
    Feed.objects.exclude(slug="ians-inbox").update(enabled=False)
    Feed.objects.filter(slug="ians-inbox").update(poll_interval=60)
    settle(loop)
    due = loop._due_at[feeds["ians"].pk]
    assert due - time.monotonic() > 50
    settle(loop)
    assert loop._due_at[feeds["ians"].pk] == due


@pytest.mark.django_db(transaction=True)
def test_loop_releases_an_embargo_on_its_next_tick(feeds, loop):
    from datetime import UTC, datetime, timedelta

    import time_machine

    from wiredesk.ingest.pipeline import ingest_bytes

    from .wire_builder import g2_item

    Feed.objects.update(enabled=False)
    start = datetime(2021, 10, 14, 4, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as clock:
        ingest_bytes(
            feeds["ians"], g2_item("urn:e", 1, start, embargo=start + timedelta(minutes=5)), "e.xml"
        )
        settle(loop)
        assert Story.objects.get().state == Story.State.EMBARGOED
        clock.shift(timedelta(minutes=5))
        settle(loop)
        assert Story.objects.get().state == Story.State.PUBLISHED


def trickle(handler, seconds: float = 8.0) -> None:
    """Answer a byte at a time, a fifth of a second apart, for `seconds` (a hostile feed)."""
    handler.send_response(200)
    handler.send_header("Content-Type", "application/rss+xml")
    handler.end_headers()
    handler.wfile.write(b"<rss>")
    ended = time.monotonic() + seconds
    try:
        while time.monotonic() < ended:
            handler.wfile.write(b" ")
            handler.wfile.flush()
            time.sleep(0.2)
    except OSError:
        pass  # the poller gave up and closed


def test_a_trickling_server_is_given_up_at_the_fetch_deadline():
    from wiredesk.transports.http import HttpFetcher, PollState

    from .wire_server import AgencyServer

    server = AgencyServer().start()
    server.routes["/slow"] = trickle
    transport = HttpFetcher(user_agent="Wiredesk-test", max_seconds=1.0)
    try:
        result = transport.fetch(server.base_url + "/slow", PollState())
    finally:
        transport.close()
        server.stop()
    assert result.status == "error" and "took over 1 s" in result.error


@pytest.mark.django_db(transaction=True)
def test_slow_http_feeds_never_hold_up_a_watch_folder(feeds, loop):
    from .wire_server import AgencyServer

    server = AgencyServer().start()
    server.routes["/slow"] = trickle
    try:
        agency = feeds["meridian"].agency
        for n in range(6):  # more slow feeds than the HTTP pool has threads
            Feed.objects.create(
                agency=agency,
                slug=f"slow-{n}",
                transport="http",
                location=f"{server.base_url}/slow",
                poll_interval=60,
            )
        folder_feed = feeds["ians"]
        loop.run_once()  # every HTTP thread is now waiting on a trickle
        shutil.copy(SEED_V1, f"{folder_feed.location}/{SEED_V1.name}")
        deadline = time.monotonic() + 5
        while not Story.objects.exists() and time.monotonic() < deadline:
            Feed.objects.filter(transport="folder").update(next_poll_at=None)
            loop._due_at.clear()
            loop.run_once()
            time.sleep(0.1)
        assert Story.objects.filter(agency__slug="ians").exists()  # the folder went on
    finally:
        server.stop()
