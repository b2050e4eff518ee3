"""A training date proposed for the checklist: when someone of a point's commune
was present at a digital-library training and the point has no training date,
the checklist page proposes the session's end date and one tap saves it through
the checklist's own save (version check, period lock, audit event)."""
import json
from datetime import date

import pytest
from sqlalchemy import event, select

from app.audit.models import AuditEvent
from app.extensions import db
from app.reports.models import APPROVED, PeriodReport
from app.training.models import Attendance
from app.units.models import LibraryPoint
from tests.conftest import csrf_token, fetch, login, post, update
from tests.test_training import count, make_attendee, make_session

MAY_5 = date(2026, 5, 5)
CONFIRM = {"version": "1", "confirm_trained": "1"}


def checklist_page(client, point) -> str:
    response = client.get(f"/points/{point.id}/checklist")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def proposal_of(html: str) -> str:
    """The proposal block of a checklist page, or "" when there is none."""
    if 'name="confirm_trained"' not in html:
        return ""
    return html.split('<div class="proposal">')[1].split("</div>")[0]


@pytest.fixture
def trained_a(app, world):
    """A digital-library session in Xã A, ended 05/05/2026, with someone of Xã A present."""
    session_id = make_session(app, world, title="Thư viện số cơ bản", start_date=date(2026, 5, 4), end_date=MAY_5)
    make_attendee(app, session_id, "Nguyễn Văn An")
    return session_id


def trained_audits(app, point_id) -> list[dict]:
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(
            AuditEvent.object_type == "library_point", AuditEvent.object_id == point_id)).all()
        return [json.loads(e.after) for e in events if "staff_trained_on" in (e.after or "")]


def lock_month(app, world, day: date):
    with app.app_context():
        db.session.add(PeriodReport(commune_id=world.commune_a.id, year=day.year, month=day.month, status=APPROVED,
                                    decided_by_id=world.province_staff_p.id))
        db.session.commit()


# --- The proposal ---------------------------------------------------------------------------------

@pytest.mark.parametrize("user", ["librarian_a", "province_staff_p"])
def test_proposal_shown_for_a_present_attendee_of_a_digital_library_session(app, world, as_user, trained_a, user):
    proposal = proposal_of(checklist_page(as_user(user), world.point_a))
    assert "05/05/2026" in proposal and "Thư viện số cơ bản" in proposal
    assert 'name="csrf_token"' in proposal and 'name="version" value="1"' in proposal


def test_the_earliest_ended_session_is_proposed(app, world, as_user, trained_a):
    earlier = make_session(app, world, title="Buổi đầu tiên", start_date=date(2026, 3, 2), end_date=date(2026, 3, 3))
    make_attendee(app, earlier, "Lê Văn Cường")
    proposal = proposal_of(checklist_page(as_user("librarian_a"), world.point_a))
    assert "03/03/2026" in proposal and "Buổi đầu tiên" in proposal and "Thư viện số cơ bản" not in proposal


@pytest.mark.parametrize("case", ["absent", "other topic", "not ended yet"])
def test_no_proposal_without_a_present_attendee_of_an_ended_digital_library_session(app, world, as_user, case):
    values = {"other topic": {"topic": "computer_internet"},
              "not ended yet": {"start_date": date(2026, 5, 4), "end_date": date(2099, 5, 4)}}.get(case, {})
    session_id = make_session(app, world, **values)
    make_attendee(app, session_id, present=case != "absent")
    for topic in ("library_practice", "other"):
        make_attendee(app, make_session(app, world, topic=topic, title=topic), "Phạm Thị Dung")
    assert proposal_of(checklist_page(as_user("librarian_a"), world.point_a)) == ""


def test_a_proposal_follows_the_attendees_commune_not_the_sessions(app, world, as_user):
    # Held in Xã A, attended only by someone of Xã B.
    make_attendee(app, make_session(app, world), commune_id=world.commune_b.id)
    client = as_user("province_staff_p")
    assert proposal_of(checklist_page(client, world.point_a)) == ""
    assert "04/05/2026" in proposal_of(checklist_page(client, world.point_b))
    other = app.test_client()
    assert login(other, world.province_staff_q.name).status_code == 303
    assert proposal_of(checklist_page(other, world.point_c)) == ""


def test_no_proposal_once_the_point_has_a_training_date(app, world, as_user, trained_a):
    update(app, LibraryPoint, world.point_a.id, staff_trained_on=date(2026, 6, 1))
    assert proposal_of(checklist_page(as_user("librarian_a"), world.point_a)) == ""


