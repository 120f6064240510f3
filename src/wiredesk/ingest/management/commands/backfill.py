"""`wiredesk backfill FEED PATH...`: ingest an archive of one feed's deliveries at once."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from wiredesk.ingest.backfill import backfill, read_files
from wiredesk.ingest.pipeline import IngestReport
from wiredesk.sources.models import Feed


class Command(BaseCommand):
    help = (
        "Ingest every file under PATH as deliveries of FEED, in name order: prepared in "
        "worker processes, stored here (the same outcome as one by one, much faster)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("feed", help="the feed's slug (its agency is the stories' agency)")
        parser.add_argument("paths", nargs="+", type=Path, help="files or folders")
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="processes preparing deliveries (default: one a core)",
        )

    def handle(
        self, *args: str, feed: str, paths: list[Path], workers: int | None, **options: Any
    ) -> None:
        try:
            source = Feed.objects.select_related("agency").get(slug=feed)
        except Feed.DoesNotExist:
            raise CommandError(f"no feed {feed!r}: see `wiredesk sources list`") from None
        missing = [str(path) for path in paths if not path.exists()]
        if missing:
            raise CommandError(f"not found: {', '.join(missing)}")

        def progress(report: IngestReport) -> None:
            if not report.ok:
                self.stderr.write(f"quarantined {report}")

        total = backfill(source, read_files(paths), workers=workers, on_stored=progress)
        counts = ", ".join(f"{n:,} {action}" for action, n in sorted(total.actions.items()))
        self.stdout.write(
            f"{total.deliveries:,} deliveries ({total.quarantined:,} quarantined): "
            f"{counts or 'no items'}"
        )
