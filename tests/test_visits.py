"""Reader visits: tallies, grids, summaries and growth, import/export, access, locking."""
import io
import re
from datetime import date, datetime, timedelta, timezone

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.extensions import db
from app.formatting import today_local
from app.imports.models import ImportBatch
from app.periods import CLOSE, MET, MISSED, Period, growth_percent, target_status
from app.reports import locks
from app.units.models import LibraryPoint, Unit
from app.visits import queries
from app.visits.models import VisitCount
from tests.conftest import csrf_token, fetch, post, refusal, update

JSON = {"Accept": "application/json"}  # how app.js sends a tap
JUNE_24, JUNE_25 = date(2025, 6, 10), date(2026, 6, 10)


def today(app):
    with app.test_request_context():
        return today_local()


def counts(app, point_id, day=None):
    """{(day, service, group): count} stored for a point (one day, or all)."""
    with app.app_context():
        query = select(VisitCount.day, VisitCount.service, VisitCount.reader_group, VisitCount.count).where(
            VisitCount.point_id == point_id)
        if day is not None:
            query = query.where(VisitCount.day == day)
        return {(d, s, g): n for d, s, g, n in db.session.execute(query)}


def store(app, point_id, values):
    with app.app_context():
        for (day, service, group), count in values.items():
            db.session.add(VisitCount(point_id=point_id, day=day, service=service, reader_group=group, count=count))
        db.session.commit()


def tap(client, point_id, day, cell, undo=False, headers=None):
    return post(client, f"/points/{point_id}/tally",
                {"day": day.isoformat(), ("undo" if undo else "cell"): cell}, headers=headers)


# --- Quick tally -------------------------------------------------------------------

def test_tally_start_goes_to_the_librarians_only_point(app, world, as_user):
    client = as_user("librarian_a")
    response = client.get("/tally")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/points/{world.point_a.id}/tally")


def test_tally_page_shows_the_grid_of_services_and_groups(app, world, as_user):
    client = as_user("librarian_a")
    html = client.get(f"/points/{world.point_a.id}/tally").get_data(as_text=True)
    assert html.count('class="tap"') == 20
    assert 'value="reading:children"' in html and 'value="community:elderly"' in html
    # Without JS each button submits the form; with JS, app.js queues the taps (no htmx on them).
    assert html.count('type="submit" name="cell"') == 20 and "hx-post" not in html
    assert 'id="t-reading-children"' in html  # the anchor a plain tap comes back to


def test_a_tap_adds_one_and_answers_the_cell_and_the_total(app, world, as_user):
    client = as_user("librarian_a")
    day = today(app)
    assert tap(client, world.point_a.id, day, "reading:children").status_code == 303
    response = tap(client, world.point_a.id, day, "reading:children", headers=JSON)
    assert response.status_code == 200
    assert response.json == {"cell": "reading:children", "day": day.isoformat(), "count": 2, "total": 2}
    assert counts(app, world.point_a.id, day) == {(day, "reading", "children"): 2}


def test_a_tap_without_javascript_returns_to_the_page_with_undo(app, world, as_user):
    client = as_user("librarian_a")
    day = today(app) - timedelta(days=3)
    response = tap(client, world.point_a.id, day, "lending:adults")
    assert response.status_code == 303 and response.headers["Location"].endswith("#t-lending-adults")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="n-lending-adults">1<' in page
    assert 'name="undo" value="lending:adults"' in page
    assert f'value="{day.isoformat()}"' in page


def test_undo_removes_one_and_never_goes_below_zero(app, world, as_user):
    client = as_user("librarian_a")
    day = today(app)
    tap(client, world.point_a.id, day, "computer:students")
    tap(client, world.point_a.id, day, "computer:students")
    response = tap(client, world.point_a.id, day, "computer:students", undo=True)
    assert "last=" not in response.headers["Location"]  # one undo per tap
    assert counts(app, world.point_a.id, day) == {(day, "computer", "students"): 1}
    for _ in range(3):
        assert tap(client, world.point_a.id, day, "computer:students", undo=True).status_code == 303
    assert counts(app, world.point_a.id, day) == {(day, "computer", "students"): 0}
    # Undo on a cell never tapped creates nothing and stays at 0.
    response = tap(client, world.point_a.id, day, "digital:elderly", undo=True, headers=JSON)
    assert response.json["count"] == 0
    assert (day, "digital", "elderly") not in counts(app, world.point_a.id, day)


