"""Prepare the demo's environment before Django reads its settings."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

DEMO_DIR = Path(__file__).resolve().parent
DELIVERIES = DEMO_DIR / "deliveries"
DESK_STATES = DEMO_DIR / "desk_states"
CONFIG = DEMO_DIR / "wiredesk.toml"


def demo_arguments() -> argparse.ArgumentParser:
    """Return the demo's own options: read here before Django starts, and by `wiredesk demo`."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument(
        "--port", type=int, default=8000, help="the port the site listens on (default: 8000)"
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="the address it listens on (default: 127.0.0.1, this machine only)",
    )
    parser.add_argument(
        "--data-dir",
        default="var",
        help="the folder of the demo's database and of the agencies' watch folders, "
        "DATA_DIR/inbox/<agency>/ (default: var)",
    )
    return parser


def prepare_environment(argv: list[str]) -> None:
    """Point settings at the demo's config, data folder and site URL."""
    args, _ = demo_arguments().parse_known_args(argv)
    data_dir = Path(args.data_dir).resolve()
    os.environ["WIREDESK_DATA_DIR"] = str(data_dir)
    os.environ["WIREDESK_CONFIG"] = str(CONFIG)
    os.environ.setdefault("WIREDESK_SITE_URL", f"http://{args.host}:{args.port}")
