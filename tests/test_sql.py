"""app.sql.driver_row: the row SQLAlchemy would give, on SQLite and PostgreSQL alike."""
from datetime import date, datetime, timezone

from sqlalchemy import Boolean, bindparam, func, literal, select, text

from app.equipment.models import StockTake
from app.equipment.queries import _REGISTER_VERSION
from app.extensions import db
from app.models_base import UTCDateTime
from app.sql import driver_row
from tests.test_equipment import make_item

_REPEATED = select(bindparam("n") + 1, literal(5), bindparam("n") * 2, literal("chữ"))
_FLAGS = text("SELECT :yes = :yes, :when").columns()


def test_a_row_is_what_sqlalchemy_reads(app, world):
    make_item(app, world.point_a.id, description="Máy tính")
    completed = datetime(2026, 11, 30, 9, 15, 0, 123456, tzinfo=timezone.utc)
    with app.app_context():
        db.session.add(StockTake(point_id=world.point_a.id, started_on=date(2026, 11, 30), completed_at=completed))
        db.session.commit()
        expected = tuple(db.session.execute(_REGISTER_VERSION, {"point_id": world.point_a.id}).one())
        row = driver_row(_REGISTER_VERSION, {"point_id": world.point_a.id}, {4: UTCDateTime()})
        assert row[4] == completed == expected[4] and row[4].tzinfo is not None
        assert row[:3] == expected[:3] and row[5:8] == expected[5:8] and row[5] == world.commune_a.name
        # A parameter used twice, and values the statement carries itself.
        assert driver_row(_REPEATED, {"n": 20}) == (21, 5, 40, "chữ")


def test_no_row_is_none_and_types_read_their_columns(app, world):
    with app.app_context():
        missing = select(StockTake.id).where(StockTake.point_id == bindparam("point_id"))
        assert driver_row(missing, {"point_id": world.point_a.id}) is None
        count = select(func.count()).select_from(StockTake).where(StockTake.point_id == bindparam("point_id"))
        assert driver_row(count, {"point_id": world.point_a.id}) == (0,)
        assert driver_row(_FLAGS, {"yes": True, "when": "x"}, {0: Boolean()})[0] is True