def test_every_tap_is_audited_in_its_transaction(app, world, as_user):
    client = as_user("librarian_a")
    day = today(app)
    tap(client, world.point_a.id, day, "reading:adults")
    tap(client, world.point_a.id, day, "reading:adults", undo=True)
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "library_point")
                                     .order_by(AuditEvent.id)).all()
    assert actions == ["tally", "tally_undo"]


@pytest.mark.parametrize("data", [
    {"cell": "reading:nobody"}, {"cell": "nothing"}, {}, {"cell": "reading:children", "undo": "reading:children"},
])
def test_a_tap_naming_no_cell_is_refused(app, world, as_user, data):
    client = as_user("librarian_a")
    response = post(client, f"/points/{world.point_a.id}/tally", {"day": today(app).isoformat(), **data}, headers=JSON)
    assert response.status_code == 422
    assert response.json["message"] == "Chọn dịch vụ và nhóm bạn đọc."
    assert counts(app, world.point_a.id) == {}


def test_a_tap_in_the_future_is_refused(app, world, as_user):
    client = as_user("librarian_a")
    response = tap(client, world.point_a.id, today(app) + timedelta(days=1), "reading:children")
    assert response.status_code == 303
    assert "ở tương lai" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert counts(app, world.point_a.id) == {}


@pytest.mark.parametrize("user", ["librarian_b", "province_staff_p", "trainer_p", "librarian_c"])
def test_only_the_communes_librarian_may_tally(app, world, as_user, user):
    client = as_user(user)
    assert tap(client, world.point_a.id, today(app), "reading:children").status_code == 403
    assert client.get(f"/points/{world.point_a.id}/tally").status_code == 403
    assert counts(app, world.point_a.id) == {}


def test_a_deactivated_point_takes_no_counts(app, world, as_user):
    update(app, LibraryPoint, world.point_a.id, active=False)
    client = as_user("librarian_a")
    assert tap(client, world.point_a.id, today(app), "reading:children").status_code == 403
    assert counts(app, world.point_a.id) == {}


# --- Day and month grids -----------------------------------------------------------------

SEEN = re.compile(r'name="seen" type="hidden" value="([^"]*)"')


def grid_page(client, path):
    html = client.get(path).get_data(as_text=True)
    return html, SEEN.search(html).group(1)


def test_day_grid_saves_every_cell_at_once(app, world, as_user):
    client = as_user("librarian_a")
    day = today(app) - timedelta(days=1)
    store(app, world.point_a.id, {(day, "reading", "children"): 4, (day, "lending", "adults"): 2})
    path = f"/points/{world.point_a.id}/visits/day?day={day.isoformat()}"
    html, seen = grid_page(client, path)
    assert 'value="4"' in html
    response = post(client, path, {"seen": seen, "reading:children": "7", "lending:adults": "",
                                   "digital:elderly": "1.000", "confirm_unusual": "y"})  # 1.000 is unusual here
    assert response.status_code == 303
    assert counts(app, world.point_a.id, day) == {
        (day, "reading", "children"): 7, (day, "lending", "adults"): 0, (day, "digital", "elderly"): 1000}


@pytest.mark.parametrize("bad", ["abc", "-1", "10001", "1,5", "2.5", "3e2"])
def test_day_grid_with_a_bad_cell_saves_nothing(app, world, as_user, bad):
    client = as_user("librarian_a")
    day = today(app) - timedelta(days=1)
    path = f"/points/{world.point_a.id}/visits/day?day={day.isoformat()}"
    _html, seen = grid_page(client, path)
    response = post(client, path, {"seen": seen, "reading:children": "5", "computer:adults": bad})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert refusal(app, bad, 0, 10_000) in html  # limits written 10.000, like every number on the page
    assert ('id="c-computer_adults" aria-invalid="true"' in html
            or 'aria-invalid="true"' in html.split('c-computer_adults')[1][:200])
    assert f'value="{bad}"' in html  # what was typed stays in place
    assert counts(app, world.point_a.id) == {}


