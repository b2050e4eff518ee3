"""Period reports: the transitions and who sees what of them, deadlines, and
the lock an approval puts on the commune's records."""
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.extensions import db
from app.reports import locks, workflow
from app.reports.models import APPROVED, DRAFT, RETURNED, SUBMITTED, PeriodReport, default_due_on, submitted_on_time
from app.units.models import LibraryPoint
from app.users.models import User
from app.visits.models import VisitCount
from tests.conftest import csrf_token, login, post


def users(world):
    return db.session.get(User, world.librarian_a.id), db.session.get(User, world.province_staff_p.id)


def test_submit_return_resubmit_approve_reopen(app, world):
    with app.test_request_context():
        librarian, staff = users(world)
        report = workflow.report_for(world.commune_a.id, 2026, 6, create=True)
        assert report.status == DRAFT
        workflow.submit(report, librarian, "Đủ số liệu")
        assert (report.status, report.note, report.submitted_by_id) == (SUBMITTED, "Đủ số liệu", librarian.id)
        with pytest.raises(workflow.TransitionRefused):
            workflow.send_back(report, staff, "   ")  # a return needs a comment
        workflow.send_back(report, staff, "Thiếu số lượt tháng 6")
        assert (report.status, report.comment) == (RETURNED, "Thiếu số lượt tháng 6")
        workflow.submit(report, librarian)
        workflow.approve(report, staff)
        assert (report.status, report.decided_by_id) == (APPROVED, staff.id)
        with pytest.raises(workflow.TransitionRefused):
            workflow.submit(report, librarian)  # approved: only a reopening changes it
        with pytest.raises(workflow.TransitionRefused):
            workflow.reopen(report, staff, "")
        workflow.reopen(report, staff, "Sai số liệu máy tính")
        assert (report.status, report.comment) == (RETURNED, "Sai số liệu máy tính")
        db.session.commit()
        actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "period_report")
                                     .order_by(AuditEvent.id)).all()
    assert actions == ["submit", "return", "submit", "approve", "reopen"]


@pytest.mark.parametrize("step,state", [("approve", DRAFT), ("approve", RETURNED), ("send_back", APPROVED),
                                        ("submit", SUBMITTED), ("reopen", SUBMITTED)])
def test_steps_refused_from_the_wrong_state(app, world, step, state):
    with app.test_request_context():
        librarian, staff = users(world)
        report = workflow.report_for(world.commune_a.id, 2026, 5, create=True)
        report.status = state
        args = {"approve": (staff,), "send_back": (staff, "x"), "submit": (librarian,), "reopen": (staff, "x")}[step]
        with pytest.raises(workflow.TransitionRefused):
            getattr(workflow, step)(report, *args)
        assert report.status == state


def test_a_stale_version_is_refused(app, world):
    with app.test_request_context():
        librarian, staff = users(world)
        report = workflow.report_for(world.commune_a.id, 2026, 4, create=True)
        db.session.commit()
        with pytest.raises(workflow.TransitionRefused):
            workflow.submit(report, librarian, version=report.version + 1)
        workflow.submit(report, librarian, version=report.version)
        assert report.status == SUBMITTED


def test_deadline_and_on_time_around_midnight_in_vietnam(app):
    assert default_due_on(2026, 6) == date(2026, 7, 5)
    assert default_due_on(2026, 12) == date(2027, 1, 5)
    with app.test_request_context():
        # 23:59 on the 5th in Hà Nội is 16:59 UTC: on time; 00:00 on the 6th (17:00 UTC) is late.
        assert submitted_on_time(datetime(2026, 7, 5, 16, 59, tzinfo=timezone.utc), date(2026, 7, 5)) is True
        assert submitted_on_time(datetime(2026, 7, 5, 17, 0, tzinfo=timezone.utc), date(2026, 7, 5)) is False
        assert submitted_on_time(None, date(2026, 7, 5)) is None


