"""`wiredesk translations`: bring every catalogue up to the words the site marks, and compile it."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from wiredesk.site import catalogues


class Command(BaseCommand):
    help = (
        "Update the site's catalogues (locale/<lang>/LC_MESSAGES/django.po) from the words the "
        "templates and code mark, and compile each to django.mo (docs/translating.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--add",
            action="append",
            default=[],
            metavar="LANG",
            help="start a new language's catalogue",
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="change nothing; fail if a catalogue or its django.mo is not up to date",
        )

    def handle(self, *args: str, add: list[str], check: bool, **options: Any) -> None:
        if check:
            if stale := catalogues.stale():
                raise CommandError(
                    "catalogues not up to date; run `uv run wiredesk translations`:\n  "
                    + "\n  ".join(stale)
                )
            self.stdout.write(f"translations: {', '.join(catalogues.languages())} up to date")
            return
        written = catalogues.update(tuple(add))
        for path in written:
            self.stdout.write(f"wrote {path}")
        if not written:
            self.stdout.write("translations: every catalogue was up to date")
        for language in catalogues.languages():
            catalog = catalogues.read(language)
            messages = [m for m in catalog if m.id]
            done = sum(1 for m in messages if m.string and "fuzzy" not in m.flags)
            self.stdout.write(f"{language}: {done} of {len(messages)} translated")
