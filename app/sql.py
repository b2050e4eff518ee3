"""Database helpers shared by the domains."""
from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db


def dialect_insert(model):
    """An INSERT that knows ON CONFLICT, for the database in use (SQLite or PostgreSQL)."""
    dialect = db.session.get_bind().dialect.name
    return {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect](model.__table__)

