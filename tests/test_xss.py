"""Stored XSS: script payloads in every free-text column of every table —
what a form or an import would store — are shown escaped on every page and
htmx partial each role reaches (tests/crawl.py), and neutralised in exports."""
import csv
import io
import json
import re
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import CheckConstraint, String, Text

from app.extensions import db
from tests.crawl import crawl

PAYLOADS = ['<script>alert("x")</script>', '"><img src=x onerror=alert(1)>', "'><svg onload=alert(1)>",
            "javascript:alert(1)//", "=HYPERLINK(\"http://x\")"]
RAW = ("<script>alert", "<img src=x", "<svg onload")
# Columns that are not free text: keys, codes, enumerations (their CHECK
# constraints refuse anything else), secrets, JSON documents, languages.
NOT_FREE_TEXT = {"username", "password_hash", "code", "name_key", "language", "rows", "before", "after",
                 "token_hash", "id_hash", "key", "division_type", "source_address", "link"}


def free_text_columns():
    for table in db.metadata.sorted_tables:
        checked = " ".join(str(c.sqltext) for c in table.constraints if isinstance(c, CheckConstraint))
        for column in table.columns:
            if (isinstance(column.type, (String, Text)) and column.name not in NOT_FREE_TEXT
                    and not column.primary_key and not column.foreign_keys
                    and not re.search(rf"\b{column.name}\b", checked)):
                yield table, column


@pytest.fixture
def poisoned(app, world):
    """The world, with a record of every kind, then every free-text column set to a payload."""
    from app.audit.models import AuditEvent
    from app.equipment.models import EquipmentEvent, EquipmentItem
    from app.reports.models import PeriodReport
    from app.resources.models import Resource
    from app.visits.models import VisitCount
    from tests.test_training import make_attendee, make_session

    session = make_session(app, world, start_date=date(2026, 5, 4), end_date=date(2026, 5, 4))
    make_attendee(app, session)
    with app.app_context():
        item = EquipmentItem(point_id=world.point_a.id, category="computer", description="Máy tính", quantity=2)
        db.session.add(item)
        db.session.flush()
        db.session.add(EquipmentEvent(item_id=item.id, occurred_on=date(2026, 5, 2), kind="repair",
                                      description="Thay ổ cứng", recorded_by_id=world.librarian_a.id))
        db.session.add(Resource(province_id=world.province_p.id, title="Thư viện số", link="https://example.vn"))
        db.session.add(PeriodReport(commune_id=world.commune_a.id, year=2026, month=4, status="returned",
                                    note="Ghi chú", comment="Thiếu số liệu"))
        db.session.add(VisitCount(point_id=world.point_a.id, day=date(2026, 5, 4), service="reading",
                                  reader_group="children", count=3))
        db.session.add(AuditEvent(user_id=world.librarian_a.id, username=world.librarian_a.name, action="update",
                                  object_type="equipment_item", object_id=item.id, unit_id=world.commune_a.id,
                                  before=json.dumps({"description": "Máy tính"}),
                                  after=json.dumps({"description": PAYLOADS[0], "notes": PAYLOADS[4]})))
        db.session.commit()
        changed = []
        for n, (table, column) in enumerate(free_text_columns()):
            payload = f"{PAYLOADS[n % len(PAYLOADS)]}{n}"
            if column.type.length:
                payload = payload[:column.type.length]
            db.session.execute(table.update().values({column.name: payload}))
            changed.append(f"{table.name}.{column.name}")
        db.session.commit()
    assert {"unit.name", "library_point.name", "equipment_item.description", "training_session.title",
            "attendance.full_name", "shared_resource.title", "period_report.comment",
            "user_account.full_name"} <= set(changed)
    return {"columns": changed, "session": session}


@pytest.mark.parametrize("role", ["librarian_a", "trainer_p", "province_staff_p", "admin"])
def test_payloads_are_escaped_on_every_page_and_partial(poisoned, as_user, role):
    client = as_user(role)
    reached = 0
    for url, response, _partial in crawl(client, per_shape=2, limit=400):
        reached += 1
        body = response.get_data(as_text=True)
        for raw in RAW:
            assert raw not in body, (role, url, raw)
    assert reached > 10  # the crawl really went through the pages


# Every export of the app, with the object it is asked for (a test below fails when one is added without a line here).
EXPORTS = {
    "dashboard.export": None, "audit.export": None, "training.attendance_export": "session",
    "equipment.export_point": "point_a", "equipment.export_commune": "commune_a",
    "equipment.export_province": "province_p", "visits.export_point": "point_a", "visits.export_commune": "commune_a",
    "standards.purchases_export": None,
    "equipment.end_of_life_point_xlsx": "point_a", "equipment.end_of_life_province_xlsx": None,
    "dhis2.mapping_template": "province_p",  # names the communes
}
# Files that carry no text a user typed freely: DHIS2 identifiers (UIDs are letters and digits; an org unit code
# that starts as a formula is refused on upload, tests/test_dhis2.py), periods and numbers.
NO_FREE_TEXT = {"dhis2.export_file"}


def test_every_export_is_checked(app):
    spreadsheets = {rule.endpoint for rule in app.url_map.iter_rules()
                    if "export" in rule.endpoint or rule.rule.endswith((".xlsx", ".csv"))}
    assert spreadsheets - {"equipment.import_template", "training.import_template", "visits.import_template"} == (
        set(EXPORTS) | NO_FREE_TEXT)


def export_cells(response):
    """Every text cell of a .csv or .xlsx answer."""
    if response.mimetype == "text/csv":
        for row in csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))):
            yield from row
    else:
        book = load_workbook(io.BytesIO(response.data))
        for sheet in book.worksheets:
            for row in sheet.iter_rows(values_only=True):
                yield from (v for v in row if isinstance(v, str))


@pytest.mark.parametrize("endpoint", sorted(EXPORTS))
def test_every_export_neutralises_the_payloads(poisoned, app, as_user, world, endpoint):
    from flask import url_for

    client = as_user("admin")
    target = EXPORTS[endpoint]
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    formats = ["csv", "xlsx"] if "fmt" in rule.arguments else [None]
    seen_payload = False
    for fmt in formats:
        with app.test_request_context():
            args = {"fmt": fmt} if fmt else {}
            if target == "session":
                args["id"] = poisoned["session"]
            elif target:
                args["id"] = getattr(world, target).id
            url = url_for(endpoint, **args, **({"year": 2026} if endpoint.startswith("visits.") else {}))
        response = client.get(url)
        assert response.status_code == 200, url
        for cell in export_cells(response):
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (url, cell)
            seen_payload |= "alert" in cell
    assert seen_payload, f"{endpoint}: no payload reached the export, so nothing was checked"
