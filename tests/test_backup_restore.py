"""Backup and restore (issue 32): an archive taken while ingest writes restores whole into
an empty data folder, and every hash Wiredesk keeps still checks. On SQLite, and on
PostgreSQL in CI's second pass (restored into a scratch database)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import sqlite3
import subprocess
import sys
import tarfile
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from wiredesk.api.models import ApiClient
from wiredesk.ingest.pipeline import ingest_bytes
from wiredesk.pictures.models import Picture
from wiredesk.runtime.backups import BackupError, read_backup
from wiredesk.stories.models import Delivery, Story, StoryVersion
from wiredesk.syndication.models import Webhook

from .pictures_helpers import fetch_all, photo
from .wire_builder import g2_item

T0 = datetime(2026, 12, 3, 4, 0, tzinfo=UTC)
LATER = datetime(2026, 12, 3, 5, 0, tzinfo=UTC)
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}


def _rss_with_picture(n: int, base: str) -> bytes:
    return f"""<?xml version="1.0"?><rss version="2.0"><channel><title>IANS</title><link>{base}/</link>
<description>d</description><item><guid isPermaLink="false">ians-pic-{n}</guid><title>Picture story {n}</title>
<pubDate>Thu, 03 Dec 2026 10:00:00 +0530</pubDate><description>UNNAO, Dec 3 (IANS) Story {n} with a photo.</description>
<enclosure url="{base}/{n}.jpg" type="image/jpeg" length="1000"/></item></channel></rss>""".encode()


class Ingest(threading.Thread):
    """Deliver stories through the real pipeline until stopped: new ones, updates, pictures."""

    def __init__(self, feed: Any, photo_server: Any) -> None:
        super().__init__(daemon=True)
        self.feed, self.server = feed, photo_server
        self.stop, self.delivered, self.error = threading.Event(), 0, None
        self.progress = threading.Condition()

    def run(self) -> None:
        try:
            n = 0
            while not self.stop.is_set():
                self._deliver(n)
                n += 1
                with self.progress:
                    self.delivered = n
                    self.progress.notify_all()
        except BaseException as exc:  # shown by the test, not lost in the thread
            self.error = exc
            with self.progress:
                self.progress.notify_all()
        finally:
            connection.close()

    def _deliver(self, n: int) -> None:
        if n % 15 == 7:  # a picture, fetched and rendered while the backup runs
            self.server.serve(f"/{n}.jpg", photo(400 + n, 300))
            ingest_bytes(self.feed, _rss_with_picture(n, self.server.base_url), f"{n}.rss")
            fetch_all()
            return
        if n % 5 == 4:  # a new version of the story delivered just before
            data = g2_item(f"urn:backup:{n - 1}", 2, LATER, headline=f"Story {n - 1}, updated")
        else:
            text = (f"NEW DELHI, Dec 3 Story {n}.",)
            data = g2_item(f"urn:backup:{n}", 1, T0, headline=f"Story {n}", paragraphs=text)
        ingest_bytes(self.feed, data, f"{n}.xml")

    def wait_for(self, delivered: int) -> None:
        with self.progress:
            assert self.progress.wait_for(lambda: self.delivered >= delivered or self.error, 120)
        assert self.error is None, self.error


def _database_url() -> str:
    """The test database, as DATABASE_URL says it to a `wiredesk` process."""
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{database['NAME']}"
    return f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"


def _env(data_dir: Path, database_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIREDESK_")}
    env.pop("DATABASE_URL", None)
    env["WIREDESK_DATA_DIR"] = str(data_dir)
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def wiredesk(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "wiredesk.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@contextmanager
def empty_database() -> Iterator[str | None]:
    """Yield the DATABASE_URL of an empty database to restore into (None: the data folder's SQLite)."""
    if connection.vendor == "sqlite":
        yield None
        return
    import psycopg

    database = settings.DATABASES["default"]
    server = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}"
    name = f"wiredesk_restore_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"{server}/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def restored_rows(data_dir: Path, database_url: str | None) -> Iterator[Any]:
    """Yield a function running a query on the restored database (not this test's)."""
    if database_url is None:
        db = sqlite3.connect(data_dir / "wiredesk.sqlite3")
    else:
        import psycopg

        db = psycopg.connect(database_url)
    try:
        yield lambda sql: [tuple(row) for row in db.execute(sql).fetchall()]
    finally:
        db.close()


def _table(model: Any) -> str:
    return model._meta.db_table


