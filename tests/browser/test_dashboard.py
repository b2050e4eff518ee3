"""The province dashboard in a real browser, on the hand-counted fixture of
tests/test_dashboard.py: province staff open it, choose May 2025, sort by
growth, filter to late communes, open a commune, download the .xlsx (read back
with openpyxl) and open the printable report — with JavaScript (htmx swaps the
table, the URL follows) and without (plain links and forms)."""
import io
import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, menu_link
from tests.browser.test_login import log_in
from tests.test_dashboard import figures  # noqa: F401  (the fixture)


def commune_names(page):
    return page.locator("#commune-table tbody tr td:first-child").all_inner_texts()


@pytest.mark.parametrize("javascript, viewport", [(True, DESKTOP), (False, PHONE), (True, PHONE)],
                         ids=["js-1280", "nojs-360", "js-360"])
def test_dashboard_sort_filter_commune_export_print(make_page, world, figures, javascript, viewport):  # noqa: F811
    page, problems = make_page(javascript=javascript, viewport=viewport)
    log_in(page, world.province_staff_p.name)
    menu_link(page, "/province").click()
    expect(page.locator("h1")).to_contain_text("Tổng hợp toàn tỉnh")

    period = page.locator("form.period-form")
    period.locator("select[name=year]").select_option("2025")
    period.locator("select[name=number]").select_option("5")
    period.locator("button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text("05/2025")
    expect(page.locator(".stats .value").first).to_have_text("59")
    assert commune_names(page) == ["Xã A", "Xã B", "Xã D"]

    if javascript:
        page.evaluate("window.stillHere = true")  # a full page load would drop it
    # The column headings sort; on a phone, where rows are cards, the "Sắp xếp theo" links do.
    sort_links = "#commune-table thead a" if viewport == DESKTOP else "#commune-table .sort-links a"
    page.locator(sort_links, has_text="Tăng/giảm").click()
    expect(page.locator("#commune-table th[aria-sort]")).to_contain_text("Tăng/giảm")
    expect(page).to_have_url(re.compile(r"sort=growth.*dir=desc|dir=desc.*sort=growth"))
    assert commune_names(page) == ["Xã A", "Xã B", "Xã D"]  # +25 %, −10 %, no comparison last

    page.locator("#table-filters select[name=show]").select_option("late")
    if not javascript:
        page.locator("#table-filters button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"show=late"))
    expect(page.locator("#commune-table tbody tr")).to_have_count(1)
    assert commune_names(page) == ["Xã B"]  # D has no library point: no report is expected of it
    assert "sort=growth" in page.url
    expect(page.locator("#table-filters input[name=sort]")).to_have_value("growth")  # the forms keep it
    expect(page.locator("form.period-form input[name=show]")).to_have_value("late")
    if javascript:
        assert page.evaluate("window.stillHere") is True  # htmx swapped only the table

    with page.expect_download() as download:
        page.locator("#commune-table a", has_text="Excel").click()
    book = load_workbook(io.BytesIO(open(download.value.path(), "rb").read()))
    assert download.value.suggested_filename == "tong-hop-p-05-2025.xlsx"  # named after "Tỉnh P"
    rows = [[c.value for c in row] for row in book["Theo xã"].iter_rows(min_row=8)]  # under the title block
    assert [r[2] for r in rows] == ["Xã B", "Toàn tỉnh"]  # the filtered table, and the province total
    assert rows[0][3:6] == [9, 10, -10.0]
    assert book["Báo cáo chưa nộp"]["B8"].value is None  # every expected May report was sent

    page.locator("#commune-table tbody a", has_text="Xã B").click()
    expect(page.locator("h1")).to_contain_text("Xã B · 05/2025")
    expect(page.locator("main table").nth(1).locator("tbody tr").first).to_contain_text("Đã gửi")

    page.go_back()
    expect(page.locator("#commune-table tbody tr")).to_have_count(1)  # back to the filtered, sorted table
    period = page.locator("form.period-form")  # another period keeps the filter and the sort
    period.locator("select[name=kind]").select_option("quarter")
    period.locator("select[name=number]").select_option("2")
    period.locator("button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text("Q2/2025")
    assert "show=late" in page.url and "sort=growth" in page.url
    page.locator("a", has_text="Báo cáo để in").click()
    expect(page.locator("h1.doc-title")).to_have_text("BÁO CÁO")
    expect(page.locator(".doc-subtitle")).to_contain_text("Q2/2025")
    expect(page.locator(".doc-head")).to_contain_text("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    page.locator("input[name=signer]").fill("Nguyễn Văn Giám")
    page.locator(".report-fields button").click()
    expect(page.locator(".signer-name")).to_have_text("Nguyễn Văn Giám")
    pdf = page.pdf(format="A4") if javascript and viewport == DESKTOP else b"%PDF"
    assert pdf.startswith(b"%PDF")
    assert problems == []
