"""Period reports: the transitions and who sees what of them, deadlines, and
the lock an approval puts on the commune's records."""
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from app import access
from app.audit.models import AuditEvent
from app.extensions import db
from app.reports import workflow
from app.reports.models import APPROVED, DRAFT, RETURNED, SUBMITTED, PeriodReport, default_due_on, submitted_on_time
from app.units.models import LibraryPoint
from app.users.models import User
from app.visits.models import VisitCount
from tests.conftest import post


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
            workflow.return_(report, staff, "   ")  # a return needs a comment
        workflow.return_(report, staff, "Thiếu số lượt tháng 6")
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


@pytest.mark.parametrize("step,state", [("approve", DRAFT), ("approve", RETURNED), ("return_", APPROVED),
                                        ("submit", SUBMITTED), ("reopen", SUBMITTED)])
def test_steps_refused_from_the_wrong_state(app, world, step, state):
    with app.test_request_context():
        librarian, staff = users(world)
        report = workflow.report_for(world.commune_a.id, 2026, 5, create=True)
        report.status = state
        args = {"approve": (staff,), "return_": (staff, "x"), "submit": (librarian,), "reopen": (staff, "x")}[step]
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
        lock = access.period_lock(point, date(2025, 6, 30))
        assert lock.period == "06/2025" and lock.approved_by
        assert access.period_lock(point, date(2025, 7, 1)) is None
        assert access.period_lock(db.session.get(LibraryPoint, world.point_b.id), date(2025, 6, 30)) is None
        with pytest.raises(access.PeriodLocked):
            access.refuse_if_locked(point, date(2025, 7, 2), date(2025, 6, 1))


def test_a_tally_in_an_approved_month_is_refused_and_a_reopened_one_accepted(app, world, as_user):
    report_id = approve_june(app, world)
    client = as_user("librarian_a")
    data = {"day": "2025-06-12", "cell": "reading:children"}
    response = post(client, f"/points/{world.point_a.id}/tally", data, headers={"HX-Request": "true"})
    assert response.status_code == 423 and "06/2025" in response.get_data(as_text=True)
    with app.test_request_context():
        _librarian, staff = users(world)
        workflow.reopen(db.session.get(PeriodReport, report_id), staff, "Sửa số liệu")
        db.session.commit()
    assert post(client, f"/points/{world.point_a.id}/tally", data).status_code == 303
    with app.app_context():
        assert db.session.scalar(select(VisitCount.count).where(VisitCount.point_id == world.point_a.id)) == 1
