"""`flask db upgrade` builds the schema on an empty database, and `flask db
check` then finds nothing left to migrate: models and migrations agree."""
import uuid

import pytest
from sqlalchemy import create_engine, make_url, text

from app import create_app
from config import TestConfig
from tests.conftest import old_schema_transaction


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


def test_migrations_apply_to_a_database_holding_data(empty_database_url):
    """A province's database is upgraded with its rows in place. From the
    revision before the receipt-month column: an equipment item with an event
    that refers to it (copying such a table to alter it fails on SQLite with
    foreign keys enforced), upgraded to the head."""
    class Fresh(TestConfig):
        SQLALCHEMY_DATABASE_URI = empty_database_url

    app = create_app(Fresh)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["db", "upgrade", "5b8e2f4a9c31"])
    assert result.exit_code == 0, result.output
    from app.extensions import db

    with app.app_context():
        with old_schema_transaction(db.engine) as conn:
            conn.execute(text("INSERT INTO unit (id, code, name, kind, division_type) "
                              "VALUES (1, '01', 'Tỉnh P', 'province', 'Tỉnh')"))
            conn.execute(text("INSERT INTO unit (id, code, name, kind, division_type, parent_id) "
                              "VALUES (2, '00001', 'Xã A', 'commune', 'Xã', 1)"))
            conn.execute(text("INSERT INTO library_point (id, commune_id, name, address, model, notes, active, "
                              "created_at, updated_at, version) VALUES (1, 2, 'Điểm A', '', 'library', '', true, "
                              "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)"))
            conn.execute(text("INSERT INTO equipment_item (id, point_id, category, description, asset_code, quantity, "
                              "condition, internet_connected, funding_source, received_on, notes, created_at, "
                              "updated_at, version) VALUES (1, 1, 'computer', 'Máy tính', '', 5, 'in_use', true, "
                              "'bmgf', '2013-08-01', '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)"))
            conn.execute(text("INSERT INTO equipment_event (id, item_id, occurred_on, kind, description, created_at) "
                              "VALUES (1, 1, '2024-01-02', 'repair', 'Thay ổ cứng', CURRENT_TIMESTAMP)"))
        db.engine.dispose()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT received_precision FROM equipment_item")).scalar() == "day"
            assert conn.execute(text("SELECT count(*) FROM equipment_event")).scalar() == 1
        db.engine.dispose()
