"""The period lock lives with the reports (app.reports.locks), and access.py
knows nothing of reports; the access helpers every list and page share."""
import ast
from pathlib import Path

import pytest

from app import access
from app.extensions import db
from app.reports import locks
from app.units.models import Unit
from app.users.models import User

APP = Path(access.__file__).parent


def test_access_imports_no_reports_and_the_lock_lives_in_reports():
    tree = ast.parse((APP / "access.py").read_text())
    modules = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    modules |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert not any(m and m.startswith("app.reports") for m in modules)
    assert not hasattr(access, "period_lock") and not hasattr(access, "refuse_if_locked")
    assert locks.PeriodLocked.code == 423


def test_no_routes_module_imports_another_blueprints_routes():
    for path in APP.glob("*/routes.py"):
        tree = ast.parse(path.read_text())
        own = f"app.{path.parent.name}."
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.endswith(".routes"):
                assert node.module.startswith(own), f"{path} imports {node.module}"


def _user(app, name):
    return db.session.scalar(db.select(User).where(User.username == name))


def test_scope_to_province_keeps_the_province_and_its_communes(app, world):
    with app.test_request_context():
        staff, admin = _user(app, "province_p"), _user(app, "admin")
        query = db.select(Unit.id)
        ids = set(db.session.scalars(access.scope_to_province(query, Unit.id, staff)))
        assert ids == {world.province_p.id, world.commune_a.id, world.commune_b.id}
        assert len(set(db.session.scalars(access.scope_to_province(query, Unit.id, admin)))) == 5


def test_users_by_role_counts_the_province_and_hides_administrators_from_staff(app, world):
    with app.test_request_context():
        staff = dict(access.users_by_role(_user(app, "province_p")))
        everyone = dict(access.users_by_role(_user(app, "admin")))
    assert len(staff) == 3 and sum(staff.values()) == 4  # province_p, trainer_p, librarian_a, librarian_b
    assert len(everyone) == 4 and sum(everyone.values()) == 8


def test_only_an_administrator_picks_the_province(app, world):
    with app.test_request_context():
        staff, admin = _user(app, "province_p"), _user(app, "admin")
        province = db.session.get(Unit, world.province_p.id)
        assert access.pickable_provinces(staff) == [] and access.province_arg(staff, province) is None
        assert len(access.pickable_provinces(admin)) == 2 and access.province_arg(admin, province) == province.id
        assert access.province_in_scope(staff, world.province_q.id).id == world.province_p.id
        assert access.province_in_scope(admin, world.province_q.id).id == world.province_q.id


def test_own_commune_is_a_librarians_only(app, world):
    with app.test_request_context():
        assert access.own_commune(_user(app, "librarian_a")).id == world.commune_a.id
        assert access.own_commune(_user(app, "trainer_p")) is None
        assert access.own_commune(_user(app, "admin")) is None


@pytest.mark.parametrize("user, shown, hidden", [
    ("librarian_a", ["Xã A", "/communes/{commune_a}/reports/"], ["/training/new"]),
    ("trainer_p", ["/training/new", 'href="/training/coverage"'], ["/communes/{commune_a}/reports/"]),
    ("province_staff_p", ['href="/training/coverage"', 'href="/province"'], ["/training/new"]),
])
def test_each_roles_home_page_shows_its_own_part(world, as_user, user, shown, hidden):
    """The home page asks can() and own_commune(), never a role name."""
    html = as_user(user).get("/").get_data(as_text=True)
    for text in shown:
        assert text.format(commune_a=world.commune_a.id) in html
    for text in hidden:
        assert text.format(commune_a=world.commune_a.id) not in html
