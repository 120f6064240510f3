"""Insert many rows of one model in one statement, for the backfill path.

`QuerySet.bulk_create` spends most of its time preparing each field of each
object (docs/benchmarks.md); here only the
field types that need it are converted (times, JSON, bytes), the rest are
passed as they are. One multi-row INSERT ... RETURNING gives the new ids in
order, on SQLite (3.35 and later) and PostgreSQL alike, as bulk_create does.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, tzinfo
from functools import cache
from operator import attrgetter
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.db.backends.utils import CursorWrapper
from django.db.models import QuerySet, signals
from django.utils import timezone

# Fields whose Python values the database driver takes as they are.
PLAIN = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BooleanField,
    models.ForeignKey,
)
MAX_VARIABLES = 30_000  # under SQLite's limit of 32,766 a statement


def _converter(field: models.Field, seen: dict) -> Callable[[object], object] | None:
    """Return how to convert a field's value for the driver (None: as it is).

    Conversions are remembered for the statement by the value's identity: a
    story and its version share their times and lists (the objects stay
    alive in the rows, so an identity is never reused meanwhile).
    """
    if isinstance(field, PLAIN):
        return None
    db = connections[DEFAULT_DB_ALIAS]  # the connection itself, not its proxy
    sqlite = db.vendor == "sqlite"
    if sqlite and isinstance(field, models.BinaryField):
        return None  # SQLite's driver stores bytes as the BLOB Django's memoryview gives
    if isinstance(field, models.DateTimeField):
        prep = (
            _sqlite_time(db.timezone or UTC)
            if sqlite and settings.USE_TZ
            else db.ops.adapt_datetimefield_value
        )
    elif sqlite and isinstance(field, models.JSONField) and field.encoder is None:
        prep = json.dumps  # what SQLite's adapt_json_value does, without three calls a value
    else:
        prep = lambda value, field=field: field.get_db_prep_save(value, db)  # noqa: E731
    # Fields of one type convert a value alike: one memo a type, by identity
    # (each entry keeps its value alive, so an identity is never reused).
    memo = seen.setdefault(type(field), {})

    def convert(value: Any) -> object:
        if value is None:
            return None
        done = memo.get(id(value))
        if done is None:
            done = memo[id(value)] = (value, prep(value))
        return done[1]

    return convert


def _sqlite_time(zone: tzinfo) -> Callable[[datetime], str]:
    """Return SQLite's adapt_datetimefield_value with USE_TZ, for an aware or naive time."""

    def adapt(value: datetime) -> str:
        if value.utcoffset() is None:
            return str(value)
        return str(value.astimezone(zone).replace(tzinfo=None))  # timezone.make_naive

    return adapt


def placeholders(values: list) -> str:
    """Return "%s, %s, ..." for an IN list of `values` (NULL when empty: matches nothing)."""
    return ", ".join(["%s"] * len(values)) or "NULL"


@cache
def _attnames(model: type[models.Model]) -> frozenset[str]:
    """Return the attnames of `model`'s concrete fields but its id."""
    pk = model._meta.pk.attname
    return frozenset(f.attname for f in model._meta.concrete_fields if f.attname != pk)


def _init_listened(model: type[models.Model]) -> bool:
    # Most installations connect nothing to either signal: two list checks
    # instead of two has_listeners() lookups a row.
    if not (signals.pre_init.receivers or signals.post_init.receivers):
        return False
    return signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model)


M = TypeVar("M", bound=models.Model)


def build(model: type[M], values: dict[str, object]) -> M:
    """Return an unsaved `model` instance from the value of every concrete field but its id.

    Every field must be given, by attname (`agency_id`), and nothing else: a
    missing field is a KeyError, never a silent default. The instance is made
    as unpickling makes one (its attributes set at once, no constructor): ten
    times quicker than the constructor, so long as nothing listens for the
    model's pre_init or post_init signals; when something does, the
    constructor runs.
    """
    if values.keys() != _attnames(model):
        raise KeyError(
            f"{model.__name__} fields not given or unknown: "
            f"{sorted(values.keys() ^ _attnames(model))}"
        )
    if _init_listened(model):
        return model(**values)
    obj = model.__new__(model)
    obj.__dict__ = {model._meta.pk.attname: None, **values}
    obj._state = models.base.ModelState()
    return obj


