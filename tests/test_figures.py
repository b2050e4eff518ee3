"""Figures a province official can sign (issue 14): timeliness kept from the
first submission, running periods compared over equal windows, who is expected
to report, figures as of the period's last day, points operating effectively,
the province's reporting rules and its home counts. Every expectation is
counted by hand from the rows each test writes."""
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from app.dashboard.queries import province_rollup
from app.equipment.models import EquipmentEvent, EquipmentItem
from app.extensions import db
from app.periods import Period
from app.reports import queries
from app.reports.models import RETURNED, SUBMITTED, PeriodReport
from app.units.models import LibraryPoint, Unit
from app.visits.models import VisitCount
from tests.conftest import login, post
from tests.factories import make_point


def at(day: date, hour: int = 2) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=timezone.utc)


@pytest.fixture
def frozen(monkeypatch):
    """freeze(day): today_local() (and every "now") is `day`, 10:00 in Hà Nội."""

    def freeze(day: date):
        monkeypatch.setattr("app.models_base.utcnow", lambda: at(day, 3))

    return freeze


def visits(point_id, *cells):
    for day, n in cells:
        db.session.add(VisitCount(point_id=point_id, day=day, service="reading", reader_group="adults", count=n))


def numbers(html):
    """The tiles' big numbers, in order."""
    return [part.split("<")[0] for part in html.split('<span class="value">')[1:]]


# --- 1. Timeliness is the first submission's ------------------------------------------------

def test_a_resubmitted_report_keeps_the_timeliness_of_its_first_submission(app, world, as_user):
    with app.app_context():
        # May 2025 is due on 05/06/2025: first sent on 03/06, returned; the librarian corrects it now.
        db.session.add(PeriodReport(commune_id=world.commune_a.id, year=2025, month=5, status=RETURNED,
                                    comment="Thiếu số lượt", submitted_at=at(date(2025, 6, 3)),
                                    first_submitted_at=at(date(2025, 6, 3))))
        db.session.commit()
    librarian = as_user("librarian_a")
    assert post(librarian, f"/communes/{world.commune_a.id}/reports/2025/5/submit").status_code == 303
    with app.app_context():
        report = db.session.scalar(select(PeriodReport).where(PeriodReport.commune_id == world.commune_a.id))
        assert report.status == SUBMITTED and report.first_submitted_at == at(date(2025, 6, 3))
        assert report.submitted_at.date() > date(2026, 1, 1)  # the latest submission is kept too
    page = librarian.get(f"/communes/{world.commune_a.id}/reports/2025/5").get_data(as_text=True)
    assert "gửi lần đầu 03/06/2025" in page and "đúng hạn" in page
    staff = app.test_client()
    assert login(staff, world.province_staff_p.name).status_code == 303
    queue = staff.get("/reports?month=2025-05").get_data(as_text=True)
    row = queue.split(f'id="queue-{world.commune_a.id}"')[1].split("</tr>")[0]
    assert "đúng hạn" in row and "muộn" not in row
    assert numbers(staff.get("/reports/completeness?kind=month&year=2025&number=5").get_data(as_text=True))[:3] \
        == ["2", "1", "1"]  # A and B expected; A submitted, on time
    # The commune's list marks lateness too: B's June, never sent, is overdue; A's May is on time.
    months = staff.get(f"/communes/{world.commune_a.id}/reports?year=2025").get_data(as_text=True)
    may = months.split(">05/2025<")[1].split("</tr>")[0]
    assert "đúng hạn" in may


def test_a_first_submission_after_the_due_date_is_labelled_late(app, world, as_user):
    with app.app_context():
        db.session.add(PeriodReport(commune_id=world.commune_a.id, year=2025, month=5, status=SUBMITTED,
                                    submitted_at=at(date(2025, 6, 9)), first_submitted_at=at(date(2025, 6, 9))))
        db.session.commit()
    client = as_user("province_staff_p")
    page = client.get(f"/communes/{world.commune_a.id}/reports/2025/5").get_data(as_text=True)
    assert '<span class="late">muộn</span>' in page
    months = client.get(f"/communes/{world.commune_a.id}/reports?year=2025").get_data(as_text=True)
    assert '<span class="late">muộn</span>' in months.split(">05/2025<")[1].split("</tr>")[0]


# --- 2. Running periods: the same elapsed days on both sides --------------------------------

