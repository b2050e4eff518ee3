"""The equipment register: access, validation, history transactions,
stock-take, import all-or-nothing, export escaping, roll-ups."""
import csv
import io
import json
from datetime import date, timedelta

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.equipment.models import EquipmentEvent, EquipmentItem, StockTake
from app.extensions import db
from app.imports.models import ImportBatch
from tests.conftest import fetch, login, post, refusal


def make_item(app, point_id, **values):
    with app.app_context():
        item = EquipmentItem(point_id=point_id, category=values.pop("category", "computer"),
                             description=values.pop("description", "Máy tính thử"), **values)
        db.session.add(item)
        db.session.commit()
        return item.id


def count(app, model, *where):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def item_data(**overrides):
    data = {"category": "computer", "description": "Máy tính Dell Vostro", "asset_code": "MT-01", "quantity": "3",
            "condition": "in_use", "internet_connected": "y", "funding_source": "province",
            "received_on": "15/08/2013", "unit_value": "14900000", "notes": "", "version": ""}
    data.update(overrides)
    return data


# --- Access -----------------------------------------------------------------------------------

def test_register_access_by_role(app, world):
    item = make_item(app, world.point_a.id)
    cases = {
        "librarian_a": (200, 200), "librarian_b": (403, 403), "province_staff_p": (200, 200),
        "province_staff_q": (403, 403), "trainer_p": (403, 403), "admin": (200, 200),
    }
    for user, (register, detail) in cases.items():
        client = app.test_client()
        login(client, getattr(world, user).name)
        assert client.get(f"/points/{world.point_a.id}/equipment").status_code == register, user
        assert client.get(f"/equipment/{item}").status_code == detail, user
    assert client.get("/equipment/999999").status_code == 404
    assert client.get("/points/999999/equipment").status_code == 404


def test_province_staff_read_but_do_not_change(app, as_user, world):
    item = make_item(app, world.point_a.id)
    client = as_user("province_staff_p")
    page = client.get(f"/points/{world.point_a.id}/equipment").get_data(as_text=True)
    assert "Máy tính thử" in page and "/equipment/new" not in page
    assert client.get(f"/points/{world.point_a.id}/equipment/new").status_code == 403
    assert post(client, f"/points/{world.point_a.id}/equipment/new", item_data()).status_code == 403
    assert post(client, f"/equipment/{item}/edit", item_data(version="1")).status_code == 403
    assert post(client, f"/equipment/{item}/events", {"kind": "repair", "occurred_on": "01/01/2026"}).status_code == 403
    assert post(client, f"/equipment/{item}/stocktake").status_code == 403
    assert count(app, EquipmentItem) == 1 and count(app, EquipmentEvent) == 0


def test_librarian_cannot_touch_another_communes_items(app, as_user, world):
    item = make_item(app, world.point_b.id)
    client = as_user("librarian_a")
    assert post(client, f"/points/{world.point_b.id}/equipment/new", item_data()).status_code == 403
    assert post(client, f"/equipment/{item}/edit", item_data(version="1")).status_code == 403
    assert post(client, f"/equipment/{item}/events", {"kind": "repair", "occurred_on": "01/01/2026"}).status_code == 403
    assert client.get(f"/points/{world.point_b.id}/equipment/export.xlsx").status_code == 403
    assert count(app, EquipmentItem, EquipmentItem.point_id == world.point_b.id) == 1


# --- Register, filters, totals ----------------------------------------------------------------------

