"""Bulk inserts without the ORM's per-row model work, for the two hot paths.

The collector stores every request's events and the fan-out creates a delivery per event and
integration; both are one `INSERT ... ON CONFLICT DO NOTHING` whose values go through the
model fields' own database preparation, so JSON and dates are stored exactly as the ORM would.
"""

from typing import Any

import orjson
from django.db import DEFAULT_DB_ALIAS, connections, models

# Below SQLite's 32,766 bound parameters per statement.
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
    if db.vendor == "postgresql":
        sql, params = prepared_insert(model, rows, conflict, returning)
        db.ensure_connection()
        # Binary parameters: arrays skip the text format's escaping.
        with db.connection.cursor() as cursor:
            cursor.execute(sql, params, binary=True)
            return cursor.fetchall() if returning else []
    per_statement = max(1, MAX_PARAMETERS // len(rows[0]))
    return [
        returned
        for start in range(0, len(rows), per_statement)
        for returned in _values_insert(
            db, model, rows[start : start + per_statement], conflict, returning
        )
    ]


def insert_links(
    model: type[models.Model], owner: tuple[str, int], column: str, ids: set[int]
) -> None:
    """Rows of a many-to-many table linking one new owner (column, id) to each of `ids`:
    on PostgreSQL one statement whose one parameter is the ids as an array, since nothing
    can conflict with an owner just created."""
    if not ids:
        return
    db = connections[DEFAULT_DB_ALIAS]
    if db.vendor != "postgresql":
        rows = [{owner[0]: owner[1], column: i} for i in ids]
        insert_ignoring_conflicts(model, rows, conflict=(owner[0], column))
        return
    quote = db.ops.quote_name
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({quote(owner[0])}, {quote(column)})"
        " SELECT %s, unnest(%s::bigint[])"
    )
    with db.cursor() as cursor:
        cursor.execute(sql, [owner[1], sorted(ids)])


def prepared_insert(
    model: type[models.Model],
    rows: list[dict[str, Any]],
    conflict: tuple[str, ...],
    returning: tuple[str, ...] = (),
) -> tuple[str, list]:
    """PostgreSQL's statement and its one parameter: the rows as a JSON array, expanded by
    the server (`jsonb_to_recordset`). One `orjson.dumps` replaces per-value adaptation, and
    the statement is the same whatever the row count."""
    db = connections[DEFAULT_DB_ALIAS]
    fields = [_field(model, column) for column in rows[0]]
    record = ", ".join(f"{db.ops.quote_name(f.column)} {f.db_type(db)}" for f in fields)
    names = ", ".join(f"r.{db.ops.quote_name(f.column)}" for f in fields)
    source = f"jsonb_to_recordset(%s::jsonb) AS r({record})"
    sql = f"{_into(db, model, fields)} SELECT {names} FROM {source}"
    document = orjson.dumps(rows).decode()
    return sql + _on_conflict(db, conflict, returning), [document]


def _values_insert(db, model, rows, conflict, returning) -> list[tuple]:
    fields, values = _columns(db, model, rows)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    params = [column[i] for i in range(len(rows)) for column in values]
    sql = f"{_into(db, model, fields)} VALUES {', '.join([row] * len(rows))}"
    with db.cursor() as cursor:
        cursor.execute(sql + _on_conflict(db, conflict, returning), params)
        return cursor.fetchall() if returning else []


def _columns(db, model, rows) -> tuple[list[models.Field], list[list]]:
    """The fields named by the rows' keys, and each column's values prepared by its field."""
    fields = [_field(model, column) for column in rows[0]]
    values = [[f.get_db_prep_save(row[f.column], db) for row in rows] for f in fields]
    return fields, values


def _into(db, model, fields) -> str:
    quote = db.ops.quote_name
    return (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)})"
    )


def _on_conflict(db, conflict: tuple[str, ...], returning: tuple[str, ...]) -> str:
    quote = db.ops.quote_name
    sql = f" ON CONFLICT ({', '.join(map(quote, conflict))}) DO NOTHING"
    return sql + (f" RETURNING {', '.join(map(quote, returning))}" if returning else "")


def _field(model: type[models.Model], column: str) -> models.Field:
    return next(f for f in model._meta.concrete_fields if f.column == column)
