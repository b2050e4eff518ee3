"""Cleaning up mistakes: an asset code unique within the province (form and
import), deleting an item, an event, a training session or an attendee entered
by mistake (by whom, never inside an approved period, kept in the audit trail,
confirmed without JavaScript), and an equipment entry that records nothing.

The new messages may still be untranslated here: the tests look for the data
they name (codes, descriptions, places) rather than their words."""
import html
import json
from datetime import date

from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.equipment.models import EquipmentEvent, EquipmentItem
from app.extensions import db
from app.imports.models import ImportBatch
from app.reports.models import APPROVED, PeriodReport
from app.training.models import Attendance, TrainingSession
from app.units.models import Unit
from app.users.models import User
from tests.conftest import fetch, login, post
from tests.factories import make_user
from tests.test_access_matrix import fingerprint
from tests.test_equipment import item_data, make_item
from tests.test_imports import csv_upload
from tests.test_training import make_attendee, make_session


def count(app, model, *where):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def approve(app, commune_id, year, month):
    with app.app_context():
        db.session.add(PeriodReport(commune_id=commune_id, year=year, month=month, status=APPROVED))
        db.session.commit()


def deletions(app, object_type):
    """The audit events of deletions of `object_type`, their `before` values read."""
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "delete",
                                                             AuditEvent.object_type == object_type)).all()
        return [(event.object_id, event.username, json.loads(event.before)) for event in events]


# --- Asset codes ---------------------------------------------------------------------------------------

def test_a_taken_asset_code_is_refused_in_the_form_naming_its_holder(app, as_user, world):
    make_item(app, world.point_b.id, description="Máy in Canon", asset_code="BMGF-2013-01")
    client = as_user("librarian_a")
    # Another commune of the same province, another case, spaces around: the same code.
    response = post(client, f"/points/{world.point_a.id}/equipment/new", item_data(asset_code="  bmgf-2013-01 "))
    body = text(response)
    assert response.status_code == 422
    assert "bmgf-2013-01" in body and "Máy in Canon" in body and world.point_b.name in body
    assert count(app, EquipmentItem) == 1
    # A free code is saved trimmed.
    assert post(client, f"/points/{world.point_a.id}/equipment/new", item_data(asset_code=" MT-02 ")).status_code == 303
    with app.app_context():
        item = db.session.scalar(select(EquipmentItem).where(EquipmentItem.point_id == world.point_a.id))
        assert item.asset_code == "MT-02"
        item_id, version = item.id, item.version
    # An edit that takes someone else's code is refused; one that keeps its own code is saved.
    taken = post(client, f"/equipment/{item_id}/edit", item_data(asset_code="Bmgf-2013-01", version=str(version)))
    assert taken.status_code == 422 and "Máy in Canon" in text(taken)
    kept = post(client, f"/equipment/{item_id}/edit", item_data(asset_code="mt-02", notes="Sửa", version=str(version)))
    assert kept.status_code == 303 and fetch(app, EquipmentItem, item_id).notes == "Sửa"


def test_the_same_asset_code_in_another_province_is_accepted(app, as_user, world):
    make_item(app, world.point_c.id, description="Máy tính tỉnh Q", asset_code="BMGF-2013-01")
    client = as_user("librarian_a")
    response = post(client, f"/points/{world.point_a.id}/equipment/new", item_data(asset_code="BMGF-2013-01"))
    assert response.status_code == 303
    assert count(app, EquipmentItem) == 2


def test_a_non_ascii_asset_code_is_compared_without_case(app, as_user, world):
    make_item(app, world.point_b.id, description="Tủ sách", asset_code="ĐL-01")
    client = as_user("librarian_a")
    response = post(client, f"/points/{world.point_a.id}/equipment/new", item_data(asset_code="đl-01"))
    assert response.status_code == 422 and "Tủ sách" in text(response)


def test_the_import_refuses_a_taken_code_and_a_code_twice_in_the_file(app, as_user, world):
    make_item(app, world.point_b.id, description="Máy in Canon", asset_code="BMGF-2013-01")
    make_item(app, world.point_c.id, description="Máy tính tỉnh Q", asset_code="Q-01")
    client = as_user("librarian_a")
    row = ["Máy tính", "Máy tính Dell", "", "1", "Đang sử dụng", "", "", "15/08/2013", "", ""]
    response = csv_upload(client, world.point_a.id, [
        row[:2] + ["bmgf-2013-01"] + row[3:],
        row[:2] + ["MT-05"] + row[3:],
        row[:2] + ["mt-05"] + row[3:],
        row[:2] + ["Q-01"] + row[3:],  # another province's code: accepted
    ])
    body = text(response)
    assert response.status_code == 422
    assert "Máy in Canon" in body and world.point_b.name in body and "mt-05" in body
    assert "Máy tính tỉnh Q" not in body
    assert count(app, ImportBatch) == 0 and count(app, EquipmentItem) == 2


