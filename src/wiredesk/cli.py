"""The `wiredesk` command.

`wiredesk inspect PATH...` is pure Python (no database). Every other command is
a Django management command: `wiredesk demo`, `wiredesk run`, `wiredesk serve`,
`wiredesk worker`, `wiredesk scheduler`, `wiredesk sources sync`,
`wiredesk backup`, `wiredesk restore`, `wiredesk translations` (runtime/),
`wiredesk backfill`, `wiredesk optimize_search` (ingest/), and Django's own (`wiredesk migrate`,
`wiredesk createsuperuser`, ...).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from zoneinfo import ZoneInfo


def inspect(argv: list[str]) -> int:
    """Print every WireItem of each delivery as one JSON object a line."""
    from wiredesk.wire import ParseError, format_names, normalize
    from wiredesk.wire.formats import read

    parser = argparse.ArgumentParser(
        prog="wiredesk inspect",
        description="Show what Wiredesk reads from agency deliveries: one JSON object per item.",
    )
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    parser.add_argument("--format", default="auto", choices=("auto", *format_names()))
    parser.add_argument("--encoding", help="decode with this encoding, not the declared one")
    parser.add_argument(
        "--time-zone", default="UTC", help="zone of times sent without an offset (the agency's)"
    )
    parser.add_argument("--base-url", help="the URL the file came from (for its relative links)")
    parser.add_argument(
        "--repair-xml",
        action="store_true",
        help="repair an agency format's XML too, as a feed with repair_xml = true is (feeds "
        "always are)",
    )
    parser.add_argument(
        "--explain",
        action="store_true",
        help="say on standard error which rules decided each file's encoding and format, and "
        "what had to be repaired to read it",
    )
    args = parser.parse_args(argv)
    zone = ZoneInfo(args.time_zone)
    status = 0
    for path in args.paths:
        try:
            reading = read(
                path.read_bytes(), args.format, args.encoding, args.base_url, args.repair_xml
            )
        except (OSError, ParseError) as exc:
            print(f"wiredesk inspect: {path}: {exc}", file=sys.stderr)
            status = 1
            continue
        if args.explain:
            for rule in reading.rules:
                print(f"wiredesk inspect: {path}: {rule}", file=sys.stderr)
            for repair in reading.repairs:
                print(f"wiredesk inspect: {path}: repaired: {repair}", file=sys.stderr)
        for failure in reading.failures:
            print(f"wiredesk inspect: {path}: {failure} (quarantined alone)", file=sys.stderr)
            status = 1
        try:
            for item in reading.items:
                print(normalize(item, zone).to_json(), flush=True)
        except BrokenPipeError:  # `wiredesk inspect ... | head` is fine
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return status
    return status


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "inspect":
        return inspect(argv[1:])
    for i, arg in enumerate(argv):
        # Settings read the config at import, before a command parses its options.
        if arg == "--config" and i + 1 < len(argv):
            os.environ["WIREDESK_CONFIG"] = argv[i + 1]
        elif arg.startswith("--config="):
            os.environ["WIREDESK_CONFIG"] = arg.partition("=")[2]
    if argv and argv[0] == "demo":
        # The demo brings its own config and data folder; settings read them at import.
        from wiredesk.demo.setup import prepare_environment

        prepare_environment(argv[1:])
    if argv:
        # Before anything imports prometheus-client: it picks its multiprocess
        # mode at import (metrics/folder.py). The data folder as settings find it.
        from wiredesk.metrics.folder import use_folder

        data_dir = Path(os.environ.get("WIREDESK_DATA_DIR", Path.cwd() / "var")).resolve()
        use_folder(argv[0], data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wiredesk.config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["wiredesk", *argv])
    return 0


if __name__ == "__main__":
    sys.exit(main())