def test_register_filters_totals_and_fragment(app, as_user, world):
    make_item(app, world.point_a.id, description="Máy A", quantity=2, internet_connected=True,
              received_on=date(2013, 8, 15), funding_source="bmgf")
    make_item(app, world.point_a.id, description="Máy B", condition="broken", received_on=date(2020, 1, 1))
    make_item(app, world.point_a.id, description="Máy C", condition="liquidated")
    make_item(app, world.point_a.id, category="chair", description="Ghế gỗ", quantity=10)
    client = as_user("librarian_a")
    page = client.get(f"/points/{world.point_a.id}/equipment").get_data(as_text=True)
    assert "Máy A" in page and "Máy B" in page and "Ghế gỗ" in page and "Máy C" not in page
    assert '<span class="value">12</span>' in page  # in use: 2 computers + 10 chairs
    assert '<span class="value">2/3</span>' in page  # computers in use / owned (not liquidated)
    cases = {
        "category=chair": ["Ghế gỗ"], "condition=broken": ["Máy B"], "condition=liquidated": ["Máy C"],
        "funding_source=bmgf": ["Máy A"], "year=2020": ["Máy B"],
        "condition=all": ["Máy A", "Máy B", "Máy C", "Ghế gỗ"],
    }
    for query, expected in cases.items():
        response = client.get(f"/points/{world.point_a.id}/equipment?{query}", headers={"HX-Request": "true"})
        body = response.get_data(as_text=True)
        assert "<html" not in body
        for name in ("Máy A", "Máy B", "Máy C", "Ghế gỗ"):
            assert (f">{name}</a>" in body) is (name in expected), (query, name)


def test_register_is_paginated(app, as_user, world):
    with app.app_context():
        db.session.add_all([EquipmentItem(point_id=world.point_a.id, category="chair", description=f"Ghế {i:03d}")
                            for i in range(60)])
        db.session.commit()
    client = as_user("librarian_a")
    first = client.get(f"/points/{world.point_a.id}/equipment").get_data(as_text=True)
    second = client.get(f"/points/{world.point_a.id}/equipment?page=2").get_data(as_text=True)
    assert "Ghế 000" in first and "Ghế 059" not in first
    assert "Ghế 059" in second and "Ghế 000" not in second


# --- Creating and editing ------------------------------------------------------------------------

def test_add_item(app, as_user, world):
    client = as_user("librarian_a")
    response = post(client, f"/points/{world.point_a.id}/equipment/new", item_data())
    assert response.status_code == 303
    with app.app_context():
        item = db.session.scalar(select(EquipmentItem))
        assert (item.quantity, item.unit_value, item.received_on, item.internet_connected) == (
            3, 14900000, date(2013, 8, 15), True)
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "create",
                                                          AuditEvent.object_type == "equipment_item"))