def test_a_code_taken_between_preview_and_confirmation_saves_nothing(app, as_user, world):
    client = as_user("librarian_a")
    row = ["Máy tính", "Máy tính Dell", "MT-09", "1", "Đang sử dụng", "", "", "15/08/2013", "", ""]
    assert csv_upload(client, world.point_a.id, [row]).status_code == 200
    with app.app_context():
        batch_id = db.session.scalar(select(ImportBatch.id))
    make_item(app, world.point_b.id, description="Bàn đọc", asset_code="mt-09")
    response = post(client, f"/equipment/imports/{batch_id}")
    assert response.status_code == 409 and "Bàn đọc" in text(response)
    assert count(app, EquipmentItem) == 1 and fetch(app, ImportBatch, batch_id).saved_at is None


# --- An entry that records nothing ----------------------------------------------------------------------

def event_data(**values):
    return {"kind": "repair", "occurred_on": "01/10/2025", "new_condition": "", "cost": "", "description": "",
            "version": "1", **values}


def test_an_empty_repair_is_refused(app, as_user, world):
    item = make_item(app, world.point_a.id)
    client = as_user("librarian_a")
    for data in (event_data(), event_data(kind="maintenance", description="   "),
                 event_data(new_condition="in_use"),  # the condition it already has
                 event_data(cost="0")):
        response = post(client, f"/equipment/{item}/events", data)
        assert response.status_code == 422, data
        assert 'id="description-error"' in response.get_data(as_text=True), data
    assert count(app, EquipmentEvent) == 0
    for data in (event_data(cost="450.000"), event_data(description="Thay nguồn"),
                 event_data(new_condition="broken", version="1")):
        assert post(client, f"/equipment/{item}/events", data).status_code == 303, data
    assert count(app, EquipmentEvent) == 3


# --- Deleting an item -------------------------------------------------------------------------------------

def item_with_history(app, world, point="point_a", received_on=date(2025, 3, 1), **values):
    item = make_item(app, getattr(world, point).id, description="Máy tính nhập nhầm", asset_code="NHAM-01",
                     received_on=received_on, **values)
    with app.app_context():
        db.session.add(EquipmentEvent(item_id=item, kind="repair", occurred_on=date(2025, 4, 2), cost=300_000,
                                      description="Thay ổ cứng", recorded_by_id=world.librarian_a.id))
        db.session.commit()
    return item


def test_the_librarian_deletes_an_item_after_a_confirmation_page(app, as_user, world):
    item = item_with_history(app, world)
    client = as_user("librarian_a")
    page = client.get(f"/equipment/{item}/delete")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "NHAM-01" in body
    # The confirmation is a plain form: it works without JavaScript.
    assert f'<form method="post" action="/equipment/{item}/delete"' in body and 'name="csrf_token"' in body
    assert f'href="/equipment/{item}/delete"' in client.get(f"/equipment/{item}").get_data(as_text=True)
    response = post(client, f"/equipment/{item}/delete")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/points/{world.point_a.id}/equipment")
    assert count(app, EquipmentItem) == 0 and count(app, EquipmentEvent) == 0  # its history went with it
    [(object_id, username, before)] = deletions(app, "equipment_item")
    assert (object_id, username) == (item, "librarian_a")
    assert before["description"] == "Máy tính nhập nhầm" and before["asset_code"] == "NHAM-01"
    assert before["received_on"] == "2025-03-01"
    assert [(e["kind"], e["cost"], e["description"]) for e in before["events"]] == [("repair", 300_000, "Thay ổ cứng")]


def test_province_staff_delete_an_item_of_their_province(app, as_user, world):
    item = item_with_history(app, world)
    client = as_user("province_staff_p")
    assert post(client, f"/equipment/{item}/delete").status_code == 303
    assert count(app, EquipmentItem) == 0
    assert deletions(app, "equipment_item")[0][1] == "province_p"


def test_others_may_not_delete_an_item(app, world):
    item = item_with_history(app, world)
    for role in ("librarian_b", "trainer_p", "province_staff_q", "librarian_c"):
        client = app.test_client()
        login(client, getattr(world, role).name)
        before = fingerprint(app)
        assert client.get(f"/equipment/{item}/delete").status_code == 403, role
        assert post(client, f"/equipment/{item}/delete").status_code == 403, role
        assert fingerprint(app) == before, role
    client = app.test_client()
    login(client, world.librarian_a.name)
    assert client.get("/equipment/999999/delete").status_code == 404


