"""units load, users create, demo-data, backup and restore: their output in Vietnamese, through the catalog."""
from flask_babel import gettext
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


def vi(app, message, **values):
    """A message as the CLI prints it: through the catalog, in Vietnamese (the default outside requests)."""
    with app.app_context():
        return gettext(message, **values)


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
    assert result.exit_code == 0
    assert result.output.strip() == vi(app, "%(province)s (%(code)s): %(total)s communes, wards and special zones — "
                                            "%(added)s added, %(updated)s updated", province="Thái Nguyên",
                                       code="19", total=92, added=0, updated=0)
    assert counts(app)[:2] == (1, 92)


def test_units_load_unknown_province_suggests_names(app, runner):
    result = runner.invoke(args=["units", "load", "Thai Ngyen"])
    assert result.exit_code != 0
    assert vi(app, "No province or city named “%(name)s”. Did you mean: %(names)s?", name="Thai Ngyen",
              names="Thái Nguyên, Hưng Yên, Thành phố Hải Phòng") in result.output
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


def test_demo_data_for_a_second_province_prints_its_own_logins(app, runner):
    assert runner.invoke(args=["demo-data", "--communes", "3"]).exit_code == 0
    result = runner.invoke(args=["demo-data", "--province", "Lào Cai", "--communes", "3"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        users = {u.username: u for u in db.session.scalars(select(User))}
        lao_cai = db.session.scalar(select(Unit).where(Unit.kind == "province", Unit.name == "Lào Cai"))
        thai_nguyen = db.session.scalar(select(Unit).where(Unit.kind == "province", Unit.name == "Thái Nguyên"))
        # Thái Nguyên keeps its accounts; Lào Cai gets its own, and the output names those.
        assert users["librarian1"].unit.parent_id == thai_nguyen.id and users["province"].unit_id == thai_nguyen.id
        assert users["province.laocai"].unit_id == lao_cai.id
        librarian = users["librarian1.laocai"]
        assert librarian.unit.parent_id == lao_cai.id and librarian.check_password("thuvien2026")
        expected = vi(app, "Logins of %(province)s (password %(password)s): %(logins)s", province="Lào Cai",
                      password="thuvien2026",
                      logins=f"admin, province.laocai, trainer.laocai, librarian1.laocai ({librarian.unit.name}), "
                             f"librarian2.laocai ({users['librarian2.laocai'].unit.name})")
    assert expected in result.output
    assert "librarian1 (" not in result.output and "Thái Nguyên" not in result.output
    again = runner.invoke(args=["demo-data", "--province", "Lào Cai", "--communes", "3"])
    assert again.exit_code == 0 and expected in again.output
    assert counts(app)[3] == 9  # nothing added the second time


def test_cli_messages_go_through_the_catalog(app, runner, tmp_path):
    app.config["APP_ENV"] = "production"
    refused = runner.invoke(args=["demo-data"])
    assert refused.exit_code != 0
    assert vi(app, "Demo data is refused when APP_ENV=production.") in refused.output
    app.config["APP_ENV"] = "development"
    missing = runner.invoke(args=["restore", "--yes", str(tmp_path / "none.db")])
    assert vi(app, "%(path)s is not a file.", path=tmp_path / "none.db") in missing.output
    bad = runner.invoke(args=["users", "create", "--username", "thuthu", "--role", "librarian",
                              "--password", "sach-hay-2026"])
    assert bad.exit_code != 0
    with app.app_context():
        from app.users.models import ROLES

        role = str(ROLES["librarian"])
    assert vi(app, "The role %(role)s needs --unit-code of a loaded commune.", role=role) in bad.output
    assert " / " not in bad.output + missing.output + refused.output  # no more bilingual run-ons
    made = runner.invoke(args=["users", "create", "--username", "quantri", "--password", "sach-hay-2026"])
    with app.app_context():
        role = str(ROLES["admin"])
    assert made.output.strip() == vi(app, "User %(name)s created (%(role)s).", name="quantri", role=role)
