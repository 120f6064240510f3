"""The watch folder takes a file only when its upload is complete."""

from __future__ import annotations

import os
import time

import pytest

from wiredesk.transports.folder import FileTooLarge, WatchFolder


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
