"""Reads compiled once by the ORM and run again with a fresh clock, in one statement.

A feed asks the same questions at every request (the listed stories'
versions, the agencies' bylines, the recent kills), differing only in the time
they are asked at.
Django compiles a queryset to SQL anew each time: most of the feed's read
(docs/benchmarks.md), for SQL that never changes. Here the queryset is
built once with a marker time, compiled by Django (so the visibility rules
stay in selectors.py, written once), and later runs put the real time where
the marker was and apply Django's own converters to the rows.

Several querysets of one row shape are read as one statement (UNION ALL):
each statement costs a round trip and, whatever it returns, a fixed share
of the driver's Python (docs/benchmarks.md).

On PostgreSQL the statement is prepared on the server (planned once per
connection; Django's own queries are bound on the client and never are) and
its times are read by psycopg's C loader rather than Django's Python one.
`[database] prepared_statements = false` turns this off, for a pooler that
cannot carry prepared statements (PgBouncer before 1.21 in transaction mode).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import connections
from django.db.models import QuerySet

# No clock reads these instants; a parameter equal to the nth is the nth clock.
MARKERS = tuple(datetime(1970, 1, 2, 3, 4, 5, 678901 - n, tzinfo=UTC) for n in range(4))
# No row's key: a parameter equal to the nth is the nth number.
NUMBER_MARKERS = tuple(-2_000_000_001 - n for n in range(64))
# No words anybody writes: a parameter equal to the nth is the nth text.
TEXT_MARKERS = tuple(f"\x00wiredesk text {n}\x00" for n in range(8))


class CompiledReads:
    """Rows of `build(key, *clocks)`, compiled once per key and database.

    `build` takes a key, `clocks` times (up to four: a time and the start
    of a window, say), `numbers` integers (up to 64: a story's key, say) and
    `texts` strings (up to eight: a search's words, say) and returns a queryset, or several of one row shape to read as one
    statement, ordered by `order_by` (SQL on the result's column numbers).
    `edit`, where given, rewrites the compiled SQL once (what the ORM cannot
    say: an index named to SQLite's planner, say).
    """

    def __init__(
        self,
        build: Callable[..., QuerySet | tuple[QuerySet, ...]],
        clocks: int = 1,
        order_by: str = "",
        max_keys: int = 256,
        numbers: int = 0,
        texts: int = 0,
        edit: Callable[[str], str] | None = None,
    ):
        self.build = build
        self.edit = edit
        self.clocks = clocks
        self.numbers = numbers
        self.texts = texts
        self.order_by = order_by
        self.max_keys = max_keys
        self.compiled: dict[Hashable, tuple] = {}
        self.lock = threading.Lock()

    def rows(
        self,
        key: Hashable,
        *clocks: datetime,
        convert: bool = True,
        numbers: tuple[int, ...] = (),
        texts: tuple[str, ...] = (),
    ) -> list[tuple]:
        """Return the rows built for `key` at `clocks` (and with `numbers` and `texts`),
        as tuples.

        With `convert` false, as the database driver gives them (naive UTC times
        on SQLite, aware ones on PostgreSQL), without Django's converters: for
        rows used only to compare. `convert_row` converts one later; the rows
        of several querysets are converted as the first one's.
        """
        entry = self.compiled.get(key)
        if entry is None:
            entry = self._compile(key, self._built(key))
        alias, compiler, sql, params, clock_slots = entry
        connection = connections[alias]
        if clock_slots:
            params = list(params)
            adapt = connection.ops.adapt_datetimefield_value
            values: list[object] = [*(adapt(clock) for clock in clocks), *numbers, *texts]
            for slot, n in clock_slots:
                params[slot] = values[n]
        with statement_cursor(connection) as cursor:
            cursor.execute(sql, params)
            fetched = cursor.fetchall()
        if not convert:
            return fetched
        return list(compiler.results_iter([fetched], tuple_expected=True))

    def convert_row(self, key: Hashable, row: tuple) -> tuple:
        """Return one row of `rows(key, ..., convert=False)` as `rows` would have given it."""
        entry = self.compiled.get(key)
        if entry is None:  # dropped since by another thread's keys
            entry = self._compile(key, self._built(key))
        return next(iter(entry[1].results_iter([[row]], tuple_expected=True)))

    def _built(self, key: Hashable) -> QuerySet | tuple[QuerySet, ...]:
        return self.build(
            key,
            *MARKERS[: self.clocks],
            *NUMBER_MARKERS[: self.numbers],
            *TEXT_MARKERS[: self.texts],
        )

    def _compile(self, key: Hashable, built: QuerySet | tuple[QuerySet, ...]) -> tuple:
        parts = built if isinstance(built, tuple) else (built,)
        alias = parts[0].db
        compilers = [part.query.get_compiler(using=alias) for part in parts]
        compiled = [compiler.as_sql() for compiler in compilers]
        if len(parts) == 1 and not self.order_by:
            sql, params = compiled[0]
        else:
            # Each part in its own subquery keeps its ORDER BY and LIMIT (SQLite
            # refuses them in a bare compound); the alias is PostgreSQL 15's need.
            sql = " UNION ALL ".join(
                f"SELECT * FROM ({part_sql}) AS part{n}" for n, (part_sql, _) in enumerate(compiled)
            )
            if self.order_by:
                sql += f" ORDER BY {self.order_by}"
            params = tuple(param for _, part_params in compiled for param in part_params)
        if self.edit is not None:
            sql = self.edit(sql)
        adapt = connections[alias].ops.adapt_datetimefield_value
        markers: list[object] = [adapt(marker) for marker in MARKERS[: self.clocks]]
        markers += NUMBER_MARKERS[: self.numbers]
        markers += TEXT_MARKERS[: self.texts]
        slots = tuple(
            (slot, n)
            for slot, param in enumerate(params)
            for n, marker in enumerate(markers)
            if type(param) is type(marker) and param == marker
        )
        entry = (alias, compilers[0], sql, tuple(params), slots)
        with self.lock:
            while len(self.compiled) >= self.max_keys:
                self.compiled.pop(next(iter(self.compiled)))
            self.compiled[key] = entry
        return entry


def statement_cursor(connection: Any) -> Any:
    """Return a cursor for a repeated read: prepared on the server where that is on."""
    if connection.vendor != "postgresql" or not settings.WIREDESK.database.prepared_statements:
        return connection.cursor()
    from .postgres_statements import prepared_cursor

    return prepared_cursor(connection)


class CompiledRows:
    """Model instances of `build(key)` for an integer key, compiled once per database.

    Django compiles a queryset to SQL anew each time: on a story page, most of
    its two reads (docs/benchmarks.md, "One uncached story page"). Here it is
    compiled once with a marker key, and later runs put the key where the
    marker was and build the instances (select_related ones too) as Django's
    own iterator does. On PostgreSQL it is prepared on the server, as
    `CompiledReads`' are: a story's read was parsed and planned anew at each
    page, much of PostgreSQL's work for it.
    """

    MARKER = -2_000_000_001  # no row's key

    def __init__(self, build: Callable[[int], QuerySet]) -> None:
        self.build = build
        self.compiled: dict[str, tuple] = {}
        self.model: Any = None

    def objects(self, key: int) -> list[Any]:
        """Return the instances `build(key)` would give."""
        if not -(2**63) <= key < 2**63:
            # No row has it: both engines' integers stop there, and Django's own
            # lookup answers nothing rather than hand the driver an overflow.
            return []
        from django.db import router
        from django.db.models.query import get_related_populators

        alias = router.db_for_read(self.model) if self.model is not None else None
        entry = self.compiled.get(alias) if alias else None
        if entry is None:
            built = self.build(self.MARKER)
            alias = built.db
            compiler = built.query.get_compiler(using=alias)
            sql, params = compiler.as_sql()
            slots = tuple(n for n, p in enumerate(params) if p == self.MARKER)
            klass_info, select = compiler.klass_info, compiler.select
            fields = klass_info["select_fields"]
            start, end = fields[0], fields[-1] + 1
            names = [f[0].target.attname for f in select[start:end]]
            # Django 5.2's signature; the stubs follow a later Django's.
            related = get_related_populators(klass_info, select, alias)  # type: ignore[call-arg]
            columns = [s[0] for s in select[: compiler.col_count]]
            converters = compiler.get_converters(columns)
            self.model = klass_info["model"]
            entry = self.compiled[alias] = (
                compiler,
                sql,
                tuple(params),
                slots,
                start,
                end,
                names,
                related,
                converters,
            )
        compiler, sql, params, slots, start, end, names, related, converters = entry
        assert alias is not None  # set by the read above, or the kept entry's
        params = list(params)
        for slot in slots:
            params[slot] = key
        with statement_cursor(connections[alias]) as cursor:
            cursor.execute(sql, params)
            fetched = cursor.fetchall()
        rows = compiler.apply_converters(fetched, converters) if converters else fetched
        found: list[Any] = []
        for row in rows:
            row = tuple(row)
            obj = self.model.from_db(alias, names, row[start:end])
            for populator in related:
                populator.populate(row, obj)
            found.append(obj)
        return found
