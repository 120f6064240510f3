"""`wiredesk demo`: the product on its embedded default, with agency stories arriving."""

import secrets
import threading
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from wiredesk.demo.replay import replay
from wiredesk.demo.setup import demo_arguments
from wiredesk.runtime.engine import serve_embedded, start_thread
from wiredesk.sources.checks import refuse_broken_feeds


class Command(BaseCommand):
    help = "Run the demo: SQLite under --data-dir, demo agencies, stories replayed as they arrive."

    def add_arguments(self, parser: CommandParser) -> None:
        # The options prepare_environment read before Django started, declared again.
        for action in demo_arguments()._actions:
            kind = action.type if callable(action.type) else str
            parser.add_argument(*action.option_strings, type=kind, default=action.default)

    def handle(self, *args: str, host: str, port: int, data_dir: str, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("sources", "sync", stdout=self.stdout)
        refuse_broken_feeds()
        password = secrets.token_urlsafe(12)
        user, _ = get_user_model().objects.get_or_create(
            username="admin", defaults={"is_staff": True, "is_superuser": True}
        )
        user.set_password(password)
        user.save()
        stop = threading.Event()
        inbox_root = Path(settings.DATA_DIR) / "inbox"

        def ready(url: str) -> None:
            self.stdout.write(
                f"\nWiredesk demo: {url}\n"
                f"  desk:  {url}desk/  user admin  password {password}\n"
                f"  admin: {url}admin/ (the same login)\n"
                f"  data:  {settings.DATA_DIR}\n"
                "  Agency deliveries are dropped into the watch folders under data/inbox;\n"
                "  watch them arrive on the home page and on the desk's wire. Ctrl-C stops.\n"
            )
            self.stdout.flush()
            start_thread(lambda: replay(inbox_root, stop), "wiredesk-demo-replay")

        try:
            serve_embedded(host, port, on_ready=ready)
        finally:
            stop.set()
