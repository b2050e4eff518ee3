"""Inputs an outside test found giving a 500: each now gets a 4xx or is
ignored, and nothing is saved."""
import io
from datetime import date, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.equipment.models import EquipmentItem
from app.extensions import db
from app.imports.models import ImportBatch
from app.training.models import Attendance
from app.visits.models import MAX_COUNT, VisitCount
from tests.conftest import post
from tests.test_access_matrix import fingerprint, make_training_target

HUGE = "99999999999999999999"
LONG_CELL = "x" * 200_000  # over the csv module's field limit (131,072 characters)


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def headers(app, importer) -> str:
    with app.test_request_context(), force_locale("vi"):
        return ",".join(str(label) for label in importer.columns.values())


def unreadable_message(app) -> str:
    from app.spreadsheets import _csv_rows

    with app.test_request_context(), force_locale("vi"):
        (_number, row), = list(_csv_rows(f'"{LONG_CELL}"\n'.encode()))
        return str(row.message)


def _importers():
    from app.equipment.io import EquipmentImporter
    from app.training.io import AttendanceImporter
    from app.visits.io import VisitsImporter

    return {"equipment": EquipmentImporter(), "visits": VisitsImporter(), "attendance": AttendanceImporter()}


@pytest.mark.parametrize("kind", ["equipment", "visits", "attendance"])
def test_a_csv_cell_over_the_field_limit_is_a_problem_of_its_row(app, world, as_user, kind):
    importer = _importers()[kind]
    if kind == "attendance":
        client = as_user("trainer_p")
        with app.app_context():
            owner = make_training_target("session_a", world)
        url = f"/training/{owner}/import"
    else:
        client = as_user("librarian_a")
        url = f"/points/{world.point_a.id}/{kind}/import"
    columns = len(importer.columns)
    text = "\n".join([headers(app, importer), ",".join([LONG_CELL] + ["1"] * (columns - 1)), ""])
    response = post(client, url, {"file": (io.BytesIO(text.encode()), "tep.csv")}, content_type="multipart/form-data")
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert unreadable_message(app).replace('"', "&#34;") in body
    assert "<td>2</td>" in body  # the row it happened on
    assert count(app, ImportBatch) == 0


