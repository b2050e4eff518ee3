"""The one import pipeline: each row is checked by the domain's own form (so an
import and the form refuse the same values with the same words), problems are
shown per cell, and a batch is saved once."""
import html
import io
import re
from datetime import date

from sqlalchemy import func, select

from app.equipment.models import EquipmentItem
from app.extensions import db
from app.imports.models import ImportBatch
from tests.conftest import post

HEADERS = ["Loại thiết bị", "Mô tả", "Mã tài sản", "Số lượng", "Tình trạng", "Kết nối Internet", "Nguồn kinh phí",
           "Ngày nhận", "Đơn giá (VNĐ)", "Ghi chú"]


def csv_upload(client, point_id, rows):
    text = "\n".join(",".join(row) for row in [HEADERS, *rows]) + "\n"
    return post(client, f"/points/{point_id}/equipment/import",
                {"file": (io.BytesIO(text.encode()), "thiet-bi.csv")}, content_type="multipart/form-data")


def messages(body: str) -> set[str]:
    """The field error messages a page shows."""
    return {html.unescape(m).strip() for m in re.findall(r'class="error"[^>]*>([^<]+)<', body)}


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_equipment_import_refuses_what_the_item_form_refuses_in_its_words(app, world, as_user):
    client = as_user("librarian_a")
    # The item form, typed in by hand: a receipt date in 2031 and the condition "liquidated".
    typed = post(client, f"/points/{world.point_a.id}/equipment/new", {
        "category": "computer", "description": "Máy tính", "quantity": "1", "condition": "liquidated",
        "funding_source": "commune", "received_on": "2031-01-01"})
    assert typed.status_code == 422
    form_messages = messages(typed.get_data(as_text=True))
    assert "Ngày không được ở tương lai." in form_messages
    # The same values in a spreadsheet row.
    imported = csv_upload(client, world.point_a.id, [
        ["Máy tính", "Máy tính", "", "1", "Đã thanh lý", "", "", "01/01/2031", "", ""]])
    body = imported.get_data(as_text=True)
    assert imported.status_code == 422
    import_messages = messages(body)
    assert "Ngày không được ở tương lai." in import_messages
    liquidated = [m for m in import_messages if m.startswith("“Đã thanh lý”")]
    assert liquidated and "Đang sử dụng" in liquidated[0]  # names the conditions that may be chosen
    # The form refuses "liquidated" with the message of the same field rule.
    assert any(m.startswith("“liquidated”") and m.endswith(liquidated[0].split(":", 1)[1]) for m in form_messages)
    assert count(app, EquipmentItem) == 0 and count(app, ImportBatch) == 0


def test_vietnamese_numbers_and_words_are_read_like_the_form_reads_them(app, world, as_user):
    client = as_user("librarian_a")
    response = csv_upload(client, world.point_a.id, [
        ["may tinh", "Máy tính Dell", "BMGF-1", "1.000", "hong", "có", "du an bmgf", "15/08/2013", "12.500.000", ""]])
    assert response.status_code == 200, response.get_data(as_text=True)[-1500:]
    body = response.get_data(as_text=True)
    assert "Máy tính" in body and "Hỏng" in body and "12.500.000" in body  # shown as understood
    with app.app_context():
        batch_id = db.session.scalar(select(ImportBatch.id))
    assert post(client, f"/equipment/imports/{batch_id}").status_code == 303
    with app.app_context():
        item = db.session.scalar(select(EquipmentItem))
        assert (item.category, item.condition, item.quantity, item.unit_value, item.funding_source, item.received_on,
                item.internet_connected) == ("computer", "broken", 1000, 12_500_000, "bmgf", date(2013, 8, 15), True)
    # The item form takes the same Vietnamese number format.
    typed = post(client, f"/points/{world.point_a.id}/equipment/new", {
        "category": "chair", "description": "Ghế", "quantity": "1.000", "condition": "in_use",
        "funding_source": "commune", "unit_value": "450.000"})
    assert typed.status_code == 303
    with app.app_context():
        chair = db.session.scalar(select(EquipmentItem).where(EquipmentItem.category == "chair"))
        assert (chair.quantity, chair.unit_value) == (1000, 450_000)


def test_problems_are_marked_on_their_cell(app, world, as_user):
    client = as_user("librarian_a")
    response = csv_upload(client, world.point_a.id, [
        ["Ghế", "Ghế gỗ", "", "2", "", "", "", "", "", ""],
        ["Ghế", "Ghế nhựa", "", "0", "", "", "", "", "", ""],
    ])
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    rows = re.findall(r"<tr( class=\"has-error\")?>\s*<td>(\d+)</td>(.*?)</tr>", body, re.S)
    flagged = {number: cells for marked, number, cells in rows if marked}
    assert set(flagged) == {"3"}  # the spreadsheet's row 3, the second below the headers
    assert flagged["3"].count('class="cell-error"') == 1 and "Số lượng" not in flagged["3"]


def test_a_new_preview_replaces_the_users_earlier_one(app, world, as_user):
    client = as_user("librarian_a")
    for _ in range(2):
        assert csv_upload(client, world.point_a.id,
                          [["Ghế", "Ghế gỗ", "", "2", "", "", "", "", "", ""]]).status_code == 200
    assert count(app, ImportBatch) == 1
