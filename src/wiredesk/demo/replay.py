"""Replay the bundled agency deliveries into the demo's watch folders, a few at a time."""

from __future__ import annotations

import logging
import os
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from .pictures import write_pictures
from .setup import DELIVERIES, DESK_STATES

log = logging.getLogger("wiredesk.demo")


def bundled_deliveries() -> list[Path]:
    """Return the bundled delivery files in the order they are replayed."""
    return sorted(p for p in DELIVERIES.iterdir() if p.is_file() and not p.name.startswith("."))


def agency_of(path: Path) -> str:
    """Return the agency slug of a bundled file (`0001-ians-seed-v1.xml` is ians)."""
    return path.name.split("-")[1]


# An agency's second service, delivered to a watch folder of its own: its files
# are named after it ("0018-harbour-hindi-0117.json" is Harbour's Hindi service).
SERVICES = ("harbour-hindi",)


def inbox_of(path: Path) -> str:
    """Return the watch folder a bundled file is dropped into: its service's, else its agency's."""
    rest = path.name.split("-", 1)[1]
    return next((s for s in SERVICES if rest.startswith(f"{s}-")), agency_of(path))


def desk_state_deliveries() -> list[Path]:
    """Return the deliveries that show the desk's states: held, embargoed, killed,
    quarantined, duplicate (replayed after the others)."""
    return sorted(p for p in DESK_STATES.iterdir() if p.is_file() and not p.name.startswith("."))


EMBARGO_MINUTES = 30  # the demo's embargo ends this long after its story arrives


def drop(path: Path, inbox_root: Path) -> Path:
    """Copy one delivery into its agency's inbox the way an upload should: write, then rename."""
    inbox = inbox_root / inbox_of(path)
    inbox.mkdir(parents=True, exist_ok=True)
    partial = inbox / f".{path.name}.part"
    data = path.read_bytes()
    if b"{EMBARGO}" in data:  # an embargo still running when the demo shows it
        ends = datetime.now(UTC) + timedelta(minutes=EMBARGO_MINUTES)
        data = data.replace(b"{EMBARGO}", ends.isoformat(timespec="seconds").encode())
    write_pictures(path, inbox)  # before the delivery that names them
    partial.write_bytes(data)
    target = inbox / path.name
    os.replace(partial, target)
    return target


def taken(target: Path, stop: threading.Event, timeout: float = 60.0) -> bool:
    """Wait until the watch folder has taken `target` (into processed/ or failed/)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any((target.parent / done / target.name).exists() for done in ("processed", "failed")):
            return True
        if stop.wait(0.1):
            return False
    return False


def replay(
    inbox_root: Path,
    stop: threading.Event,
    first_pause: float = 4.0,
    pause: float = 1.5,
    batch: int = 3,
) -> None:
    """Drop the seed story, its revision `first_pause` after it is taken, then the rest
    `batch` at a time once that is taken too.

    Waiting for each seed file to be taken keeps the seed the first story (story 1)
    and its revision an update, however long the ingest process takes to start.
    """
    files = bundled_deliveries()
    seed, rest = files[:2], files[2:]
    taken(drop(seed[0], inbox_root), stop)
    log.info("demo: dropped %s", seed[0].name)
    if stop.wait(first_pause):
        return
    taken(drop(seed[1], inbox_root), stop)
    log.info("demo: dropped %s (the revised seed story)", seed[1].name)
    for start in range(0, len(rest), batch):
        if stop.wait(pause):
            return
        for path in rest[start : start + batch]:
            drop(path, inbox_root)
        log.info("demo: dropped %d more deliveries", len(rest[start : start + batch]))
    for path in desk_state_deliveries():
        if stop.wait(pause):
            return
        drop(path, inbox_root)
    log.info(
        "demo: all %d bundled deliveries dropped, and %d showing the desk's states",
        len(files),
        len(desk_state_deliveries()),
    )
