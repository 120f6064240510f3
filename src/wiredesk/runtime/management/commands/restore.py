"""`wiredesk restore SOURCE`: a backup into an empty data folder and database, then checked."""

import importlib.metadata
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from wiredesk.runtime.backups import BackupError, put_files, read_backup
from wiredesk.runtime.restore_checks import check_restored
from wiredesk.stories.storage import snapshots


class Command(BaseCommand):
    help = (
        "Restore a `wiredesk backup` archive into this data folder's empty database (or the "
        "empty PostgreSQL database DATABASE_URL names), then check it against its manifest."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", type=Path, help="the archive (.tar, or .tar.gz/.tar.xz)")
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace the database that is there (stop every Wiredesk process first)",
        )

    def handle(self, *args: str, source: Path, force: bool, **options: Any) -> None:
        if not source.is_file():
            raise CommandError(f"no backup archive {source}")
        started = time.monotonic()
        try:
            engine = snapshots.engine()
            if snapshots.holds_tables() and not force:
                raise CommandError(
                    f"the {engine} database {settings.DATABASES['default']['NAME']} already "
                    "holds tables: restore into an empty one, or pass --force to replace it"
                )
            data_dir = Path(settings.DATA_DIR)
            # Read beside the data, not in /tmp: the archive is the database's size.
            folder = Path(tempfile.mkdtemp(dir=data_dir, prefix=".restore-"))
            try:
                staged = read_backup(source, folder)
                if staged.manifest["engine"] != engine:
                    raise CommandError(
                        f"a {staged.manifest['engine']} backup restores into {staged.manifest['engine']}"
                        f", not {engine} (DATABASE_URL chooses)"
                    )
                snapshots.load(staged.database, replace=force)
                placed = put_files(staged)
            finally:
                shutil.rmtree(folder, ignore_errors=True)
        except (BackupError, snapshots.SnapshotError) as exc:
            raise CommandError(str(exc)) from None
        manifest = staged.manifest
        self.stdout.write(
            f"restored {source} (Wiredesk {manifest['wiredesk']}, {manifest['engine']}, "
            f"taken {manifest['started_at']} to {manifest['finished_at']}) in "
            f"{time.monotonic() - started:,.1f} s: "
            + ", ".join(f"{n:,} {what}" for what, n in placed.items())
        )
        started = time.monotonic()
        found = check_restored(manifest)
        for line in found.said:
            self.stdout.write(f"  {line}")
        self._bump_generation()
        self._notes(manifest)
        if found.problems:
            for problem in found.problems:
                self.stderr.write(f"  {problem}")
            raise CommandError(f"{len(found.problems)} problem(s) in the restored data")
        self.stdout.write(
            f"every file, count and hash checks (checked in {time.monotonic() - started:,.1f} s)"
        )

    def _bump_generation(self) -> None:
        # Pages cached before the restore (Redis outlives it) are not the restored stories'.
        from wiredesk.site.cache import bump_generation

        bump_generation()

    def _notes(self, manifest: dict[str, Any]) -> None:
        if manifest["secret_key"] == "environment":
            self.stdout.write("the secret key was WIREDESK_SECRET_KEY's: set the same one here")
        elif os.environ.get("WIREDESK_SECRET_KEY"):
            self.stdout.write("WIREDESK_SECRET_KEY is set: it, not the restored key, is used")
        if "bucket" in manifest["pictures"]:
            self.stdout.write(f"pictures: {manifest['pictures']}")
        running = importlib.metadata.version("wiredesk")
        if running != manifest["wiredesk"]:
            self.stdout.write(
                f"backed up by Wiredesk {manifest['wiredesk']}, restored by {running}: "
                "run `wiredesk migrate`"
            )
