"""A search stopped after MAX_QUERY_MS, on either engine.

A search that runs long answers with nothing rather than hold a worker (and,
on SQLite, the interpreter) any longer: PostgreSQL's statement_timeout, set
for the search's statements only; SQLite's progress handler, which looks at
the clock every PROGRESS_STEPS steps of its virtual machine.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction
from django.db.utils import OperationalError

from ..models import Story

# The longest one search may take; past it the search answers with nothing
# rather than hold a worker (and, on SQLite, the interpreter) any longer.
MAX_QUERY_MS = 250
PROGRESS_STEPS = 10_000  # SQLite virtual-machine steps between looks at the clock


class SearchTimedOut(Exception):
    """The query ran past MAX_QUERY_MS and was stopped."""


@contextmanager
def time_limited(q: str, newest: bool = False) -> Iterator[int | None]:
    """Stop the statements run inside after MAX_QUERY_MS, raising SearchTimedOut.

    With `newest`, on PostgreSQL: yield the newest story id, and keep the
    planner from plain index scans inside (`_pg_candidates`); else yield None.
    """
    if connection.vendor != "sqlite":
        settings = {"statement_timeout": f"{MAX_QUERY_MS}ms"}
        if newest:
            settings["enable_indexscan"] = "off"
            # The windows are read one after another, newest first, and the read
            # stops at CANDIDATES: a parallel append would run them side by side
            # and take matches from an older window before a newer one's.
            settings["max_parallel_workers_per_gather"] = "0"
        names = list(settings)
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                # SET LOCAL, written as a function call so that it takes a parameter;
                # put back after, for a caller's transaction that goes on (a savepoint
                # here would not end the setting). The newest id comes in the same
                # statement: the candidates' windows are numbers from it
                # (`_pg_candidates`), at no statement more.
                top = f"(SELECT MAX(id) FROM {Story._meta.db_table})" if newest else "NULL"
                cursor.execute(
                    f"SELECT {top}, "
                    + ", ".join(f"current_setting('{name}')" for name in names)
                    + ", "
                    + ", ".join(f"set_config('{name}', %s, true)" for name in names),
                    list(settings.values()),
                )
                top_id, *before = cursor.fetchone()[: 1 + len(names)]
                yield top_id
                cursor.execute(
                    "SELECT " + ", ".join(f"set_config('{name}', %s, true)" for name in names),
                    before,
                )
        except OperationalError as exc:  # QueryCanceled: the time limit
            if "statement timeout" in str(exc) or "canceling statement" in str(exc):
                raise SearchTimedOut(q) from None
            raise
        return
    connection.ensure_connection()
    raw = connection.connection
    deadline = time.monotonic() + MAX_QUERY_MS / 1000
    # SQLite calls this every few thousand instructions; a true answer stops the query.
    raw.set_progress_handler(lambda: time.monotonic() > deadline, PROGRESS_STEPS)
    try:
        yield None
    except OperationalError as exc:
        if "interrupted" in str(exc):
            raise SearchTimedOut(q) from None
        raise
    finally:
        raw.set_progress_handler(None, 0)
