"""How a section of wiredesk.toml declares its fields: `setting()`, and sizes in megabytes.

Pure Python, no Django. Each section's dataclass (config/options.py and the
modules of one section each, such as config/site_options.py) declares its
fields with `setting()`; config/options.py reads the file by these
declarations and checks every value against them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import field
from typing import Any

MEGABYTE = 1024 * 1024


def setting(
    default: Any,
    *,
    key: str | None = None,
    env: str | None = None,
    choices: tuple[str, ...] = (),
    at_least: float | None = None,
    at_most: float | None = None,
    scale: int = 1,
    tidy: Callable[[Any], Any] | None = None,
) -> Any:
    """Declare a field: its default, and how the file (and the environment) give it.

    `key`: its name in the file when not the field's (a size in megabytes whose
    field holds bytes, with `scale`); `env`: an environment variable that wins
    over the file; `choices`, `at_least`, `at_most`: the values allowed;
    `tidy`: applied to the value read (a URL's trailing slash dropped).
    """
    metadata = {
        "key": key,
        "env": env,
        "choices": choices,
        "at_least": at_least,
        "at_most": at_most,
        "scale": scale,
        "tidy": tidy,
    }
    return field(default=default, metadata=metadata)
