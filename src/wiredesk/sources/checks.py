"""Start-up: refuse to run with a feed that cannot work (a credential named but unset)."""

from django.core.management.base import CommandError

from .services import feed_problems


def refuse_broken_feeds() -> None:
    """Raise CommandError listing every enabled feed's problem, if any."""
    problems = feed_problems()
    if problems:
        lines = "\n  ".join(problems)
        raise CommandError(f"these feeds cannot work as configured:\n  {lines}")