def test_day_grid_saved_by_someone_else_meanwhile_is_a_conflict(app, world, as_user):
    client = as_user("librarian_a")
    day = today(app) - timedelta(days=1)
    path = f"/points/{world.point_a.id}/visits/day?day={day.isoformat()}"
    _html, seen = grid_page(client, path)
    tap(client, world.point_a.id, day, "reading:children")  # another phone taps meanwhile
    response = post(client, path, {"seen": seen, "reading:children": "9"})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "hiện là: 1" in html and 'value="9"' in html
    assert counts(app, world.point_a.id, day) == {(day, "reading", "children"): 1}
    new_seen = SEEN.search(html).group(1)
    assert post(client, path, {"seen": new_seen, "reading:children": "9"}).status_code == 303
    assert counts(app, world.point_a.id, day) == {(day, "reading", "children"): 9}


def test_grid_of_a_future_day_shows_today(app, world, as_user):
    client = as_user("librarian_a")
    html = client.get(f"/points/{world.point_a.id}/visits/day?day={(today(app) + timedelta(days=2)).isoformat()}")
    assert f'value="{today(app).isoformat()}"' in html.get_data(as_text=True)


def test_month_grid_saves_one_group_and_refuses_bad_cells_whole(app, world, as_user):
    client = as_user("librarian_a")
    path = f"/points/{world.point_a.id}/visits/month?month=2025-06&group=elderly"
    html, seen = grid_page(client, path)
    assert html.count('class="count"') == 30 * 5
    response = post(client, path, {"seen": seen, "2025-06-01:reading": "3", "2025-06-30:community": "x"})
    assert response.status_code == 422
    assert counts(app, world.point_a.id) == {}
    response = post(client, path, {"seen": seen, "2025-06-01:reading": "3", "2025-06-30:community": "12"})
    assert response.status_code == 303
    assert counts(app, world.point_a.id) == {(date(2025, 6, 1), "reading", "elderly"): 3,
                                             (date(2025, 6, 30), "community", "elderly"): 12}


def test_month_grid_of_the_running_month_stops_at_today(app, world, as_user):
    client = as_user("librarian_a")
    now = today(app)
    html = client.get(f"/points/{world.point_a.id}/visits/month?month={now:%Y-%m}").get_data(as_text=True)
    assert html.count('class="count"') == now.day * 5


@pytest.mark.parametrize("user", ["province_staff_p", "librarian_b"])
def test_grids_are_the_librarians_only(app, world, as_user, user):
    client = as_user(user)
    day = today(app) - timedelta(days=1)
    assert post(client, f"/points/{world.point_a.id}/visits/day?day={day.isoformat()}",
                {"reading:children": "5"}).status_code == 403
    assert counts(app, world.point_a.id) == {}


# --- Growth and summaries ---------------------------------------------------------------

def test_periods_and_growth_rules():
    june = Period.month(2026, 6)
    assert (june.start, june.end, june.label) == (date(2026, 6, 1), date(2026, 6, 30), "06/2026")
    assert Period.quarter(2026, 1).end == date(2026, 3, 31)
    # A running period covers its complete days (through yesterday) and is
    # compared with the same elapsed days a year earlier.
    assert Period.whole_year(2026).window(date(2026, 11, 22)) == (date(2026, 1, 1), date(2026, 11, 21))
    assert Period.whole_year(2026).previous_window(date(2026, 11, 22)) == (date(2025, 1, 1), date(2025, 11, 21))
    december = Period.month(2026, 12)
    assert december.window(date(2026, 12, 2)) == (date(2026, 12, 1), date(2026, 12, 1))
    assert december.previous_window(date(2026, 12, 2)) == (date(2025, 12, 1), date(2025, 12, 1))
    # On the period's first day nothing is complete: both windows are empty.
    start, end = december.window(date(2026, 12, 1))
    assert end < start and december.previous_window(date(2026, 12, 1))[1] < date(2025, 12, 1)
    # An ended period is whole on both sides.
    assert Period.month(2026, 11).window(date(2026, 12, 1)) == (date(2026, 11, 1), date(2026, 11, 30))
    assert Period.month(2024, 2).previous_window(date(2024, 12, 1)) == (date(2023, 2, 1), date(2023, 2, 28))
    # A leap year's February is compared whole once the month has ended.
    assert Period.month(2025, 2).previous_window(date(2025, 6, 1)) == (date(2024, 2, 1), date(2024, 2, 29))
    assert Period.month(2025, 2).previous_window(date(2025, 2, 10)) == (date(2024, 2, 1), date(2024, 2, 9))
    assert growth_percent(106, 100) == pytest.approx(6.0)
    assert growth_percent(5, 0) is None
    assert [target_status(g, 5.0) for g in (5.0, 4.99, 0.0, -0.1, None)] == [MET, CLOSE, CLOSE, MISSED, None]


