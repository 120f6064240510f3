"""`wiredesk run`: the embedded engine on real feeds (one command: the web server, and ingest in a
process of its own beside it)."""

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from wiredesk.config.hosts import refuse_any_host
from wiredesk.config.loader import config_path
from wiredesk.runtime.engine import serve_embedded
from wiredesk.sources.checks import refuse_broken_feeds


class Command(BaseCommand):
    help = "Migrate, apply wiredesk.toml, then serve the site and ingest its feeds."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--config", help="path to wiredesk.toml (default: ./wiredesk.toml)")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args: str, host: str, port: int, **options: Any) -> None:
        refuse_any_host()
        call_command("migrate", interactive=False, verbosity=0)
        if config_path() is not None:
            call_command("sources", "sync", stdout=self.stdout)
        refuse_broken_feeds()
        serve_embedded(host, port, on_ready=lambda url: self.stdout.write(f"Wiredesk at {url}"))
