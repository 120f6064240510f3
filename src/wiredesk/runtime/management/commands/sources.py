"""`wiredesk sources sync`: apply the agencies and feeds of wiredesk.toml; `list`: show them."""

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from wiredesk.config.loader import config_path, load_config
from wiredesk.sources.models import Feed
from wiredesk.sources.services import sync_sources


class Command(BaseCommand):
    help = "Manage sources: `sync` applies wiredesk.toml (idempotent); `list` shows them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["sync", "list"])
        parser.add_argument("--config", help="path to wiredesk.toml (default: $WIREDESK_CONFIG)")

    def handle(self, *args: str, action: str, config: str | None = None, **options: Any) -> None:
        if action == "list":
            for feed in Feed.objects.select_related("agency"):
                self.stdout.write(
                    f"{feed.agency.slug}\t{feed.slug}\t{feed.transport}\t{feed.format}\t"
                    f"{feed.poll_interval:g}s\t{'on' if feed.enabled else 'off'}\t{feed.location}"
                )
            return
        path = config_path() if config is None else Path(config)
        if path is None:
            raise CommandError("no wiredesk.toml here; pass --config or set WIREDESK_CONFIG")
        try:
            report = sync_sources(load_config(path), base_dir=path.resolve().parent)
        except ValidationError as exc:
            raise CommandError(f"{path}: {'; '.join(exc.messages)}") from None
        self.stdout.write(f"sources sync {path}: {report}")
