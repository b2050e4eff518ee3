"""Database helpers shared by the domains."""
from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db


def dialect_insert(model):
    """An INSERT that knows ON CONFLICT, for the database in use (SQLite or PostgreSQL)."""
    dialect = db.session.get_bind().dialect.name
    return {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect](model.__table__)


def upsert_increment(model, values: dict, counter: str, conflict_columns: list[str], by: int = 1):
    """INSERT … ON CONFLICT DO UPDATE SET counter = counter + by, atomically in
    the database, never read-modify-write in Python."""
    table = model.__table__
    stmt = dialect_insert(model).values(**values, **{counter: by})
    stmt = stmt.on_conflict_do_update(index_elements=conflict_columns, set_={counter: table.c[counter] + by})
    return db.session.execute(stmt)
