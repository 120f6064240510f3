"""Insert many rows of one model in one statement, for the backfill path.

`QuerySet.bulk_create` spends most of its time preparing each field of each
object (over 100 µs a story, measured: benchmarks/ingest.py); here only the
field types that need it are converted (times, JSON, bytes), the rest are
passed as they are. One multi-row INSERT ... RETURNING gives the new ids in
order, on SQLite (3.35 and later) and PostgreSQL alike, as bulk_create does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.db import connection, models
from django.utils import timezone

# Fields whose Python values the database driver takes as they are.
PLAIN = (models.CharField, models.TextField, models.IntegerField, models.BooleanField,
         models.ForeignKey)  # fmt: skip
MAX_VARIABLES = 30_000  # under SQLite's limit of 32,766 a statement


def _converter(field: models.Field) -> Callable[[object], object] | None:
    if isinstance(field, models.DateTimeField):
        adapt = connection.ops.adapt_datetimefield_value
        return lambda value: None if value is None else adapt(value)
    if isinstance(field, PLAIN):
        return None
    return lambda value, prep=field.get_db_prep_save: prep(value, connection)


def insert_returning_ids(objs: Sequence[models.Model]) -> None:
    """Insert `objs` (all of one model, unsaved) and set each one's id."""
    if not objs:
        return
    model = type(objs[0])
    meta = model._meta
    now = timezone.now()
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    for field in fields:  # auto_now_add, as Model.save would
        if getattr(field, "auto_now_add", False) or getattr(field, "auto_now", False):
            for obj in objs:
                setattr(obj, field.attname, now)
    converters = [_converter(field) for field in fields]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    per_statement = max(1, MAX_VARIABLES // len(fields))
    pk = connection.ops.quote_name(meta.pk.column)
    with connection.cursor() as cursor:
        for start in range(0, len(objs), per_statement):
            chunk = objs[start : start + per_statement]
            params = []
            for obj in chunk:
                for field, convert in zip(fields, converters, strict=True):
                    value = getattr(obj, field.attname)
                    params.append(value if convert is None else convert(value))
            cursor.execute(
                f"INSERT INTO {meta.db_table} ({columns}) VALUES {', '.join([row] * len(chunk))} "
                f"RETURNING {pk}",
                params,
            )
            for obj, (new_id,) in zip(chunk, cursor.fetchall(), strict=True):
                obj.pk = new_id
                obj._state.adding = False
                obj._state.db = connection.alias
