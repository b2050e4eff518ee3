"""flask backup PATH / restore PATH round-trip to identical data (SQLite's
online backup, or pg_dump / pg_restore on PostgreSQL)."""
import shutil
from datetime import date

import pytest
from sqlalchemy import select

from app.extensions import db
from app.visits.models import VisitCount


def everything():
    """Every row of every table, in key order."""
    out = {}
    for table in db.metadata.sorted_tables:
        out[table.name] = [tuple(row) for row in db.session.execute(select(table).order_by(*table.primary_key.columns))]
    return out


def test_backup_then_restore_gives_back_the_same_data(app, world, runner, tmp_path):
    with app.app_context():
        if db.engine.dialect.name == "postgresql" and not shutil.which("pg_dump"):
            pytest.skip("pg_dump is not installed")
        db.session.add(VisitCount(point_id=world.point_a.id, day=date(2026, 3, 2), service="reading",
                                  reader_group="children", count=12))
        db.session.commit()
        before = everything()
        db.session.remove()
    path = tmp_path / "backup.dump"
    result = runner.invoke(args=["backup", str(path)])
    assert result.exit_code == 0, result.output
    assert path.stat().st_size > 0
    with app.app_context():  # the day goes on: a count changes, another is added, a user is gone
        db.session.execute(VisitCount.__table__.update().values(count=99))
        db.session.add(VisitCount(point_id=world.point_b.id, day=date(2026, 3, 3), service="lending",
                                  reader_group="adults", count=5))
        db.session.commit()
        assert everything() != before
        db.session.remove()
    refused = runner.invoke(args=["restore", str(path)], input="n\n")
    assert refused.exit_code != 0
    with app.app_context():
        assert db.session.scalar(select(VisitCount.count).where(VisitCount.point_id == world.point_a.id)) == 99
        db.session.remove()
    result = runner.invoke(args=["restore", "--yes", str(path)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert everything() == before


def junk_path(tmp_path):
    return tmp_path / "junk.db"


def test_restore_refuses_what_is_not_a_backup(app, runner, tmp_path):
    missing = runner.invoke(args=["restore", "--yes", str(tmp_path / "none.db")])
    with app.app_context():
        from flask_babel import gettext

        not_a_file = gettext("%(path)s is not a file.", path=tmp_path / "none.db")
        not_sqlite = gettext("%(path)s is not an SQLite database: %(error)s", path=junk_path(tmp_path), error="")
    assert missing.exit_code != 0 and not_a_file in missing.output
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    with app.app_context():
        sqlite = db.engine.dialect.name == "sqlite"
    if sqlite:
        result = runner.invoke(args=["restore", "--yes", str(junk)])
        assert result.exit_code != 0 and not_sqlite in result.output
