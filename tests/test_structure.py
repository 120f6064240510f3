"""The code's structure, as the design states it.

Storage shortcuts live behind one seam, and a name means one thing.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import wiredesk

SRC = Path(wiredesk.__file__).parent
STORAGE = SRC / "stories" / "storage"
# Hand-written SQL, the SQLite driver itself, and Django's internals.
SHORTCUTS = re.compile(
    r"connection\.cursor|connections\[[^]]*\]\.cursor|get_compiler|\.raw\(|executemany|set_cached_value|import sqlite3|_meta\.db_table"
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


def _top_level_names() -> dict[str, set[str]]:
    """Return each name a module of the package defines at its top, with those modules."""
    defined: dict[str, set[str]] = {}
    for path in sorted(SRC.rglob("*.py")):
        if path.parent.name == "migrations":
            continue
        module = ".".join(path.relative_to(SRC.parent).with_suffix("").parts)
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                names = [node.name]
            elif isinstance(node, ast.Assign):
                names = [t.id for t in node.targets if isinstance(t, ast.Name)]
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                names = [node.target.id]
            else:
                continue
            for name in names:
                defined.setdefault(name, set()).add(module)
    return defined


def test_a_type_name_means_one_type():
    # A class or type alias (a CamelCase name) is defined in one module: two
    # `Prepared`s, a model and a transport's `Delivery` read alike in review.
    # Django finds every management command by the name `Command`.
    defined = _top_level_names()
    twice = {
        name: sorted(modules)
        for name, modules in defined.items()
        if re.fullmatch(r"[A-Z][a-z]\w*", name) and len(modules) > 1 and name != "Command"
    }
    assert twice == {}


def test_the_names_that_said_two_things_are_gone():
    defined = _top_level_names()
    assert (
        "Prepared" not in defined
    )  # ingest.prepare.PreparedDelivery, storage.prepared.CompiledReads
    assert "HttpTransport" not in defined  # transports.http.HttpFetcher (HttpPoll is the transport)
    assert "notice_names" not in defined  # rules.words_name_story, kill_notices.notice_names_item
    assert defined["Delivery"] == {"wiredesk.stories.models"}  # transports.base.PulledDelivery
    assert defined["Action"] == {"wiredesk.stories.rules"}  # outcomes.ItemAction
    for name in ("announce", "check", "claim", "kill", "wrap", "fingerprint"):
        assert len(defined[name]) == 1, (name, defined[name])
