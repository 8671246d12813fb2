"""Bulk inserts without the ORM's per-row model work, for the two hot paths.

The collector stores every request's events and the fan-out creates a delivery per event and
integration; both are one `INSERT ... ON CONFLICT DO NOTHING` whose values go through the
model fields' own database preparation, so JSON and dates are stored exactly as the ORM would.
"""

from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models

# Below SQLite's 32,766 bound parameters per statement (PostgreSQL allows 65,535).
MAX_PARAMETERS = 30_000


def insert_ignoring_conflicts(
    model: type[models.Model],
    rows: list[dict[str, Any]],
    conflict: tuple[str, ...],
    returning: tuple[str, ...] = (),
) -> list[tuple]:
    """Insert `rows` (column -> value) in one statement; rows that conflict are skipped.

    Returns the `returning` columns of the rows actually inserted.
    """
    if not rows:
        return []
    db = connections[DEFAULT_DB_ALIAS]
    columns = list(rows[0])
    fields = [_field(model, column) for column in columns]
    values = [
        [field.get_db_prep_save(row[column], db) for row in rows]
        for column, field in zip(columns, fields, strict=True)
    ]
    quote = db.ops.quote_name
    head = f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(map(quote, columns))}) "
    tail = f" ON CONFLICT ({', '.join(map(quote, conflict))}) DO NOTHING"
    if returning:
        tail += f" RETURNING {', '.join(map(quote, returning))}"
    if db.vendor == "postgresql":
        # One array per column: a short statement whatever the row count, so neither the
        # driver nor the server parses thousands of placeholders.
        arrays = ", ".join(f"%s::{field.db_type(db)}[]" for field in fields)
        return _run_binary(db, f"{head}SELECT * FROM unnest({arrays}){tail}", values, returning)
    return [
        returned
        for start in range(0, len(rows), max(1, MAX_PARAMETERS // len(columns)))
        for returned in _values_insert(db, head, tail, values, start, returning)
    ]


def _values_insert(
    db, head: str, tail: str, values: list[list], start: int, returning: tuple[str, ...]
) -> list[tuple]:
    count = min(len(values[0]) - start, MAX_PARAMETERS // len(values))
    row = "(" + ", ".join(["%s"] * len(values)) + ")"
    params = [column[i] for i in range(start, start + count) for column in values]
    return _run(db, f"{head}VALUES {', '.join([row] * count)}{tail}", params, returning)


def _run(db, sql: str, params: list, returning: tuple[str, ...]) -> list[tuple]:
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if returning else []


def _run_binary(db, sql: str, params: list, returning: tuple[str, ...]) -> list[tuple]:
    """PostgreSQL, parameters sent in binary: arrays skip the text format's escaping."""
    db.ensure_connection()
    with db.connection.cursor() as cursor:
        cursor.execute(sql, params, binary=True)
        return cursor.fetchall() if returning else []


def _field(model: type[models.Model], column: str) -> models.Field:
    return next(f for f in model._meta.concrete_fields if f.column == column)
