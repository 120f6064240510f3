"""Backups: one tar archive of the database, the picture files and the keys, with a manifest.

`wiredesk backup DEST` and `wiredesk restore SOURCE` (management/commands/).
One file rather than a folder: one thing to copy off the machine, keep and
rotate, written under another name and renamed when whole, so a backup that
died half-way is never taken for one. Plain tar: pictures are compressed
already, and an hourly backup should not spend a core on the database's
pages; a `.tar.gz` or `.tar.xz` made from it restores as it is.

Inside (every file's SHA-256 in `manifest.json`, the last member):

    database/wiredesk.sqlite3   SQLite's online backup (or database/wiredesk.pgdump)
    keys/secret_key             the data folder's key (sessions, password resets)
    pictures/originals/...      the agencies' files, named by their SHA-256
    pictures/renditions/...     what readers are served (made again from the originals)
    spool/...                   FTP and SFTP downloads not stored yet

The database is copied first and the files after: a picture's files are
written before the row that says it is ready, and originals are never
deleted, so every picture the copy holds has its original in the archive.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import io
import json
import os
import shutil
import tarfile
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, storages

from wiredesk.pictures.models import Picture
from wiredesk.stories.models import Delivery, Story, StoryVersion
from wiredesk.stories.storage import snapshots

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE = "database"
SECRET_KEY = "keys/secret_key"
PICTURE_FOLDERS = {"pictures/originals": "picture_originals", "pictures/renditions": "pictures"}
SPOOL = "spool"
CHUNK = 1 << 20
# What a manifest counts, in the database's copy itself.
COUNTED = {"stories": Story, "versions": StoryVersion, "deliveries": Delivery, "pictures": Picture}


class BackupError(Exception):
    """A backup could not be written, or an archive is not a whole Wiredesk backup."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def local_folder(storage_name: str) -> Path | None:
    """Return the folder a picture storage keeps its files in; None for a bucket."""
    storage = storages[storage_name]
    return Path(storage.location) if isinstance(storage, FileSystemStorage) else None


def _bucket(storage_name: str) -> str:
    storage = storages[storage_name]
    return str(getattr(storage, "bucket_name", "") or type(storage).__name__)


def _files_under(folder: Path) -> Iterator[tuple[str, Path]]:
    """Yield each file under `folder` (its path from there, with /), in name order."""
    for root, dirs, names in os.walk(folder):
        dirs.sort()
        for name in sorted(names):
            path = Path(root, name)
            yield path.relative_to(folder).as_posix(), path


