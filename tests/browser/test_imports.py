"""The import pipeline as a librarian clicks through it (headless Chromium),
with and without JavaScript, on a phone and a desktop: a file with a mistake
shows the problem on its cell and saves nothing; the corrected file is
previewed, confirmed and lands in the register; confirming the same preview
again (the back button) adds nothing and says the file was already saved."""
import pytest
from sqlalchemy import func, select

from app.equipment.models import EquipmentItem
from app.extensions import db
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.test_login import is_path, log_in

HEADERS = ("Loại thiết bị,Mô tả,Mã tài sản,Số lượng,Tình trạng,Kết nối Internet,Nguồn kinh phí,Ngày nhận,"
           "Đơn giá (VNĐ),Ghi chú")
GOOD = "Máy tính,Máy tính Dell BMGF,BMGF-01,5,Đang sử dụng,có,Dự án BMGF,15/08/2013,12.500.000,"
BAD = "Ghế,Ghế nhựa,,0,,,,,,"


def csv_file(*rows: str) -> dict:
    return {"name": "thiet-bi.csv", "mimeType": "text/csv", "buffer": "\n".join([HEADERS, *rows]).encode()}


def items(app, point_id) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(EquipmentItem)
                                 .where(EquipmentItem.point_id == point_id))


def upload(page, point_id, file):
    page.goto(f"/points/{point_id}/equipment/import")
    page.locator("input[type=file]").set_input_files(file)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()


@pytest.mark.parametrize("javascript, viewport", [(True, PHONE), (False, PHONE), (True, DESKTOP)],
                         ids=["js-360", "nojs-360", "js-1280"])
def test_import_preview_confirm_and_a_second_confirmation(app, world, make_page, javascript, viewport):
    page, problems = make_page(javascript=javascript, viewport=viewport)
    point = world.point_a.id
    log_in(page, world.librarian_a.name)

    upload(page, point, csv_file(GOOD, BAD))
    bad_row = page.locator("table.preview tr.has-error")
    assert bad_row.count() == 1 and bad_row.locator("td").first.inner_text() == "3"
    assert bad_row.locator("td.cell-error").count() == 1  # the quantity, and only it
    assert page.locator("form[action*='/equipment/imports/']").count() == 0  # nothing to confirm
    assert items(app, point) == 0

    upload(page, point, csv_file(GOOD))
    assert page.locator("table.preview tr.has-error").count() == 0
    assert "Máy tính Dell BMGF" in page.locator("table.preview").inner_text()
    preview = page.content()
    with page.expect_navigation():
        page.locator("form[action*='/equipment/imports/'] button[type=submit]").click()
    page.wait_for_url(is_path(f"/points/{point}/equipment"))
    assert "Máy tính Dell BMGF" in page.locator("main").inner_text()
    assert items(app, point) == 1

    # The same preview shown again (a back button, a second tab) and confirmed a second time.
    page.route("**/preview-again", lambda route: route.fulfill(body=preview, content_type="text/html; charset=utf-8"))
    page.goto("/preview-again")
    with page.expect_navigation():
        page.locator("form[action*='/equipment/imports/'] button[type=submit]").click()
    page.wait_for_url(is_path(f"/points/{point}/equipment"))
    assert page.locator(".flash-info").count() == 1
    assert items(app, point) == 1
    # The preview with problems answers 422 on purpose (Chromium logs that status); nothing else may be logged.
    assert [p for p in problems if "status of 422" not in p] == []