def test_an_item_covered_by_an_approved_period_is_not_deleted(app, as_user, world):
    item = item_with_history(app, world)
    approve(app, world.commune_a.id, 2025, 4)  # the month of its repair
    client = as_user("librarian_a")
    page = client.get(f"/equipment/{item}/delete")
    assert page.status_code == 200 and 'id="delete-refused"' in page.get_data(as_text=True)
    assert 'id="confirm-delete"' not in page.get_data(as_text=True)
    before = fingerprint(app)
    assert post(client, f"/equipment/{item}/delete").status_code == 423
    assert fingerprint(app) == before


def test_a_liquidated_item_is_not_deleted(app, as_user, world):
    item = make_item(app, world.point_a.id, condition="liquidated")
    client = as_user("librarian_a")
    assert 'id="delete-refused"' in client.get(f"/equipment/{item}/delete").get_data(as_text=True)
    assert post(client, f"/equipment/{item}/delete").status_code == 409
    assert count(app, EquipmentItem) == 1


# --- Deleting an event ------------------------------------------------------------------------------------

def record(client, item, **values):
    response = post(client, f"/equipment/{item}/events", event_data(**values))
    assert response.status_code == 303, response.get_data(as_text=True)[-800:]
    return response


def event_ids(app, item):
    with app.app_context():
        return db.session.scalars(select(EquipmentEvent.id).where(EquipmentEvent.item_id == item)
                                  .order_by(EquipmentEvent.id)).all()


def test_the_author_deletes_an_event_and_a_condition_change_is_undone(app, as_user, world):
    item = make_item(app, world.point_a.id)
    client = as_user("librarian_a")
    record(client, item, cost="200.000")
    record(client, item, kind="condition_change", new_condition="broken", version="1")
    repair, change = event_ids(app, item)
    assert fetch(app, EquipmentItem, item).condition == "broken"
    detail = client.get(f"/equipment/{item}").get_data(as_text=True)
    assert f'href="/equipment/events/{change}/delete"' in detail
    page = client.get(f"/equipment/events/{change}/delete")
    assert page.status_code == 200 and f'action="/equipment/events/{change}/delete"' in page.get_data(as_text=True)
    assert post(client, f"/equipment/events/{change}/delete").status_code == 303
    assert fetch(app, EquipmentItem, item).condition == "in_use"
    assert post(client, f"/equipment/events/{repair}/delete").status_code == 303
    assert event_ids(app, item) == []
    before = {object_id: values for object_id, _user, values in deletions(app, "equipment_event")}
    assert before[repair]["cost"] == 200_000 and before[change]["new_condition"] == "broken"


def test_only_the_latest_condition_change_is_undone(app, as_user, world):
    item = make_item(app, world.point_a.id)
    client = as_user("librarian_a")
    record(client, item, kind="condition_change", new_condition="broken")
    record(client, item, kind="condition_change", new_condition="under_repair", version="2")
    broken, repair = event_ids(app, item)
    assert post(client, f"/equipment/events/{broken}/delete").status_code == 409
    # Deleting the later change entered by mistake brings the item back as it was.
    assert post(client, f"/equipment/events/{repair}/delete").status_code == 303
    assert fetch(app, EquipmentItem, item).condition == "broken"
    assert event_ids(app, item) == [broken]


def test_who_may_delete_an_event(app, world):
    item = make_item(app, world.point_a.id)
    with app.app_context():
        make_user("librarian", db.session.get(Unit, world.commune_a.id), "librarian_a2")  # a colleague in commune A
        db.session.commit()
    client = app.test_client()
    login(client, world.librarian_a.name)
    record(client, item, cost="100.000")
    [event] = event_ids(app, item)
    for name in ("librarian_a2", "librarian_b", "trainer_p", "province_q"):
        other = app.test_client()
        assert login(other, name).status_code == 303
        assert other.get(f"/equipment/events/{event}/delete").status_code == 403, name
        assert post(other, f"/equipment/events/{event}/delete").status_code == 403, name
    assert event_ids(app, item) == [event]
    staff = app.test_client()
    login(staff, world.province_staff_p.name)
    assert post(staff, f"/equipment/events/{event}/delete").status_code == 303
    assert event_ids(app, item) == []


def test_an_event_in_an_approved_period_is_not_deleted(app, as_user, world):
    item = make_item(app, world.point_a.id)
    client = as_user("librarian_a")
    record(client, item, cost="100.000", occurred_on="10/09/2025")
    [event] = event_ids(app, item)
    approve(app, world.commune_a.id, 2025, 9)
    before = fingerprint(app)
    assert post(client, f"/equipment/events/{event}/delete").status_code == 423
    assert fingerprint(app) == before


