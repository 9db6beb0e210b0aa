"""The one bulk-write mechanism: COPY rows into a temporary table, then one ``UPDATE … FROM``
(:func:`rows_update`); new rows are COPYed straight into the table (:func:`rows_insert`).

Every app that rewrites many rows of its own table (annotations, masked text, scores) calls
:func:`rows_update` from its own service, so there is a single way to do it and table names
stay with the app that owns them. COPY is one round trip per batch whatever its size, and the
UPDATE is a single set-based statement (one plan, one pass over the target's index), which is
why it replaced per-row UPDATEs, ``unnest`` arrays and ``bulk_update`` (a CASE per row).

Statements are composed with :mod:`psycopg.sql`: names come from the model's metadata, never
from strings pasted into SQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, models, transaction
from psycopg import sql

# Aliases usable in ``assign`` expressions: the row being updated and its staged values.
TARGET = sql.Identifier("target")
STAGED = sql.Identifier("staged")


@dataclass(frozen=True)
class Staged:
    """A staged value that is not a column of the model, e.g. the input of an ``assign`` expression."""

    name: str
    type: str  # SQL type of the staging column ("text", "bigint", ...)


def _field(model: type[models.Model], name: str) -> tuple[models.Field, str]:
    """The field called ``name`` (field name or attname) and its column."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field) or not field.concrete or field.column is None:
        raise ValueError(f"{model.__name__}.{name} is not a concrete column")
    return field, field.column


def _json_adapted(rows: Iterable[Sequence[Any]], adapters: dict[int, models.Field]) -> list[Sequence[Any]]:
    """The rows with the values at ``adapters``' positions adapted by their (JSON) field, as the ORM does."""
    if not adapters:
        return rows if isinstance(rows, list) else list(rows)
    return [
        tuple(
            adapters[i].get_db_prep_value(value, connection) if i in adapters else value for i, value in enumerate(row)
        )
        for row in rows
    ]


def rows_update(
    *,
    model: type[models.Model],
    columns: Sequence[str | Staged],
    rows: Iterable[Sequence[Any]],
    key: str = "id",
    assign: Mapping[str, sql.Composable] | None = None,
) -> int:
    """UPDATE ``model``'s table from ``rows``; returns the number of rows updated.

    Each row is ``(key value, *values)`` with the values in the order of ``columns``. A column
    given by field name (or attname) is staged with the field's own column name and SQL type and
    assigned as is (``target.col = staged.col``). ``assign`` maps a field name to an SQL
    expression instead, written over :data:`TARGET` and :data:`STAGED` (e.g.
    ``jsonb_set(target.payload, …, to_jsonb(staged.content))``); a :class:`Staged` column only
    feeds such expressions. JSON fields are adapted the way the ORM adapts them.

    Runs in the caller's transaction (or its own when there is none): the staging table is
    dropped on commit, so concurrent writers on other connections never share it.
    """
    rows = list(rows)
    if not rows:
        return 0
    key_field, key_column = _field(model, key)
    staged: list[tuple[str, str]] = [(key_column, key_field.db_type(connection) or "")]
    assignments: dict[str, sql.Composable] = {}
    adapters: dict[int, models.Field] = {}
    for position, column in enumerate(columns, start=1):
        if isinstance(column, Staged):
            staged.append((column.name, column.type))
            continue
        field, field_column = _field(model, column)
        staged.append((field_column, field.db_type(connection) or ""))
        assignments[field_column] = sql.SQL("{}.{}").format(STAGED, sql.Identifier(field_column))
        if field.get_internal_type() == "JSONField":
            adapters[position] = field
    for name, expression in (assign or {}).items():
        _, assigned_column = _field(model, name)
        assignments[assigned_column] = expression
    if not assignments:
        raise ValueError("nothing to assign")
    rows = _json_adapted(rows, adapters)

    table = sql.Identifier(model._meta.db_table)
    temp = sql.Identifier(f"bulk_{model._meta.db_table}")
    names = sql.SQL(", ").join(sql.Identifier(name) for name, _ in staged)
    create = sql.SQL("CREATE TEMP TABLE {temp} ({columns}) ON COMMIT DROP").format(
        temp=temp,
        columns=sql.SQL(", ").join(sql.SQL("{} {}").format(sql.Identifier(n), sql.SQL(t)) for n, t in staged),
    )
    copy = sql.SQL("COPY {temp} ({names}) FROM STDIN").format(temp=temp, names=names)
    update = sql.SQL(
        "UPDATE {table} AS {target} SET {sets} FROM {temp} AS {staged} WHERE {target}.{key} = {staged}.{key}"
    ).format(
        table=table,
        target=TARGET,
        staged=STAGED,
        temp=temp,
        key=sql.Identifier(key_column),
        sets=sql.SQL(", ").join(sql.SQL("{} = {}").format(sql.Identifier(n), e) for n, e in assignments.items()),
    )
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        # Recreated each call: the same table may be staged with other columns earlier in this transaction.
        cursor.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(temp))
        cursor.execute(create)
        with cursor.cursor.copy(copy) as writer:
            for row in rows:
                writer.write_row(row)
        # A temp table has no statistics until analysed: the planner then guesses ~1,000 rows and
        # hash-joins the whole target table (a sequential scan of every raw event per batch,
        # 140 ms at 66k rows and growing with the table). Analysed, it loops over the staged
        # rows through the key index: cost follows the batch, not the table.
        cursor.execute(sql.SQL("ANALYZE {}").format(temp))
        cursor.execute(update)
        return cursor.rowcount


def rows_insert(*, model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """INSERT ``rows`` into ``model``'s table with one COPY; returns the number of rows.

    Each row holds the values of ``columns`` (field names or attnames) in that order. Nothing
    Python-side runs: no defaults, ``auto_now_add`` or ``save()``, so every column without a
    database default must be given (PostgreSQL refuses a missing NOT NULL value). JSON fields
    are adapted the way the ORM adapts them. Constraints hold as for any INSERT: a duplicate
    key fails the statement. For the thousands of rows of a batch, ``bulk_create`` compiles a
    placeholder per value and model instances to read them from; this writes the tuples.
    """
    rows = list(rows)
    if not rows:
        return 0
    fields = [_field(model, column) for column in columns]
    adapters = {i: field for i, (field, _) in enumerate(fields) if field.get_internal_type() == "JSONField"}
    rows = _json_adapted(rows, adapters)
    copy = sql.SQL("COPY {table} ({names}) FROM STDIN").format(
        table=sql.Identifier(model._meta.db_table),
        names=sql.SQL(", ").join(sql.Identifier(column) for _, column in fields),
    )
    # The raw psycopg cursor's COPY, its errors mapped to Django's (IntegrityError, …) as the ORM's are.
    with (
        transaction.atomic(savepoint=False),
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        cursor.cursor.copy(copy) as writer,
    ):
        for row in rows:
            writer.write_row(row)
    return len(rows)
