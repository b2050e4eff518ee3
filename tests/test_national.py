"""The national view: every province with the figures of its dashboard's
totals (the demo data and the national fixture at a small scale), its route
for administrators only, and the fixture bench/national.py loads."""
import importlib.util
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.dashboard.national import national_rollup
from app.dashboard.queries import province_rollup
from app.demo import load_demo
from app.extensions import db
from app.formatting import today_local
from app.periods import Period
from app.reports.models import PeriodDeadline, PeriodReport
from app.units.models import COMMUNE, PROVINCE, LibraryPoint, Unit
from app.visits.models import VisitCount
from tests.conftest import login
from tests.test_html import problems_of

SPEC = importlib.util.spec_from_file_location("bench_national", Path(__file__).parent.parent / "bench" / "national.py")
national_fixture = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(national_fixture)

SAME = ("visits", "last_year", "growth", "sessions", "trained")
REPORTS = ("expected", "submitted", "on_time", "late", "approved")


def periods_of(today: date) -> list[Period]:
    last = Period.containing(today.replace(day=1) - timedelta(days=1))
    before = Period.containing(last.start - timedelta(days=1))
    return [last, before, Period.quarter(last.year, (last.number - 1) // 3 + 1), Period.whole_year(last.year),
            Period.whole_year(last.year - 1), Period.containing(today)]


def assert_equals_province_dashboards(app):
    """Each province's row of the national view holds its dashboard's totals, for several periods."""
    with app.test_request_context():
        today = today_local()
        for period in periods_of(today):
            national = national_rollup(period, today)
            assert national["totals"]["visits"] == sum(r["visits"] for r in national["rows"])
            for row in national["rows"]:
                province = db.session.get(Unit, row["id"])
                dashboard = province_rollup(province, period, today)
                totals = dashboard["totals"]
                assert row["communes"] == len(dashboard["rows"]), (province.name, period.label)
                assert row["points"] == totals["points"], (province.name, period.label)
                for key in SAME:
                    assert row[key] == totals[key], (province.name, period.label, key)
                for key in REPORTS:
                    assert row["report"][key] == totals[key], (province.name, period.label, key)


def test_national_figures_equal_the_province_dashboards_on_the_demo_data(app):
    with app.app_context():
        load_demo("Thái Nguyên", 6, 2)
        load_demo("Cao Bằng", 3, 2)
        # A deadline a province set, and a commune whose only point opened last month.
        province = db.session.scalar(select(Unit).where(Unit.kind == PROVINCE).order_by(Unit.code))
        last = today_local().replace(day=1) - timedelta(days=1)
        db.session.add(PeriodDeadline(province_id=province.id, year=last.year, month=last.month,
                                      due_on=last + timedelta(days=2)))
        late_commune = db.session.scalar(select(Unit).where(Unit.parent_id == province.id, Unit.kind == COMMUNE,
                                                            ~Unit.id.in_(select(LibraryPoint.commune_id))))
        db.session.add(LibraryPoint(commune=late_commune, name="Điểm mới", opened_on=last.replace(day=1)))
        db.session.commit()
        assert db.session.scalar(select(func.count(PeriodReport.id))) > 0
    assert_equals_province_dashboards(app)


def test_national_fixture_at_a_small_scale(app):
    with app.app_context():
        counts = national_fixture.load_national(scale=0.005, years=1)
        assert counts["provinces"] == 34 and counts["communes"] == 3321
        assert db.session.scalar(select(func.count()).where(Unit.kind == PROVINCE)) == 34
        assert db.session.scalar(select(func.count()).where(Unit.kind == COMMUNE)) == 3321
        points = db.session.scalar(select(func.count(LibraryPoint.id)))
        assert counts["points"] == points and 34 <= points <= 80
        visits = db.session.scalar(select(func.count(VisitCount.id)))
        assert visits == counts["visits"]
        # ~20 open days a month, a few cells a day.
        point_days = db.session.scalar(select(func.count()).select_from(
            select(VisitCount.point_id, VisitCount.day).distinct().subquery()))
        assert 16 * 12 * points <= point_days <= 23 * 12 * points
        assert 1.5 <= visits / point_days <= 4.5
        assert db.session.scalar(select(func.count(PeriodReport.id))) >= 10 * points * 0.8
        # Loading again adds nothing: the communes that have points keep them.
        again = national_fixture.load_national(scale=0.005, years=1)
        assert again["points"] == 0 and again["visits"] == 0
    assert_equals_province_dashboards(app)


@pytest.fixture
def demo(app):
    with app.app_context():
        load_demo("Thái Nguyên", 4, 1)
        load_demo("Cao Bằng", 2, 1)
        return {u.name: u.id for u in db.session.scalars(select(Unit).where(Unit.kind == PROVINCE))}


def test_admin_sees_every_province_linking_to_its_dashboard(client, demo):
    assert login(client, "admin", "thuvien2026").status_code == 303
    page = client.get("/national")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert problems_of(html) == []
    for name, province_id in demo.items():
        assert name in html
        assert f"/province?province={province_id}&amp;kind=month" in html
    assert 'href="/national"' in html  # the menu link
    one = client.get(f"/province?province={demo['Cao Bằng']}")
    assert one.status_code == 200 and "Cao Bằng" in one.get_data(as_text=True)


@pytest.mark.parametrize("query", ["kind=year&year=2025", "kind=quarter&year=2026&number=2", "kind=month&year=abc",
                                   "kind=nope&number=99", "year=99999999999999999999"])
def test_any_period_arguments_give_the_page(client, demo, query):
    assert login(client, "admin", "thuvien2026").status_code == 303
    assert client.get(f"/national?{query}").status_code == 200


def test_province_staff_and_librarians_are_refused(client, demo):
    assert login(client, "province", "thuvien2026").status_code == 303
    assert client.get("/national").status_code == 403
    assert 'href="/national"' not in client.get("/").get_data(as_text=True)


def test_world_roles(as_user):
    assert as_user("librarian_a").get("/national").status_code == 403
