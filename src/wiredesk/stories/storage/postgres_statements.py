"""Server-side prepared statements for the reads a request repeats (PostgreSQL only).

Django binds parameters on the client and sends each query as new text,
which PostgreSQL parses and plans anew: for the feed's read, planning took
longer than running it. A statement prepared once per connection is only
executed. The connection is opened with `plan_cache_mode=force_generic_plan`
(config/settings.py) so PostgreSQL keeps one plan rather than planning again
at each run: with the clock as a parameter, its estimate of the generic plan
is pessimistic, and it would otherwise never switch. The reads prepared here
are written for one plan: each walks an index in its order (see the
stories' indexes).

This module imports psycopg, so it is loaded only on PostgreSQL.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.types.datetime import TimestamptzLoader


class PreparedCursor(psycopg.Cursor):
    """A cursor binding on the server, preparing every statement it runs."""

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> PreparedCursor:
        return super().execute(query, params, prepare=True)


def prepared_cursor(connection: Any) -> Any:
    """Return Django's cursor wrapper (errors, query log) around a prepared-statement cursor."""
    # What connection.cursor() does before handing out a cursor.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    cursor = PreparedCursor(connection.connection)
    # psycopg's own loader, in C: Django's subclass (the same result, with its
    # time zone) runs in Python, a fifth of the read's time for 50 rows.
    cursor.adapters.register_loader("timestamptz", TimestamptzLoader)
    if connection.queries_logged:
        return connection.make_debug_cursor(cursor)
    return connection.make_cursor(cursor)