@pytest.fixture
def two_years(app, world):
    """June 2025 and June 2026 at the points of communes A and B (province P) and C (province Q).
    A: 100 → 106 (+6 %, met); B: 200 → 204 (+2 %, close); C (other province): 50 → 10."""
    store(app, world.point_a.id, {(JUNE_24, "reading", "children"): 60, (JUNE_24, "lending", "adults"): 40,
                                  (JUNE_25, "reading", "children"): 66, (JUNE_25, "lending", "adults"): 40,
                                  (date(2026, 7, 1), "reading", "children"): 999})
    store(app, world.point_b.id, {(JUNE_24, "computer", "students"): 200, (JUNE_25, "computer", "students"): 204})
    store(app, world.point_c.id, {(JUNE_24, "reading", "adults"): 50, (JUNE_25, "reading", "adults"): 10})


def test_growth_by_commune_against_hand_computed_values(app, world, two_years):
    with app.app_context():
        province = db.session.get(Unit, world.province_p.id)
        june = Period.month(2026, 6)
        rows = queries.growth_by_commune(province, june.window(date(2026, 11, 22)),
                                         june.previous_window(date(2026, 11, 22)))
    by_name = {r["name"]: r for r in rows}
    assert set(by_name) == {"Xã A", "Xã B"}
    assert (by_name["Xã A"]["visits"], by_name["Xã A"]["last_year"]) == (106, 100)
    assert by_name["Xã A"]["growth"] == pytest.approx(6.0) and by_name["Xã A"]["status"] == MET
    assert (by_name["Xã B"]["visits"], by_name["Xã B"]["last_year"]) == (204, 200)
    assert by_name["Xã B"]["growth"] == pytest.approx(2.0) and by_name["Xã B"]["status"] == CLOSE


def test_province_target_decides_the_status(app, world, two_years, as_user):
    update(app, Unit, world.province_p.id, growth_target_min=1.5, growth_target_max=3.0)
    client = as_user("province_staff_p")
    html = client.get("/visits?year=2026&month=6").get_data(as_text=True)
    assert html.count("badge-met") == 2  # +6 % and +2 % both reach 1.5 %
    assert "+6,0 %" in html and "+2,0 %" in html
    assert "Xã C" not in html
    assert "310" in html and "300" in html  # the province: 106 + 204 against 100 + 200


def test_point_summary_shows_the_period_breakdown_and_growth(app, world, two_years, as_user):
    client = as_user("librarian_a")
    html = client.get(f"/points/{world.point_a.id}/visits?year=2026&month=6").get_data(as_text=True)
    assert "<strong>106</strong>" in html and ">100<" in html and "+6,0 %" in html
    assert "badge-met" in html
    assert "<svg" in html and "<polyline" in html


def test_commune_summary_adds_up_its_points(app, world, two_years, as_user):
    with app.app_context():
        second = LibraryPoint(commune_id=world.commune_a.id, name="Điểm thư viện thôn Đồng Tâm")
        db.session.add(second)
        db.session.commit()
        second_id = second.id
    store(app, second_id, {(JUNE_25, "community", "elderly"): 14})
    client = as_user("province_staff_p")
    html = client.get(f"/communes/{world.commune_a.id}/visits?year=2026&month=6").get_data(as_text=True)
    # The new point has nothing to compare with: the change is A's point alone, 100 → 106.
    assert "<strong>120</strong>" in html and "+6,0 %" in html and "1 nơi không có lượt bạn đọc năm trước" in html
    assert "Điểm thư viện thôn Đồng Tâm" in html