def attach(obj: models.Model, field_name: str, related: models.Model) -> None:
    """Set `obj`'s loaded related object, as the descriptor would, without its router checks."""
    obj._meta.get_field(field_name).set_cached_value(obj, related)  # type: ignore[union-attr]


def insert_returning_ids(objs: Sequence[models.Model], memo: dict | None = None) -> None:
    """Insert `objs` (all of one model, unsaved) and set each one's id.

    Pass the same `memo` to inserts of rows that share values (a story and its
    version) to convert each shared time or list once.
    """
    if not objs:
        return
    model = type(objs[0])
    fields, columns, row, pk = _statement_parts(model, connection.vendor)
    now = timezone.now()
    for field in fields:  # auto_now_add, as Model.save would
        if getattr(field, "auto_now_add", False) or getattr(field, "auto_now", False):
            for obj in objs:
                setattr(obj, field.attname, now)
    seen: dict = {} if memo is None else memo
    converters = [_converter(field, seen) for field in fields]
    per_statement = max(1, MAX_VARIABLES // len(fields))
    pk_attname = model._meta.pk.attname
    values_of = attrgetter(*[field.attname for field in fields])  # one call a row
    converted = [(i, convert) for i, convert in enumerate(converters) if convert is not None]
    with connection.cursor() as cursor:
        for start in range(0, len(objs), per_statement):
            chunk = objs[start : start + per_statement]
            params = []
            for obj in chunk:
                values = list(values_of(obj))
                for i, convert in converted:
                    values[i] = convert(values[i])
                params += values
            execute_marked(
                cursor,
                f"INSERT INTO {model._meta.db_table} ({columns}) VALUES {', '.join([row] * len(chunk))} "
                f"RETURNING {pk}",
                params,
            )
            for obj, (new_id,) in zip(chunk, cursor.fetchall(), strict=True):
                obj.__dict__[pk_attname] = new_id  # `obj.pk =` walks the model's parents
                obj._state.adding = False
                obj._state.db = connection.alias


@cache
def _statement_parts(model: type[models.Model], vendor: str) -> tuple[list, str, str, str]:
    """Return a model's fields but its id, its column list, a row's marks and its quoted id.

    Once a model and engine (quoting thirty names cost more than a row).
    """
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)
    row = "(" + ", ".join([_mark()] * len(fields)) + ")"
    assert model._meta.pk is not None
    return fields, columns, row, connection.ops.quote_name(str(model._meta.pk.column))


def _mark() -> str:
    """Return the driver's own placeholder: "?" for SQLite, "%s" for psycopg."""
    return "?" if connection.vendor == "sqlite" else "%s"


def execute_marked(cursor: CursorWrapper, sql: str, params: Sequence) -> None:
    """Run `sql` written with `_mark()` placeholders, as the driver takes it.

    Django's SQLite cursor rewrites every "%s" of a statement with a regular
    expression: for a statement of thousands of values, longer than SQLite
    takes to run it (benchmarks/ingest.py).
    """
    if connection.vendor == "sqlite":
        # Django's own error classes, as its cursor would raise: a caller's
        # `except django.db.IntegrityError` must see a duplicate row.
        with connection.wrap_database_errors:
            sqlite3.Cursor.execute(cursor.cursor, sql, params)
    else:
        cursor.execute(sql, params)


def plain_rows(read: QuerySet[Any], times: tuple[int, ...]) -> list[tuple[Any, ...]]:
    """Return the rows of `read` as the driver gives them, its columns numbered
    `times` made aware datetimes.

    Django's converters cost more than the rest of a row's read (a sitemap's
    thousand rows). Its times are UTC, naive on SQLite (Django's datetime
    converter's rule).
    """
    try:
        sql, params = read.query.get_compiler(using=read.db).as_sql()
    except EmptyResultSet:  # an empty slice: nothing to read
        return []
    with connections[read.db].cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    rows = []
    for row in fetched:
        values = list(row)
        for n in times:
            if values[n].tzinfo is None:
                values[n] = values[n].replace(tzinfo=UTC)
        rows.append(tuple(values))
    return rows