def test_a_running_month_and_year_compare_equal_windows(app, world, as_user, frozen):
    frozen(date(2026, 12, 2))
    with app.app_context():
        visits(world.point_a.id, (date(2026, 12, 1), 10), (date(2026, 12, 2), 100),  # today's is not complete
               (date(2025, 12, 1), 5), (date(2025, 12, 2), 50), (date(2026, 3, 1), 30), (date(2025, 3, 1), 15))
        db.session.commit()
        province = db.session.get(Unit, world.province_p.id)
        month = province_rollup(province, Period.month(2026, 12), date(2026, 12, 2))
        assert month["current"] == (date(2026, 12, 1), date(2026, 12, 1))
        assert month["previous"] == (date(2025, 12, 1), date(2025, 12, 1))
        assert (month["totals"]["visits"], month["totals"]["last_year"]) == (10, 5)
        year = province_rollup(province, Period.whole_year(2026), date(2026, 12, 2))
        assert (year["totals"]["visits"], year["totals"]["last_year"]) == (40, 20)  # +100 %, not 140 against 70
    html = as_user("province_staff_p").get("/province?kind=month&year=2026&number=12").get_data(as_text=True)
    assert numbers(html)[0] == "10" and "cùng kỳ năm trước: 5" in html and "+100,0 %" in html
    assert "cả hai năm đều tính đến hết ngày 01/12/2026" in html


def test_on_the_first_day_of_a_period_nothing_is_compared(app, world, frozen):
    frozen(date(2026, 12, 1))
    with app.app_context():
        visits(world.point_a.id, (date(2026, 12, 1), 10), (date(2025, 12, 1), 5))
        db.session.commit()
        rollup = province_rollup(db.session.get(Unit, world.province_p.id), Period.month(2026, 12), date(2026, 12, 1))
        assert (rollup["totals"]["visits"], rollup["totals"]["last_year"], rollup["totals"]["growth"]) == (0, 0, None)


# --- 3. Who is expected to report ---------------------------------------------------------

def test_reports_are_expected_from_the_province_start_and_each_communes_first_point(app, world):
    with app.app_context():
        province = db.session.get(Unit, world.province_p.id)
        province.reporting_from = date(2025, 5, 1)
        db.session.get(LibraryPoint, world.point_b.id).opened_on = date(2025, 9, 10)
        db.session.commit()
        figures = queries.completeness(province, Period.whole_year(2025), date(2026, 12, 2))
        # A: May–December (8 months); B: from its point's opening month, September (4 months).
        assert figures["expected"] == 8 + 4 and len(figures["missing"]) == 12
        assert {(m["name"], m["period"].number) for m in figures["missing"] if m["name"] == "Xã B"} == {
            ("Xã B", 9), ("Xã B", 10), ("Xã B", 11), ("Xã B", 12)}
        db.session.get(LibraryPoint, world.point_b.id).active = False  # B has no active point any more
        db.session.commit()
        figures = queries.completeness(province, Period.whole_year(2025), date(2026, 12, 2))
        assert figures["expected"] == 8 and figures["no_point"] == ["Xã B"]


def test_a_librarian_home_lists_only_expected_months(app, world, as_user, frozen):
    frozen(date(2026, 12, 2))
    with app.app_context():
        db.session.get(Unit, world.province_p.id).reporting_from = date(2026, 11, 1)
        db.session.commit()
    home = as_user("librarian_a").get("/").get_data(as_text=True)
    assert "Báo cáo kỳ 11/2026" in home and "kỳ 10/2026" not in home and "kỳ 09/2026" not in home


# --- 4. As of the period's last day ---------------------------------------------------------