@pytest.mark.django_db(transaction=True)  # the ingest thread and the commands see commits
def test_a_backup_taken_while_ingest_runs_restores_whole_and_every_hash_checks(
    picture_feed, photo_server, tmp_path
):
    data_dir = tmp_path  # the picture storages of `picture_files` are under it
    Webhook.objects.create(url="https://hooks.example/w", secret="webhook-secret")
    api_client = ApiClient.objects.create(name="app")
    ingest = Ingest(picture_feed, photo_server)
    ingest.start()
    try:
        ingest.wait_for(25)  # two pictures among them, fetched and rendered
        before = Story.objects.count()
        backup = wiredesk(
            "backup", str(tmp_path / "backup.tar"), env=_env(data_dir, _database_url())
        )
        after = Story.objects.count()
        ingest.wait_for(ingest.delivered + 5)  # and on after it
    finally:
        ingest.stop.set()
        ingest.join(timeout=120)
    assert ingest.error is None, ingest.error
    assert backup.returncode == 0, backup.stderr
    assert after > before  # ingest stored stories while the backup ran

    with tarfile.open(tmp_path / "backup.tar") as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
        names = tar.getnames()
    counts = manifest["counts"]
    assert manifest["engine"] == connection.vendor
    assert before <= counts["stories"] <= after
    assert counts["pictures"] >= 2 and counts["versions"] > counts["stories"]
    assert Story.objects.count() > counts["stories"]  # the live database went on
    assert "keys/secret_key" in names and any(n.startswith("pictures/originals/") for n in names)
    assert set(manifest["files"]) == set(names) - {"manifest.json"}

    with empty_database() as target_url:
        restored_dir = tmp_path / "restored"  # a new, empty data folder
        restore = wiredesk(
            "restore", str(tmp_path / "backup.tar"), env=_env(restored_dir, target_url)
        )
        assert restore.returncode == 0, restore.stdout + restore.stderr
        assert "every file, count and hash checks" in restore.stdout
        # The restored installation is whole: its schema is the code's.
        migrated = wiredesk("migrate", "--check", env=_env(restored_dir, target_url))
        assert migrated.returncode == 0, migrated.stdout + migrated.stderr

        with restored_rows(restored_dir, target_url) as rows:
            stories = rows(f"SELECT id, item_id FROM {_table(Story)}")
            versions = rows(
                f"SELECT story_id, version, body_text, text_sha256 FROM {_table(StoryVersion)}"
            )
            deliveries = rows(f"SELECT sha256, data FROM {_table(Delivery)}")
            pictures = rows(f"SELECT id, sha256, mime, state FROM {_table(Picture)}")
            webhooks = rows(f"SELECT url, secret FROM {_table(Webhook)}")
            tokens = rows(f"SELECT token FROM {_table(ApiClient)}")
        # Every story, version, delivery and picture the manifest counted, as stored then.
        assert len(stories) == counts["stories"]
        assert len(versions) == counts["versions"]
        assert len(deliveries) == counts["deliveries"]
        assert len(pictures) == counts["pictures"]
        # (A story's headline may have changed since: its versions say what it was.)
        assert set(stories) <= set(Story.objects.values_list("id", "item_id"))
        live_versions = set(StoryVersion.objects.values_list("story_id", "version", "text_sha256"))
        assert {(s, v, digest) for s, v, _, digest in versions} <= live_versions
        assert {d for d, _ in deliveries} <= set(Delivery.objects.values_list("sha256", flat=True))
        # Every hash checks: the raw deliveries' bytes, the versions' text, the pictures' files.
        for digest, data in deliveries:
            assert hashlib.sha256(bytes(data)).hexdigest() == digest
        for _, _, text, digest in versions:
            assert hashlib.sha256(text.encode()).hexdigest() == digest
        fetched = [(digest, mime, state) for _, digest, mime, state in pictures if digest]
        assert len(fetched) >= 2
        for digest, mime, state in fetched:
            original = (
                restored_dir / "picture-originals" / digest[:2] / f"{digest}.{EXTENSIONS[mime]}"
            )
            assert hashlib.sha256(original.read_bytes()).hexdigest() == digest
            if state == Picture.State.READY:
                assert (
                    restored_dir / "media" / "pictures" / digest[:2] / digest / "1x1.jpg"
                ).exists()
        # And the keys: the data folder's secret key, the webhooks' and API clients' secrets.
        assert (restored_dir / "secret_key").read_bytes() == (data_dir / "secret_key").read_bytes()
        assert webhooks == [("https://hooks.example/w", "webhook-secret")]
        assert tokens == [(api_client.token,)]

        # A data folder that holds a database is refused without --force.
        again = wiredesk(
            "restore", str(tmp_path / "backup.tar"), env=_env(restored_dir, target_url)
        )
        assert again.returncode == 1 and "already holds tables" in again.stderr


def test_an_archive_whose_file_differs_from_its_manifest_is_refused(tmp_path):
    data = b"not the bytes that were backed up"
    manifest = {
        "format": 1,
        "engine": "sqlite",
        "files": {"keys/secret_key": hashlib.sha256(b"the key").hexdigest()},
    }
    with tarfile.open(tmp_path / "b.tar", "w") as tar:
        for name, body in (
            ("keys/secret_key", data),
            ("manifest.json", json.dumps(manifest).encode()),
        ):
            info = tarfile.TarInfo(name)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
    with pytest.raises(
        BackupError, match=r"1 file\(s\) missing or not as backed up \(keys/secret_key"
    ):
        read_backup(tmp_path / "b.tar", tmp_path / "staged")


def test_an_archive_with_a_member_outside_its_folders_is_refused(tmp_path):
    with tarfile.open(tmp_path / "b.tar", "w") as tar:
        info = tarfile.TarInfo("../escaped")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    with pytest.raises(BackupError, match="outside"):
        read_backup(tmp_path / "b.tar", tmp_path / "staged")
    assert not (tmp_path / "escaped").exists()
