"""The folder the processes of one command write their metrics to (prometheus-client's multiprocess mode).

`wiredesk run` is a web server and an ingest process, `wiredesk serve` one
worker a core: a scrape reaches one process, and must see what all of them
counted. Each process writes its counters and histograms to memory-mapped
files in this folder, and `/metrics` sums them (docs/deploy.md, Metrics).
prometheus-client decides this when it is first imported, so the command line
(`cli.py`) calls `use_folder` before Django starts.
"""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import MutableMapping
from pathlib import Path

VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
# The commands that run several processes, each with a folder of its own: two
# commands on one machine never wipe each other's files.
COMMANDS = ("run", "demo", "serve", "worker")


def use_folder(
    command: str, data_dir: Path, environ: MutableMapping[str, str] = os.environ
) -> Path | None:
    """Point this process and its children at `<data_dir>/metrics/<host>/<command>`, emptied first.

    The host's name keeps containers that share one data volume (compose.yaml,
    scaled) apart: each sums only its own processes, and one that starts never
    empties another's folder.

    Return the folder, or None when `command` runs one process or the
    environment already names a folder (the operator's, left as it is).
    """
    if command not in COMMANDS or environ.get(VARIABLE):
        return None
    folder = data_dir / "metrics" / socket.gethostname() / command
    # Files left by the last run would be summed into this one's counts.
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    environ[VARIABLE] = str(folder)
    return folder


def shared_folder(environ: MutableMapping[str, str] = os.environ) -> Path | None:
    """Return the folder this process's metrics are shared through, if any."""
    value = environ.get(VARIABLE)
    return Path(value) if value else None
