"""Database helpers shared by the domains."""
from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db


def upsert_increment(model, values: dict, counter: str, conflict_columns: list[str], by: int = 1):
    """INSERT … ON CONFLICT DO UPDATE SET counter = counter + by, atomically in
    the database (SQLite and PostgreSQL), never read-modify-write in Python."""
    dialect = db.session.get_bind().dialect.name
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
    table = model.__table__
    stmt = insert(table).values(**values, **{counter: by})
    stmt = stmt.on_conflict_do_update(
        index_elements=conflict_columns,
        set_={counter: table.c[counter] + by},
    )
    return db.session.execute(stmt)