def test_points_list_and_progress_count_the_proposals(app, world, as_user, trained_a):
    client = as_user("province_staff_p")
    html = client.get("/points").get_data(as_text=True)
    assert html.count(f'href="/points/{world.point_a.id}/checklist"') == 1
    assert f'href="/points/{world.point_b.id}/checklist"' not in html
    fragment = client.get("/points?q=xã b", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "/checklist" not in fragment
    progress = client.get("/progress").get_data(as_text=True)
    row_a = progress.split(">Xã A</td>")[1].split("</tr>")[0]
    row_b = progress.split(">Xã B</td>")[1].split("</tr>")[0]
    assert row_a.rstrip().endswith('class="num">1</td>') and row_b.rstrip().endswith('class="num">0</td>')


def test_points_list_asks_once_however_many_points(app, world, as_user, trained_a):
    """The proposals of the listed points are one query, not one per point."""
    client = as_user("province_staff_p")

    def statements():
        sent = []

        def record(_conn, _cursor, statement, *_args):
            sent.append(statement)

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", record)
        try:
            assert client.get("/points").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", record)
        return len(sent)

    few = statements()
    make_attendee(app, make_session(app, world), commune_id=world.commune_b.id)
    with app.app_context():
        for n in range(5):
            db.session.add(LibraryPoint(commune_id=world.commune_a.id, name=f"Điểm thêm {n}"))
        db.session.commit()
    assert statements() == few


# --- Confirming -----------------------------------------------------------------------------------

@pytest.mark.parametrize("user", ["librarian_a", "province_staff_p", "admin"])
def test_confirm_sets_the_date_and_writes_an_audit_event(app, world, as_user, trained_a, user):
    update(app, LibraryPoint, world.point_a.id, internet_computer_on=date(2026, 1, 2))  # version 2
    response = post(as_user(user), f"/points/{world.point_a.id}/checklist", {**CONFIRM, "version": "2"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/points/{world.point_a.id}")
    point = fetch(app, LibraryPoint, world.point_a.id)
    assert (point.staff_trained_on, point.internet_computer_on, point.software_installed_on) == (
        MAY_5, date(2026, 1, 2), None)
    assert trained_audits(app, world.point_a.id) == [{
        "internet_computer_on": "2026-01-02", "software_installed_on": None, "staff_trained_on": "2026-05-05",
        "serving_readers_on": None}]
    assert proposal_of(checklist_page(as_user(user), world.point_a)) == ""


def test_confirm_with_htmx_is_a_client_redirect(app, world, as_user, trained_a):
    response = post(as_user("librarian_a"), f"/points/{world.point_a.id}/checklist", CONFIRM,
                    headers={"HX-Request": "true"})
    assert response.status_code == 200 and f"/points/{world.point_a.id}" in response.headers["HX-Location"]
    assert fetch(app, LibraryPoint, world.point_a.id).staff_trained_on == MAY_5


@pytest.mark.parametrize("user,status", [("librarian_b", 403), ("librarian_c", 403), ("province_staff_q", 403),
                                         ("trainer_p", 403)])
def test_confirm_refused_to_who_may_not_keep_the_checklist(app, world, as_user, trained_a, user, status):
    response = post(as_user(user), f"/points/{world.point_a.id}/checklist", CONFIRM)
    assert response.status_code == status
    assert fetch(app, LibraryPoint, world.point_a.id).staff_trained_on is None
    assert trained_audits(app, world.point_a.id) == []


def test_confirm_of_a_missing_point_is_not_found(app, world, as_user, trained_a):
    assert post(as_user("librarian_a"), "/points/999999/checklist", CONFIRM).status_code == 404


def test_confirm_without_csrf_is_refused(app, world, as_user, trained_a):
    client = as_user("librarian_a")
    response = client.post(f"/points/{world.point_a.id}/checklist", data=CONFIRM)
    assert response.status_code == 400
    assert fetch(app, LibraryPoint, world.point_a.id).staff_trained_on is None
    assert trained_audits(app, world.point_a.id) == []


def test_confirm_in_a_locked_month_saves_nothing(app, world, as_user, trained_a):
    lock_month(app, world, MAY_5)
    client = as_user("librarian_a")
    assert "05/05/2026" in proposal_of(checklist_page(client, world.point_a))
    response = post(client, f"/points/{world.point_a.id}/checklist", CONFIRM)
    assert response.status_code == 423 and "05/2026" in response.get_data(as_text=True)
    point = fetch(app, LibraryPoint, world.point_a.id)
    assert (point.staff_trained_on, point.version) == (None, 1)
    assert trained_audits(app, world.point_a.id) == []


def test_the_checklist_itself_refuses_a_step_into_or_out_of_a_locked_month(app, world, as_user):
    lock_month(app, world, MAY_5)
    client = as_user("librarian_a")
    response = post(client, f"/points/{world.point_a.id}/checklist", {"version": "1", "staff_trained_on": "05/05/2026"})
    assert response.status_code == 423
    assert fetch(app, LibraryPoint, world.point_a.id).staff_trained_on is None
    update(app, LibraryPoint, world.point_a.id, internet_computer_on=MAY_5)  # version 2
    response = post(client, f"/points/{world.point_a.id}/checklist", {"version": "2", "internet_computer_on": ""})
    assert response.status_code == 423
    assert fetch(app, LibraryPoint, world.point_a.id).internet_computer_on == MAY_5
    # A step left as it was in the locked month does not stop the others.
    response = post(client, f"/points/{world.point_a.id}/checklist",
                    {"version": "2", "internet_computer_on": "05/05/2026", "serving_readers_on": "01/06/2026"})
    assert response.status_code == 303
    assert fetch(app, LibraryPoint, world.point_a.id).serving_readers_on == date(2026, 6, 1)


def test_a_stale_confirm_is_a_conflict(app, world, as_user, trained_a):
    update(app, LibraryPoint, world.point_a.id, staff_trained_on=date(2026, 6, 1))
    response = post(as_user("librarian_a"), f"/points/{world.point_a.id}/checklist", CONFIRM)
    assert response.status_code == 409
    assert fetch(app, LibraryPoint, world.point_a.id).staff_trained_on == date(2026, 6, 1)


def test_a_confirm_with_nothing_left_to_propose_is_a_conflict(app, world, as_user, trained_a):
    client = as_user("librarian_a")
    token = csrf_token(client, "/")
    with app.app_context():
        for person in db.session.scalars(select(Attendance).where(Attendance.session_id == trained_a)):
            person.present = False  # the list was corrected after the page was shown
        db.session.commit()
    response = client.post(f"/points/{world.point_a.id}/checklist", data={**CONFIRM, "csrf_token": token})
    assert response.status_code == 409
    point = fetch(app, LibraryPoint, world.point_a.id)
    assert (point.staff_trained_on, point.version) == (None, 1)
    assert count(app, AuditEvent, AuditEvent.object_type == "library_point") == 0
