"""Database helpers shared by the domains."""
from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db


def dialect_insert(model):
    """An INSERT that knows ON CONFLICT, for the database in use (SQLite or PostgreSQL)."""
    dialect = db.session.get_bind().dialect.name
    return {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect](model.__table__)



_compiled: dict = {}  # (statement, dialect name) → (SQL, parameter order or None, its own values, readers)


def driver_row(statement, params: dict, types: dict | None = None) -> tuple | None:
    """The first row of `statement` (a text() or select() made once per process), sent on the
    request's own connection straight to the driver, or None.

    For the statement or two of a request served from what it keeps (the session's row, a
    register's version): SQLAlchemy's execution and result objects cost more than the database
    does. The statement is compiled once per dialect. `params` go to the driver as they are
    (ints, strings, booleans); the columns named in `types` ({position: type}) are read as that
    type reads them (a UTCDateTime, a Boolean on SQLite), the others are the driver's values."""
    connection = db.session.connection()
    dialect = connection.dialect
    key = (statement, dialect.name)
    if key not in _compiled:
        compiled = statement.compile(dialect=dialect)
        readers = {i: type_.dialect_impl(dialect).result_processor(dialect, None) for i, type_ in (types or {}).items()}
        _compiled[key] = (str(compiled), compiled.positiontup, compiled.params,
                          {i: reader for i, reader in readers.items() if reader is not None})
    sql, order, own, readers = _compiled[key]
    values = {**own, **params}
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        cursor.execute(sql, [values[name] for name in order] if order else values)
        row = cursor.fetchone()
    finally:
        cursor.close()
    if row is None or not readers:
        return row and tuple(row)
    row = list(row)
    for i, reader in readers.items():
        row[i] = reader(row[i])
    return tuple(row)
