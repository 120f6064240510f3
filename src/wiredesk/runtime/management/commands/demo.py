"""`wiredesk demo`: the product on its embedded default, with agency stories arriving."""

import os
import secrets
import threading
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from wiredesk.demo.replay import replay
from wiredesk.demo.sections import SECTIONS
from wiredesk.demo.setup import demo_arguments
from wiredesk.desk.roles import ADMINISTRATORS, DUTY_EDITORS, VIEWERS
from wiredesk.runtime.engine import serve_embedded, start_thread
from wiredesk.sources.checks import refuse_broken_feeds
from wiredesk.sources.models import Feed
from wiredesk.stories.models import Section, SectionRule

# The demo's logins, one of each role (docs/desk.md, Roles): admin is a superuser.
DEMO_ROLES = {"admin": ADMINISTRATORS, "editor": DUTY_EDITORS, "viewer": VIEWERS}


def demo_login(username: str) -> str:
    """Make (or find) the demo's staff user `username` in its role; return a new password."""
    password = secrets.token_urlsafe(12)
    user, _ = get_user_model().objects.get_or_create(
        username=username, defaults={"is_staff": True, "is_superuser": username == "admin"}
    )
    user.set_password(password)
    user.save()
    user.groups.set([Group.objects.get(name=DEMO_ROLES[username])])
    return password


def demo_sections() -> None:
    """Make the demo's sections and their routing rules (again, as they were, on a later run)."""
    for order, section in enumerate(SECTIONS):
        row, _ = Section.objects.update_or_create(
            slug=section.slug, defaults={"name": section.name, "order": order}
        )
        for kind, value in section.rules:
            SectionRule.objects.get_or_create(section=row, kind=kind, value=value)


class Command(BaseCommand):
    help = "Run the demo: SQLite under --data-dir, demo agencies, stories replayed as they arrive."

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        """Put Django's own options under a heading of their own, after the demo's."""
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        ours = {"-h", *(o for a in demo_arguments()._actions for o in a.option_strings)}
        django = parser.add_argument_group("options every wiredesk command takes")
        for action in list(parser._optionals._group_actions):
            if not ours & set(action.option_strings):
                parser._optionals._group_actions.remove(action)
                django._group_actions.append(action)
        return parser

    def add_arguments(self, parser: ArgumentParser) -> None:
        # The options prepare_environment read before Django started, declared again.
        for action in demo_arguments()._actions:
            kind = action.type if callable(action.type) else str
            parser.add_argument(
                *action.option_strings, type=kind, default=action.default, help=action.help
            )

    def handle(self, *args: str, host: str, port: int, data_dir: str, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("sources", "sync", stdout=self.stdout)
        refuse_broken_feeds()
        demo_sections()  # before the first story: each is routed as it arrives
        password, editor, viewer = demo_login("admin"), demo_login("editor"), demo_login("viewer")
        stop = threading.Event()
        inbox_root = Path(settings.DATA_DIR) / "inbox"
        folders = sorted(Feed.objects.filter(transport="folder").values_list("location", flat=True))

        def ready(url: str) -> None:
            watched = "".join(f"    {folder}{os.sep}\n" for folder in folders)
            editions = "".join(
                f"  edition {tag}: {url}{tag}/\n" for tag in settings.WIREDESK.site.editions
            )
            self.stdout.write(
                f"\nWiredesk demo: {url}\n"
                f"  desk:  {url}desk/  user admin  password {password}\n"
                f"  admin: {url}admin/ (the same login: an administrator)\n"
                f"  duty editor: user editor  password {editor}  (the desk and its actions)\n"
                f"  viewer:      user viewer  password {viewer}  (the desk, read-only)\n"
                f"  data:  {settings.DATA_DIR}\n"
                f"{editions}"
                "  Agency deliveries are dropped into their watch folders:\n"
                f"{watched}"
                "  Watch them arrive on the home page, in its sections and on the desk's wire.\n"
                "  Ctrl-C stops.\n"
            )
            self.stdout.flush()
            start_thread(lambda: replay(inbox_root, stop), "wiredesk-demo-replay")

        try:
            serve_embedded(host, port, on_ready=ready)
        finally:
            stop.set()
