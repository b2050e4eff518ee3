"""The end-of-life list: items fully worn, or broken for more than N months
since the event that made them broken, per point and per province; on screen
and as a workbook checked cell by cell."""
import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import event

from app.equipment.end_of_life import end_of_life, months_before
from app.equipment.models import EquipmentEvent, EquipmentItem
from app.extensions import db
from app.formatting import today_local
from app.units.models import LibraryPoint
from tests.conftest import login


@pytest.mark.parametrize("day, months, expected", [
    (date(2026, 12, 2), 6, date(2026, 6, 2)),
    (date(2026, 3, 31), 1, date(2026, 2, 28)),
    (date(2024, 3, 31), 1, date(2024, 2, 29)),
    (date(2026, 1, 15), 2, date(2025, 11, 15)),
    (date(2026, 5, 31), 12, date(2025, 5, 31)),
    (date(2026, 6, 30), 120, date(2016, 6, 30)),
])
def test_months_before(day, months, expected):
    assert months_before(day, months) == expected


@pytest.fixture
def crafted(app, world):
    """Point A's register as the district found it, plus one item at point B (same province) and one at
    point C (another province). Days are counted back from today."""
    with app.test_request_context():
        today = today_local()
        ago = {n: months_before(today, n) for n in (2, 3, 8, 9, 10)}
        user = world.librarian_a.id

        def item(point, description, category="printer", condition="in_use", **values):
            obj = EquipmentItem(point_id=point.id, category=category, description=description, condition=condition,
                                **values)
            db.session.add(obj)
            return obj

        def change(obj, day, old, new, kind="condition_change"):
            db.session.add(EquipmentEvent(item=obj, kind=kind, occurred_on=day, old_condition=old,
                                          new_condition=new, recorded_by_id=user))

        item(world.point_a, "Máy tính BMGF 2013", "computer", unit_value=12_500_000, quantity=5,
             received_on=date(2013, 8, 15), received_precision="month", asset_code="BMGF-01")
        change(item(world.point_a, "Máy in hỏng 8 tháng", condition="broken", unit_value=3_000_000,
                    received_on=date(2022, 1, 10)), ago[8], "in_use", "broken", kind="repair")
        change(item(world.point_a, "Máy in hỏng 3 tháng", condition="broken", unit_value=3_000_000,
                    received_on=date(2022, 1, 10)), ago[3], "in_use", "broken")
        item(world.point_a, "Ghế hỏng không rõ từ bao giờ", "chair", condition="broken", unit_value=450_000,
             received_on=date(2020, 1, 1))
        liquidated = item(world.point_a, "Máy tính đã thanh lý", "computer", condition="liquidated",
                          unit_value=12_500_000, received_on=date(2013, 8, 15))
        change(liquidated, date(2024, 1, 5), "broken", "liquidated", kind="liquidation")
        item(world.point_a, "Bàn đọc mới", "desk", unit_value=16_000_000, received_on=date(today.year - 1, 6, 1))
        confirmed = item(world.point_a, "Máy in hỏng rồi kiểm kê", condition="broken", unit_value=3_000_000,
                         received_on=date(2022, 1, 10))
        change(confirmed, ago[8], "in_use", "broken")
        change(confirmed, today, None, "broken", kind="stocktake")  # a stock-take confirms, it does not change
        again = item(world.point_a, "Máy in hỏng lại", condition="broken", unit_value=3_000_000,
                     received_on=date(2022, 1, 10))
        change(again, ago[10], "in_use", "broken")
        change(again, ago[9], "broken", "in_use", kind="repair")
        change(again, ago[2], "in_use", "broken")
        item(world.point_b, "Máy tính xã B 2013", "computer", unit_value=12_500_000, received_on=date(2014, 2, 1))
        item(world.point_c, "Máy tính tỉnh Q 2013", "computer", unit_value=12_500_000, received_on=date(2013, 8, 15))
        db.session.commit()
        return {"today": today, **{f"ago_{n}": day for n, day in ago.items()}}


def listed(app, world, months, point=None):
    with app.test_request_context():
        from app.units.queries import point_ids

        points = point_ids(db.session.get(LibraryPoint, point.id)) if point else None
        return {row.item.description: row for row in end_of_life(world.province_p.id, today_local(), months, points)}


def test_fully_worn_or_broken_for_long(app, world, crafted):
    rows = listed(app, world, 6, world.point_a)
    assert set(rows) == {"Máy tính BMGF 2013", "Máy in hỏng 8 tháng", "Ghế hỏng không rõ từ bao giờ",
                         "Máy in hỏng rồi kiểm kê"}
    assert rows["Máy tính BMGF 2013"].fully_worn and rows["Máy tính BMGF 2013"].broken_since is None
    assert rows["Máy in hỏng 8 tháng"].broken_since == crafted["ago_8"] and not rows["Máy in hỏng 8 tháng"].fully_worn
    assert rows["Ghế hỏng không rõ từ bao giờ"].broken_since == date(2020, 1, 1)  # no event: since received
    assert rows["Máy in hỏng rồi kiểm kê"].broken_since == crafted["ago_8"]