def test_add_item_with_htmx_returns_the_row_and_triggers_totals(app, as_user, world):
    client = as_user("librarian_a")
    response = post(client, f"/points/{world.point_a.id}/equipment/new", item_data(), headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.lstrip().startswith("<tr id=\"item-") and "Máy tính Dell Vostro" in body
    assert response.headers["HX-Trigger"] == "equipment-changed"
    form = client.get(f"/points/{world.point_a.id}/equipment/new",
                      headers={"HX-Request": "true"}).get_data(as_text=True)
    assert form.lstrip().startswith('<tr class="form-row"') and "<html" not in form


@pytest.mark.parametrize("overrides, message", [
    ({"quantity": "0"}, "Số phải từ 1 đến 10.000"),
    ({"quantity": "-3"}, "Số phải từ 1 đến 10.000"),
    ({"quantity": "ba"}, "Nhập một số nguyên"),
    ({"description": ""}, "Vui lòng nhập mục này"),
    ({"category": "chair", "internet_connected": "y"}, "Chỉ máy tính và thiết bị mạng"),
    ({"category": "spaceship"}, "“spaceship” không có trong danh sách: "),
    ({"received_on": "32/13/2020"}, "dd/mm/yyyy"),
    ({"received_on": (date.today() + timedelta(days=3)).strftime("%d/%m/%Y")}, "tương lai"),
    ({"unit_value": "-1"}, "Số phải từ 0"),
])
def test_add_item_bad_input_saves_nothing(app, as_user, world, overrides, message):
    client = as_user("librarian_a")
    response = post(client, f"/points/{world.point_a.id}/equipment/new", item_data(**overrides))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count(app, EquipmentItem) == 0


def test_edit_item_and_stale_version(app, as_user, world):
    item = make_item(app, world.point_a.id, quantity=1)
    client = as_user("librarian_a")
    assert post(client, f"/equipment/{item}/edit", item_data(quantity="4", version="1")).status_code == 303
    assert fetch(app, EquipmentItem, item).quantity == 4
    response = post(client, f"/equipment/{item}/edit", item_data(quantity="9", version="1"))
    assert response.status_code == 409
    assert fetch(app, EquipmentItem, item).quantity == 4
    htmx = post(client, f"/equipment/{item}/edit", item_data(quantity="9", version="1"), headers={"HX-Request": "true"})
    assert htmx.status_code == 409 and 'value="4"' in htmx.get_data(as_text=True)


def test_condition_changed_in_the_edit_form_is_recorded(app, as_user, world):
    item = make_item(app, world.point_a.id)
    client = as_user("librarian_a")
    assert post(client, f"/equipment/{item}/edit", item_data(condition="broken", version="1")).status_code == 303
    with app.app_context():
        event = db.session.scalar(select(EquipmentEvent))
        assert (event.kind, event.old_condition, event.new_condition) == ("condition_change", "in_use", "broken")


# --- History --------------------------------------------------------------------------------------

def event(kind="condition_change", version="1", **values):
    return {"kind": kind, "occurred_on": "01/10/2026", "new_condition": "broken", "cost": "",
            "description": "Hỏng nguồn", "version": version, **values}


def test_condition_change_updates_item_and_writes_event(app, as_user, world):
    item = make_item(app, world.point_a.id)
    client = as_user("librarian_a")
    assert post(client, f"/equipment/{item}/events", event(cost="450000")).status_code == 303
    assert fetch(app, EquipmentItem, item).condition == "broken"
    page = client.get(f"/equipment/{item}").get_data(as_text=True)
    assert "Hỏng nguồn" in page and "450.000 ₫" in page and "01/10/2026" in page


def test_condition_change_and_event_are_one_transaction(app, as_user, world, monkeypatch):
    item = make_item(app, world.point_a.id)
    client = as_user("librarian_a")
    from app.audit import models as audit_models

    def broken_record(*args, **kwargs):
        raise RuntimeError("audit store down")

    monkeypatch.setattr(audit_models, "record", broken_record)
    assert post(client, f"/equipment/{item}/events", event()).status_code == 500
    assert fetch(app, EquipmentItem, item).condition == "in_use"
    assert count(app, EquipmentEvent) == 0


def test_event_validation(app, as_user, world):
    item = make_item(app, world.point_a.id)
    client = as_user("librarian_a")
    for data, message in [
        (event(new_condition=""), "Chọn tình trạng mới"),
        (event(occurred_on=""), "dd/mm/yyyy"),
        (event(cost="-5"), "Số phải từ 0"),
        (event(kind="stocktake"), "Lựa chọn không hợp lệ"),
    ]:
        response = post(client, f"/equipment/{item}/events", data)
        assert response.status_code == 422 and message in response.get_data(as_text=True), data
    assert count(app, EquipmentEvent) == 0
    response = post(client, f"/equipment/{item}/events", event(version="7"))
    assert response.status_code == 409 and count(app, EquipmentEvent) == 0


def test_liquidation_removes_from_counts_and_locks_until_restored(app, as_user, world):
    """A liquidated item (liquidated by decision: tests/test_liquidation.py) is out of the counts and locked;
    province staff restore it."""
    item = make_item(app, world.point_a.id, quantity=1, condition="liquidated")
    with app.app_context():
        db.session.add(EquipmentEvent(item_id=item, kind="liquidation", occurred_on=date(2026, 9, 30),
                                      old_condition="in_use", new_condition="liquidated"))
        db.session.commit()
    client = as_user("librarian_a")
    register = client.get(f"/points/{world.point_a.id}/equipment").get_data(as_text=True)
    assert "Máy tính thử" not in register and '<span class="value">0/0</span>' in register
    # No edit, no other event while liquidated.
    assert post(client, f"/equipment/{item}/edit", item_data(version="1")).status_code == 303
    assert fetch(app, EquipmentItem, item).description == "Máy tính thử"
    post(client, f"/equipment/{item}/events", event(kind="repair", version="1"))
    assert count(app, EquipmentEvent) == 1
    # An explicit restore by province staff brings it back, with its history kept.
    staff = app.test_client()
    login(staff, world.province_staff_p.name)
    response = post(staff, f"/equipment/{item}/restore",
                    {"condition": "broken", "occurred_on": "02/10/2026", "description": "Thanh lý nhầm",
                     "version": "1"})
    assert response.status_code == 303
    assert fetch(app, EquipmentItem, item).condition == "broken"
    with app.app_context():
        kinds = db.session.scalars(select(EquipmentEvent.kind).order_by(EquipmentEvent.id)).all()
    assert kinds == ["liquidation", "restore"]


def test_restore_needs_a_reason(app, as_user, world):
    item = make_item(app, world.point_a.id, condition="liquidated")
    client = as_user("province_staff_p")  # restoring is the province's (tests/test_liquidation.py)
    response = post(client, f"/equipment/{item}/restore", {"condition": "in_use", "occurred_on": "02/10/2026",
                                                           "description": "", "version": "1"})
    assert response.status_code == 422
    assert fetch(app, EquipmentItem, item).condition == "liquidated"


# --- Stock-take ---------------------------------------------------------------------------------------

def test_stocktake_completes_when_every_active_item_is_confirmed(app, as_user, world):
    first = make_item(app, world.point_a.id)
    second = make_item(app, world.point_a.id, category="chair", description="Ghế")
    make_item(app, world.point_a.id, description="Đã thanh lý", condition="liquidated")
    client = as_user("librarian_a")
    response = post(client, f"/equipment/{first}/stocktake", headers={"HX-Request": "true"})
    assert response.status_code == 200 and 'class="confirmed"' in response.get_data(as_text=True)
    assert response.headers["HX-Trigger"] == "stocktake-changed"
    post(client, f"/equipment/{first}/stocktake")  # a second tap counts once
    with app.app_context():
        assert db.session.scalar(select(StockTake)).completed_at is None
    assert post(client, f"/equipment/{second}/stocktake").status_code == 303
    with app.app_context():
        stocktake = db.session.scalar(select(StockTake))
        assert stocktake.completed_at is not None
        assert db.session.scalar(select(func.count()).select_from(EquipmentEvent)
                                 .where(EquipmentEvent.kind == "stocktake")) == 2
    today = client.get(f"/points/{world.point_a.id}").get_data(as_text=True)
    from app.formatting import fmt_date

    with app.test_request_context():
        assert fmt_date(stocktake.completed_at) in today


# --- Import ---------------------------------------------------------------------------------------------

HEADERS = ["Loại thiết bị", "Mô tả", "Mã tài sản", "Số lượng", "Tình trạng", "Kết nối Internet", "Nguồn kinh phí",
           "Ngày nhận", "Đơn giá (VND)", "Ghi chú"]


def xlsx(rows, headers=HEADERS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_bytes(rows, headers=HEADERS) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def upload(client, point_id, data: bytes, filename: str):
    return post(client, f"/points/{point_id}/equipment/import", {"file": (io.BytesIO(data), filename)},
                content_type="multipart/form-data")


def test_template_has_vietnamese_headers(as_user, world):
    response = as_user("librarian_a").get("/equipment/import-template.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert [c.value for c in sheet[1]] == HEADERS


def test_import_preview_then_confirm(app, as_user, world):
    client = as_user("librarian_a")
    data = xlsx([
        ["Máy tính", "Máy tính để bàn (BMGF)", "BMGF-01", 5, "Đang sử dụng", "có", "Dự án BMGF", date(2013, 8, 15),
         11500000, ""],
        ["Giá sách / kệ sách", "Giá sách gỗ", "", 4, "", "", "", "01/03/2024", "1.500.000", ""],
    ])
    response = upload(client, world.point_a.id, data, "thiet-bi.xlsx")
    body = response.get_data(as_text=True)
    assert response.status_code == 200, body[-2000:]
    assert "Máy tính để bàn (BMGF)" in body and count(app, EquipmentItem) == 0
    with app.app_context():
        batch_id = db.session.scalar(select(ImportBatch.id))
    response = post(client, f"/equipment/imports/{batch_id}")
    assert response.status_code == 303
    with app.app_context():
        items = db.session.scalars(select(EquipmentItem).order_by(EquipmentItem.id)).all()
        assert [(i.category, i.quantity, i.funding_source, i.unit_value) for i in items] == [
            ("computer", 5, "bmgf", 11500000), ("shelf", 4, "other", 1500000)]
        assert items[0].internet_connected and items[1].received_on == date(2024, 3, 1)
        assert db.session.scalar(select(ImportBatch.saved_at)) is not None  # kept a day, marked saved
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "import"))


def test_import_csv_with_english_headers_and_semicolons(app, as_user, world):
    client = as_user("librarian_a")
    data = "Category;Description;Quantity\nChair;Ghế nhựa;12\n".encode("utf-8")
    response = upload(client, world.point_a.id, data, "chairs.csv")
    assert response.status_code == 200, response.get_data(as_text=True)[-1500:]


def test_import_errors_are_shown_per_cell_and_nothing_is_saved(app, as_user, world):
    client = as_user("librarian_a")
    data = csv_bytes([
        ["Tàu vũ trụ", "Không rõ", "", "1", "", "", "", "", "", ""],
        ["Máy tính", "Máy hỏng", "", "-2", "", "", "", "", "", ""],
        ["Bàn", "Bàn đọc", "", "2", "", "", "", "31/02/2024", "", ""],
        ["Ghế", "", "", "2", "", "có", "", "", "", ""],
    ])
    response = upload(client, world.point_a.id, data, "loi.csv")
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    # The messages of the item form itself (ItemForm checks every row).
    for message in ["“Tàu vũ trụ” không có trong danh sách", "Máy tính", "dd/mm/yyyy", "Chỉ máy tính và thiết bị mạng"]:
        assert message in body, message
    assert "<td>2</td>" in body and "<td>3</td>" in body  # the spreadsheet rows
    assert count(app, EquipmentItem) == 0 and count(app, ImportBatch) == 0


@pytest.mark.parametrize("data, filename, message", [
    (b"hello", "notes.txt", "Hãy tải lên tệp .xlsx hoặc .csv"),
    (b"PK\x03\x04 not really a zip", "hong.xlsx", "không phải tệp .xlsx hợp lệ"),
    ("Mô tả,Số lượng\nGhế,2\n".encode(), "thieu-cot.csv", "Thiếu cột"),
    ("Loại thiết bị,Mô tả,Số lượng\n".encode("cp1258", errors="replace") + "Ghế,Ghế gỗ,2\n".encode("utf-16"), "enc.csv",
     "UTF-8"),
    (b"", "empty.csv", "Tệp trống"),
])
def test_unreadable_files_are_refused(app, as_user, world, data, filename, message):
    response = upload(as_user("librarian_a"), world.point_a.id, data, filename)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count(app, EquipmentItem) == 0


def test_import_limits(app, as_user, world):
    client = as_user("librarian_a")
    too_many = csv_bytes([["Ghế", f"Ghế {i}", "", "1", "", "", "", "", "", ""] for i in range(5001)])
    response = upload(client, world.point_a.id, too_many, "nhieu.csv")
    assert response.status_code == 422 and "5.000 dòng" in response.get_data(as_text=True)
    too_big = b"Loai,Mo ta,So luong\n" + b"x" * (2 * 1024 * 1024 + 10)
    response = upload(client, world.point_a.id, too_big, "lon.csv")
    assert response.status_code == 422 and "2 MB" in response.get_data(as_text=True)


def test_import_confirm_is_all_or_nothing(app, as_user, world):
    client = as_user("librarian_a")
    good = {"category": "chair", "description": "Ghế", "asset_code": "", "quantity": 2, "condition": "in_use",
            "internet_connected": False, "funding_source": "other", "received_on": None, "unit_value": None,
            "notes": "", "row": 2}
    bad = {**good, "quantity": 0, "row": 3}  # refused by the database's check
    with app.app_context():
        batch = ImportBatch(kind="equipment", point_id=world.point_a.id, user_id=world.librarian_a.id,
                            rows=json.dumps([good, bad]))
        db.session.add(batch)
        db.session.commit()
        batch_id = batch.id
    response = post(client, f"/equipment/imports/{batch_id}")
    assert response.status_code == 500
    assert count(app, EquipmentItem) == 0
    assert count(app, ImportBatch) == 1  # the deletion of the batch was rolled back too


def test_only_the_uploader_confirms_a_batch(app, as_user, world):
    with app.app_context():
        batch = ImportBatch(kind="equipment", point_id=world.point_a.id, user_id=world.admin.id, rows="[]")
        db.session.add(batch)
        db.session.commit()
        batch_id = batch.id
    client = as_user("librarian_a")
    assert post(client, f"/equipment/imports/{batch_id}").status_code == 403
    other = app.test_client()
    login(other, "librarian_b")
    assert post(other, f"/equipment/imports/{batch_id}").status_code == 403


# --- Export ---------------------------------------------------------------------------------------------

def test_export_neutralises_formulas(app, as_user, world):
    make_item(app, world.point_a.id, description='=HYPERLINK("http://evil.example","bấm")', asset_code="+1",
              notes="@SUM(A1)", received_on=date(2013, 8, 15), unit_value=1500000)
    client = as_user("librarian_a")
    response = client.get(f"/points/{world.point_a.id}/equipment/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    header = [c.value for c in sheet[1]]
    row = {header[i]: c for i, c in enumerate(sheet[2])}
    assert row["Mô tả"].value.startswith("'=HYPERLINK") and row["Mô tả"].data_type == "s"
    assert row["Mã tài sản"].value == "'+1" and row["Ghi chú"].value == "'@SUM(A1)"
    assert row["Ngày nhận"].number_format == "DD/MM/YYYY" and row["Đơn giá (VND)"].number_format == "#,##0"
    text = client.get(f"/points/{world.point_a.id}/equipment/export.csv").data.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "15/08/2013" in text and "'+1" in text


def test_export_scopes(app, world):
    make_item(app, world.point_a.id, description="Của xã A")
    make_item(app, world.point_b.id, description="Của xã B")
    make_item(app, world.point_c.id, description="Của xã C")
    expectations = [
        ("province_staff_p", f"/provinces/{world.province_p.id}/equipment/export.csv", 200, ["Của xã A", "Của xã B"]),
        ("province_staff_q", f"/provinces/{world.province_p.id}/equipment/export.csv", 403, []),
        ("librarian_a", f"/provinces/{world.province_p.id}/equipment/export.csv", 403, []),
        ("librarian_a", f"/communes/{world.commune_a.id}/equipment/export.csv", 200, ["Của xã A"]),
        ("librarian_a", f"/communes/{world.commune_b.id}/equipment/export.csv", 403, []),
        ("province_staff_p", f"/communes/{world.commune_b.id}/equipment/export.xlsx", 200, []),
        ("province_staff_p", f"/communes/{world.province_p.id}/equipment/export.csv", 404, []),
        ("province_staff_p", f"/points/{world.point_a.id}/equipment/export.pdf", 404, []),
    ]
    for user, url, status, present in expectations:
        client = app.test_client()
        login(client, getattr(world, user).name)
        response = client.get(url)
        assert response.status_code == status, (user, url)
        if present:
            text = response.data.decode("utf-8-sig")
            for name in ("Của xã A", "Của xã B", "Của xã C"):
                assert (name in text) is (name in present), (url, name)


# --- Roll-ups ---------------------------------------------------------------------------------------------

def test_rollups(app, world):
    from app.equipment.queries import category_condition_by_commune, computers_by_commune
    from app.users.models import User

    make_item(app, world.point_a.id, quantity=3, internet_connected=True)
    make_item(app, world.point_a.id, quantity=1, condition="broken")
    make_item(app, world.point_a.id, quantity=2, condition="liquidated")
    make_item(app, world.point_b.id, category="chair", quantity=10)
    make_item(app, world.point_c.id, quantity=7)
    with app.app_context():
        user = db.session.get(User, world.province_staff_p.id)
        rows = {(r[0], r[1], r[2]): r[3] for r in category_condition_by_commune(user)}
        assert rows == {
            (world.commune_a.id, "computer", "in_use"): 3, (world.commune_a.id, "computer", "broken"): 1,
            (world.commune_a.id, "computer", "liquidated"): 2, (world.commune_b.id, "chair", "in_use"): 10,
        }
        computers = {r["commune"]: r for r in computers_by_commune(user)}
        assert (computers["Xã A"]["computers"], computers["Xã A"]["in_use"], computers["Xã A"]["online"]) == (4, 3, 3)
        assert computers["Xã A"]["share_in_use"] == 0.75
        assert computers["Xã B"]["share_in_use"] is None and "Xã C" not in computers


def test_htmx_refusal_brings_its_message_out_of_band(app, as_user, world):
    item = make_item(app, world.point_a.id, condition="liquidated")
    response = as_user("librarian_a").get(f"/equipment/{item}/edit", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 409
    assert body.lstrip().startswith(f'<tr id="item-{item}"')
    assert '<div id="flashes" aria-live="polite" hx-swap-oob="true">' in body and "đã thanh lý" in body.lower()


def test_import_refuses_decimals_and_control_characters(app, as_user, world):
    client = as_user("librarian_a")
    data = csv_bytes([
        ["Ghế", "Ghế gỗ", "", "1,5", "", "", "", "", "", ""],
        ["Ghế", "Ghế nhựa", "", "2", "", "", "", "", "2.5", ""],
        ["Ghế", "Máy\x01tính", "", "2", "", "", "", "", "1.500.000", ""],
    ])
    response = upload(client, world.point_a.id, data, "so-le.csv")
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert refusal(app, "1,5") in body and "<td>3</td>" in body
    assert body.count('<tr><td>') >= 3  # one error row per bad cell
    assert count(app, EquipmentItem) == 0


def test_xlsx_declaring_a_huge_sheet_is_read_within_bounds(app, as_user, world):
    """A tiny file may declare a sheet of millions of cells; only real rows and
    the first columns are read."""
    import zipfile

    source = io.BytesIO(xlsx([["Ghế", "Ghế gỗ", "", 2, "", "", "", "", "", ""]]))
    out = io.BytesIO()
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            content = zin.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                assert b'<dimension ref="A1:J2" />' in content
                content = content.replace(b'<dimension ref="A1:J2" />', b'<dimension ref="A1:XFD900000" />')
            zout.writestr(info, content)
    response = upload(as_user("librarian_a"), world.point_a.id, out.getvalue(), "lon.xlsx")
    assert response.status_code == 200, response.get_data(as_text=True)[-800:]
    assert "Ghế gỗ" in response.get_data(as_text=True)


def test_export_drops_characters_a_workbook_cannot_hold(app, as_user, world):
    make_item(app, world.point_a.id, description="Máy\x01tính")
    response = as_user("librarian_a").get(f"/points/{world.point_a.id}/equipment/export.xlsx")
    assert response.status_code == 200
    assert load_workbook(io.BytesIO(response.data)).active["D2"].value == "Máytính"


def test_stocktake_needs_every_item_active_now(app, as_user, world):
    a = make_item(app, world.point_a.id, description="A")
    b = make_item(app, world.point_a.id, description="B")
    client = as_user("librarian_a")
    post(client, f"/equipment/{a}/stocktake")
    with app.app_context():
        db.session.get(EquipmentItem, a).condition = "liquidated"
        db.session.commit()
    d = make_item(app, world.point_a.id, description="D")
    c = make_item(app, world.point_a.id, description="C")
    post(client, f"/equipment/{b}/stocktake")
    post(client, f"/equipment/{c}/stocktake")
    with app.app_context():
        assert db.session.scalar(select(StockTake)).completed_at is None  # D is not confirmed yet
    post(client, f"/equipment/{d}/stocktake")
    with app.app_context():
        assert db.session.scalar(select(StockTake)).completed_at is not None


def test_a_batch_is_confirmed_once(app, as_user, world):
    client = as_user("librarian_a")
    upload(client, world.point_a.id, csv_bytes([["Ghế", "Ghế gỗ", "", "2", "", "", "", "", "", ""]]), "a.csv")
    with app.app_context():
        batch_id = db.session.scalar(select(ImportBatch.id))
    assert post(client, f"/equipment/imports/{batch_id}").status_code == 303
    again = post(client, f"/equipment/imports/{batch_id}", follow_redirects=True)
    assert again.status_code == 200 and "đã được lưu lúc" in again.get_data(as_text=True)
    assert count(app, EquipmentItem) == 1
