"""The watch folder takes a file only when its upload is complete."""

from __future__ import annotations

import os
import time

import pytest
from django.utils import timezone

from wiredesk.transports.folder import FileTooLarge, WatchFolder

from .conftest import SEED_V1


def test_partial_upload_names_are_never_taken(tmp_path):
    folder = WatchFolder(tmp_path, settle_seconds=0)
    for name in (
        ".story.xml",
        "story.xml.part",
        "story.xml.tmp",
        "story.xml.filepart",
        "story.xml~",
    ):
        (tmp_path / name).write_bytes(b"<rss/>")
    (tmp_path / "story.xml").write_bytes(b"<rss/>")
    assert [p.name for p in folder.ready_files()] == ["story.xml"]


def test_a_fresh_file_is_taken_only_once_it_stops_changing(tmp_path):
    folder = WatchFolder(tmp_path, settle_seconds=60)
    path = tmp_path / "growing.xml"
    path.write_bytes(b"<rss>")
    assert folder.ready_files() == []  # first sight: maybe still being written
    with open(path, "ab") as handle:
        handle.write(b"<channel>")
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 1000))
    assert folder.ready_files() == []  # it changed since the last scan
    assert folder.ready_files() == [path]  # unchanged across two scans: complete


def test_an_old_file_is_taken_at_once(tmp_path):
    folder = WatchFolder(tmp_path, settle_seconds=5)
    path = tmp_path / "old.xml"
    path.write_bytes(b"<rss/>")
    past = time.time() - 60
    os.utime(path, (past, past))
    assert folder.ready_files() == [path]


def test_files_are_taken_oldest_first_and_moves_never_overwrite(tmp_path):
    folder = WatchFolder(tmp_path, settle_seconds=0)
    for offset, name in ((30, "b.xml"), (60, "a.xml")):
        (tmp_path / name).write_bytes(name.encode())
        os.utime(tmp_path / name, (time.time() - offset, time.time() - offset))
    assert [p.name for p in folder.ready_files()] == ["a.xml", "b.xml"]
    folder.done(tmp_path / "a.xml")
    (tmp_path / "a.xml").write_bytes(b"again")
    moved = folder.done(tmp_path / "a.xml")
    assert moved.name == "a.1.xml"
    assert (folder.processed / "a.xml").read_bytes() == b"a.xml"


def test_oversized_file_is_not_read(tmp_path):
    folder = WatchFolder(tmp_path, settle_seconds=0, max_bytes=10)
    (tmp_path / "big.xml").write_bytes(b"x" * 11)
    with pytest.raises(FileTooLarge, match="over the 10-byte limit"):
        folder.read(tmp_path / "big.xml")


def test_an_upload_stalled_under_its_final_name_waits_and_is_taken_once_complete(feeds):
    from wiredesk.ingest.models import Quarantine
    from wiredesk.ingest.polling import FeedPoller
    from wiredesk.stories.models import Story

    feed = feeds["ians"]
    poller = FeedPoller(settle_seconds=0.2)  # grace: 15 settles, 3 s
    folder = poller.folder(feed)
    data = SEED_V1.read_bytes()
    target = folder.path / "stalled.xml"
    target.write_bytes(data[: len(data) // 2])  # the upload stalls half-way
    past = time.time() - 1  # still for longer than a settle, less than the grace
    os.utime(target, (past, past))
    assert poller.poll(feed) == []
    assert target.exists() and not list(folder.failed.iterdir())
    assert Quarantine.objects.count() == 0
    target.write_bytes(data)  # the rest arrives
    os.utime(target, (past, past))
    [report] = poller.poll(feed)
    assert report.ok and Story.objects.count() == 1
    assert (folder.processed / "stalled.xml").exists()


def test_a_refused_file_that_changes_afterwards_is_taken_again(feeds):
    from wiredesk.ingest.polling import FeedPoller
    from wiredesk.stories.models import Story

    feed = feeds["ians"]
    poller = FeedPoller(settle_seconds=0)
    folder = poller.folder(feed)
    data = SEED_V1.read_bytes()
    (folder.path / "late.xml").write_bytes(data[:100])
    [report] = poller.poll(feed)
    assert not report.ok and (folder.failed / "late.xml").exists()
    reason = folder.failed / "late.xml.reason.txt"
    earlier = time.time() - 5
    os.utime(reason, (earlier, earlier))
    (folder.failed / "late.xml").write_bytes(data)  # the uploader finished writing it there
    poller.transport(feed)._retaken_at = float("-inf")  # due now, not in 30 s
    [report] = poller.poll(feed)
    assert report.ok and Story.objects.count() == 1
    assert (folder.processed / "late.xml").exists() and not reason.exists()


def test_a_folder_feed_resets_its_failures_on_success_and_backs_off_briefly(feeds):
    from wiredesk.ingest.loop import FOLDER_MAX_BACKOFF_SECONDS, record_crash
    from wiredesk.ingest.polling import FeedPoller
    from wiredesk.sources.models import Feed

    feed = feeds["ians"]
    Feed.objects.filter(pk=feed.pk).update(failures=9)
    feed.refresh_from_db()
    wait = record_crash(feed, OSError(28, "No space left on device"))
    feed.refresh_from_db()
    assert feed.failures == 10 and "No space left" in feed.last_error
    assert wait <= FOLDER_MAX_BACKOFF_SECONDS  # not the hour an HTTP feed would wait
    assert (feed.next_poll_at - timezone.now()).total_seconds() <= FOLDER_MAX_BACKOFF_SECONDS
    poller = FeedPoller(settle_seconds=0)
    (poller.folder(feed).path / "seed.xml").write_bytes(SEED_V1.read_bytes())
    poller.poll(feed)
    feed.refresh_from_db()
    assert feed.failures == 0 and feed.last_error == ""


def test_a_marker_file_says_a_file_is_complete_and_is_never_read_itself(tmp_path):
    folder = WatchFolder(tmp_path, settle_seconds=60)  # would wait a minute without a marker
    (tmp_path / "story.xml").write_bytes(b"<rss/>")
    assert folder.ready_files() == []
    (tmp_path / "story.xml.done").write_bytes(b"")
    assert [p.name for p in folder.ready_files()] == ["story.xml"]  # complete at once
    folder.done(tmp_path / "story.xml")
    assert not (tmp_path / "story.xml.done").exists()  # the marker goes with its file
    (tmp_path / "other.xml.ok").write_bytes(b"")
    assert folder.ready_files() == []  # a marker alone is no delivery