def test_fewer_months_list_more(app, world, crafted):
    rows = listed(app, world, 2, world.point_a)
    assert {"Máy in hỏng 3 tháng", "Máy in hỏng lại"} - set(rows) == {"Máy in hỏng lại"}  # broken again 2 months ago
    assert rows["Máy in hỏng 3 tháng"].broken_since == crafted["ago_3"]
    assert "Máy in hỏng lại" in listed(app, world, 1, world.point_a)


def test_province_list_covers_its_points_only(app, world, crafted):
    rows = listed(app, world, 6)
    assert "Máy tính xã B 2013" in rows and "Máy tính tỉnh Q 2013" not in rows


def test_one_query_for_the_items(app, world, crafted):
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    with app.test_request_context():
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            end_of_life(world.province_p.id, today_local(), 6)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == 2  # the province's own useful lives, and the items with the day each broke


# --- Pages ----------------------------------------------------------------------------------------------

def test_point_page_lists_with_reasons(app, as_user, world, crafted):
    page = as_user("librarian_a").get(f"/points/{world.point_a.id}/end-of-life").get_data(as_text=True)
    assert "Máy tính BMGF 2013" in page and "Máy in hỏng 8 tháng" in page and "31/12/2017" in page
    assert "Máy in hỏng 3 tháng" not in page and "Máy tính đã thanh lý" not in page and "Bàn đọc mới" not in page
    assert crafted["ago_8"].strftime("%d/%m/%Y") in page and 'value="6"' in page
    assert "Máy in hỏng 3 tháng" in as_user("librarian_a").get(
        f"/points/{world.point_a.id}/end-of-life?months=2").get_data(as_text=True)


@pytest.mark.parametrize("months", ["abc", "0", "121", "-1"])
def test_bad_months_are_shown_and_the_default_used(as_user, world, crafted, months):
    response = as_user("librarian_a").get(f"/points/{world.point_a.id}/end-of-life?months={months}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="months-error"' in page and "Máy in hỏng 8 tháng" in page and "Máy in hỏng 3 tháng" not in page


def test_province_page(app, as_user, world, crafted):
    page = as_user("province_staff_p").get("/province/end-of-life").get_data(as_text=True)
    assert "Máy tính xã B 2013" in page and "Máy tính BMGF 2013" in page and "Máy tính tỉnh Q 2013" not in page
    assert f"/provinces/{world.province_p.id}/wear" in page
    client = app.test_client()
    login(client, "province_q")
    other = client.get("/province/end-of-life").get_data(as_text=True)
    assert "Máy tính tỉnh Q 2013" in other and "Máy tính BMGF 2013" not in other


def test_point_pages_of_another_commune_are_refused(as_user, world, crafted):
    client = as_user("librarian_a")
    assert client.get(f"/points/{world.point_b.id}/end-of-life").status_code == 403
    assert client.get(f"/points/{world.point_b.id}/end-of-life.xlsx").status_code == 403
    assert client.get("/province/end-of-life.xlsx").status_code == 403


def test_point_workbook_cell_by_cell(app, as_user, world, crafted):
    response = as_user("librarian_a").get(f"/points/{world.point_a.id}/end-of-life.xlsx?months=6")
    assert response.status_code == 200
    today = crafted["today"]
    assert f'het-khau-hao-diem-{world.point_a.id}-{today:%Y%m%d}.xlsx' in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    with app.app_context():
        point = db.session.get(LibraryPoint, world.point_a.id)
        place = f"{point.name}, {point.commune.name}"
    assert sheet["A2"].value == place and sheet["A3"].value.endswith(today.strftime("%d/%m/%Y"))
    header = 7  # title, the place, as of, the rule, generated at, a blank row
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=header + 1)]
    assert [r[4] for r in rows] == ["Ghế hỏng không rõ từ bao giờ", "Máy tính BMGF 2013", "Máy in hỏng 8 tháng",
                                    "Máy in hỏng rồi kiểm kê"]  # by category (chair, computer, printer), description
    chair, pc, printer, _confirmed = rows
    assert chair[0] == 1 and chair[1] == "Xã A" and chair[2] == point.name
    assert chair[6] == 1 and chair[9] == 450_000 and chair[10] == 450_000 and chair[11] is None
    assert chair[12].date() == date(2020, 1, 1)
    assert pc[0] == 2 and pc[5] == "BMGF-01" and pc[6] == 5 and pc[8] == "08/2013"
    assert pc[9] == 62_500_000 and pc[10] == 0 and pc[11].date() == date(2017, 12, 31) and pc[12] is None
    assert "31/12/2017" in pc[13]
    assert printer[9] == 3_000_000 and printer[10] == 3_000_000 and printer[11] is None
    assert printer[12].date() == crafted["ago_8"] and crafted["ago_8"].strftime("%d/%m/%Y") in printer[13]
    assert sheet.cell(header + 1, 10).number_format == "#,##0"


def test_province_workbook(as_user, world, crafted):
    response = as_user("province_staff_p").get("/province/end-of-life.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    descriptions = [row[4].value for row in sheet.iter_rows(min_row=8)]
    assert "Máy tính xã B 2013" in descriptions and "Máy tính tỉnh Q 2013" not in descriptions
    assert sheet["A2"].value == "Tỉnh P"
