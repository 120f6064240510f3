"""A watch folder: how many agencies deliver (FTP/SFTP push into the publisher's server).

A file is taken only when complete: temporary names that upload tools use are
skipped, and a file must look the same (size and mtime) on two scans, or be
older than `settle_seconds`. After its stories are stored it moves to
`processed/` (with a `<name>.reason.txt` listing any of its items that were
quarantined alone); a file that cannot be read moves to `failed/` with a
`<name>.reason.txt` beside it. If the process dies between storing and moving,
the next scan takes the file again and ingest, being repeat-safe, does nothing.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .base import Memory, PulledDelivery, Stored, Transport, register

# Names upload tools give files still being written (vsftpd, proftpd, WinSCP,
# FileZilla, rsync, curl), and dot-files.
PARTIAL_SUFFIXES = (".tmp", ".part", ".partial", ".filepart", ".crdownload", ".lock", "~")
# Marker files some agencies upload once a file is complete (`story.xml.done`):
# never deliveries themselves, and the file they name is complete at once.
MARKER_SUFFIXES = (".done", ".ok", ".ready", ".complete", ".fin", ".sem")
MAX_FILE_BYTES = 50 * 1024 * 1024
# Pictures uploaded beside the deliveries that name them: read from there by
# the pictures' fetcher, never taken as deliveries.
PICTURE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".gif", ".avif", ".tif", ".tiff")


class FileTooLarge(Exception):
    """The file is over the size limit; it was not read."""


@dataclass(frozen=True)
class Seen:
    size: int
    mtime_ns: int


# A file that cannot be read while it was written to this recently may still
# be arriving (an upload that stalled under its final name): it waits, and is
# refused only once it has been still this many times `settle_seconds`.
GRACE_SETTLES = 15


class WatchFolder:
    """One inbox folder with `processed/` and `failed/` beside the files."""

    def __init__(
        self, path: str | Path, settle_seconds: float = 2.0, max_bytes: int = MAX_FILE_BYTES
    ) -> None:
        self.path = Path(path)
        self.processed = self.path / "processed"
        self.failed = self.path / "failed"
        self.settle_seconds = settle_seconds
        self.grace_seconds = GRACE_SETTLES * settle_seconds
        self.max_bytes = max_bytes
        self._seen: dict[str, Seen] = {}
        # Files left to finish arriving, as they looked when last refused.
        self._waiting: dict[str, Seen] = {}
        for folder in (self.path, self.processed, self.failed):
            folder.mkdir(parents=True, exist_ok=True)

    @staticmethod
    def is_partial(name: str) -> bool:
        """Return True for names that mark an upload still in progress, or a marker file."""
        lowered = name.lower()
        return name.startswith(".") or lowered.endswith(PARTIAL_SUFFIXES + MARKER_SUFFIXES)

    def marker_of(self, name: str) -> Path | None:
        """Return the marker file saying `name` is complete, if the agency uploaded one."""
        for suffix in MARKER_SUFFIXES:
            marker = self.path / (name + suffix)
            if marker.exists():
                return marker
        return None

    def ready_files(self, now: float | None = None) -> list[Path]:
        """Return the complete files waiting in the folder, oldest first."""
        now = time.time() if now is None else now
        ready, seen = [], {}
        with os.scandir(self.path) as entries:
            for entry in entries:
                if not entry.is_file(follow_symlinks=False) or self.is_partial(entry.name):
                    continue
                if entry.name.lower().endswith(PICTURE_SUFFIXES):
                    continue
                stat = entry.stat(follow_symlinks=False)
                current = Seen(stat.st_size, stat.st_mtime_ns)
                seen[entry.name] = current
                if self._waiting.get(entry.name) == current and self.is_young(stat.st_mtime, now):
                    continue  # refused as it was, and not still for long: let it arrive
                settled = now - stat.st_mtime >= self.settle_seconds
                if settled or self._seen.get(entry.name) == current or self.marker_of(entry.name):
                    ready.append((stat.st_mtime_ns, entry.name))
        self._seen = seen
        self._waiting = {k: v for k, v in self._waiting.items() if k in seen}
        return [self.path / name for _, name in sorted(ready)]

    def is_young(self, mtime: float, now: float | None = None) -> bool:
        """Return True for a file written to so recently that it may still be arriving."""
        return (time.time() if now is None else now) - mtime < self.grace_seconds

    def wait_for(self, path: Path) -> bool:
        """Leave a file that cannot be read yet, if it may still be arriving; True if left.

        An upload that stalls under its final name looks complete and reads as
        broken; it is taken again once it changes, and refused only when it has
        been still for the grace time (15 settles: 30 s by default).
        """
        try:
            stat = path.stat()
        except FileNotFoundError:
            return True  # taken by another node
        if self.marker_of(path.name) is not None or not self.is_young(stat.st_mtime):
            self._waiting.pop(path.name, None)
            return False
        self._waiting[path.name] = Seen(stat.st_size, stat.st_mtime_ns)
        return True

    def retake_changed_failures(self) -> list[Path]:
        """Move back to the inbox each refused file that changed after it was refused.

        An upload still writing when its file was refused keeps writing into
        it in `failed/` (the same file, moved): once it has changed since its
        reason was written, it is given another try.
        """
        moved = []
        with os.scandir(self.failed) as entries:
            for entry in entries:
                if not entry.is_file(follow_symlinks=False) or entry.name.endswith(".reason.txt"):
                    continue
                reason = self.failed / f"{entry.name}.reason.txt"
                try:
                    changed = entry.stat().st_mtime_ns > reason.stat().st_mtime_ns
                except FileNotFoundError:
                    continue
                if changed and not (self.path / entry.name).exists():
                    os.replace(entry.path, self.path / entry.name)
                    reason.unlink(missing_ok=True)
                    moved.append(self.path / entry.name)
        return moved

    def read(self, path: Path) -> bytes:
        """Return the bytes of `path`, or raise FileTooLarge without reading it."""
        size = path.stat().st_size
        if size > self.max_bytes:
            raise FileTooLarge(f"file is {size:,} bytes, over the {self.max_bytes:,}-byte limit")
        with open(path, "rb") as handle:
            return handle.read(self.max_bytes + 1)

    def _move(self, path: Path, folder: Path) -> Path:
        target = folder / path.name
        counter = 1
        while target.exists():
            target = folder / f"{path.stem}.{counter}{path.suffix}"
            counter += 1
        os.replace(path, target)
        return target

    def done(self, path: Path, failed_items: list[str] | None = None) -> Path | None:
        """Move a stored file to `processed/`; return where it went (None: another node did).

        `failed_items` are the items of the file that were quarantined alone
        (one line each): they are listed in a `<name>.reason.txt` beside it.
        """
        self._seen.pop(path.name, None)
        self._drop_marker(path.name)
        try:
            target = self._move(path, self.processed)
        except FileNotFoundError:
            return None
        if failed_items:
            lines = "".join(f"{line.rstrip()}\n" for line in failed_items)
            heading = f"{len(failed_items)} item(s) quarantined, the rest stored:\n"
            target.with_name(target.name + ".reason.txt").write_text(heading + lines)
        return target

    def fail(self, path: Path, reason: str) -> Path:
        """Move a refused file to `failed/` with its reason beside it; return where it went."""
        self._seen.pop(path.name, None)
        self._drop_marker(path.name)
        target = self._move(path, self.failed)
        target.with_name(target.name + ".reason.txt").write_text(reason.rstrip() + "\n")
        return target

    def _drop_marker(self, name: str) -> None:
        marker = self.marker_of(name)
        if marker is not None:
            marker.unlink(missing_ok=True)


# A folder is scanned several times a second: files refused earlier are looked
# at again only this often.
RETAKE_EVERY = 30.0


@register
class FolderTransport(Transport):
    """Take the files agencies upload into a folder on this server."""

    name = "folder"
    label = "Watch folder"
    location_help = "A folder path on this server."
    local = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.folder = WatchFolder(self.location, settle_seconds=self.context.settle_seconds)
        self._retaken_at = -RETAKE_EVERY
        self.retaken: list[Path] = []  # the last pass's, for the log

    def pull(self, checkpoint: Mapping[str, Any], memory: Memory) -> Iterator[PulledDelivery]:
        clock = time.monotonic()
        self.retaken = []
        if clock - self._retaken_at >= RETAKE_EVERY:
            self._retaken_at = clock
            self.retaken = self.folder.retake_changed_failures()
        for path in self.folder.ready_files():
            try:
                data = self.folder.read(path)
            except FileTooLarge as exc:
                size = path.stat().st_size
                yield PulledDelivery(path.name, b"", refused=str(exc), size=size, receipt=path)
                continue
            except FileNotFoundError:
                continue  # taken by another poller on the same folder
            yield PulledDelivery(path.name, data, receipt=path)

    def may_be_incomplete(self, delivery: PulledDelivery) -> bool:
        return self.folder.wait_for(delivery.receipt)

    def acknowledge(self, delivery: PulledDelivery, stored: Stored) -> None:
        if stored.ok:
            self.folder.done(delivery.receipt, stored.item_failures)
        else:
            self.folder.fail(delivery.receipt, stored.reason)
