"""Report snapshots: the figures and cells kept at each submission, and the report
page's "Changes since the previous submission", against hand-computed values.

Commune A's June 2025, as the librarian first submits it:
  visits at point A  03/06 reading·adults 4, 03/06 lending·children 2, 10/06 computer·students 3
                     (left out: 01/07 at point A, 03/06 at point B — another month, another commune)
  equipment          Bàn đọc (desk × 2, received 05/06), Máy tính (computer × 1, received 2024,
                     repaired 20/06); left out: Tủ sách (received in May, no event), Ghế at point B
  training           a session of A on 12/06: An (A, present), Bình (A, absent), Cường (B, present)
so the figures are 9 visits (reading 4, lending 2, computer 3; adults 4, children 2,
students 3), a desk × 2 received, 1 repair, 1 session and 1 person of A trained.
"""
import re
from datetime import date
from html import unescape

from flask_babel import force_locale
from sqlalchemy import event, select

from app.equipment.models import EquipmentEvent, EquipmentItem
from app.extensions import db
from app.reports import snapshots
from app.reports.models import RETURNED, SUBMITTED, PeriodReport, ReportSnapshot
from app.training.models import Attendance
from app.users.models import User
from app.visits.models import VisitCount
from tests.conftest import post, update
from tests.test_reports import other, report_url, state_of
from tests.test_training import make_attendee, make_session

SESSION = "Sử dụng thư viện số"


def june(app, world) -> dict:
    """Commune A's June 2025 as described above; the ids of what the tests change."""
    session = make_session(app, world, title=SESSION, start_date=date(2025, 6, 12), end_date=date(2025, 6, 12))
    an = make_attendee(app, session, "Nguyễn Văn An")
    binh = make_attendee(app, session, "Trần Thị Bình", gender="female", present=False)
    make_attendee(app, session, "Lê Văn Cường", commune_id=world.commune_b.id)
    a, b = world.point_a.id, world.point_b.id
    with app.app_context():
        for point, day, service, group, count in (
                (a, date(2025, 6, 3), "reading", "adults", 4), (a, date(2025, 6, 3), "lending", "children", 2),
                (a, date(2025, 6, 10), "computer", "students", 3), (a, date(2025, 7, 1), "reading", "adults", 5),
                (b, date(2025, 6, 3), "reading", "adults", 7)):
            db.session.add(VisitCount(point_id=point, day=day, service=service, reader_group=group, count=count))
        desk = EquipmentItem(point_id=a, category="desk", description="Bàn đọc", quantity=2,
                             received_on=date(2025, 6, 5))
        computer = EquipmentItem(point_id=a, category="computer", description="Máy tính", quantity=1,
                                 received_on=date(2024, 3, 1))
        db.session.add_all([desk, computer,
                            EquipmentItem(point_id=a, category="cabinet", description="Tủ sách", quantity=1,
                                          received_on=date(2025, 5, 20)),
                            EquipmentItem(point_id=b, category="chair", description="Ghế", quantity=4,
                                          received_on=date(2025, 6, 5))])
        db.session.flush()
        db.session.add(EquipmentEvent(item_id=computer.id, occurred_on=date(2025, 6, 20), kind="repair",
                                      description="Thay ổ cứng"))
        db.session.commit()
        cell = db.session.scalar(select(VisitCount.id).where(
            VisitCount.point_id == a, VisitCount.day == date(2025, 6, 3), VisitCount.service == "reading"))
        return {"cell": cell, "desk": desk.id, "computer": computer.id, "an": an, "binh": binh}


def english(app, world, *names):
    """These users read the app in English (the msgids), whatever the catalogs hold."""
    for name in names:
        update(app, User, getattr(world, name).id, language="en")


def submit(client, world):
    assert post(client, report_url(world, step="submit"), {"note": "Đã đối chiếu sổ"}).status_code == 303