@pytest.mark.parametrize("user,status", [("province_staff_q", 403), ("trainer_p", 403), ("librarian_b", 403)])
def test_summaries_of_another_commune_or_province_are_refused(app, world, as_user, user, status):
    client = as_user(user)
    assert client.get(f"/points/{world.point_a.id}/visits").status_code == status
    assert client.get(f"/communes/{world.commune_a.id}/visits").status_code == status


def test_a_province_is_not_a_commune_summary(app, world, as_user):
    assert as_user("admin").get(f"/communes/{world.province_p.id}/visits").status_code == 404


def test_rollup_reads_the_period_through_the_covering_index(app, world, two_years):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("the plan is checked on SQLite; PostgreSQL picks by table statistics")
        statement = select(VisitCount.point_id, func.sum(VisitCount.count)).where(
            VisitCount.point_id.in_(queries.province_point_ids(world.province_p.id)),
            VisitCount.day.between(JUNE_25, JUNE_25)).group_by(VisitCount.point_id)
        sql = str(statement.compile(db.engine, compile_kwargs={"literal_binds": True}))
        plan = " | ".join(row[-1] for row in db.session.execute(db.text("EXPLAIN QUERY PLAN " + sql)))
    assert "COVERING INDEX ix_visit_count_point_day" in plan, plan
    assert "SCAN visit_count" not in plan, plan


# --- Growth target -------------------------------------------------------------------------

def test_province_staff_set_their_provinces_target(app, world, as_user):
    client = as_user("province_staff_p")
    path = f"/provinces/{world.province_p.id}/visit-target"
    response = post(client, path, {"growth_target_min": "4,5", "growth_target_max": "6", "version": "1"})
    assert response.status_code == 303
    province = fetch(app, Unit, world.province_p.id)
    assert (province.growth_target_min, province.growth_target_max) == (4.5, 6.0)


def test_a_target_with_low_above_high_is_refused(app, world, as_user):
    client = as_user("province_staff_p")
    response = post(client, f"/provinces/{world.province_p.id}/visit-target",
                    {"growth_target_min": "8", "growth_target_max": "6", "version": "1"})
    assert response.status_code == 422
    assert fetch(app, Unit, world.province_p.id).growth_target_min == 5.0


def test_a_stale_target_form_is_a_conflict(app, world, as_user):
    client = as_user("province_staff_p")
    update(app, Unit, world.province_p.id, growth_target_min=3.0)
    response = post(client, f"/provinces/{world.province_p.id}/visit-target",
                    {"growth_target_min": "9", "growth_target_max": "10", "version": "1"})
    assert response.status_code == 409
    assert 'value="3.0"' in response.get_data(as_text=True)
    assert fetch(app, Unit, world.province_p.id).growth_target_min == 3.0


@pytest.mark.parametrize("user", ["province_staff_q", "librarian_a", "trainer_p"])
def test_others_cannot_set_a_provinces_target(app, world, as_user, user):
    client = as_user(user)
    response = post(client, f"/provinces/{world.province_p.id}/visit-target",
                    {"growth_target_min": "1", "growth_target_max": "2", "version": "1"})
    assert response.status_code == 403
    assert fetch(app, Unit, world.province_p.id).growth_target_min == 5.0


# --- Locked periods ----------------------------------------------------------------------------

@pytest.fixture
def june_2025_locked(monkeypatch):
    """What the period approvals will answer: June 2025 of every commune is approved."""
    approved = datetime(2025, 7, 3, 2, 0, tzinfo=timezone.utc)

    def lock(obj, day, for_write=False):
        if (day.year, day.month) == (2025, 6):
            return locks.PeriodLock("06/2025", "Nguyễn Thị Thu Hà", approved)
        return None

    monkeypatch.setattr(locks, "period_lock", lock)


def test_a_locked_period_refuses_taps_with_the_reason(app, world, as_user, june_2025_locked):
    client = as_user("librarian_a")
    response = tap(client, world.point_a.id, JUNE_24, "reading:children", headers=JSON)
    assert response.status_code == 423
    message = response.json["message"]
    assert "06/2025" in message and "Nguyễn Thị Thu Hà" in message and "03/07/2025" in message
    assert tap(client, world.point_a.id, JUNE_24 + timedelta(days=30), "reading:children").status_code == 303
    assert counts(app, world.point_a.id) == {(JUNE_24 + timedelta(days=30), "reading", "children"): 1}


