"""Training sessions and attendance: access, validation, htmx rows and counts,
duplicates, paste and file imports all-or-nothing, the sign-in sheet, the
export, coverage roll-ups, version conflicts."""
import csv
import io
import json
import re
from datetime import date

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.extensions import db
from app.imports.models import ImportBatch
from app.training.models import Attendance, TrainingSession
from tests.conftest import fetch, login, post, refusal
from tests.factories import make_commune

THIS_YEAR = date.today().year


def make_session(app, world, commune="commune_a", trainer="trainer_p", **values):
    with app.app_context():
        session = TrainingSession(
            title=values.pop("title", "Sử dụng thư viện số"), topic=values.pop("topic", "digital_library"),
            organiser=values.pop("organiser", "Thư viện tỉnh"), start_date=values.pop("start_date", date(2026, 5, 4)),
            end_date=values.pop("end_date", date(2026, 5, 4)), commune_id=getattr(world, commune).id,
            venue=values.pop("venue", "Nhà văn hóa xã"),
            created_by_id=values.pop("created_by_id", getattr(world, trainer).id if trainer else None), **values)
        db.session.add(session)
        db.session.commit()
        return session.id


def make_attendee(app, session_id, full_name="Nguyễn Văn An", gender="male", commune_id=None, present=True, **values):
    from app.formatting import fold

    with app.app_context():
        session = db.session.get(TrainingSession, session_id)
        person = Attendance(session_id=session_id, full_name=full_name, name_key=fold(full_name), gender=gender,
                            commune_id=commune_id or session.commune_id, present=present, **values)
        db.session.add(person)
        db.session.commit()
        return person.id


def count(app, model, *where):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def session_data(world, **overrides):
    data = {"title": "Kỹ năng máy tính và Internet", "topic": "computer_internet", "organiser": "Thư viện tỉnh",
            "start_date": "04/05/2026", "end_date": "05/05/2026", "commune_id": str(world.commune_a.id),
            "venue": "Nhà văn hóa xã A", "trainer_ids": [str(world.trainer_p.id)], "trainer_names": "ThS. Lê Minh",
            "audience": "Cán bộ văn hóa xã", "notes": "", "version": ""}
    data.update(overrides)
    return data


def attendee_data(world, **overrides):
    data = {"full_name": "Trần Thị Bình", "gender": "female", "birth_year": "1990", "position": "Giáo viên",
            "commune_id": str(world.commune_a.id), "phone": "", "version": ""}
    data.update(overrides)
    return data


# --- Access -------------------------------------------------------------------------------------

def test_who_sees_which_session(app, world):
    own = make_session(app, world)
    other_commune = make_session(app, world, commune="commune_b", title="Ở xã B")
    foreign = make_session(app, world, commune="commune_c", trainer="trainer_q", title="Ở tỉnh Q")
    cases = {
        "librarian_a": {own: 200, other_commune: 403, foreign: 403},
        "librarian_b": {own: 403, other_commune: 200, foreign: 403},
        "trainer_p": {own: 200, other_commune: 200, foreign: 403},
        "province_staff_p": {own: 200, other_commune: 200, foreign: 403},
        "trainer_q": {own: 403, other_commune: 403, foreign: 200},
        "province_staff_q": {own: 403, other_commune: 403, foreign: 200},
        "admin": {own: 200, other_commune: 200, foreign: 200},
    }
    titles = {own: "Sử dụng thư viện số", other_commune: "Ở xã B", foreign: "Ở tỉnh Q"}
    for user, expected in cases.items():
        client = app.test_client()
        login(client, getattr(world, user).name)
        listing = client.get("/training").get_data(as_text=True)
        for session_id, status in expected.items():
            assert client.get(f"/training/{session_id}").status_code == status, (user, session_id)
            # The list shows exactly the sessions the user may open.
            assert (f'href="/training/{session_id}"' in listing) is (status == 200), (user, session_id)
            assert client.get(f"/training/{session_id}/sign-in-sheet").status_code == status
            assert client.get(f"/training/{session_id}/attendance.xlsx").status_code == status
    assert client.get("/training/999999").status_code == 404
    assert titles  # names used in the list markup above


def test_librarian_cannot_change_anything(app, as_user, world):
    session = make_session(app, world)
    person = make_attendee(app, session)
    client = as_user("librarian_a")
    page = client.get(f"/training/{session}").get_data(as_text=True)
    assert "Nguyễn Văn An" in page and "attendee-new" not in page and f"/training/{session}/edit" not in page
    assert post(client, "/training/new", session_data(world)).status_code == 403
    assert post(client, f"/training/{session}/edit", session_data(world, version="1")).status_code == 403
    assert post(client, f"/training/{session}/attendees", attendee_data(world)).status_code == 403
    assert post(client, f"/attendees/{person}/edit", attendee_data(world, version="1")).status_code == 403
    assert post(client, f"/attendees/{person}/presence", {"present": "0"}).status_code == 403
    assert post(client, f"/attendees/{person}/delete").status_code == 403
    assert post(client, f"/training/{session}/paste", {"lines": "Lê Văn C; nam; 1990; Học sinh"}).status_code == 403
    assert client.get("/training/coverage").status_code == 403
    assert count(app, Attendance) == 1 and fetch(app, Attendance, person).present is True
    assert count(app, TrainingSession) == 1 and fetch(app, TrainingSession, session).version == 1


