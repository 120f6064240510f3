"""The code's structure, as the design states it: storage shortcuts live behind one seam."""

from __future__ import annotations

import re
from pathlib import Path

import wiredesk

SRC = Path(wiredesk.__file__).parent
STORAGE = SRC / "stories" / "storage"
# Hand-written SQL, the SQLite driver itself, and Django's internals.
SHORTCUTS = re.compile(
    r"connection\.cursor|\.raw\(|executemany|set_cached_value|import sqlite3|_meta\.db_table"
)


def test_hand_written_sql_and_django_internals_live_only_in_the_stories_storage_package():
    found = []
    for path in sorted(SRC.rglob("*.py")):
        if STORAGE in path.parents or path.parent.name == "migrations":
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if SHORTCUTS.search(line):
                found.append(f"{path.relative_to(SRC)}:{number}: {line.strip()}")
    assert found == []
    # The seam is really used: the shortcuts are there, and nowhere else.
    assert any(SHORTCUTS.search(p.read_text()) for p in STORAGE.glob("*.py"))


def test_the_process_commands_keep_their_names_and_live_in_the_runtime_layer():
    from django.core.management import get_commands

    commands = get_commands()
    for name in ("run", "serve", "worker", "scheduler", "demo", "sources"):
        assert commands[name] == "wiredesk.runtime", name
    assert commands["backfill"] == "wiredesk.ingest"


def test_pictures_reach_ingest_and_the_site_only_by_their_signals():
    from wiredesk.pictures import signals

    assert signals.picture_failed.has_listeners()
    assert signals.pictures_withdrawn.has_listeners()
