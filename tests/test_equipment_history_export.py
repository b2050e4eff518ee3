"""The equipment workbook with its history: the register with each item's wear,
every event, and the costs per point and year, checked cell by cell for a
crafted point; the .csv carries the wear columns."""
import csv
import io
from datetime import date

import pytest
from flask_babel import force_locale
from openpyxl import load_workbook

from app.equipment.models import EVENT_KINDS, EquipmentEvent, EquipmentItem
from app.extensions import db
from app.units.models import LibraryPoint
from app.users.models import User


@pytest.fixture
def crafted(app, world):
    """Point A: five 2013 PCs (12.500.000 ₫ each) and four shelves (1.500.000 ₫) with their history;
    point B one repair (not in point A's files)."""
    with app.app_context():
        pcs = EquipmentItem(point_id=world.point_a.id, category="computer", description="Máy tính BMGF",
                            asset_code="BMGF-01", quantity=5, unit_value=12_500_000, received_on=date(2013, 8, 1),
                            received_precision="month", funding_source="bmgf")
        shelves = EquipmentItem(point_id=world.point_a.id, category="shelf", description="Giá sách gỗ", quantity=4,
                                unit_value=1_500_000, received_on=date(2024, 3, 1), funding_source="commune")
        other = EquipmentItem(point_id=world.point_b.id, category="printer", description="Máy in xã B")
        librarian = world.librarian_a.id
        db.session.add_all([pcs, shelves, other])
        db.session.add_all([
            EquipmentEvent(item=pcs, kind="maintenance", occurred_on=date(2025, 1, 10), cost=200_000,
                           description="Vệ sinh máy", recorded_by_id=librarian),
            EquipmentEvent(item=pcs, kind="repair", occurred_on=date(2024, 5, 4), cost=450_000,
                           description="=Thay nguồn", recorded_by_id=librarian),
            EquipmentEvent(item=shelves, kind="repair", occurred_on=date(2025, 6, 1), cost=300_000,
                           recorded_by_id=librarian),
            EquipmentEvent(item=pcs, kind="condition_change", occurred_on=date(2025, 7, 1), old_condition="in_use",
                           new_condition="broken"),
            EquipmentEvent(item=other, kind="repair", occurred_on=date(2025, 2, 2), cost=999_000),
        ])
        db.session.commit()
        point = db.session.get(LibraryPoint, world.point_a.id)
        return {"point": point.name, "commune": point.commune.name,
                "librarian": db.session.get(User, librarian).full_name}


def workbook(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.data))


def values(sheet, min_row=2):
    return [[cell.value for cell in row] for row in sheet.iter_rows(min_row=min_row)]


def kind(app, key):
    with app.test_request_context(), force_locale("vi"):
        return str(EVENT_KINDS[key])


def test_workbook_has_three_sheets_the_register_first(as_user, world, crafted):
    book = workbook(as_user("librarian_a"), f"/points/{world.point_a.id}/equipment/export.xlsx")
    assert len(book.worksheets) == 3 and book.active == book.worksheets[0]


def test_register_sheet_carries_the_wear(as_user, world, crafted):
    sheet = workbook(as_user("librarian_a"), f"/points/{world.point_a.id}/equipment/export.xlsx").worksheets[0]
    rows = {row[3]: row for row in values(sheet)}
    assert sheet.max_column == 16
    pcs, shelves = rows["Máy tính BMGF"], rows["Giá sách gỗ"]
    # total value, annual rate (%), accumulated wear, remaining value
    assert pcs[12:] == [62_500_000, 20, 62_500_000, 0]
    assert shelves[12:] == [6_000_000, None, None, 6_000_000]  # below the threshold: no wear, its value stays
    assert sheet.cell(2, 15).number_format == "#,##0"


def test_events_sheet_cell_by_cell(app, as_user, world, crafted):
    sheet = workbook(as_user("librarian_a"), f"/points/{world.point_a.id}/equipment/export.xlsx").worksheets[1]
    header = [c.value for c in sheet[1]]
    assert len(header) == 10
    rows = values(sheet)
    place = [crafted["commune"], crafted["point"]]
    assert [row[0].date() for row in rows] == [date(2024, 5, 4), date(2025, 1, 10), date(2025, 6, 1), date(2025, 7, 1)]
    assert rows[0][1:] == [*place, "Máy tính BMGF", "BMGF-01", kind(app, "repair"), None, 450_000, "'=Thay nguồn",
                           crafted["librarian"]]
    assert rows[1][1:] == [*place, "Máy tính BMGF", "BMGF-01", kind(app, "maintenance"), None, 200_000, "Vệ sinh máy",
                           crafted["librarian"]]
    assert rows[2][1:] == [*place, "Giá sách gỗ", None, kind(app, "repair"), None, 300_000, None, crafted["librarian"]]
    assert rows[3][1:] == [*place, "Máy tính BMGF", "BMGF-01", kind(app, "condition_change"), None, None, None, None]
    assert sheet.cell(2, 1).number_format == "DD/MM/YYYY" and sheet.cell(2, 8).number_format == "#,##0"


def test_costs_sheet_per_point_and_year(app, as_user, world, crafted):
    sheet = workbook(as_user("librarian_a"), f"/points/{world.point_a.id}/equipment/export.xlsx").worksheets[2]
    header = [c.value for c in sheet[1]]
    assert header[3:7] == [kind(app, k) for k in ("maintenance", "repair", "replacement", "upgrade")]
    place = [crafted["commune"], crafted["point"]]
    assert values(sheet) == [[*place, 2024, 0, 450_000, 0, 0, 450_000],
                             [*place, 2025, 200_000, 300_000, 0, 0, 500_000]]


def test_province_workbook_has_every_point(as_user, world, crafted):
    book = workbook(as_user("province_staff_p"), f"/provinces/{world.province_p.id}/equipment/export.xlsx")
    events = values(book.worksheets[1])
    assert "Máy in xã B" in [row[3] for row in events] and len(events) == 5
    costs = values(book.worksheets[2])
    assert [row[2] for row in costs] == [2024, 2025, 2025]  # Xã A 2024, 2025; Xã B 2025
    assert costs[2][4] == 999_000 and costs[2][7] == 999_000


def test_csv_carries_the_wear(as_user, world, crafted):
    text = as_user("librarian_a").get(f"/points/{world.point_a.id}/equipment/export.csv").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows[0]) == 16
    pcs = next(row for row in rows if row[3] == "Máy tính BMGF")
    assert pcs[13:] == ["20", "62500000", "0"]
