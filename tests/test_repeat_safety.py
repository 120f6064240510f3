"""Repeat-safety: the same delivery twice, or a folder re-scanned after a crash, stores once."""

from __future__ import annotations

import shutil

import pytest

from wiredesk.ingest.models import Quarantine
from wiredesk.ingest.polling import FeedPoller
from wiredesk.stories.models import Delivery, Story, StoryVersion
from wiredesk.transports.folder import WatchFolder

from .conftest import DELIVERIES, SEED_V1, SEED_V2


def counts():
    return Story.objects.count(), StoryVersion.objects.count(), Delivery.objects.count()


def test_same_delivery_twice_is_a_no_op(ingest):
    first = ingest(SEED_V1)
    assert first.actions == {"published": 1}
    before = counts()
    again = ingest(SEED_V1)
    assert again.actions == {"unchanged": 1}
    assert counts() == before == (1, 1, 1)


def test_multi_item_delivery_twice_stores_each_item_once(ingest):
    path = DELIVERIES / "0003-harbour-101.xml"
    assert ingest(path).actions == {"published": 3}
    assert ingest(path).actions == {"unchanged": 3}
    assert counts() == (3, 3, 1)


def test_late_older_version_is_kept_but_never_overwrites_newer(ingest):
    ingest(SEED_V2)
    report = ingest(SEED_V1)
    assert report.actions == {"stored": 1}
    story = Story.objects.get()
    assert story.version_count == 2
    assert "Korean Peninsula since the late 1950s" in story.body_text  # only in v2


def test_folder_rescanned_after_crash_between_store_and_move_loses_nothing(feeds, monkeypatch):
    feed = feeds["ians"]
    folder = WatchFolder(feed.location, settle_seconds=0)
    shutil.copy(SEED_V1, folder.path / SEED_V1.name)
    shutil.copy(SEED_V2, folder.path / SEED_V2.name)

    # Crash after the stories are committed but before the file is moved.
    def crash(self, path, *args):
        raise KeyboardInterrupt("killed between store and move")

    poller = FeedPoller(settle_seconds=0)
    monkeypatch.setattr(WatchFolder, "done", crash)
    with pytest.raises(KeyboardInterrupt):
        poller.poll(feed)
    assert counts()[:2] == (1, 1)
    assert (folder.path / SEED_V1.name).exists()

    monkeypatch.undo()
    restarted = FeedPoller(settle_seconds=0)
    reports = restarted.poll(feed)
    assert [r.actions for r in reports] == [{"unchanged": 1}, {"updated": 1}]
    assert counts()[:2] == (1, 2)
    assert sorted(p.name for p in folder.processed.iterdir()) == [SEED_V1.name, SEED_V2.name]
    assert not any(folder.path.glob("*.xml"))
    # And a third scan finds nothing left to do.
    assert restarted.poll(feed) == []


def test_broken_file_goes_to_failed_with_reason_and_the_feed_goes_on(feeds):
    feed = feeds["ians"]
    folder = WatchFolder(feed.location, settle_seconds=0)
    (folder.path / "0000-broken.xml").write_bytes(b"<rss><channel><item><title>cut off")
    shutil.copy(SEED_V1, folder.path / SEED_V1.name)
    reports = FeedPoller(settle_seconds=0).poll(feed)
    assert [r.ok for r in reports] == [False, True]
    failed = folder.failed / "0000-broken.xml"
    assert failed.read_bytes() == b"<rss><channel><item><title>cut off"
    reason = (folder.failed / "0000-broken.xml.reason.txt").read_text()
    assert reason.startswith("malformed XML")
    quarantined = Quarantine.objects.get()
    assert bytes(quarantined.data) == failed.read_bytes()
    assert quarantined.reason == reason.strip()
    assert Story.objects.count() == 1