class _Hashing:
    """A file read through once by tarfile, hashed on the way."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle, self.sha256 = handle, hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.sha256.update(data)
        return data


@dataclass
class _Writer:
    tar: tarfile.TarFile
    files: dict[str, str] = field(default_factory=dict)

    def _info(self, name: str, size: int) -> tarfile.TarInfo:
        info = tarfile.TarInfo(name)
        info.size, info.mode, info.mtime = size, 0o600, int(time.time())
        return info

    def add_bytes(self, name: str, data: bytes) -> None:
        self.tar.addfile(self._info(name, len(data)), io.BytesIO(data))
        self.files[name] = hashlib.sha256(data).hexdigest()

    def add_file(self, name: str, path: Path) -> None:
        """Add a file that nothing writes meanwhile (the database's copy), streamed."""
        with path.open("rb") as handle:
            reader = _Hashing(handle)
            self.tar.addfile(self._info(name, path.stat().st_size), reader)
        self.files[name] = reader.sha256.hexdigest()

    def add_live_file(self, name: str, path: Path) -> bool:
        """Add a file ingest may be writing or deleting (a picture): read whole first.

        Return False when it was gone by then (a rendition deleted by a kill).
        """
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return False
        self.add_bytes(name, data)
        return True


def archive_path(dest: Path) -> Path:
    """Return where to write: DEST itself, or a file named by the time in the folder DEST."""
    if dest.is_dir():
        return dest / f"wiredesk-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.tar"
    return dest


def write_backup(dest: Path) -> tuple[Path, dict[str, Any]]:
    """Write a backup archive at `dest` (a file, or a folder to name one in); return it and its manifest."""
    path = archive_path(dest)
    if not path.parent.is_dir():
        raise BackupError(f"no folder {path.parent}")
    partial = path.with_name(f".{path.name}.partial")
    # The archive holds the raw deliveries, API tokens, webhook secrets and the key.
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as raw:
            with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
                manifest = _write_members(_Writer(tar), path.parent)
            raw.flush()
            os.fsync(raw.fileno())  # on the disk before it takes the name of a backup
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return path, manifest


def _write_members(writer: _Writer, scratch: Path) -> dict[str, Any]:
    """Add the database's copy, the key, the picture files, the spool, then the manifest."""
    started = _now()
    # The copy beside the archive, not in /tmp: it is the database's size.
    with tempfile.TemporaryDirectory(dir=scratch, prefix=".wiredesk-backup-") as work:
        copy = Path(work) / snapshots.dump_name()
        counts = snapshots.dump(copy, COUNTED)
        writer.add_file(f"{DATABASE}/{copy.name}", copy)
    secret_key = _add_secret_key(writer)
    pictures, gone = _add_pictures(writer)
    for name, file in _files_under(Path(settings.DATA_DIR) / SPOOL):
        writer.add_live_file(f"{SPOOL}/{name}", file)
    manifest = {
        "format": FORMAT,
        "wiredesk": importlib.metadata.version("wiredesk"),
        "engine": snapshots.engine(),
        "database": f"{DATABASE}/{copy.name}",
        "started_at": started,
        "finished_at": _now(),
        "counts": counts,
        "secret_key": secret_key,
        "pictures": pictures,
        "pictures_gone_meanwhile": gone,
        "files": dict(writer.files),
    }
    writer.add_bytes(MANIFEST, json.dumps(manifest, indent=1).encode())
    return manifest


def _add_secret_key(writer: _Writer) -> str:
    if os.environ.get("WIREDESK_SECRET_KEY"):
        return "environment"  # the operator's secrets keep it, not the data folder
    key_file = Path(settings.DATA_DIR) / "secret_key"
    if not key_file.exists():
        return "none"
    writer.add_bytes(SECRET_KEY, key_file.read_bytes())
    return SECRET_KEY


def _add_pictures(writer: _Writer) -> tuple[str, int]:
    """Add the picture files kept on this machine; say where they are kept, and how many went."""
    gone, where = 0, []
    for prefix, storage_name in PICTURE_FOLDERS.items():
        folder = local_folder(storage_name)
        if folder is None:
            where.append(
                f"{storage_name}: bucket {_bucket(storage_name)}, backed up by its own means"
            )
            continue
        for name, file in _files_under(folder):
            gone += not writer.add_live_file(f"{prefix}/{name}", file)
        where.append(f"{storage_name}: {prefix}/")
    return "; ".join(where), gone


@dataclass
class Staged:
    """An archive read into a folder, every file checked against the manifest."""

    folder: Path
    manifest: dict[str, Any]

    @property
    def database(self) -> Path:
        return _inside(self.folder, self.manifest["database"])


def _inside(folder: Path, name: str) -> Path:
    """Return where a member goes under `folder`; refuse one that would land elsewhere."""
    parts = PurePosixPath(name).parts
    if not parts or PurePosixPath(name).is_absolute() or ".." in parts:
        raise BackupError(f"refused a member outside the archive's folders: {name!r}")
    return folder.joinpath(*parts)


def read_backup(source: Path, folder: Path) -> Staged:
    """Read the archive `source` into `folder`, checking each file's SHA-256 against the manifest."""
    hashes: dict[str, str] = {}
    manifest: dict[str, Any] | None = None
    try:
        with tarfile.open(source, "r:*") as tar:
            for member in tar:
                handle = tar.extractfile(member) if member.isfile() else None
                if handle is None:
                    raise BackupError(f"{member.name}: not a file (a Wiredesk backup holds files)")
                if member.name == MANIFEST:
                    manifest = json.load(handle)
                    continue
                target = _inside(folder, member.name)
                target.parent.mkdir(parents=True, exist_ok=True)
                digest = hashlib.sha256()
                with target.open("wb") as out:
                    while chunk := handle.read(CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
                hashes[member.name] = digest.hexdigest()
    except (tarfile.TarError, EOFError, json.JSONDecodeError) as exc:
        raise BackupError(f"{source}: not a whole backup archive ({exc})") from None
    if manifest is None:
        raise BackupError(f"{source}: no {MANIFEST}, so not a whole Wiredesk backup")
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{source}: backup format {manifest.get('format')}, not {FORMAT}")
    listed: dict[str, str] = manifest["files"]
    wrong = [name for name in listed if hashes.get(name) != listed[name]]
    unlisted = sorted(set(hashes) - set(listed))
    if wrong or unlisted:
        raise BackupError(
            f"{source}: {len(wrong)} file(s) missing or not as backed up"
            f"{' (' + ', '.join(wrong[:5]) + ')' if wrong else ''}, "
            f"{len(unlisted)} not in the manifest"
        )
    return Staged(folder, manifest)


def put_files(staged: Staged) -> dict[str, int]:
    """Put the staged key, picture files and spool in place; return how many of each."""
    placed = {"secret key": 0, "picture files": 0, "spool files": 0}
    data_dir = Path(settings.DATA_DIR)
    key = staged.folder / SECRET_KEY
    if key.exists():
        key.chmod(0o600)
        os.replace(key, data_dir / "secret_key")
        placed["secret key"] = 1
    for prefix, storage_name in PICTURE_FOLDERS.items():
        placed["picture files"] += _put_tree(staged.folder / prefix, storage_name)
    spool = staged.folder / SPOOL
    for name, file in _files_under(spool):
        target = data_dir / SPOOL / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(file, target)
        placed["spool files"] += 1
    return placed


def _put_tree(folder: Path, storage_name: str) -> int:
    local, storage, count = local_folder(storage_name), storages[storage_name], 0
    for name, file in _files_under(folder):
        if local is not None:  # a rename on the data folder's disk
            target = local / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(file, target)
        else:  # into the bucket this installation uses
            with file.open("rb") as handle:
                storage.save(name, File(handle, name))
        count += 1
    return count