def test_a_locked_period_shows_read_only_grids_and_refuses_saves(app, world, as_user, june_2025_locked):
    client = as_user("librarian_a")
    html = client.get(f"/points/{world.point_a.id}/tally?day={JUNE_24.isoformat()}").get_data(as_text=True)
    assert "06/2025" in html and 'class="tap" disabled' in html
    path = f"/points/{world.point_a.id}/visits/month?month=2025-06&group=children"
    _html, seen = grid_page(client, path)
    assert post(client, path, {"seen": seen, "2025-06-02:reading": "4"}).status_code == 423
    day_path = f"/points/{world.point_a.id}/visits/day?day=2025-06-02"
    _html, seen = grid_page(client, day_path)
    assert post(client, day_path, {"seen": seen, "reading:children": "4"}).status_code == 423
    assert counts(app, world.point_a.id) == {}


# --- Import and export -----------------------------------------------------------------------------

def csv_file(text, name="luot.csv"):
    return (io.BytesIO(text.encode("utf-8")), name)


def upload(client, point_id, file):
    return client.post(f"/points/{point_id}/visits/import",
                       data={"csrf_token": csrf_token(client, "/"), "file": file}, content_type="multipart/form-data")


GOOD_CSV = ("Ngày,Dịch vụ,Nhóm bạn đọc,Số lượt\n"
            "01/06/2025,Đọc tại chỗ,Thiếu nhi,12\n"
            "2025-06-01,lending,adults,5\n"
            "02/06/2025,Thư viện số,Người cao tuổi,\"1.200\"\n")


def test_import_preview_then_confirm_sets_the_counts(app, world, as_user):
    store(app, world.point_a.id, {(date(2025, 6, 1), "reading", "children"): 3})
    client = as_user("librarian_a")
    response = upload(client, world.point_a.id, csv_file(GOOD_CSV))
    assert response.status_code == 200
    assert counts(app, world.point_a.id) == {(date(2025, 6, 1), "reading", "children"): 3}  # nothing yet
    with app.app_context():
        batch_id = db.session.scalar(select(ImportBatch.id).where(ImportBatch.kind == "visits"))
    assert post(client, f"/visits/imports/{batch_id}").status_code == 303
    assert counts(app, world.point_a.id) == {(date(2025, 6, 1), "reading", "children"): 12,
                                             (date(2025, 6, 1), "lending", "adults"): 5,
                                             (date(2025, 6, 2), "digital", "elderly"): 1200}
    again = post(client, f"/visits/imports/{batch_id}", follow_redirects=True)  # a batch is saved once
    assert again.status_code == 200 and "đã được lưu lúc" in again.get_data(as_text=True)
    assert counts(app, world.point_a.id)[(date(2025, 6, 2), "digital", "elderly")] == 1200


def test_import_with_any_bad_row_saves_nothing_and_names_each_error(app, world, as_user):
    future = (today(app) + timedelta(days=1)).strftime("%d/%m/%Y")
    text = ("Date,Service,Reader group,Visits\n"
            "01/06/2025,Reading on site,Children,4\n"
            "01/06/2025,Bơi lội,Children,4\n"
            "01/06/2025,Reading on site,Aliens,4\n"
            f"{future},Reading on site,Adults,4\n"
            "02/06/2025,Reading on site,Adults,10001\n"
            "01/06/2025,Đọc tại chỗ,Thiếu nhi,7\n")
    client = as_user("librarian_a")
    response = upload(client, world.point_a.id, csv_file(text))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    for row, message in [(3, "Bơi lội"), (4, "Aliens"), (5, "ở tương lai"), (6, "10.000"), (7, "dòng 2")]:
        assert f"<td>{row}</td>" in html and message in html, (row, message)
    with app.app_context():
        assert db.session.scalar(select(func.count(ImportBatch.id))) == 0
    assert counts(app, world.point_a.id) == {}