def test_a_stocktake_confirmation_is_not_deleted_alone(app, as_user, world):
    item = make_item(app, world.point_a.id)
    client = as_user("librarian_a")
    assert post(client, f"/equipment/{item}/stocktake").status_code in (200, 303)
    [event] = event_ids(app, item)
    assert post(client, f"/equipment/events/{event}/delete").status_code == 409
    assert f'/equipment/events/{event}/delete' not in client.get(f"/equipment/{item}").get_data(as_text=True)


# --- Deleting a training session and an attendee ----------------------------------------------------------

def test_the_author_deletes_a_session_with_its_attendees(app, as_user, world):
    session = make_session(app, world)
    make_attendee(app, session)
    make_attendee(app, session, full_name="Lò Thị Xuân", gender="female", commune_id=world.commune_b.id)
    client = as_user("trainer_p")
    assert f'href="/training/{session}/delete"' in client.get(f"/training/{session}").get_data(as_text=True)
    page = client.get(f"/training/{session}/delete")
    assert page.status_code == 200 and f'action="/training/{session}/delete"' in page.get_data(as_text=True)
    response = post(client, f"/training/{session}/delete")
    assert response.status_code == 303 and response.headers["Location"].endswith("/training")
    assert count(app, TrainingSession) == 0 and count(app, Attendance) == 0
    [(object_id, username, before)] = deletions(app, "training_session")
    assert (object_id, username) == (session, "trainer_p")
    assert before["title"] == "Sử dụng thư viện số"
    assert sorted(a["full_name"] for a in before["attendees"]) == ["Lò Thị Xuân", "Nguyễn Văn An"]


def test_who_may_delete_a_session(app, world):
    session = make_session(app, world)
    with app.app_context():
        # trainer_q is listed as a trainer of the session but did not create it (and works in another province).
        db.session.get(TrainingSession, session).trainers = [db.session.get(User, world.trainer_q.id)]
        db.session.commit()
    for role in ("librarian_a", "trainer_q", "province_staff_q"):
        client = app.test_client()
        login(client, getattr(world, role).name)
        assert post(client, f"/training/{session}/delete").status_code == 403, role
    staff = app.test_client()
    login(staff, world.province_staff_p.name)
    assert post(staff, f"/training/{session}/delete").status_code == 303
    assert count(app, TrainingSession) == 0


def test_a_session_listed_in_an_approved_period_is_not_deleted(app, as_user, world):
    session = make_session(app, world)
    # The session is in commune A; an attendee from commune B, whose May is approved.
    make_attendee(app, session, commune_id=world.commune_b.id)
    approve(app, world.commune_b.id, 2026, 5)
    client = as_user("trainer_p")
    assert 'id="delete-refused"' in client.get(f"/training/{session}/delete").get_data(as_text=True)
    before = fingerprint(app)
    assert post(client, f"/training/{session}/delete").status_code == 423
    assert fingerprint(app) == before


def test_an_attendee_is_removed_after_a_confirmation_page_without_javascript(app, as_user, world):
    session = make_session(app, world)
    person = make_attendee(app, session)
    client = as_user("trainer_p")
    row = client.get(f"/training/{session}").get_data(as_text=True)
    assert f'href="/attendees/{person}/delete"' in row and f'hx-post="/attendees/{person}/delete"' in row
    page = client.get(f"/attendees/{person}/delete")
    assert page.status_code == 200 and f'action="/attendees/{person}/delete"' in page.get_data(as_text=True)
    assert post(client, f"/attendees/{person}/delete").status_code == 303
    assert count(app, Attendance) == 0
    [(object_id, _user, before)] = deletions(app, "attendance")
    assert object_id == person and before["full_name"] == "Nguyễn Văn An"


def test_an_attendee_in_an_approved_period_is_not_removed(app, as_user, world):
    session = make_session(app, world)
    person = make_attendee(app, session)
    approve(app, world.commune_a.id, 2026, 5)
    client = as_user("province_staff_p")
    before = fingerprint(app)
    assert post(client, f"/attendees/{person}/delete").status_code == 423
    assert post(client, f"/attendees/{person}/delete", headers={"HX-Request": "true"}).status_code == 423
    assert fingerprint(app) == before
    for role in ("librarian_a", "trainer_q"):
        other = app.test_client()
        login(other, getattr(world, role).name)
        assert other.get(f"/attendees/{person}/delete").status_code == 403, role


def test_the_audit_trail_shows_a_deletion_with_its_values(app, as_user, world):
    item = item_with_history(app, world)
    session = make_session(app, world)
    make_attendee(app, session)
    post(as_user("province_staff_p"), f"/equipment/{item}/delete")
    client = as_user("province_staff_p")
    assert post(client, f"/training/{session}/delete").status_code == 303
    page = client.get("/audit")
    body = text(page)
    assert page.status_code == 200 and "Máy tính nhập nhầm" in body and "NHAM-01" in body
    assert "Sử dụng thư viện số" in body
