"""`wiredesk backup DEST`: the database, the picture files and the keys in one archive."""

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from wiredesk.runtime.backups import BackupError, write_backup
from wiredesk.stories.storage.snapshots import SnapshotError


class Command(BaseCommand):
    help = (
        "Write a backup archive (a .tar) of the database, taken while Wiredesk runs, the "
        "picture files kept on this machine, the secret key, and a manifest of them."
    )
    # A backup must run whatever the configuration's checks say.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "dest",
            type=Path,
            help="the archive to write, or a folder to write one in, named by the time",
        )

    def handle(self, *args: str, dest: Path, **options: Any) -> None:
        started = time.monotonic()
        try:
            path, manifest = write_backup(dest)
        except (BackupError, SnapshotError) as exc:
            raise CommandError(str(exc)) from None
        counts = ", ".join(f"{n:,} {name}" for name, n in manifest["counts"].items())
        self.stdout.write(
            f"backed up to {path}: {counts}; {len(manifest['files']):,} files "
            f"({path.stat().st_size / 1e6:,.1f} MB) in {time.monotonic() - started:,.1f} s"
        )
        if manifest["pictures_gone_meanwhile"]:
            self.stdout.write(
                f"{manifest['pictures_gone_meanwhile']} picture file(s) were deleted while it ran "
                "(a kill): a restore renders any still shown again from its original"
            )
