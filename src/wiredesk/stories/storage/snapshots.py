"""The database in a backup (runtime/backups.py): a consistent copy taken while ingest
writes, and loaded back.

SQLite: the online backup API (`sqlite3.Connection.backup`) copies every page
in one read transaction, so the copy is one moment of the database; in WAL
mode writers go on meanwhile. PostgreSQL: `pg_dump --format=custom` run in a
snapshot this process exported, so the rows it counts are the rows dumped.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.db import connection, models, transaction

# What to count in a copy: a name for each model ("stories": Story).
Counted = Mapping[str, type[models.Model]]


class SnapshotError(Exception):
    """The database could not be copied or loaded."""


def engine() -> str:
    """Return "sqlite" or "postgresql", the engine of the default database."""
    if connection.vendor in ("sqlite", "postgresql"):
        return connection.vendor
    raise SnapshotError(f"backups support SQLite and PostgreSQL, not {connection.vendor}")


def dump_name() -> str:
    return "wiredesk.sqlite3" if engine() == "sqlite" else "wiredesk.pgdump"


def _count(cursor: Any, counted: Counted) -> dict[str, int]:
    counts = {}
    for name, model in counted.items():
        cursor.execute(f'SELECT count(*) FROM "{model._meta.db_table}"')
        counts[name] = int(cursor.fetchone()[0])
    return counts


def dump(out: Path, counted: Counted) -> dict[str, int]:
    """Write a consistent copy of the database to `out`; return the rows of `counted` in it."""
    if engine() == "sqlite":
        return _dump_sqlite(out, counted)
    return _dump_postgres(out, counted)


def _dump_sqlite(out: Path, counted: Counted) -> dict[str, int]:
    source = sqlite3.connect(connection.settings_dict["NAME"], timeout=30)
    copy = sqlite3.connect(out)
    try:
        # All pages in one step: one read transaction, so one moment of the
        # database. Copied a few pages a step, a write between two steps by
        # another connection starts the copy again, and ingest never pauses.
        source.backup(copy)
        return _count(copy.cursor(), counted)
    finally:
        copy.close()
        source.close()


def _dump_postgres(out: Path, counted: Counted) -> dict[str, int]:
    connection.ensure_connection()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        counts = _count(cursor, counted)
        # The snapshot lives as long as this transaction: pg_dump reads in it.
        _run(["pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={out}"])
    return counts


def _libpq() -> tuple[list[str], dict[str, str]]:
    """Return pg_dump's connection options and environment for the default database.

    The password goes in the environment, never on a command line others can read.
    """
    db = connection.settings_dict
    args = [f"--dbname={db['NAME']}"]
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if db.get(key):
            args.append(f"{option}={db[key]}")
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    options = db.get("OPTIONS", {})
    for key, variable in (
        ("sslmode", "PGSSLMODE"),
        ("sslrootcert", "PGSSLROOTCERT"),
        ("sslcert", "PGSSLCERT"),
        ("sslkey", "PGSSLKEY"),
    ):
        if options.get(key):
            env[variable] = str(options[key])
    return args, env


def _run(command: list[str]) -> None:
    args, env = _libpq()
    try:
        done = subprocess.run([*command, *args], env=env, capture_output=True, text=True)
    except FileNotFoundError:
        raise SnapshotError(f"{command[0]} not found: install PostgreSQL's client tools") from None
    if done.returncode:
        raise SnapshotError(f"{command[0]} failed: {done.stderr.strip()[-2000:]}")


def holds_tables() -> bool:
    """Say whether the default database has any table (Wiredesk's or another's)."""
    return bool(connection.introspection.table_names())


def load(dump_file: Path, *, replace: bool) -> None:
    """Load a copy made by `dump` into the default database (`replace`: over what is there)."""
    if engine() == "sqlite":
        _load_sqlite(dump_file)
    else:
        _load_postgres(dump_file, replace)
    connection.close()  # the next query sees the loaded database afresh


def _load_sqlite(dump_file: Path) -> None:
    connection.close()
    source = sqlite3.connect(dump_file)
    target = sqlite3.connect(connection.settings_dict["NAME"], timeout=30)
    try:
        # The backup API writes through the target's own journal, so a stale
        # -wal file beside it is never replayed over the restored pages; a WAL
        # database cannot take another page size, so out of WAL and back.
        target.execute("PRAGMA journal_mode=DELETE")
        source.backup(target)
        target.execute("PRAGMA journal_mode=WAL")
    finally:
        target.close()
        source.close()


def _load_postgres(dump_file: Path, replace: bool) -> None:
    clean = ["--clean", "--if-exists"] if replace else []
    _run(
        [
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            *clean,
            str(dump_file),
        ]
    )
    # pg_restore brings no planner statistics, and without them the lists'
    # plans read every story until autovacuum comes by (docs/deploy.md).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def count(counted: Counted) -> dict[str, int]:
    """Return the rows of `counted` in the default database now."""
    with connection.cursor() as cursor:
        return _count(cursor, counted)
