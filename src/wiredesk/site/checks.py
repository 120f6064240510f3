"""Start-up checks of what the site sends out: each `[[purge]]` block of wiredesk.toml."""

from __future__ import annotations

from typing import Any

from django.core import checks

from . import purge


def check_purge_backends(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Report each `[[purge]]` block that could not purge (found now, not at the first change)."""
    return [checks.Error(problem, id="wiredesk.E101") for problem in purge.problems()]
