"""One size and deadline limit for every fetch (transports/limits.py): an HTTP answer and a
file from an FTP or SFTP server go past them the same way, each said in its own words."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import httpx
import pytest

from wiredesk.transports import limits
from wiredesk.transports.base import Context, TransportError
from wiredesk.transports.remote import REMOTE_SETTINGS, RemoteFile, RemoteFolder
from wiredesk.transports.secrets import Secrets


class Folder(RemoteFolder):
    """A remote folder whose one file arrives in the chunks given, with a pause before each."""

    default_port = 21
    protocol = "FTP"
    settings = REMOTE_SETTINGS

    def __init__(self, chunks: list[bytes], pause: float = 0.0, **options) -> None:
        super().__init__("ftp://agency.example/out", options, Secrets({}), Context(feed="f"))
        self.chunks, self.pause, self.closed = chunks, pause, 0

    def connect(self) -> None:
        pass

    def disconnect(self) -> None:
        self.closed += 1

    def list_files(self) -> list[RemoteFile]:
        return []

    def download(self, name: str, write: Callable[[bytes], None]) -> None:
        for chunk in self.chunks:
            time.sleep(self.pause)
            write(chunk)

    def delete(self, name: str) -> None:
        pass

    def rename(self, name: str, target: str) -> None:
        pass

    def in_words(self, exc: Exception) -> str:
        return f"failed: {exc}"


FILE = RemoteFile("a.xml", 10, "20211014040000")


def test_a_remote_file_within_the_limits_is_read_whole():
    assert Folder([b"12345", b"67890"])._spooled(FILE, 10) == b"1234567890"


def test_a_remote_file_growing_past_the_size_limit_is_refused_in_its_words():
    folder = Folder([b"12345", b"678901"])
    with pytest.raises(limits.TooLarge, match="file grew past the 10-byte limit while downloading"):
        folder._spooled(FILE, 10)
    assert folder.closed == 1  # the connection is dropped


def test_a_remote_file_past_its_deadline_is_a_transport_error_in_its_words(monkeypatch):
    folder = Folder([b"1", b"2"], pause=0.05, timeout=0.0)
    monkeypatch.setattr("wiredesk.transports.remote.MAX_FETCH_SECONDS", 0.01)  # 60 s in use
    with pytest.raises(
        TransportError, match=re.escape("downloading a.xml from agency.example:21 took too long")
    ):
        folder._spooled(FILE, 10)
    assert folder.closed == 1


def _answer(body: bytes, chunk: int, headers: dict | None = None) -> httpx.Response:
    parts = [body[i : i + chunk] for i in range(0, len(body), chunk)]
    return httpx.Response(200, headers=headers or {}, stream=httpx.ByteStream(b"".join(parts)))


def test_an_http_answer_past_the_limits_is_said_in_words():
    deadline = time.monotonic() + 60
    assert limits.read_limited(_answer(b"x" * 10, 3), 10, deadline, 60) == b"x" * 10
    with pytest.raises(limits.TooLarge, match="response is over the 9-byte limit"):
        limits.read_limited(_answer(b"x" * 10, 3), 9, deadline, 60)
    declared = _answer(b"x", 1, {"Content-Length": "20"})
    with pytest.raises(limits.TooLarge, match="response is 20 bytes, over the limit of 9"):
        limits.read_limited(declared, 9, deadline, 60)
    with pytest.raises(limits.TooSlow, match="response took over 2 s; given up"):
        limits.read_limited(_answer(b"x", 1), 9, time.monotonic() - 1, 2)