def test_trainer_edits_only_the_sessions_they_run(app, world):
    from app.users.models import User
    from tests.factories import make_user

    with app.app_context():
        colleague = make_user("trainer", db.session.get(User, world.trainer_p.id).unit, "trainer_p2")
        db.session.commit()
        colleague_id = colleague.id
    mine = make_session(app, world)
    theirs = make_session(app, world, trainer=None, created_by_id=colleague_id)
    listed = make_session(app, world, trainer=None, created_by_id=colleague_id)
    with app.app_context():
        session = db.session.get(TrainingSession, listed)
        session.trainers.append(db.session.get(User, world.trainer_p.id))
        db.session.commit()
    client = app.test_client()
    login(client, "trainer_p")
    assert client.get(f"/training/{mine}/edit").status_code == 200
    assert client.get(f"/training/{listed}/edit").status_code == 200  # listed as a trainer
    assert client.get(f"/training/{theirs}").status_code == 200  # reads it
    assert client.get(f"/training/{theirs}/edit").status_code == 403
    assert post(client, f"/training/{theirs}/attendees", attendee_data(world)).status_code == 403
    assert count(app, Attendance) == 0


def test_another_provinces_trainer_and_staff_change_nothing(app, world):
    session = make_session(app, world)
    person = make_attendee(app, session)
    for user in ("trainer_q", "province_staff_q"):
        client = app.test_client()
        login(client, getattr(world, user).name)
        assert client.get(f"/training/{session}").status_code == 403
        assert client.get(f"/attendees/{person}/row").status_code == 403
        assert post(client, f"/training/{session}/attendees", attendee_data(world)).status_code == 403
        assert post(client, f"/attendees/{person}/presence", {"present": "0"}).status_code == 403
        assert post(client, f"/attendees/{person}/delete").status_code == 403
        assert post(client, f"/training/{session}/edit", session_data(world, version="1")).status_code == 403
        body = client.get("/training/coverage").get_data(as_text=True)
        assert "Xã A" not in body
    assert count(app, Attendance) == 1 and fetch(app, TrainingSession, session).version == 1


def test_province_staff_correct_but_do_not_create(app, as_user, world):
    session = make_session(app, world)
    client = as_user("province_staff_p")
    assert client.get("/training/new").status_code == 403
    response = post(client, f"/training/{session}/edit", session_data(world, title="Đã sửa tên", version="1",
                                                                        trainer_ids=[]))
    assert response.status_code == 303
    assert fetch(app, TrainingSession, session).title == "Đã sửa tên"


# --- Sessions -------------------------------------------------------------------------------------

def test_trainer_creates_a_session(app, as_user, world):
    client = as_user("trainer_p")
    form = client.get("/training/new").get_data(as_text=True)
    assert "Xã A" in form and "Xã B" in form and "Xã C" not in form  # communes of the province only
    response = post(client, "/training/new", session_data(world))
    assert response.status_code == 303
    with app.app_context():
        session = db.session.scalar(select(TrainingSession))
        assert (session.topic, session.start_date, session.end_date, session.commune_id, session.created_by_id) == (
            "computer_internet", date(2026, 5, 4), date(2026, 5, 5), world.commune_a.id, world.trainer_p.id)
        assert [t.id for t in session.trainers] == [world.trainer_p.id]
        assert session.trainer_list == "Người Thử, ThS. Lê Minh"
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.object_type == "training_session",
                                                          AuditEvent.action == "create"))
    assert response.headers["Location"] == f"/training/{session.id}"


def test_one_day_session_ends_when_it_starts(app, as_user, world):
    assert post(as_user("trainer_p"), "/training/new", session_data(world, end_date="")).status_code == 303
    with app.app_context():
        session = db.session.scalar(select(TrainingSession))
        assert session.end_date == session.start_date == date(2026, 5, 4)


