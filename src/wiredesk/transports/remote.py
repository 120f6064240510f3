"""Pulling files from an agency's server (FTP, FTPS, SFTP): the rules both protocols share.

Each poll lists the remote folder and takes each file once it is complete:
its size and time are the same on two listings in a row, or the agency's
marker file (`story.xml.done`) is there. A file is downloaded into a private
spool folder under a temporary name, renamed there once whole, handed to the
pipeline, and only after its stories are stored is it acknowledged as the
feed's `after` setting says: deleted, moved to another remote folder, or
remembered (the agency's server is left untouched; the database keeps a note
of each file taken, by name, size and time, so a changed file is taken again).

A crash between download and acknowledgement leaves the file on the server
(or in the spool): it is taken again, and storing it again does nothing.
"""

from __future__ import annotations

import contextlib
import fnmatch
import hashlib
import os
import posixpath
import socket
import time
from abc import abstractmethod
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import unquote, urlsplit

from .base import Memory, PulledDelivery, Setting, Stored, Transport, TransportError
from .folder import GRACE_SETTLES, MARKER_SUFFIXES, PARTIAL_SUFFIXES
from .limits import MAX_FETCH_BYTES, MAX_FETCH_SECONDS, FetchLimits, LimitExceeded, TooLarge
from .secrets import SecretMissing

MAX_FILE_BYTES = MAX_FETCH_BYTES
# A poll waits this long at most for new files to settle before looking again.
MAX_SETTLE_WAIT = 5.0
# Up to this many new files are looked at again one by one; more, and the folder is listed.
LOOK_AGAIN_AT_MOST = 20

REMOTE_SETTINGS: dict[str, Setting] = {
    "username": Setting(str, "anonymous"),
    "password": Setting(str, secret=True),
    "after": Setting(
        str,
        "remember",
        choices=("remember", "delete", "move"),
        help="What to do with a file once its stories are stored.",
    ),
    "move_to": Setting(str, "", help="The remote folder files move to (after = 'move')."),
    "marker": Setting(str, "", help="The suffix of the agency's marker files, e.g. '.done'."),
    "pattern": Setting(str, "*", help="Only names that match, e.g. '*.xml'."),
    "settle_seconds": Setting(
        float, 0.5, help="How long a file must list the same before it is taken (no marker)."
    ),
    "timeout": Setting(float, 30.0, help="Seconds any one step may take."),
    "max_file_bytes": Setting(int, MAX_FILE_BYTES),
    "max_files_per_poll": Setting(int, 1000),
}


@dataclass(frozen=True)
class RemoteFile:
    """A file as the server lists it."""

    name: str
    size: int
    mtime: str  # as the server gives it: only compared, never computed with

    @property
    def key(self) -> str:
        """Return what identifies this file's contents: a re-upload changes size or time."""
        return f"{self.name}\x1f{self.size}\x1f{self.mtime}"


