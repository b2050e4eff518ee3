"""`flask db upgrade` builds the schema on an empty database, and `flask db
check` then finds nothing left to migrate: models and migrations agree."""
import uuid

import pytest
from sqlalchemy import create_engine, make_url, text

from app import create_app
from config import TestConfig


@pytest.fixture
def empty_database_url(tmp_path):
    url = make_url(TestConfig.SQLALCHEMY_DATABASE_URI)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path}/migrations.db"
        return
    name = f"migrations_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_upgrade_then_check(empty_database_url):
    class Fresh(TestConfig):
        SQLALCHEMY_DATABASE_URI = empty_database_url

    app = create_app(Fresh)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        from app.extensions import db

        tables = set(db.inspect(db.engine).get_table_names())
        assert {"unit", "library_point", "user_account", "login_throttle", "audit_event", "alembic_version"} <= tables
        db.engine.dispose()
