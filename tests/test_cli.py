"""units load and demo-data."""
from sqlalchemy import func, select

from app.extensions import db
from app.units.models import LibraryPoint, Unit
from app.users.models import User


def counts(app):
    with app.app_context():
        return (
            db.session.scalar(select(func.count()).where(Unit.kind == "province")),
            db.session.scalar(select(func.count()).where(Unit.kind == "commune")),
            db.session.scalar(select(func.count(LibraryPoint.id))),
            db.session.scalar(select(func.count(User.id))),
        )


def test_units_load_thai_nguyen(app, runner):
    result = runner.invoke(args=["units", "load", "Thái Nguyên"])
    assert result.exit_code == 0, result.output
    assert "92" in result.output
    assert counts(app)[:2] == (1, 92)
    with app.app_context():
        province = db.session.scalar(select(Unit).where(Unit.kind == "province"))
        assert (province.code, province.name) == ("19", "Thái Nguyên")
        kinds = dict(db.session.execute(
            select(Unit.division_type, func.count()).where(Unit.parent_id == province.id)
            .group_by(Unit.division_type)).all())
        assert kinds == {"xã": 77, "phường": 15}
        assert db.session.scalar(select(Unit.name).where(Unit.code == "05443")) == "Phường Phan Đình Phùng"


def test_units_load_is_idempotent_and_accepts_code_or_unaccented_name(app, runner):
    assert runner.invoke(args=["units", "load", "thai nguyen"]).exit_code == 0
    result = runner.invoke(args=["units", "load", "19"])
    assert result.exit_code == 0 and "0 added" in result.output
    assert counts(app)[:2] == (1, 92)


def test_units_load_unknown_province_suggests_names(app, runner):
    result = runner.invoke(args=["units", "load", "Thai Ngyen"])
    assert result.exit_code != 0
    assert "Không tìm thấy" in result.output and "Thái Nguyên" in result.output
    assert counts(app)[:2] == (0, 0)


def test_demo_data_loads_and_is_idempotent(app, runner):
    result = runner.invoke(args=["demo-data", "--communes", "4"])
    assert result.exit_code == 0, result.output
    assert "librarian1" in result.output and "thuvien2026" in result.output
    first = counts(app)
    assert first == (1, 92, 4, 5)
    assert runner.invoke(args=["demo-data", "--communes", "4"]).exit_code == 0
    assert counts(app) == first
    with app.app_context():
        users = {u.username: u for u in db.session.scalars(select(User))}
        assert set(users) == {"admin", "province", "trainer", "librarian1", "librarian2"}
        assert users["librarian1"].unit_id != users["librarian2"].unit_id
        assert users["librarian1"].unit.kind == "commune" and users["province"].unit.kind == "province"
        assert all(u.check_password("thuvien2026") for u in users.values())
        assert users["admin"].role == "admin" and users["trainer"].role == "trainer"


def test_demo_data_if_empty_skips_a_used_database(app, runner):
    assert runner.invoke(args=["demo-data", "--communes", "2"]).exit_code == 0
    result = runner.invoke(args=["demo-data", "--communes", "6", "--if-empty"])
    assert result.exit_code == 0
    assert counts(app)[2] == 2


def test_demo_data_refused_in_production(app, runner):
    app.config["APP_ENV"] = "production"
    result = runner.invoke(args=["demo-data"])
    assert result.exit_code != 0 and "production" in result.output
    assert counts(app) == (0, 0, 0, 0)