def approve_june(app, world):
    with app.test_request_context():
        librarian, staff = users(world)
        report = workflow.report_for(world.commune_a.id, 2025, 6, create=True)
        workflow.submit(report, librarian)
        workflow.approve(report, staff)
        db.session.commit()
        return report.id


def test_an_approved_month_locks_the_communes_records(app, world):
    approve_june(app, world)
    with app.test_request_context():
        point = db.session.get(LibraryPoint, world.point_a.id)
        lock = locks.period_lock(point, date(2025, 6, 30))
        assert lock.period == "06/2025" and lock.approved_by
        assert locks.period_lock(point, date(2025, 7, 1)) is None
        assert locks.period_lock(db.session.get(LibraryPoint, world.point_b.id), date(2025, 6, 30)) is None
        with pytest.raises(locks.PeriodLocked):
            locks.refuse_if_locked(point, date(2025, 7, 2), date(2025, 6, 1))


def test_a_tally_in_an_approved_month_is_refused_and_a_reopened_one_accepted(app, world, as_user):
    report_id = approve_june(app, world)
    client = as_user("librarian_a")
    data = {"day": "2025-06-12", "cell": "reading:children"}
    response = post(client, f"/points/{world.point_a.id}/tally", data, headers={"Accept": "application/json"})
    assert response.status_code == 423 and "06/2025" in response.json["message"]
    with app.test_request_context():
        _librarian, staff = users(world)
        workflow.reopen(db.session.get(PeriodReport, report_id), staff, "Sửa số liệu")
        db.session.commit()
    assert post(client, f"/points/{world.point_a.id}/tally", data).status_code == 303
    with app.app_context():
        assert db.session.scalar(select(VisitCount.count).where(VisitCount.point_id == world.point_a.id)) == 1


# --- Routes -------------------------------------------------------------------------------

def other(app, world, name):
    """A second browser, logged in as another world user."""
    client = app.test_client()
    assert login(client, getattr(world, name).name).status_code == 303
    return client


def report_url(world, year=2025, month=6, commune="commune_a", step=""):
    return f"/communes/{getattr(world, commune).id}/reports/{year}/{month}" + (f"/{step}" if step else "")


def state_of(app, commune_id, year=2025, month=6):
    with app.app_context():
        report = db.session.scalar(select(PeriodReport).where(
            PeriodReport.commune_id == commune_id, PeriodReport.year == year, PeriodReport.month == month))
        return (report.status, report.comment) if report else None


def submit_june(app, world, as_user):
    client = as_user("librarian_a")
    assert post(client, report_url(world, step="submit"), {"note": "Đã đối chiếu sổ"}).status_code == 303
    assert state_of(app, world.commune_a.id) == (SUBMITTED, "")
    return client


def test_librarian_submits_and_province_approves_from_the_page(app, world, as_user):
    submit_june(app, world, as_user)
    client = other(app, world, "province_staff_p")
    page = client.get(report_url(world)).get_data(as_text=True)
    assert "Đã đối chiếu sổ" in page and "Đã gửi" in page
    assert post(client, report_url(world, step="approve")).status_code == 303
    assert state_of(app, world.commune_a.id)[0] == APPROVED


def test_a_return_needs_a_comment_and_the_librarian_sees_it(app, world, as_user):
    submit_june(app, world, as_user)
    client = other(app, world, "province_staff_p")
    response = post(client, report_url(world, step="return"), {"comment": ""})
    assert response.status_code == 422 and "Hãy viết nhận xét cho xã." in response.get_data(as_text=True)
    assert state_of(app, world.commune_a.id)[0] == SUBMITTED
    assert post(client, report_url(world, step="return"), {"comment": "Thiếu số liệu Thư viện số"}).status_code == 303
    assert state_of(app, world.commune_a.id) == (RETURNED, "Thiếu số liệu Thư viện số")
    librarian = other(app, world, "librarian_a")
    assert "Thiếu số liệu Thư viện số" in librarian.get(report_url(world)).get_data(as_text=True)