def send_back(app, world):
    staff = other(app, world, "province_staff_p")
    assert post(staff, report_url(world, step="return"), {"comment": "Kiểm tra lại số liệu"}).status_code == 303
    return staff


def snapshots_of(app, world) -> list[dict]:
    with app.app_context():
        return db.session.scalars(select(ReportSnapshot.figures).join(PeriodReport).where(
            PeriodReport.commune_id == world.commune_a.id).order_by(ReportSnapshot.id)).all()


def correct(app, ids):
    """The librarian's corrections after the return: a visit cell 4 → 6, the desk broken, Bình present."""
    update(app, VisitCount, ids["cell"], count=6)
    update(app, EquipmentItem, ids["desk"], condition="broken")
    update(app, Attendance, ids["binh"], present=True)


def changes_on(page: str) -> tuple[str, list[str]]:
    """The section's hint and its lines, as text."""
    section = page.split('<section class="card" id="changes">')[1].split("</section>")[0]
    hint = unescape(re.sub(r"<[^>]+>", "", section.split('<p class="hint">')[1].split("</p>")[0]))
    return hint, [unescape(re.sub(r"<[^>]+>", "", li)) for li in re.findall(r"<li>(.*?)</li>", section, re.S)]


# What the corrections change, hand-computed.
CORRECTED = [
    "Reader visits: 9 → 11", "Reader visits · Reading on site: 4 → 6", "Reader visits · Adults: 4 → 6",
    "People of the commune trained: 1 → 2",
    "Điểm thư viện Xã A · 03/06/2025 · Reading on site · Adults: 4 → 6",
    "Bàn đọc · Condition: In use → Broken",
    f"Trần Thị Bình · {SESSION}: Absent → Present",
]


def test_a_submission_keeps_the_months_figures_and_cells(app, world, as_user):
    ids = june(app, world)
    submit(as_user("librarian_a"), world)
    [snapshot] = snapshots_of(app, world)
    a = world.point_a.id
    assert snapshot == {
        "figures": {"visits": 9, "by_service": {"reading": 4, "lending": 2, "computer": 3},
                    "by_group": {"adults": 4, "children": 2, "students": 3}, "received": {"desk": 2},
                    "events": {"repair": 1}, "sessions": 1, "trained": 1},
        "points": {str(a): "Điểm thư viện Xã A"},
        "visits": {f"{a}|2025-06-03|reading|adults": 4, f"{a}|2025-06-03|lending|children": 2,
                   f"{a}|2025-06-10|computer|students": 3},
        "equipment": {
            str(ids["desk"]): {"description": "Bàn đọc", "category": "desk", "quantity": 2, "condition": "in_use"},
            str(ids["computer"]): {"description": "Máy tính", "category": "computer", "quantity": 1,
                                   "condition": "in_use"}},
        "training": {str(ids["an"]): {"name": "Nguyễn Văn An", "session": SESSION, "present": True},
                     str(ids["binh"]): {"name": "Trần Thị Bình", "session": SESSION, "present": False}},
    }
    # A first submission has nothing to compare with.
    assert 'id="changes"' not in other(app, world, "province_staff_p").get(report_url(world)).get_data(as_text=True)


def test_the_approver_sees_what_changed_between_the_submissions(app, world, as_user):
    ids = june(app, world)
    english(app, world, "librarian_a", "province_staff_p")
    librarian = as_user("librarian_a")
    submit(librarian, world)
    staff = send_back(app, world)
    correct(app, ids)
    # While correcting, the librarian sees her changes against what she sent.
    hint, lines = changes_on(librarian.get(report_url(world)).get_data(as_text=True))
    assert hint.startswith("The figures now, compared with the submission of") and lines == CORRECTED
    submit(librarian, world)
    assert state_of(app, world.commune_a.id)[0] == SUBMITTED and len(snapshots_of(app, world)) == 2
    page = staff.get(report_url(world)).get_data(as_text=True)
    assert "Changes since the previous submission" in page
    hint, lines = changes_on(page)
    assert hint.startswith("Submitted ") and lines == CORRECTED