class RemoteFolder(Transport):
    """The shared part of FTP and SFTP pulls; subclasses speak the protocol."""

    default_port: int = 0
    protocol: str = ""  # "FTP", "SFTP": in messages for the duty editor

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        url = urlsplit(self.location)
        self.host = url.hostname or ""
        self.port = url.port or self.default_port
        self.folder = unquote(url.path) or "."
        # Each file as last listed, and since when it has looked so.
        self._seen: dict[str, tuple[RemoteFile, float]] = {}
        # Files known taken (after = "remember"): asked of the database once each.
        self._taken: set[str] = set()
        self._memory: Memory | None = None
        self._connected = False

    @classmethod
    def check_options(cls, location: str, options: Mapping[str, Any]) -> list[str]:
        problems = []
        if options.get("after") == "move" and not options.get("move_to"):
            problems.append("move_to is needed for after = 'move'")
        if not urlsplit(location).hostname:
            problems.append("location has no host name")
        return problems

    # -- the protocol, per subclass --------------------------------------------------

    @abstractmethod
    def connect(self) -> None:
        """Open a logged-in session to the server, in `self.folder`."""

    @abstractmethod
    def disconnect(self) -> None:
        """Close the session."""

    @abstractmethod
    def list_files(self) -> list[RemoteFile]:
        """Return the regular files of the folder."""

    @abstractmethod
    def download(self, name: str, write: Callable[[bytes], None]) -> None:
        """Pass the file's bytes to `write`, a block at a time."""

    @abstractmethod
    def delete(self, name: str) -> None:
        """Delete the file from the server."""

    @abstractmethod
    def rename(self, name: str, target: str) -> None:
        """Move the file to `target` on the server."""

    @abstractmethod
    def in_words(self, exc: Exception) -> str:
        """Return what went wrong, as a duty editor would want it said."""

    # -- the shared rules --------------------------------------------------------------

    def where(self) -> str:
        return f"{self.host}:{self.port}"

    def network_trouble(self, exc: Exception) -> str | None:
        """Return, in words, trouble any connection to the server can have (None: not that)."""
        server = f"the {self.protocol} server at {self.where()}"
        if isinstance(exc, socket.timeout | TimeoutError):
            return f"{server} did not answer within {self.option('timeout'):g} s"
        if isinstance(exc, ConnectionRefusedError):
            return f"cannot reach {server}: connection refused"
        if isinstance(exc, socket.gaierror):
            return f"cannot find the {self.protocol} server {self.host}: the name does not resolve"
        return None

    def _call(self, step: Callable[[], Any]) -> Any:
        """Run one protocol step; any failure drops the connection and says what happened."""
        try:
            if not self._connected:
                self.connect()
                self._connected = True
            return step()
        except TransportError:
            self.close()
            raise
        except SecretMissing as exc:
            self.close()
            raise TransportError(f"credentials missing: {exc}") from None
        except Exception as exc:
            self.close()
            raise TransportError(self.in_words(exc)) from exc

    def complete_files(
        self, listing: list[RemoteFile], now: float, whole: bool = True
    ) -> tuple[list[RemoteFile], list[str], float]:
        """Return the files of `listing` that are whole (oldest first), those still settling,
        and the seconds until the first of those will have settled.

        Whole: the agency's marker is there, or the file was listed the same
        (size and time) at least `settle_seconds` ago. `whole` says `listing`
        is the whole folder, not a second look at a few files.
        """
        names = {f.name for f in listing}
        marker = str(self.option("marker"))
        pattern = str(self.option("pattern"))
        settle = float(self.option("settle_seconds"))
        ready: list[RemoteFile] = []
        settling: list[str] = []
        wait = settle
        seen = {} if whole else dict(self._seen)
        for entry in listing:
            lowered = entry.name.lower()
            if entry.name.startswith(".") or lowered.endswith(PARTIAL_SUFFIXES + MARKER_SUFFIXES):
                continue  # still uploading, or a marker itself
            if marker and lowered.endswith(marker.lower()):
                continue
            if not fnmatch.fnmatchcase(entry.name, pattern):
                continue
            if marker:
                if entry.name + marker in names:
                    ready.append(entry)
                continue
            before = self._seen.get(entry.name)
            same = before is not None and before[0] == entry
            since = before[1] if same and before is not None else now
            seen[entry.name] = (entry, since)
            if same and now - since >= settle:
                ready.append(entry)
            else:
                settling.append(entry.name)
                wait = min(wait, max(settle - (now - since), 0.0))
        self._seen = seen
        return sorted(ready, key=lambda f: (f.mtime, f.name)), settling, wait

    def look_again(self, names: list[str]) -> list[RemoteFile]:
        """Return how the files called `names` list now (a protocol may ask for just those)."""
        wanted = set(names)
        return [f for f in self.list_files() if f.name in wanted]

    def pull(self, checkpoint: Mapping[str, Any], memory: Memory) -> Iterator[PulledDelivery]:
        self._memory = memory
        ready, settling, wait = self.complete_files(self._call(self.list_files), time.monotonic())
        if not ready and settling and wait <= MAX_SETTLE_WAIT:
            # Something new is arriving: look at it again once it has had time
            # to settle, rather than a whole polling interval later; at just
            # those files, not the whole folder, when they are few.
            time.sleep(max(wait, 0.02))
            if len(settling) <= LOOK_AGAIN_AT_MOST:
                again = self._call(lambda: self.look_again(settling))
                ready, _, _ = self.complete_files(again, time.monotonic(), whole=False)
            else:
                ready, _, _ = self.complete_files(self._call(self.list_files), time.monotonic())
        if self.option("after") == "remember" and ready:
            unknown = [f.key for f in ready if f.key not in self._taken]
            self._taken.update(memory.taken(unknown))
            ready = [f for f in ready if f.key not in self._taken]
        limit = int(self.option("max_file_bytes"))
        for remote in ready[: int(self.option("max_files_per_poll"))]:
            if remote.size > limit:
                reason = f"file is {remote.size:,} bytes, over the {limit:,}-byte limit"
                yield PulledDelivery(
                    remote.name, b"", refused=reason, size=remote.size, receipt=remote
                )
                continue
            try:
                data = self._spooled(remote, limit)
            except TooLarge as exc:
                yield PulledDelivery(
                    remote.name, b"", refused=str(exc), size=remote.size, receipt=remote
                )
                continue
            yield PulledDelivery(remote.name, data, receipt=remote)

    def _spool_path(self, remote: RemoteFile) -> Path | None:
        if self.context.spool is None:
            return None
        digest = hashlib.sha256(remote.key.encode("utf-8", "surrogateescape")).hexdigest()[:32]
        return self.context.spool / digest

    def _spooled(self, remote: RemoteFile, limit: int) -> bytes:
        """Return the file's bytes, from the spool if an earlier run downloaded it whole."""
        spooled = self._spool_path(remote)
        if spooled is not None and spooled.exists():
            return spooled.read_bytes()
        partial = spooled.with_suffix(".part") if spooled else None
        chunks: list[bytes] = []
        limits = FetchLimits(
            limit,
            max(MAX_FETCH_SECONDS, 20 * float(self.option("timeout"))),
            too_large=f"file grew past the {limit:,}-byte limit while downloading",
            too_slow=f"downloading {remote.name} from {self.where()} took too long",
        )
        handle: BinaryIO | None = None
        if partial is not None:
            partial.parent.mkdir(parents=True, exist_ok=True)
            handle = open(partial, "wb")  # noqa: SIM115 (closed below, whatever happens)

        def write(chunk: bytes) -> None:
            limits.count(chunk)
            chunks.append(chunk)
            if handle is not None:
                handle.write(chunk)

        try:
            self._call(lambda: self.download(remote.name, write))
        except TransportError as exc:
            if partial is not None:
                partial.unlink(missing_ok=True)
            if isinstance(exc.__cause__, TooLarge):
                raise exc.__cause__ from None  # refused: quarantined as it is
            if isinstance(exc.__cause__, LimitExceeded):
                raise TransportError(str(exc.__cause__)) from None  # too slow: tried again
            raise
        finally:
            if handle is not None:
                handle.close()
        if partial is not None and spooled is not None:
            os.replace(partial, spooled)  # whole: a crash from here on reuses it
        return b"".join(chunks)

    def may_be_incomplete(self, delivery: PulledDelivery) -> bool:
        """Leave an unreadable file that was still changing not long ago: it may be arriving.

        An upload that stalls under its final name lists the same for a while
        and reads as broken; it is looked at again on later polls, and
        refused (quarantined, then acknowledged) only once it has been still
        for the grace time (15 settles). With the agency's marker it is whole.
        """
        remote: RemoteFile = delivery.receipt
        if self.option("marker"):
            return False
        seen = self._seen.get(remote.name)
        if seen is None or seen[0] != remote:
            return False
        young = time.monotonic() - seen[1] < GRACE_SETTLES * float(self.option("settle_seconds"))
        if young:
            spooled = self._spool_path(remote)
            if spooled is not None:
                spooled.unlink(missing_ok=True)  # fetched afresh next time
        return young

    def acknowledge(self, delivery: PulledDelivery, stored: Stored) -> None:
        remote: RemoteFile = delivery.receipt
        after = self.option("after")
        marker = str(self.option("marker"))
        if after == "delete":
            self._call(lambda: self.delete(remote.name))
        elif after == "move":
            target = posixpath.join(str(self.option("move_to")), remote.name)
            self._call(lambda: self.rename(remote.name, target))
        elif self._memory is not None:
            self._memory.remember(remote.key)
            self._taken.add(remote.key)
        if marker and after in ("delete", "move"):
            self._call(lambda: self.delete(remote.name + marker))
        spooled = self._spool_path(remote)
        if spooled is not None:
            spooled.unlink(missing_ok=True)

    def close(self) -> None:
        if self._connected:
            self._connected = False
            with contextlib.suppress(Exception):  # the connection is being dropped anyway
                self.disconnect()