@pytest.mark.parametrize("field, overrides, message", [
    ("end_date", {"end_date": "03/05/2026"}, "Ngày kết thúc không được trước ngày bắt đầu"),
    ("commune_id", {"commune_id": "COMMUNE_C"}, "Chọn một xã/phường thuộc tỉnh của bạn"),
    ("commune_id", {"commune_id": "999999"}, "Chọn một xã/phường thuộc tỉnh của bạn"),
    ("title", {"title": ""}, "Vui lòng nhập mục này"),
    ("start_date", {"start_date": "31/02/2026"}, "dd/mm/yyyy"),
    ("topic", {"topic": "cooking"}, "Lựa chọn không hợp lệ"),
    ("trainer_ids", {"trainer_ids": ["TRAINER_Q"]}, "Hãy chọn giảng viên trong danh sách"),
])
def test_session_bad_input_saves_nothing(app, as_user, world, field, overrides, message):
    for key, value in overrides.items():
        if value == "COMMUNE_C":
            overrides[key] = str(world.commune_c.id)
        if value == ["TRAINER_Q"]:
            overrides[key] = [str(world.trainer_q.id)]
    response = post(as_user("trainer_p"), "/training/new", session_data(world, **overrides))
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in body
    assert f'id="{field}-error"' in body  # next to the field
    assert count(app, TrainingSession) == 0


def test_session_edit_stale_version_is_a_conflict(app, as_user, world):
    session = make_session(app, world)
    client = as_user("trainer_p")
    assert post(client, f"/training/{session}/edit",
                session_data(world, title="Lần một", version="1")).status_code == 303
    response = post(client, f"/training/{session}/edit", session_data(world, title="Lần hai", version="1"))
    body = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Người khác đã thay đổi mục này" in body and 'value="Lần một"' in body  # the current values
    assert fetch(app, TrainingSession, session).title == "Lần một"


def test_list_filters_and_fragment(app, as_user, world):
    make_session(app, world, title="Thư viện số tháng 3", start_date=date(2026, 3, 2), end_date=date(2026, 3, 2))
    make_session(app, world, commune="commune_b", title="Máy tính ở B", topic="computer_internet",
                 start_date=date(2025, 9, 8), end_date=date(2025, 9, 9), organiser="Đại học Thái Nguyên")
    make_session(app, world, title="Nghiệp vụ", topic="library_practice", start_date=date(2026, 10, 1),
                 end_date=date(2026, 10, 1))
    client = as_user("province_staff_p")
    cases = {
        f"commune_id={world.commune_b.id}": ["Máy tính ở B"],
        "topic=library_practice": ["Nghiệp vụ"],
        "start=01/01/2026&end=30/06/2026": ["Thư viện số tháng 3"],
        "start=2026-09-09": ["Nghiệp vụ"],
        "organiser=đại học": ["Máy tính ở B"],
        "organiser=DAI HOC": ["Máy tính ở B"],
        # ignored: not visible
        f"commune_id={world.commune_c.id}": ["Thư viện số tháng 3", "Máy tính ở B", "Nghiệp vụ"],
        "": ["Thư viện số tháng 3", "Máy tính ở B", "Nghiệp vụ"],
    }
    for query, expected in cases.items():
        response = client.get(f"/training?{query}", headers={"HX-Request": "true"})
        body = response.get_data(as_text=True)
        assert response.status_code == 200 and "<html" not in body
        assert "HX-Request" in response.headers["Vary"]
        for title in ("Thư viện số tháng 3", "Máy tính ở B", "Nghiệp vụ"):
            assert (f">{title}</a>" in body) is (title in expected), (query, title)
    page = client.get("/training?topic=library_practice")
    assert "<html" in page.get_data(as_text=True) and "HX-Request" in page.headers["Vary"]
    # A boosted request gets the page.
    boosted = client.get("/training", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<html" in boosted.get_data(as_text=True)


# --- Attendees ------------------------------------------------------------------------------------

def test_add_attendee_without_javascript(app, as_user, world):
    session = make_session(app, world)
    client = as_user("trainer_p")
    response = post(client, f"/training/{session}/attendees", attendee_data(world))
    assert response.status_code == 303 and response.headers["Location"] == f"/training/{session}#attendee-new"
    with app.app_context():
        person = db.session.scalar(select(Attendance))
        assert (person.full_name, person.gender, person.birth_year, person.position, person.commune_id,
                person.present, person.name_key) == ("Trần Thị Bình", "female", 1990, "Giáo viên",
                                                     world.commune_a.id, True, "tran thi binh")
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.object_type == "attendance"))
    page = client.get(f"/training/{session}").get_data(as_text=True)
    assert "Trần Thị Bình" in page and 'data-count="present-female">1<' in page