@pytest.fixture
def history(app, world):
    """Point A's register and checklist over 2025:
    computer 1 (online), received 01/05, in use; broken on 10/08 (after Q2);
    computer 2, received 01/09 (after Q2);
    printer, received 02/05: liquidated 03/05, restored 10/05, liquidated again 01/06 — one liquidation;
    a repair of computer 1 on 20/05 costing 150.000 đ;
    software installed 10/06/2025 (in Q2), internet computer 15/07/2025 (after Q2)."""
    with app.app_context():
        point = db.session.get(LibraryPoint, world.point_a.id)
        point.software_installed_on, point.internet_computer_on = date(2025, 6, 10), date(2025, 7, 15)
        pc1 = EquipmentItem(point_id=point.id, category="computer", description="Máy 1", condition="broken",
                            internet_connected=True, received_on=date(2025, 5, 1))
        pc2 = EquipmentItem(point_id=point.id, category="computer", description="Máy 2", condition="in_use",
                            internet_connected=True, received_on=date(2025, 9, 1))
        printer = EquipmentItem(point_id=point.id, category="printer", description="Máy in", condition="liquidated",
                                received_on=date(2025, 5, 2))
        db.session.add_all([pc1, pc2, printer])
        db.session.flush()
        for item, day, kind, old, new, cost in (
            (printer, date(2025, 5, 3), "liquidation", "in_use", "liquidated", None),
            (printer, date(2025, 5, 10), "restore", "liquidated", "in_use", None),
            (printer, date(2025, 6, 1), "liquidation", "in_use", "liquidated", None),
            (pc1, date(2025, 5, 20), "repair", None, None, 150000),
            (pc1, date(2025, 8, 10), "condition_change", "in_use", "broken", None),
        ):
            db.session.add(EquipmentEvent(item_id=item.id, occurred_on=day, kind=kind, old_condition=old,
                                          new_condition=new, cost=cost))
        db.session.commit()


def sections(html):
    """Sections III (equipment) and V (deployment, effective points) of the printout."""
    return html.split("<h2>III.")[1].split("<h2>IV.")[0], html.split("<h2>V.")[1].split('<div class="doc-foot">')[0]


def test_the_q2_report_printed_in_december_equals_the_one_printed_on_30_june(app, world, as_user, frozen, history):
    client = as_user("province_staff_p")
    q2 = "/province/report?kind=quarter&year=2025&number=2"
    frozen(date(2025, 7, 1))
    then = sections(client.get(q2).get_data(as_text=True))
    frozen(date(2026, 12, 2))
    now = sections(client.get(q2).get_data(as_text=True))
    assert now == then
    equipment, deployment = now
    # On 30/06/2025: computer 1 in use (broken only in August), computer 2 not received, the printer liquidated once.
    assert "<tr><td>Máy tính</td><td class=\"num\">1</td><td class=\"num\">0</td>" in equipment
    assert "<tr><td>Máy in</td><td class=\"num\">0</td><td class=\"num\">0</td><td class=\"num\">0</td>" \
           "<td class=\"num\">1</td></tr>" in equipment
    assert "Số thiết bị thanh lý trong kỳ: 1." in equipment
    assert "Chi phí bảo trì, sửa chữa trong kỳ: 150.000 đồng (sửa chữa 150.000)." in equipment
    text = " ".join(deployment.split())
    assert "Các bước triển khai đã ghi nhận đến ngày 30/06/2025 (theo danh mục của từng điểm):" in text
    assert "Có máy tính kết nối Internet: 0 điểm" in text  # dated 15/07, after the quarter
    assert "Đã cài phần mềm thư viện: 1 điểm" in text  # dated 10/06, in the quarter


# --- 5. Points operating effectively ----------------------------------------------------------

def test_effective_points_share_for_a_crafted_set(app, world, as_user, frozen):
    """Q2/2025 in province P, three active points and one closed:
    a: online computer, visits in April, May and June, A's three reports sent → effective;
    b: online computer, visits in April and June only, B's reports missing → fails visits and reports;
    b2: no computer, no visits → fails computer, visits, reports;
    closed point of A: not counted. 1 of 3 = 33 % (target 60–70 %: below)."""
    frozen(date(2026, 12, 2))
    with app.app_context():
        b2 = make_point(db.session.get(Unit, world.commune_b.id), "Điểm B2")
        make_point(db.session.get(Unit, world.commune_a.id), "Điểm đã đóng", active=False)
        for point_id in (world.point_a.id, world.point_b.id):
            db.session.add(EquipmentItem(point_id=point_id, category="computer", description="Máy", condition="in_use",
                                         internet_connected=True, received_on=date(2025, 1, 5)))
        visits(world.point_a.id, (date(2025, 4, 2), 3), (date(2025, 5, 2), 3), (date(2025, 6, 2), 3))
        visits(world.point_b.id, (date(2025, 4, 2), 3), (date(2025, 6, 2), 3))
        for month in (4, 5, 6):
            db.session.add(PeriodReport(commune_id=world.commune_a.id, year=2025, month=month, status=SUBMITTED,
                                        submitted_at=at(date(2025, month + 1, 2)),
                                        first_submitted_at=at(date(2025, month + 1, 2))))
        db.session.commit()
        province = db.session.get(Unit, world.province_p.id)
        effective = province_rollup(province, Period.quarter(2025, 2), date(2026, 12, 2))["effective"]
        assert effective["points"] == {world.point_a.id: [], world.point_b.id: ["visits", "reports"],
                                       b2.id: ["computer", "visits", "reports"]}
        assert (effective["effective"], effective["total"], round(effective["share"], 1), effective["band"]) \
            == (1, 3, 33.3, "below")
        # The province counts a point with a working online computer, whatever its visits and reports: 2 of 3.
        province.effective_needs_visits = province.effective_needs_reports = False
        db.session.commit()
        effective = province_rollup(province, Period.quarter(2025, 2), date(2026, 12, 2))["effective"]
        assert (effective["effective"], round(effective["share"], 1), effective["band"]) == (2, 66.7, "within")
    html = as_user("province_staff_p").get("/province?kind=quarter&year=2025&number=2").get_data(as_text=True)
    tile = html.split('id="effective-tile"')[1].split("</div>")[0]
    assert "67 %" in tile and "2 trên 3" in tile and "đạt chỉ tiêu" in tile


