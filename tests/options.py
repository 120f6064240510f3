"""Change the site's options for one test: `with_options(settings, site={"page_size": 20})`."""

from __future__ import annotations

from dataclasses import is_dataclass, replace
from typing import Any


def changed(options: Any, changes: dict[str, Any]) -> Any:
    """Return a copy of frozen `options` with `changes`; a dict for a section changes its fields."""
    return replace(
        options,
        **{
            name: changed(getattr(options, name), value)
            if isinstance(value, dict) and is_dataclass(getattr(options, name))
            else value
            for name, value in changes.items()
        },
    )


def with_options(settings, **sections: Any) -> None:
    """Set `settings.WIREDESK` (pytest-django's `settings`, restored after the test) to a changed copy.

    `with_options(settings, site={"url": "https://a.example", "app": {"link": None}})`.
    """
    settings.WIREDESK = changed(settings.WIREDESK, sections)