def test_import_of_an_xlsx_file(app, world, as_user):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Ngày", "Dịch vụ", "Nhóm bạn đọc", "Số lượt"])
    sheet.append([datetime(2025, 3, 4), "Hoạt động cộng đồng", "Người lớn", 9])
    data = io.BytesIO()
    workbook.save(data)
    data.seek(0)
    client = as_user("librarian_a")
    assert upload(client, world.point_a.id, (data, "luot.xlsx")).status_code == 200
    with app.app_context():
        batch_id = db.session.scalar(select(ImportBatch.id))
    post(client, f"/visits/imports/{batch_id}")
    assert counts(app, world.point_a.id) == {(date(2025, 3, 4), "community", "adults"): 9}


def test_import_of_a_locked_period_is_refused(app, world, as_user, june_2025_locked):
    client = as_user("librarian_a")
    response = upload(client, world.point_a.id, csv_file(GOOD_CSV))
    assert response.status_code == 422 and "06/2025" in response.get_data(as_text=True)


def test_only_the_uploader_confirms_and_only_as_visits(app, world, as_user):
    client = as_user("librarian_a")
    upload(client, world.point_a.id, csv_file(GOOD_CSV))
    with app.app_context():
        batch_id = db.session.scalar(select(ImportBatch.id))
    # The equipment confirmation does not take a visits batch.
    assert post(client, f"/equipment/imports/{batch_id}").status_code == 404
    other = app.test_client()
    from tests.conftest import login

    login(other, world.librarian_b.name)
    assert post(other, f"/visits/imports/{batch_id}").status_code == 403
    assert counts(app, world.point_a.id) == {}


def test_export_of_a_year_as_csv_and_xlsx_neutralises_formulas(app, world, as_user, two_years):
    update(app, LibraryPoint, world.point_a.id, name="=HYPERLINK(\"http://x\")")
    client = as_user("librarian_a")
    response = client.get(f"/points/{world.point_a.id}/visits/export.csv?year=2025")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeffXã/phường") or text.startswith("\ufeff")
    assert "'=HYPERLINK" in text and "10/06/2025" in text and "Đọc tại chỗ" in text
    assert "999" not in text  # another year
    response = client.get(f"/points/{world.point_a.id}/visits/export.xlsx?year=2026")
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][1].startswith("'=")
    assert sorted(r[5] for r in rows[1:]) == [40, 66, 999]
    assert client.get(f"/points/{world.point_a.id}/visits/export.pdf").status_code == 404


def test_import_template_is_an_xlsx_with_vietnamese_headers(app, world, as_user):
    response = as_user("librarian_a").get("/visits/import-template.xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert [c.value for c in sheet[1]] == ["Ngày", "Dịch vụ", "Nhóm bạn đọc", "Số lượt"]


# --- Demo data ------------------------------------------------------------------------------------

def test_demo_visits_have_rhythm_tet_and_growth(app, runner):
    assert runner.invoke(args=["demo-data", "--communes", "3", "--years", "3"]).exit_code == 0
    with app.app_context():
        point_id = db.session.scalar(select(LibraryPoint.id).order_by(LibraryPoint.id))
        tet = date(2025, 1, 29)
        assert queries.total(select(LibraryPoint.id).where(LibraryPoint.id == point_id),
                             tet, tet + timedelta(days=3)) == 0
        years = {y: queries.total(select(LibraryPoint.id), date(y, 1, 1), date(y, 12, 31)) for y in (2024, 2025)}
        assert years[2025] != years[2024]
        by_group = {}
        for (_service, group), n in queries.breakdown(select(LibraryPoint.id),
                                                      date(2025, 7, 1), date(2025, 7, 31)).items():
            by_group[group] = by_group.get(group, 0) + n
        winter = {}
        for (_service, group), n in queries.breakdown(select(LibraryPoint.id),
                                                      date(2025, 11, 1), date(2025, 11, 30)).items():
            winter[group] = winter.get(group, 0) + n
        assert by_group["children"] / sum(by_group.values()) > winter["children"] / sum(winter.values())
        rows = db.session.scalar(select(func.count(VisitCount.id)))
    assert runner.invoke(args=["demo-data", "--communes", "3", "--years", "3"]).exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(func.count(VisitCount.id))) == rows  # idempotent