def test_a_submission_with_nothing_changed_says_so(app, world, as_user):
    june(app, world)
    english(app, world, "province_staff_p")
    librarian = as_user("librarian_a")
    submit(librarian, world)
    staff = send_back(app, world)
    assert state_of(app, world.commune_a.id)[0] == RETURNED
    submit(librarian, world)
    page = staff.get(report_url(world)).get_data(as_text=True)
    section = page.split('id="changes"')[1].split("</section>")[0]
    assert "Nothing changed since the previous submission." in section and "<li>" not in section


def test_added_and_removed_cells_read_as_none(app, world):
    before = {"figures": {"visits": 2, "received": {"desk": 1}}, "points": {"5": "Điểm Đông"},
              "visits": {"5|2025-06-02|reading|children": 2},
              "equipment": {"7": {"description": "Bàn", "category": "desk", "quantity": 1, "condition": "in_use"}},
              "training": {"9": {"name": "An", "session": "Tin học", "present": True}}}
    after = {"figures": {"visits": 3, "received": {"desk": 1, "computer": 2}}, "points": {"5": "Điểm Đông"},
             "visits": {"5|2025-06-02|reading|children": 2, "5|2025-06-30|digital|elderly": 1},
             "equipment": {"7": {"description": "Bàn", "category": "desk", "quantity": 1, "condition": "in_use"},
                           "8": {"description": "Máy in", "category": "printer", "quantity": 1,
                                 "condition": "in_use"}},
             "training": {}}
    with app.test_request_context(), force_locale("en"):
        found = snapshots.diff(before, after)
    assert found["changed"]
    assert [tuple(c) for c in found["figures"]] == [("Reader visits", 2, 3), ("Received: Computer", 0, 2)]
    assert [tuple(c) for c in found["cells"]["visits"]] == [
        ("Điểm Đông · 30/06/2025 · Digital library · Elderly", None, 1)]
    assert [tuple(c) for c in found["cells"]["equipment"]] == [("Máy in", None, "Printer × 1 · In use")]
    assert [tuple(c) for c in found["cells"]["training"]] == [("An · Tin học", "Present", None)]
    assert snapshots.diff(before, before) == {"figures": [], "cells": {"visits": [], "equipment": [], "training": []},
                                              "changed": False}


def test_the_changes_cost_one_query_or_two(app, world, as_user):
    """One for the last two snapshots; one more, for the cells now, while the report is corrected."""
    ids = june(app, world)
    librarian = as_user("librarian_a")
    submit(librarian, world)
    send_back(app, world)
    correct(app, ids)
    with app.app_context():
        engine = db.engine
    sent = []

    def record(_conn, _cursor, statement, *_args):
        sent.append(statement)

    def ours():
        return (sum("FROM report_snapshot" in s for s in sent), sum("UNION ALL" in s for s in sent))

    event.listen(engine, "before_cursor_execute", record)
    try:
        librarian.get(report_url(world))
        assert ours() == (1, 1)
        submit(librarian, world)
        sent.clear()
        librarian.get(report_url(world))
        assert ours() == (1, 0)
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_the_changes_show_only_to_those_who_see_the_report(app, world, as_user):
    ids = june(app, world)
    librarian = as_user("librarian_a")
    submit(librarian, world)
    send_back(app, world)
    correct(app, ids)
    submit(librarian, world)
    for name in ("librarian_b", "province_staff_q", "librarian_c"):
        response = other(app, world, name).get(report_url(world))
        assert response.status_code == 403 and "Bàn đọc" not in response.get_data(as_text=True)
    for name in ("librarian_a", "province_staff_p", "admin"):
        page = other(app, world, name).get(report_url(world)).get_data(as_text=True)
        assert 'id="changes"' in page and "Bàn đọc" in page
