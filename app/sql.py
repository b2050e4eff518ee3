"""Database helpers shared by the domains."""
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError

from app.extensions import db


def dialect_insert(model):
    """An INSERT that knows ON CONFLICT, for the database in use (SQLite or PostgreSQL)."""
    dialect = db.session.get_bind().dialect.name
    return {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect](model.__table__)



# Functions called with each statement driver_row() sends: SQLAlchemy's events do not see them, and
# the tests and bench/profile_request.py count every statement.
listeners: list = []
_compiled: dict = {}  # (statement, dialect name) → (SQL, parameter order or None, its own values, readers)


def driver_row(statement, params: dict, types: dict | None = None, pooled: bool = False) -> tuple | None:
    """The first row of `statement` (a text() or select() made once per process), sent on the
    request's own connection straight to the driver, or None. `pooled`: on a connection of its own
    from the pool, given back at once (no ORM session is begun, nor ended at the request's end).

    For the statement or two of a request served from what it keeps (the session's row, a
    register's version): SQLAlchemy's execution and result objects cost more than the database
    does. The statement is compiled once per dialect. `params` go to the driver as they are
    (ints, strings, booleans); the columns named in `types` ({position: type}) are read as that
    type reads them (a UTCDateTime, a Boolean on SQLite), the others are the driver's values."""
    dialect = db.engine.dialect
    key = (statement, dialect.name)
    if key not in _compiled:
        compiled = statement.compile(dialect=dialect)
        readers = {i: type_.dialect_impl(dialect).result_processor(dialect, None) for i, type_ in (types or {}).items()}
        _compiled[key] = (str(compiled), compiled.positiontup, compiled.params,
                          {i: reader for i, reader in readers.items() if reader is not None})
    sql, order, own, readers = _compiled[key]
    values = {**own, **params}
    for listener in listeners:
        listener(sql)
    connection = None
    try:
        connection = db.engine.raw_connection() if pooled else db.session.connection().connection
        cursor = connection.cursor()
        try:
            cursor.execute(sql, [values[name] for name in order] if order else values)
            row = cursor.fetchone()
        finally:
            cursor.close()
    except dialect.loaded_dbapi.Error as error:  # as SQLAlchemy raises it (errors.py answers 503 to OperationalError)
        raise DBAPIError.instance(sql, values, error, dialect.loaded_dbapi.Error, dialect=dialect) from error
    finally:
        if pooled and connection is not None:
            connection.close()  # back to the pool, rolled back
    if row is None or not readers:
        return row and tuple(row)
    row = list(row)
    for i, reader in readers.items():
        row[i] = reader(row[i])
    return tuple(row)