@pytest.mark.parametrize("day", ["0001-01-01", "1999-12-31"])
def test_days_before_2000_are_not_counted_or_shown(app, world, as_user, day):
    client = as_user("librarian_a")
    assert client.get(f"/points/{world.point_a.id}/tally?day={day}").status_code == 200  # shows today instead
    assert client.get(f"/points/{world.point_a.id}/visits/month?month={day[:7]}").status_code == 200
    assert tap(client, world.point_a.id, date.fromisoformat(day), "reading:children").status_code == 303
    assert counts(app, world.point_a.id) == {}


def test_a_csv_of_blank_lines_is_refused_without_reading_it_all(app, world, as_user):
    client = as_user("librarian_a")
    text = "Ngày,Dịch vụ,Nhóm bạn đọc,Số lượt\n" + "\n" * 1_000_000
    response = upload(client, world.point_a.id, csv_file(text))
    assert response.status_code == 422 and "5.000" in response.get_data(as_text=True)


@pytest.mark.parametrize("year", ["99999", "-3", "1200"])
def test_export_of_an_impossible_year_falls_back_to_this_year(app, world, as_user, year):
    response = as_user("librarian_a").get(f"/points/{world.point_a.id}/visits/export.csv?year={year}")
    assert response.status_code == 200 and f"-{today(app).year}.csv" in response.headers["Content-Disposition"]


def test_a_tap_between_the_grid_check_and_its_save_makes_a_conflict(app, world, as_user, monkeypatch):
    """The compare-and-set: a count that moves after the snapshot check is not overwritten."""
    client = as_user("librarian_a")
    day = today(app) - timedelta(days=1)
    store(app, world.point_a.id, {(day, "reading", "children"): 2})
    path = f"/points/{world.point_a.id}/visits/day?day={day.isoformat()}"
    _html, seen = grid_page(client, path)
    real = queries.set_counts_if_unchanged

    def tap_first(point_id, changes):  # another phone's tap commits just before the grid writes
        db.session.execute(db.update(VisitCount).where(VisitCount.point_id == point_id).values(count=3))
        return real(point_id, changes)

    monkeypatch.setattr(queries, "set_counts_if_unchanged", tap_first)
    response = post(client, path, {"seen": seen, "reading:children": "9", "lending:adults": "4"})
    assert response.status_code == 409
    assert "hiện là: 2" in response.get_data(as_text=True)  # the stand-in tap shared the grid's rolled-back transaction
    assert counts(app, world.point_a.id, day) == {(day, "reading", "children"): 2}  # nothing of the grid saved


def test_a_grid_post_leaves_cells_it_does_not_name(app, world, as_user):
    client = as_user("librarian_a")
    day = today(app) - timedelta(days=1)
    store(app, world.point_a.id, {(day, "reading", "children"): 2, (day, "lending", "adults"): 5})
    path = f"/points/{world.point_a.id}/visits/day?day={day.isoformat()}"
    _html, seen = grid_page(client, path)
    assert post(client, path, {"seen": seen, "reading:children": "6"}).status_code == 303
    assert counts(app, world.point_a.id, day) == {(day, "reading", "children"): 6, (day, "lending", "adults"): 5}


def test_a_new_preview_replaces_the_users_earlier_one_and_a_closed_point_takes_none(app, world, as_user):
    client = as_user("librarian_a")
    upload(client, world.point_a.id, csv_file(GOOD_CSV))
    upload(client, world.point_a.id, csv_file(GOOD_CSV))
    with app.app_context():
        batches = db.session.scalars(select(ImportBatch.id)).all()
    assert len(batches) == 1
    update(app, LibraryPoint, world.point_a.id, active=False)
    assert post(client, f"/visits/imports/{batches[0]}").status_code == 403
    assert counts(app, world.point_a.id) == {}


def test_growth_compares_like_for_like(app, world, as_user):
    """A: 100 → 106; B opened this year: 0 → 500. The province grew 6 %, not 506 %."""
    store(app, world.point_a.id, {(JUNE_24, "reading", "children"): 100, (JUNE_25, "reading", "children"): 106})
    store(app, world.point_b.id, {(JUNE_25, "reading", "children"): 500})
    html = as_user("province_staff_p").get("/visits?year=2026&month=6").get_data(as_text=True)
    stats = html.split('<section class="stats">')[1].split("</section>")[0]
    assert "606" in stats and "+6,0 %" in stats
    assert "1 nơi không có lượt bạn đọc năm trước nên không tính vào mức tăng/giảm." in stats
