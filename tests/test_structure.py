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
