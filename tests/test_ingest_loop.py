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