def test_a_month_not_over_cannot_be_submitted(app, world, as_user):
    with app.test_request_context():
        from app.formatting import today_local

        now = today_local()
    client = as_user("librarian_a")
    response = post(client, report_url(world, now.year, now.month, step="submit"))
    assert response.status_code == 303
    assert state_of(app, world.commune_a.id, now.year, now.month) is None


@pytest.mark.parametrize("user,step", [("librarian_b", "submit"), ("province_staff_p", "submit"),
                                       ("trainer_p", "submit"), ("librarian_a", "approve"), ("trainer_p", "approve"),
                                       ("province_staff_q", "approve"), ("province_staff_q", "reopen")])
def test_steps_refused_to_the_wrong_people(app, world, as_user, user, step):
    submit_june(app, world, as_user)
    client = other(app, world, user)
    assert post(client, report_url(world, step=step), {"comment": "x"}).status_code == 403
    assert state_of(app, world.commune_a.id)[0] == SUBMITTED


def test_queue_approves_a_row_in_place_and_filters_lateness(app, world, as_user):
    submit_june(app, world, as_user)
    client = other(app, world, "province_staff_p")
    page = client.get("/reports?month=2025-06").get_data(as_text=True)
    assert "Xã A" in page and "Xã B" in page and "Xã C" not in page
    # Submitted today for June 2025 (due 05/07/2025): late, like B, which sent nothing.
    late = client.get("/reports?month=2025-06&late=late", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in late and "Xã B" in late and f'id="queue-{world.commune_a.id}"' in late
    waiting = client.get("/reports?month=2025-06&status=submitted").get_data(as_text=True)
    assert f'id="queue-{world.commune_a.id}"' in waiting and f'id="queue-{world.commune_b.id}"' not in waiting
    on_time = client.get("/reports?month=2025-06&late=on_time").get_data(as_text=True)
    assert f'id="queue-{world.commune_a.id}"' not in on_time
    response = post(client, report_url(world, step="approve"), {"from": "queue"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert f'<tr id="queue-{world.commune_a.id}" class="fresh">' in response.get_data(as_text=True)
    assert state_of(app, world.commune_a.id)[0] == APPROVED


def test_bulk_approval_takes_only_submitted_reports_of_the_province(app, world, as_user):
    submit_june(app, world, as_user)
    client = other(app, world, "province_staff_p")
    response = client.post("/reports/2025/6/approve", data={
        "csrf_token": csrf_token(client, "/"),
        "commune": [str(world.commune_a.id), str(world.commune_b.id), str(world.commune_c.id)]})
    assert response.status_code == 303
    assert state_of(app, world.commune_a.id)[0] == APPROVED
    assert state_of(app, world.commune_b.id) is None and state_of(app, world.commune_c.id) is None


def test_province_sets_a_deadline_after_the_month(app, world, as_user):
    client = as_user("province_staff_p")
    url = f"/provinces/{world.province_p.id}/deadlines/2025/6"
    assert post(client, url, {"due_on": "30/06/2025"}).status_code == 303  # refused: inside the month
    with app.app_context():
        from app.reports.queries import due_on

        assert due_on(world.province_p.id, 2025, 6) == date(2025, 7, 5)
    assert post(client, url, {"due_on": "10/07/2025"}).status_code == 303
    with app.app_context():
        assert due_on(world.province_p.id, 2025, 6) == date(2025, 7, 10)
    assert post(other(app, world, "province_staff_q"), url, {"due_on": "12/07/2025"}).status_code == 403


def test_librarian_home_shows_a_returned_report(app, world, as_user):
    with app.test_request_context():
        from app.formatting import today_local

        last = today_local().replace(day=1) - timedelta(days=1)
        librarian, staff = users(world)
        report = workflow.report_for(world.commune_a.id, last.year, last.month, create=True)
        workflow.submit(report, librarian)
        workflow.send_back(report, staff, "Bổ sung số liệu máy tính")
        db.session.commit()
    home = as_user("librarian_a").get("/").get_data(as_text=True)
    assert "Bổ sung số liệu máy tính" in home


# --- An approved month locks every mutating route -------------------------------------------

@pytest.fixture
def locked(app, world):
    """Commune A's June 2025 and current month approved; an active item, a liquidated item
    and an equipment import batch at point A. Returns their ids and today."""
    import json

    from app.equipment.models import EquipmentItem
    from app.formatting import today_local
    from app.imports.models import ImportBatch

    with app.test_request_context():
        today = today_local()
        staff = db.session.get(User, world.province_staff_p.id)
        for year, month in ((2025, 6), (today.year, today.month)):
            db.session.add(PeriodReport(commune_id=world.commune_a.id, year=year, month=month, status=APPROVED,
                                        decided_by_id=staff.id, decided_at=datetime(2025, 7, 3, tzinfo=timezone.utc)))
        item = EquipmentItem(point_id=world.point_a.id, category="desk", description="Bàn đọc", quantity=2)
        gone = EquipmentItem(point_id=world.point_a.id, category="chair", description="Ghế", quantity=1,
                             condition="liquidated")
        batch = ImportBatch(kind="equipment", point_id=world.point_a.id, user_id=world.librarian_a.id, rows=json.dumps(
            [{"row": 2, "category": "desk", "description": "Bàn", "asset_code": "", "quantity": 1,
              "condition": "in_use", "internet_connected": False, "funding_source": "other",
              "received_on": "2025-06-10", "unit_value": None, "notes": ""}]))
        visits_batch = ImportBatch(kind="visits", point_id=world.point_a.id, user_id=world.librarian_a.id,
                                   rows=json.dumps([{"row": 2, "day": "2025-06-03", "service": "reading",
                                                     "reader_group": "adults", "count": 4}]))
        db.session.add_all([item, gone, batch, visits_batch])
        db.session.commit()
        return {"item": item.id, "gone": gone.id, "batch": batch.id, "visits_batch": visits_batch.id, "today": today}


def snapshot_db(app):
    from app.equipment.models import EquipmentEvent, EquipmentItem, StockTake

    with app.app_context():
        return [db.session.scalar(select(func.count()).select_from(model))
                for model in (EquipmentItem, EquipmentEvent, StockTake, VisitCount)] + [
            db.session.scalar(select(func.max(EquipmentItem.version)))]


LOCKED_ROUTES = {
    "item_create": lambda w, o: (f"/points/{w.point_a.id}/equipment/new", {
        "category": "desk", "description": "Bàn mới", "quantity": "1", "condition": "in_use",
        "funding_source": "other", "received_on": "10/06/2025"}),
    "item_edit": lambda w, o: (f"/equipment/{o['item']}/edit", {
        "version": "1", "category": "desk", "description": "Bàn đọc lớn", "quantity": "2", "condition": "in_use",
        "funding_source": "other"}),
    "event_create": lambda w, o: (f"/equipment/{o['item']}/events", {
        "version": "1", "kind": "repair", "occurred_on": "12/06/2025", "description": "Thay chân bàn"}),
    "item_restore": lambda w, o: (f"/equipment/{o['gone']}/restore", {
        "version": "1", "condition": "in_use", "occurred_on": o["today"].strftime("%d/%m/%Y"), "description": "Nhầm"}),
    "stocktake_start": lambda w, o: (f"/points/{w.point_a.id}/stocktake", {}),
    "stocktake_confirm": lambda w, o: (f"/equipment/{o['item']}/stocktake", {}),
    "equipment_import": lambda w, o: (f"/equipment/imports/{o['batch']}", {}),
    "visits_import": lambda w, o: (f"/visits/imports/{o['visits_batch']}", {}),
    "tally": lambda w, o: (f"/points/{w.point_a.id}/tally", {"day": "2025-06-05", "cell": "reading:adults"}),
    "day_grid": lambda w, o: (f"/points/{w.point_a.id}/visits/day?day=2025-06-05", {"reading:adults": "3"}),
    "month_grid": lambda w, o: (f"/points/{w.point_a.id}/visits/month?month=2025-06&group=adults",
                                {"2025-06-05:reading": "3"}),
}


@pytest.mark.parametrize("route", list(LOCKED_ROUTES))
def test_every_mutating_route_refuses_a_locked_month(app, world, as_user, locked, route):
    # Restoring a liquidated item is for province staff (app.access, "equipment.restore").
    client = as_user("province_staff_p" if route == "item_restore" else "librarian_a")
    url, data = LOCKED_ROUTES[route](world, locked)
    if route in ("day_grid", "month_grid"):
        import re

        data["seen"] = re.search(r'name="seen" type="hidden" value="([^"]*)"',
                                 client.get(url).get_data(as_text=True)).group(1)
    before = snapshot_db(app)
    response = post(client, url, data)
    assert response.status_code == 423, (route, response.status_code, response.get_data(as_text=True)[-600:])
    assert "Kỳ báo cáo đã khóa" in response.get_data(as_text=True)
    assert snapshot_db(app) == before


def test_quarters_and_year_are_views_over_months(app, world, as_user):
    with app.test_request_context():
        librarian, staff = users(world)
        for month in (4, 5, 6):
            report = workflow.report_for(world.commune_a.id, 2025, month, create=True)
            workflow.submit(report, librarian)
            if month != 6:
                workflow.approve(report, staff)
        db.session.commit()
    html = as_user("librarian_a").get(f"/communes/{world.commune_a.id}/reports?year=2025").get_data(as_text=True)
    assert "<strong>Q2/2025</strong>: 2/3 tháng đã duyệt · 1 chờ duyệt" in html
    assert "<strong>Q1/2025</strong>: 0/3 tháng đã duyệt" in html
    assert "<strong>2025</strong>: 2/12 tháng đã duyệt" in html


def test_a_refused_step_writes_no_audit_event(app, world, as_user):
    client = as_user("province_staff_p")
    assert post(client, report_url(world, step="approve")).status_code == 303  # nothing submitted: refused
    with app.app_context():
        assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "approve")) == 0


def test_audit_failure_rolls_the_step_back(app, world, as_user, monkeypatch):
    submit_june(app, world, as_user)
    client = other(app, world, "province_staff_p")
    from app.audit import models as audit_models

    def broken(*args, **kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(audit_models, "record", broken)
    assert post(client, report_url(world, step="approve")).status_code == 500
    assert state_of(app, world.commune_a.id)[0] == SUBMITTED


def test_a_stale_decision_from_the_queue_is_a_conflict(app, world, as_user):
    submit_june(app, world, as_user)
    client = other(app, world, "province_staff_p")
    response = post(client, report_url(world, step="return"), {"comment": "Sai", "version": "99", "from": "queue"},
                    headers={"HX-Request": "true"})
    assert response.status_code == 409 and "Người khác vừa thay đổi" in response.get_data(as_text=True)
    assert state_of(app, world.commune_a.id) == (SUBMITTED, "")


def test_completeness_of_a_quarter_against_hand_counts(app, world, as_user):
    """Q2/2025 for province P (communes A and B) = 6 commune-months expected.
    A: April on time and approved, May late and returned, June missing.
    B: April on time (submitted), May and June missing."""
    def at(day):
        return datetime(day.year, day.month, day.day, 2, 0, tzinfo=timezone.utc)  # 09:00 in Hà Nội

    with app.app_context():
        staff = world.province_staff_p.id
        for commune, month, status, submitted in (
            (world.commune_a.id, 4, APPROVED, date(2025, 5, 3)), (world.commune_a.id, 5, RETURNED, date(2025, 6, 9)),
            (world.commune_b.id, 4, SUBMITTED, date(2025, 5, 5)), (world.commune_c.id, 4, SUBMITTED, date(2025, 5, 1)),
        ):
            db.session.add(PeriodReport(commune_id=commune, year=2025, month=month, status=status,
                                        submitted_at=at(submitted), first_submitted_at=at(submitted),
                                        decided_by_id=staff))
        db.session.add(PeriodReport(commune_id=world.commune_b.id, year=2025, month=6, status=DRAFT))
        db.session.commit()
    html = as_user("province_staff_p").get(
        "/reports/completeness?kind=quarter&year=2025&number=2").get_data(as_text=True)
    values = [v.split("<")[0] for v in html.split('<span class="value">')[1:7]]
    assert values == ["6", "3", "2", "1", "1", "3"]  # expected, submitted, on time, approved, returned, missing
    missing = html.split("<tbody>")[1].split("</tbody>")[0]
    assert missing.count("<tr>") == 3 and "06/2025" in missing and "05/2025" in missing and "Xã C" not in missing
    assert "05/07/2025" in missing  # June's due date


@pytest.fixture
def training_in_june(app, world, locked):
    """A session of commune A on 12/06/2025 (a locked month) run by trainer_p, with one attendee and a batch."""
    from app.imports.models import ImportBatch
    from tests.test_training import make_attendee, make_session

    session_id = make_session(app, world, start_date=date(2025, 6, 12), end_date=date(2025, 6, 12))
    attendee_id = make_attendee(app, session_id)
    with app.app_context():
        batch = ImportBatch(kind="attendance", session_id=session_id, user_id=world.trainer_p.id, rows="[]")
        db.session.add(batch)
        db.session.commit()
        return {"session": session_id, "attendee": attendee_id, "batch": batch.id}


def training_snapshot(app):
    from app.training.models import Attendance, TrainingSession

    with app.app_context():
        return [db.session.scalar(select(func.count()).select_from(m)) for m in (TrainingSession, Attendance)] + [
            db.session.scalar(select(func.max(TrainingSession.version))),
            db.session.scalar(select(func.max(Attendance.version)))]


def session_form(world, **overrides):
    from tests.test_training import session_data

    return session_data(world, **{"start_date": "12/06/2025", "end_date": "12/06/2025", **overrides})


LOCKED_TRAINING_ROUTES = {
    "session_create": lambda w, o: ("/training/new", session_form(w)),
    "session_edit": lambda w, o: (f"/training/{o['session']}/edit",
                                  session_form(w, version="1", start_date="12/08/2025", end_date="12/08/2025")),
    "attendee_create": lambda w, o: (f"/training/{o['session']}/attendees", {
        "full_name": "Trần Thị Bình", "gender": "female", "commune_id": str(w.commune_a.id)}),
    "attendee_edit": lambda w, o: (f"/attendees/{o['attendee']}/edit", {
        "version": "1", "full_name": "Nguyễn Văn Ân", "gender": "male", "commune_id": str(w.commune_a.id)}),
    "attendee_presence": lambda w, o: (f"/attendees/{o['attendee']}/presence", {"present": "0"}),
    "attendee_delete": lambda w, o: (f"/attendees/{o['attendee']}/delete", {}),
    "import_confirm": lambda w, o: (f"/training/batches/{o['batch']}", {}),
}


@pytest.mark.parametrize("route", list(LOCKED_TRAINING_ROUTES))
def test_every_training_route_refuses_a_locked_month(app, world, as_user, training_in_june, route):
    client = as_user("trainer_p")
    url, data = LOCKED_TRAINING_ROUTES[route](world, training_in_june)
    before = training_snapshot(app)
    response = post(client, url, data)
    assert response.status_code == 423, (route, response.status_code, response.get_data(as_text=True)[-600:])
    assert "06/2025" in response.get_data(as_text=True)
    assert training_snapshot(app) == before


def test_the_report_shows_the_months_trainings(app, world, as_user):
    from tests.test_training import make_attendee, make_session

    session_id = make_session(app, world, start_date=date(2025, 6, 12), end_date=date(2025, 6, 12))
    make_attendee(app, session_id, "Lò Văn Páo")
    make_attendee(app, session_id, "Hà Thị Mai", gender="female")
    make_attendee(app, session_id, "Vắng Mặt", present=False)
    html = as_user("librarian_a").get(report_url(world)).get_data(as_text=True)
    assert "Buổi tập huấn tổ chức tại xã: 1 · người của xã được tập huấn: 2" in html