def test_add_attendee_with_htmx_returns_the_row_and_a_fresh_form(app, as_user, world):
    session = make_session(app, world)
    client = as_user("trainer_p")
    response = post(client, f"/training/{session}/attendees", attendee_data(world), headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body
    assert "HX-Request" in response.headers["Vary"]
    assert response.headers["HX-Trigger"] == "attendance-changed"
    assert body.lstrip().startswith('<tr id="attendee-') and "Trần Thị Bình" in body
    fresh = body[body.index('id="attendee-new"'):]
    assert 'hx-swap-oob="true"' in fresh[:60]
    assert 'name="full_name"' in fresh and 'value="Trần Thị Bình"' not in fresh  # cleared for the next person
    assert f'<option selected value="{world.commune_a.id}">' in fresh  # the session's commune again
    counts = client.get(f"/training/{session}/counts", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert (counts.lstrip().startswith('<section id="attendance-counts"')
            and 'hx-trigger="attendance-changed from:body"' in counts)
    assert 'data-count="present-female">1<' in counts and 'data-count="present-male">0<' in counts


@pytest.mark.parametrize("field, overrides, message", [
    ("full_name", {"full_name": "   "}, "Nhập họ và tên của học viên"),
    ("birth_year", {"birth_year": "1899"}, f"Nhập năm sinh từ 1900 đến {THIS_YEAR}"),
    ("birth_year", {"birth_year": str(THIS_YEAR + 1)}, f"Nhập năm sinh từ 1900 đến {THIS_YEAR}"),
    ("birth_year", {"birth_year": "năm 90"}, "Nhập một số nguyên"),
    ("gender", {"gender": ""}, "Chọn nam hoặc nữ"),
    ("commune_id", {"commune_id": "COMMUNE_C"}, "Hãy chọn một xã/phường thuộc tỉnh của buổi tập huấn"),
    ("phone", {"phone": "gọi tôi"}, "Nhập số điện thoại chỉ gồm chữ số"),
])
def test_attendee_bad_input_saves_nothing(app, as_user, world, field, overrides, message):
    session = make_session(app, world)
    if overrides.get("commune_id") == "COMMUNE_C":
        overrides["commune_id"] = str(world.commune_c.id)
    client = as_user("trainer_p")
    for headers in ({}, {"HX-Request": "true"}):
        response = post(client, f"/training/{session}/attendees", attendee_data(world, **overrides), headers=headers)
        body = response.get_data(as_text=True)
        assert response.status_code == 422, headers
        assert message in body and f'id="{field}-new-error"' in body
        if headers:
            # Only the form row, swapped out of band; the list is not touched.
            assert "<html" not in body and body.lstrip().startswith(
                '<tr id="attendee-new" class="form-row" hx-swap-oob="true">')
        else:
            assert "<html" in body
    assert count(app, Attendance) == 0


def test_likely_duplicate_is_warned_but_saved(app, as_user, world):
    session = make_session(app, world)
    make_attendee(app, session, full_name="Trần Thị Bình", gender="female")
    client = as_user("trainer_p")
    response = post(client, f"/training/{session}/attendees", attendee_data(world, full_name="tran thi  BINH"),
                    headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "flash-warning" in body and "đã có trong danh sách" in body
    plain = post(client, f"/training/{session}/attendees", attendee_data(world, full_name="Trần Thị Bình"))
    assert plain.status_code == 303
    assert "đã có trong danh sách" in client.get(plain.headers["Location"]).get_data(as_text=True)
    assert count(app, Attendance) == 3
    # A different person gets no warning.
    other = post(client, f"/training/{session}/attendees", attendee_data(world, full_name="Trần Thị Bích"),
                 headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "flash-warning" not in other


def test_mark_absent_and_present(app, as_user, world):
    session = make_session(app, world)
    person = make_attendee(app, session)
    client = as_user("trainer_p")
    response = post(client, f"/attendees/{person}/presence", {"present": "0"}, headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and body.lstrip().startswith(f'<tr id="attendee-{person}" class="is-absent')
    assert response.headers["HX-Trigger"] == "attendance-changed"
    assert fetch(app, Attendance, person).present is False
    # The same tap again keeps it absent (the form says which, not "toggle").
    post(client, f"/attendees/{person}/presence", {"present": "0"})
    assert fetch(app, Attendance, person).present is False
    counts = client.get(f"/training/{session}/counts").get_data(as_text=True)
    assert 'data-count="absent-male">1<' in counts and 'data-count="present-male">0<' in counts
    plain = post(client, f"/attendees/{person}/presence", {"present": "1"})
    assert plain.status_code == 303 and fetch(app, Attendance, person).present is True
    assert post(client, f"/attendees/{person}/presence", {"present": "maybe"}).status_code == 400


def test_edit_attendee_inline_and_stale_version(app, as_user, world):
    session = make_session(app, world)
    person = make_attendee(app, session, birth_year=1980)
    client = as_user("trainer_p")
    form = client.get(f"/attendees/{person}/edit", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert form.lstrip().startswith(f'<tr class="form-row" id="attendee-{person}"') and "<html" not in form
    assert client.get(f"/attendees/{person}/edit").get_data(as_text=True).count("<html") == 1
    response = post(client, f"/attendees/{person}/edit", attendee_data(world, full_name="Nguyễn Văn Ân", gender="male",
                                                                        birth_year="1981", version="1"),
                    headers={"HX-Request": "true"})
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "attendance-changed"
    assert response.get_data(as_text=True).lstrip().startswith(f'<tr id="attendee-{person}"')
    assert (fetch(app, Attendance, person).birth_year,
            fetch(app, Attendance, person).name_key) == (1981, "nguyen van an")
    for headers in ({}, {"HX-Request": "true"}):
        stale = post(client, f"/attendees/{person}/edit", attendee_data(world, full_name="Khác", version="1"),
                     headers=headers)
        body = stale.get_data(as_text=True)
        assert stale.status_code == 409
        assert "Người khác đã thay đổi mục này" in body and 'value="Nguyễn Văn Ân"' in body
    assert fetch(app, Attendance, person).full_name == "Nguyễn Văn Ân"
    bad = post(client, f"/attendees/{person}/edit", attendee_data(world, birth_year="1800", version="2"))
    assert bad.status_code == 422 and fetch(app, Attendance, person).birth_year == 1981


def test_remove_attendee(app, as_user, world):
    session = make_session(app, world)
    first, second = make_attendee(app, session), make_attendee(app, session, full_name="Lò Thị Xuân", gender="female")
    client = as_user("trainer_p")
    response = post(client, f"/attendees/{first}/delete", headers={"HX-Request": "true"})
    assert response.status_code == 200 and response.get_data(as_text=True).strip() == ""
    assert response.headers["HX-Trigger"] == "attendance-changed"
    assert post(client, f"/attendees/{second}/delete").status_code == 303
    assert count(app, Attendance) == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "delete")) == 2


# --- Paste ---------------------------------------------------------------------------------------

PASTED = "\n".join([
    "Họ và tên\tGiới tính\tNăm sinh\tChức vụ",
    "Nguyễn Thị Hoa\tnữ\t1985\tCán bộ văn hóa xã",
    "Hoàng Văn Long; nam; 2008; Học sinh",
    "",
    "Lò Văn Pá;Nam;;Người cao tuổi",
    "nguyen thi hoa; Nữ; 1990; Giáo viên",
])


def test_paste_preview_then_confirm(app, as_user, world):
    session = make_session(app, world)
    make_attendee(app, session, full_name="Hoàng Văn Long")
    client = as_user("trainer_p")
    response = post(client, f"/training/{session}/paste", {"lines": PASTED})
    body = response.get_data(as_text=True)
    assert response.status_code == 200, body[-2000:]
    assert "Nguyễn Thị Hoa" in body and "Lò Văn Pá" in body and count(app, Attendance) == 1
    # Likely duplicates are warnings: one already on the list, one twice in the paste.
    assert "Hoàng Văn Long đã có trong danh sách" in body and "nguyen thi hoa cũng có ở dòng 2" in body
    with app.app_context():
        batch = db.session.scalar(select(ImportBatch))
        assert (batch.source, batch.user_id, batch.session_id) == ("paste", world.trainer_p.id, session)
    assert post(client, f"/training/batches/{batch.id}").status_code == 303
    with app.app_context():
        people = db.session.scalars(select(Attendance).order_by(Attendance.id)).all()
        assert [(p.full_name, p.gender, p.birth_year, p.position, p.commune_id) for p in people[1:]] == [
            ("Nguyễn Thị Hoa", "female", 1985, "Cán bộ văn hóa xã", world.commune_a.id),
            ("Hoàng Văn Long", "male", 2008, "Học sinh", world.commune_a.id),
            ("Lò Văn Pá", "male", None, "Người cao tuổi", world.commune_a.id),
            ("nguyen thi hoa", "female", 1990, "Giáo viên", world.commune_a.id),
        ]
        assert all(p.present for p in people) and db.session.scalar(select(ImportBatch.saved_at)) is not None
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "import"))
    again = post(client, f"/training/batches/{batch.id}", follow_redirects=True)  # saved once
    assert again.status_code == 200 and "đã được lưu lúc" in again.get_data(as_text=True)
    assert count(app, Attendance) == 5


def test_paste_errors_per_line_save_nothing(app, as_user, world):
    session = make_session(app, world)
    client = as_user("trainer_p")
    lines = "\n".join([
        "Nguyễn Thị Hoa; nữ; 1985; Giáo viên",
        "; nam; 1990; Học sinh",
        "Lê Văn Tám; không rõ; 1990; Học sinh",
        "Lê Thị Sáu; nữ; 1850; Người cao tuổi",
        f"Lê Thị Bảy; nữ; {THIS_YEAR + 1}; Học sinh",
    ])
    response = post(client, f"/training/{session}/paste", {"lines": lines})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    for message in ["Nhập họ và tên của học viên", "“không rõ” không có trong danh sách: Nam, Nữ",
                    f"Nhập năm sinh từ 1900 đến {THIS_YEAR}"]:
        assert message in body, message
    assert ("<tr><td>2</td>" in body and "<tr><td>3</td>" in body and "<tr><td>4</td>" in body
            and "<tr><td>5</td>" in body)
    assert "<tr><td>1</td>" not in body
    assert 'name="lines"' in body and "Lê Văn Tám" in body  # the text is kept for correcting
    assert count(app, Attendance) == 0 and count(app, ImportBatch) == 0


def test_paste_of_more_than_500_lines_is_refused(app, as_user, world):
    session = make_session(app, world)
    lines = "\n".join(f"Người {i}; nam; 1990; Học sinh" for i in range(501))
    response = post(as_user("trainer_p"), f"/training/{session}/paste", {"lines": lines})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Mỗi lần tối đa 500 dòng; bạn đã dán 501 dòng" in body and 'id="lines-error"' in body
    assert count(app, Attendance) == 0 and count(app, ImportBatch) == 0
    ok = post(as_user("trainer_p"), f"/training/{session}/paste",
              {"lines": "\n".join(f"Người {i}; nam; 1990; Học sinh" for i in range(500))})
    assert ok.status_code == 200


def test_batch_confirm_is_all_or_nothing(app, as_user, world):
    session = make_session(app, world)
    good = {"full_name": "Nguyễn An", "name_key": "nguyen an", "gender": "male", "birth_year": 1990, "position": "",
            "commune_id": world.commune_a.id, "phone": ""}
    bad = {**good, "full_name": "Sai", "gender": "robot"}  # refused by the database's check
    with app.app_context():
        batch = ImportBatch(kind="attendance", session_id=session, user_id=world.trainer_p.id,
                            rows=json.dumps([good, bad]))
        db.session.add(batch)
        db.session.commit()
        batch_id = batch.id
    assert post(as_user("trainer_p"), f"/training/batches/{batch_id}").status_code == 500
    assert count(app, Attendance) == 0 and count(app, ImportBatch) == 1


def test_only_the_uploader_confirms_a_batch(app, world):
    session = make_session(app, world)
    with app.app_context():
        batch = ImportBatch(kind="attendance", session_id=session, user_id=world.trainer_p.id, rows="[]")
        db.session.add(batch)
        db.session.commit()
        batch_id = batch.id
    for user in ("province_staff_p", "librarian_a", "trainer_q"):
        client = app.test_client()
        login(client, getattr(world, user).name)
        assert post(client, f"/training/batches/{batch_id}").status_code == 403, user
    assert count(app, ImportBatch) == 1


# --- File import -----------------------------------------------------------------------------------

HEADERS = ["Họ và tên", "Giới tính", "Năm sinh", "Chức vụ", "Xã/phường", "Điện thoại"]


def xlsx(rows, headers=HEADERS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def upload(client, session_id, data: bytes, filename: str):
    return post(client, f"/training/{session_id}/import", {"file": (io.BytesIO(data), filename)},
                content_type="multipart/form-data")


def test_template_has_vietnamese_headers(as_user):
    response = as_user("trainer_p").get("/training/attendance-template.xlsx")
    assert response.status_code == 200
    assert [c.value for c in load_workbook(io.BytesIO(response.data)).active[1]] == HEADERS


def test_xlsx_import_preview_then_confirm(app, as_user, world):
    session = make_session(app, world)
    client = as_user("trainer_p")
    data = xlsx([
        ["Nguyễn Thị Hoa", "Nữ", 1985, "Cán bộ văn hóa xã", "", "0912 345 678"],
        ["Hoàng Văn Long", "nam", 2008.0, "Học sinh", "Xã B", ""],
        ["Ma Thị Lành", "nữ", None, "", "B", ""],
    ])
    response = upload(client, session, data, "hoc-vien.xlsx")
    body = response.get_data(as_text=True)
    assert response.status_code == 200, body[-2000:]
    assert "Hoàng Văn Long" in body and count(app, Attendance) == 0
    with app.app_context():
        batch_id = db.session.scalar(select(ImportBatch.id))
    assert post(client, f"/training/batches/{batch_id}").status_code == 303
    with app.app_context():
        people = db.session.scalars(select(Attendance).order_by(Attendance.id)).all()
        assert [(p.full_name, p.gender, p.birth_year, p.commune_id, p.phone) for p in people] == [
            ("Nguyễn Thị Hoa", "female", 1985, world.commune_a.id, "0912 345 678"),
            ("Hoàng Văn Long", "male", 2008, world.commune_b.id, ""),
            ("Ma Thị Lành", "female", None, world.commune_b.id, ""),
        ]


def test_file_import_errors_save_nothing(app, as_user, world):
    session = make_session(app, world)
    client = as_user("trainer_p")
    data = xlsx([
        ["Nguyễn Thị Hoa", "nữ", 1985, "", "", ""],
        ["Lê Văn Tám", "nam", 1985.5, "", "Xã C", ""],  # a commune of another province
    ])
    response = upload(client, session, data, "loi.xlsx")
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "“Xã C” không phải là xã/phường của tỉnh này" in body and refusal(app, 1985.5) in body
    assert count(app, Attendance) == 0 and count(app, ImportBatch) == 0
    missing = upload(client, session, "Tên người,Năm sinh\nAn,1990\n".encode(), "thieu.csv")
    assert missing.status_code == 422 and "Thiếu cột" in missing.get_data(as_text=True)
    for data, filename, message in [(b"hello", "notes.txt", "Hãy tải lên tệp .xlsx hoặc .csv"),
                                    (b"x" * (2 * 1024 * 1024 + 10), "lon.csv", "2 MB")]:
        response = upload(client, session, data, filename)
        assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert count(app, Attendance) == 0


def test_csv_import_with_semicolons(app, as_user, world):
    session = make_session(app, world)
    out = io.StringIO()
    csv.writer(out, delimiter=";").writerows([HEADERS, ["Lò Văn Pá", "nam", "1950", "Người cao tuổi", "", ""]])
    response = upload(as_user("trainer_p"), session, out.getvalue().encode("utf-8"), "ds.csv")
    assert response.status_code == 200 and "Lò Văn Pá" in response.get_data(as_text=True)


# --- Sign-in sheet and export ---------------------------------------------------------------------------

def test_sign_in_sheet(app, as_user, world):
    session = make_session(app, world, title="Kỹ năng Internet an toàn", venue="Nhà văn hóa thôn Đồng Tâm",
                           start_date=date(2026, 5, 4), end_date=date(2026, 5, 5))
    make_attendee(app, session, full_name="Nguyễn Văn An", birth_year=1990, position="Trưởng thôn")
    make_attendee(app, session, full_name="Lò Thị Xuân", gender="female")
    response = as_user("trainer_p").get(f"/training/{session}/sign-in-sheet")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "DANH SÁCH KÝ NHẬN" in body and "Kỹ năng Internet an toàn" in body
    assert "04/05/2026 – 05/05/2026" in body and "Nhà văn hóa thôn Đồng Tâm" in body
    assert "Ký tên" in body and "Nguyễn Văn An" in body and "Trưởng thôn" in body
    assert re.search(r"css/print\.[0-9a-f]{10}\.css", body) and 'class="nav"' not in body and "<footer" not in body
    assert "style=" not in body and "<script" not in body


def test_attendance_export_is_formula_safe(app, as_user, world):
    session = make_session(app, world)
    make_attendee(app, session, full_name='=HYPERLINK("http://evil.example","bấm")', position="+1",
                  birth_year=1990)
    make_attendee(app, session, full_name="Lò Thị Xuân", gender="female", present=False)
    response = as_user("librarian_a").get(f"/training/{session}/attendance.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    header = [c.value for c in sheet[1]]
    assert header == ["STT", "Họ và tên", "Giới tính", "Năm sinh", "Chức vụ", "Xã/phường", "Điện thoại", "Có mặt"]
    first = {header[i]: c.value for i, c in enumerate(sheet[2])}
    assert first["Họ và tên"] == "'=HYPERLINK(\"http://evil.example\",\"bấm\")" and first["Chức vụ"] == "'+1"
    assert (first["Giới tính"], first["Năm sinh"], first["Xã/phường"], first["Có mặt"]) == (
        "Nam", 1990, "Xã A", "có mặt")
    assert [c.value for c in sheet[3]][7] == "vắng"


# --- Coverage ---------------------------------------------------------------------------------------

def coverage_fixture(app, world):
    """Province P: communes A, B and a third, D. Hand-computed below."""
    with app.app_context():
        from app.units.models import Unit

        d = make_commune(db.session.get(Unit, world.province_p.id), "Xã D")
        db.session.commit()
        d_id = d.id
    s1 = make_session(app, world, topic="digital_library", start_date=date(2025, 9, 1), end_date=date(2025, 9, 1))
    s2 = make_session(app, world, topic="computer_internet", start_date=date(2026, 3, 1), end_date=date(2026, 3, 2))
    s3 = make_session(app, world, commune="commune_b", topic="digital_library", start_date=date(2026, 4, 1),
                      end_date=date(2026, 4, 1))
    sq = make_session(app, world, commune="commune_c", trainer="trainer_q", topic="digital_library",
                      start_date=date(2026, 4, 1), end_date=date(2026, 4, 1))
    a, b = world.commune_a.id, world.commune_b.id
    # s1 (A, digital, 2025): 2 men + 1 woman present from A, 1 woman absent, 1 man from B present.
    for name, gender, commune, present in [("A1", "male", a, True), ("A2", "male", a, True), ("A3", "female", a, True),
                                           ("A4", "female", a, False), ("B1", "male", b, True)]:
        make_attendee(app, s1, full_name=name, gender=gender, commune_id=commune, present=present)
    # s2 (A, computer, 2026): 2 women from A present.
    for name in ("A5", "A6"):
        make_attendee(app, s2, full_name=name, gender="female")
    # s3 (B, digital, 2026): 1 woman from B absent only.
    make_attendee(app, s3, full_name="B2", gender="female", commune_id=b, present=False)
    # Province Q: never counted for P.
    make_attendee(app, sq, full_name="C1", gender="male")
    return d_id


def test_coverage_rollups_equal_hand_computed_values(app, world):
    from app.training.queries import (
        sessions_breakdown,
        trained_breakdown,
        trainings_by_commune,
        untrained_communes,
    )

    d = coverage_fixture(app, world)
    a, b, p = world.commune_a.id, world.commune_b.id, world.province_p.id
    with app.app_context():
        rows = {r["commune_id"]: r for r in trainings_by_commune(p)}
        assert set(rows) == {a, b, d}
        assert (rows[a]["sessions"], rows[a]["trained"], rows[a]["male"], rows[a]["female"]) == (2, 5, 2, 3)
        assert (rows[b]["sessions"], rows[b]["trained"], rows[b]["male"], rows[b]["female"]) == (1, 1, 1, 0)
        assert (rows[d]["sessions"], rows[d]["trained"]) == (0, 0)
        in_2026 = {r["commune_id"]: r for r in trainings_by_commune(p, date(2026, 1, 1), date(2026, 12, 31))}
        assert (in_2026[a]["sessions"], in_2026[a]["trained"],
                in_2026[b]["sessions"], in_2026[b]["trained"]) == (1, 2, 1, 0)
        digital = {r["commune_id"]: r for r in trainings_by_commune(p, topic="digital_library")}
        assert (digital[a]["sessions"], digital[a]["trained"], digital[b]["trained"]) == (1, 3, 1)

        assert sorted(trained_breakdown(p)) == sorted([
            ("digital_library", 2025, "male", 3), ("digital_library", 2025, "female", 1),
            ("computer_internet", 2026, "female", 2)])
        assert sorted(sessions_breakdown(p)) == sorted([
            ("digital_library", 2025, 1), ("computer_internet", 2026, 1), ("digital_library", 2026, 1)])

        names = lambda units: [u.name for u in units]  # noqa: E731
        assert names(untrained_communes(p)) == ["Xã D"]
        assert names(untrained_communes(p, "digital_library", 2026)) == ["Xã A", "Xã B", "Xã D"]  # B2 was absent
        assert names(untrained_communes(p, "digital_library", 2025)) == ["Xã D"]
        assert names(untrained_communes(p, "computer_internet")) == ["Xã B", "Xã D"]
        assert names(untrained_communes(p, "library_practice")) == ["Xã A", "Xã B", "Xã D"]
        assert names(untrained_communes(world.province_q.id)) == []


def test_coverage_page(app, as_user, world):
    coverage_fixture(app, world)
    client = as_user("province_staff_p")
    body = client.get("/training/coverage").get_data(as_text=True)
    assert 'data-total="sessions">3<' in body and 'data-total="trained">6<' in body
    assert 'data-total="male">3<' in body and 'data-total="female">3<' in body
    assert 'data-total="untrained">1/3<' in body
    untrained = body[body.index('id="untrained"'):body.index('id="by-topic"')]
    assert "Xã D" in untrained and "Xã A" not in untrained and "Xã C" not in body
    filtered = client.get("/training/coverage?topic=digital_library&year=2026").get_data(as_text=True)
    assert 'data-total="sessions">1<' in filtered and 'data-total="trained">0<' in filtered
    assert 'data-total="untrained">3/3<' in filtered
    trainer = app.test_client()
    login(trainer, "trainer_p")
    assert trainer.get("/training/coverage?year=2025").status_code == 200
    admin = app.test_client()
    login(admin, "admin")
    admin = admin.get(f"/training/coverage?province_id={world.province_q.id}").get_data(as_text=True)
    assert "Tỉnh Q" in admin and 'data-total="trained">1<' in admin


def test_nav_and_home_links(app, as_user, world):
    trainer_home = as_user("trainer_p").get("/").get_data(as_text=True)
    assert 'href="/training/new"' in trainer_home and 'href="/training/coverage"' in trainer_home
    librarian = app.test_client()
    login(librarian, "librarian_a")
    home = librarian.get("/").get_data(as_text=True)
    assert 'href="/training"' in home and 'href="/training/coverage"' not in home
