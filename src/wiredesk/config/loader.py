"""Read `wiredesk.toml`: the site's settings and its declared sources."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any


def config_path() -> Path | None:
    """Return the config file in use: $WIREDESK_CONFIG, else ./wiredesk.toml if present."""
    named = os.environ.get("WIREDESK_CONFIG")
    if named:
        return Path(named)
    default = Path.cwd() / "wiredesk.toml"
    return default if default.exists() else None


def load_config(path: Path | None = None) -> dict[str, Any]:
    """Return the parsed config, or {} when there is none."""
    path = path or config_path()
    if path is None:
        return {}
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise SystemExit(f"wiredesk: config file {path} not found (set WIREDESK_CONFIG)") from None
    except tomllib.TOMLDecodeError as exc:
        raise SystemExit(f"wiredesk: {path} is not valid TOML: {exc}") from None