# --- The province's reporting rules ---------------------------------------------------------

def test_province_staff_set_the_reporting_rules(app, world, as_user):
    client = as_user("province_staff_p")
    url = f"/provinces/{world.province_p.id}/reporting"
    page = client.get(url)
    assert page.status_code == 200
    version = page.get_data(as_text=True).split('name="version" type="hidden" value="')[1].split('"')[0]
    good = {"version": version, "reporting_from": "5/2025", "effective_needs_computer": "y",
            "effective_target_min": "60", "effective_target_max": "70,5"}
    bad_month = post(client, url, {**good, "reporting_from": "13/2025"})
    assert bad_month.status_code == 422 and "Nhập tháng theo dạng mm/yyyy" in bad_month.get_data(as_text=True)
    reversed_band = post(client, url, {**good, "effective_target_max": "50"})
    assert reversed_band.status_code == 422 and "không được thấp hơn" in reversed_band.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Unit, world.province_p.id).reporting_from is None  # nothing half-saved
    assert post(client, url, good).status_code == 303
    with app.app_context():
        province = db.session.get(Unit, world.province_p.id)
        assert (province.reporting_from, province.effective_needs_computer, province.effective_needs_visits,
                province.effective_needs_reports, province.effective_target_max) \
            == (date(2025, 5, 1), True, False, False, 70.5)
    other = app.test_client()
    assert login(other, world.province_staff_q.name).status_code == 303
    assert post(other, url, good).status_code == 403


# --- The province home ------------------------------------------------------------------------

def test_the_province_home_counts_reports_waiting_late_and_overdue(app, world, as_user, frozen):
    frozen(date(2026, 12, 8))  # November 2026 was due on 05/12
    with app.app_context():
        db.session.add(PeriodReport(commune_id=world.commune_a.id, year=2026, month=11, status=SUBMITTED,
                                    submitted_at=at(date(2026, 12, 7)), first_submitted_at=at(date(2026, 12, 7))))
        db.session.add(PeriodReport(commune_id=world.commune_a.id, year=2026, month=10, status=SUBMITTED,
                                    submitted_at=at(date(2026, 11, 3)), first_submitted_at=at(date(2026, 11, 3))))
        db.session.commit()
    card = as_user("province_staff_p").get("/").get_data(as_text=True).split('id="reports-waiting"')[1]
    # Waiting: A's October and November; late: A's November (07/12); overdue: B's November, of 2 expected.
    assert numbers(card)[:3] == ["2", "1", "1/2"]


def test_a_report_not_yet_due_does_not_make_a_point_ineffective(app, world, frozen):
    """November 2026 is due on 05/12: on 02/12 point A (online computer, visits in November, no report yet)
    operates effectively; on 08/12, with the report still missing, it does not."""
    with app.app_context():
        db.session.add(EquipmentItem(point_id=world.point_a.id, category="computer", description="Máy",
                                     condition="in_use", internet_connected=True, received_on=date(2026, 1, 5)))
        visits(world.point_a.id, (date(2026, 11, 3), 4))
        db.session.commit()
        province = db.session.get(Unit, world.province_p.id)
        november = Period.month(2026, 11)
        for today, failed in ((date(2026, 12, 2), []), (date(2026, 12, 8), ["reports"])):
            frozen(today)
            assert province_rollup(province, november, today)["effective"]["points"][world.point_a.id] == failed
