"""Several ORM writes as one SQL statement, composed from the ORM's own SQL.

The reply turn writes a handful of rows per customer message (the message, the conversation's
sequence number, the answer, the model call's records); one round trip each cost about a
millisecond of a database thread's CPU and were most of the turn's database work (issue 23,
B1 in docs/benchmarks.md). PostgreSQL runs several writes as one statement through
data-modifying CTEs (``WITH a AS (UPDATE ... RETURNING ...) INSERT ... SELECT ... FROM a``),
which the ORM does not build. These helpers build the parts from the ORM's compilers and the
models' fields (columns, defaults, ``auto_now_add``, type conversions), so a field added to a
model is written by them too; the services that own the data put the parts together.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models import Field, Model, QuerySet
from django.db.models.expressions import DatabaseDefault
from django.db.models.sql import InsertQuery, UpdateQuery

# SQL and its parameters.
Fragment = tuple[str, list[Any]]


def quote(name: str) -> str:
    return connection.ops.quote_name(name)


def update_returning(rows: QuerySet[Any], values: dict[str, Any], returning: list[str]) -> Fragment:
    """``rows.update(**values)`` as SQL (not run), returning the given columns."""
    query = rows.query.chain(UpdateQuery)
    query.add_update_values(values)
    sql, params = query.get_compiler(rows.db).as_sql()
    columns = ", ".join(quote(column) for column in returning)
    return f"{sql} RETURNING {columns}", list(params)


def insert_select(
    obj: Model, *, source: str, computed: dict[str, str], where: Fragment = ("", [])
) -> Fragment:
    """An INSERT of ``obj``'s row (not run) that reads some columns from ``source`` (a CTE):
    ``computed`` maps a column to the SQL giving its value there; every other column gets
    ``obj``'s value as the ORM would save it (defaults and ``auto_now_add`` are applied to
    ``obj`` too). Values are cast to their column's type: in ``INSERT ... SELECT`` PostgreSQL
    does not take a parameter's type from the target column. Columns the database fills
    (a serial primary key, a database default ``obj`` does not set) are left out. Nothing is
    inserted when ``source`` has no row or ``where`` is false."""
    columns, values, params = [], [], []
    for field in obj._meta.concrete_fields:
        if field.column in computed:
            columns.append(quote(field.column))
            values.append(computed[field.column])
            continue
        raw = field.pre_save(obj, add=True)
        # Left to the database: a serial key, and a field with a database default that ``obj``
        # does not set. (``db_returning`` alone would also drop a db_default field that ``obj``
        # does set, such as an answer's ``unanswered=True``, and store the default instead.)
        if isinstance(raw, DatabaseDefault) or (field.db_returning and raw is None):
            continue
        columns.append(quote(field.column))
        value = field.get_db_prep_save(raw, connection)
        values.append(f"CAST(%s AS {_cast_type(field)})")
        params.append(value)
    where_sql, where_params = where
    sql = (
        f"INSERT INTO {quote(obj._meta.db_table)} ({', '.join(columns)}) "
        f"SELECT {', '.join(values)} FROM {source}"
    )
    if where_sql:
        sql += f" WHERE {where_sql}"
    return sql, params + list(where_params)


def _cast_type(field: Field[Any, Any]) -> str:
    """The column's type without its length or precision: an explicit cast to varchar(16) would
    cut a longer value silently, where the INSERT itself refuses it, as an ORM save does."""
    return re.sub(r"\([^)]*\)", "", field.db_type(connection) or "")


def insert_rows(rows: Sequence[Model]) -> None:
    """Insert new rows of one or more models in one statement (``bulk_create`` takes one per
    model), in order per model, and give each object its primary key."""
    by_model: dict[type[Model], list[Model]] = defaultdict(list)
    for row in rows:
        by_model[type(row)].append(row)
    parts: list[str] = []
    params: list[Any] = []
    for index, (model, objs) in enumerate(by_model.items()):
        query = InsertQuery(model)
        fields = [f for f in model._meta.concrete_fields if not f.db_returning]
        query.insert_values(fields, objs)
        compiler = query.get_compiler(connection=connection)
        compiler.returning_fields = [model._meta.pk]
        ((sql, values),) = compiler.as_sql()
        parts.append(f"i{index} AS ({sql})")
        params.extend(values)
    selects = " UNION ALL ".join(
        f"SELECT {index} AS t, {quote(model._meta.pk.column)} AS pk FROM i{index}"
        for index, model in enumerate(by_model)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {', '.join(parts)} {selects}", params)
        returned = cursor.fetchall()
    # RETURNING gives a multi-row VALUES' rows in the order they were written (what Django's
    # bulk_create relies on too).
    pks: dict[int, list[Any]] = defaultdict(list)
    for index, pk in returned:
        pks[index].append(pk)
    for index, objs in enumerate(by_model.values()):
        for obj, pk in zip(objs, pks[index], strict=True):
            obj.pk = pk
            obj._state.adding = False
            obj._state.db = connection.alias