def test_a_csv_header_row_that_cannot_be_read_refuses_the_file(app, world, as_user):
    client = as_user("librarian_a")
    text = f"{LONG_CELL}\n1,2\n"
    response = post(client, f"/points/{world.point_a.id}/equipment/import",
                    {"file": (io.BytesIO(text.encode()), "tep.csv")}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert count(app, ImportBatch) == 0


def test_pasted_lines_with_a_huge_cell_are_refused(app, world, as_user):
    client = as_user("trainer_p")
    with app.app_context():
        session = make_training_target("session_a", world)
    response = post(client, f"/training/{session}/paste", {"lines": f"{LONG_CELL}; nam; 1990; Học sinh"})
    assert response.status_code == 422
    assert count(app, ImportBatch) == 0 and count(app, Attendance) == 0


@pytest.mark.parametrize("year", [HUGE, "2150", "²", "１２"])
def test_the_register_ignores_a_year_filter_it_refuses(app, world, as_user, year):
    with app.app_context():
        db.session.add(EquipmentItem(point_id=world.point_a.id, category="computer", description="Máy tính bàn",
                                     received_on=date(2024, 5, 1)))
        db.session.commit()
    client = as_user("librarian_a")
    response = client.get(f"/points/{world.point_a.id}/equipment", query_string={"year": year, "page": HUGE})
    assert response.status_code == 200
    assert "Máy tính bàn" in response.get_data(as_text=True)  # the filter was not applied


@pytest.mark.parametrize("month", ["99999999999-1", "2026-99999999999", "²-1", "2026-１"])
def test_the_month_grid_ignores_a_month_it_cannot_show(world, as_user, month):
    client = as_user("librarian_a")
    assert client.get(f"/points/{world.point_a.id}/visits/month", query_string={"month": month}).status_code == 200


@pytest.mark.parametrize("args", [{"page": "1e20"}, {"page": HUGE}, {"commune": "1e20"}, {"commune": HUGE},
                                  {"commune": "²"}, {"start": "0001-01-01"}, {"end": "9999-12-31"},
                                  {"start": "31/12/9999", "end": "01/01/0001"}])
def test_the_audit_trail_ignores_filters_it_refuses(world, as_user, args):
    client = as_user("admin")
    assert client.get("/audit", query_string=args).status_code == 200
    assert client.get("/audit/export.csv", query_string=args).status_code == 200


@pytest.mark.parametrize("commune_id", ["²", "１", HUGE, "-1"])
def test_the_new_point_form_ignores_a_commune_it_cannot_read(world, as_user, commune_id):
    client = as_user("province_staff_p")
    assert client.get("/points/new", query_string={"commune_id": commune_id}).status_code == 200


@pytest.mark.parametrize("commune", ["²", HUGE, "1e20"])
def test_approving_selected_reports_refuses_an_id_it_cannot_read(app, world, as_user, commune):
    client = as_user("province_staff_p")
    before = fingerprint(app)
    response = post(client, "/reports/2026/11/approve", {"commune": [str(world.commune_a.id), commune]})
    assert response.status_code == 400
    assert fingerprint(app) == before


def test_a_user_form_with_a_huge_unit_is_a_form_error(app, world, as_user):
    client = as_user("admin")
    before = fingerprint(app)
    response = post(client, "/admin/users/new", {"username": "thu_thu_moi", "full_name": "Thủ thư mới",
                                                 "role": "librarian", "unit_id": HUGE, "language": "vi",
                                                 "password": "Mat-khau-tam-2026!"})
    assert response.status_code in (200, 422)
    assert fingerprint(app) == before


@pytest.mark.parametrize("path", [f"/points/{HUGE}/equipment", f"/equipment/{HUGE}", f"/communes/{HUGE}/visits",
                                  f"/training/{HUGE}", "/communes/{commune}/reports/" + HUGE + "/1",
                                  "/communes/{commune}/reports/2026/" + HUGE])
def test_numbers_in_the_path_too_large_for_the_database_are_not_found(world, as_user, path):
    client = as_user("admin")
    assert client.get(path.format(commune=world.commune_a.id)).status_code == 404


# --- One upper bound for a visit cell: tally, grid and import ------------------------------------

def test_the_tally_refuses_a_tap_past_the_cell_bound(app, world, as_user):
    day = date.today() - timedelta(days=1)
    with app.app_context():
        db.session.add(VisitCount(point_id=world.point_a.id, day=day, service="reading", reader_group="children",
                                  count=MAX_COUNT))
        db.session.commit()
    client = as_user("librarian_a")
    tapped = {"day": day.isoformat(), "cell": "reading:children"}
    before = count(app, AuditEvent, AuditEvent.action == "tally")
    response = post(client, f"/points/{world.point_a.id}/tally", tapped, headers={"Accept": "application/json"})
    assert response.status_code == 422
    with app.test_request_context(), force_locale("vi"):
        from flask_babel import gettext

        from app.formatting import fmt_number

        message = gettext("This cell already holds %(max)s visits, the most a day may hold. Nothing was added; "
                          "correct the count in the day grid if it is wrong.", max=fmt_number(MAX_COUNT))
    assert response.json["message"] == message
    no_htmx = post(client, f"/points/{world.point_a.id}/tally", tapped)
    assert no_htmx.status_code == 303  # back to the page, with the message
    with app.app_context():
        assert db.session.scalar(select(VisitCount.count).where(VisitCount.point_id == world.point_a.id)) == MAX_COUNT
    assert count(app, AuditEvent, AuditEvent.action == "tally") == before
    # An undo still takes one away, and the next tap fills the cell again.
    undo = post(client, f"/points/{world.point_a.id}/tally", {"day": day.isoformat(), "undo": "reading:children"},
                headers={"Accept": "application/json"})
    assert undo.status_code == 200
    assert post(client, f"/points/{world.point_a.id}/tally", tapped,
                headers={"Accept": "application/json"}).status_code == 200
    with app.app_context():
        assert db.session.scalar(select(VisitCount.count).where(VisitCount.point_id == world.point_a.id)) == MAX_COUNT


def test_the_grid_and_the_import_share_the_tally_bound(app):
    from app.visits import forms, queries

    assert forms.MAX_COUNT is queries.MAX_COUNT is MAX_COUNT
    with app.test_request_context():
        field = forms.VisitRowForm(formdata=None, meta={"csrf": False}).count
        with pytest.raises(ValueError):
            field.process_formdata([str(MAX_COUNT + 1)])
        field.process_formdata([str(MAX_COUNT)])
        assert field.data == MAX_COUNT


@pytest.mark.parametrize("request_", [("get", "/audit?user=a%00b"), ("get", "/points?q=%00"),
                                      ("post", "/login", {"username": "a\x00", "password": "x"}),
                                      ("post", "/points/new", {"name": "Điểm\x00"})])
def test_a_nul_character_anywhere_is_a_bad_request(app, world, as_user, request_):
    """PostgreSQL cannot hold NUL in text: refused before any view reads it."""
    client = as_user("admin")
    before = fingerprint(app)
    method, path, *data = request_
    response = client.get(path) if method == "get" else post(client, path, data[0])
    assert response.status_code == 400
    assert fingerprint(app) == before
