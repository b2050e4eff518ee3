"""The province dashboard's exports: named after the province (not its code,
which reads like a date), each workbook sheet under a title block for people,
the .csv files plain tables for programs."""
import csv
import io
import re

import pytest
from openpyxl import load_workbook

from app.dashboard.queries import province_rollup
from app.extensions import db
from app.formatting import today_local
from app.periods import Period
from app.spreadsheets import file_slug
from app.units.models import Unit

MAY = "kind=month&year=2025&number=5"
HEADER_ROW = 7  # title, province, period, "up to", "generated at", a blank row, then the header


@pytest.fixture
def lao_cai(app, world):
    with app.app_context():
        db.session.get(Unit, world.province_p.id).name = "Tỉnh Lào Cai"
        db.session.commit()
    return world


def filename(response) -> str:
    return re.search(r'filename="([^"]+)"', response.headers["Content-Disposition"]).group(1)


@pytest.mark.parametrize("name, slug", [
    ("Tỉnh Lào Cai", "lao-cai"), ("Thành phố Hồ Chí Minh", "ho-chi-minh"), ("Tỉnh Đắk Lắk", "dak-lak"),
    ("Tỉnh  Bà Rịa – Vũng Tàu", "ba-ria-vung-tau"), ("Tỉnh", "tinh"), ("", ""),
])
def test_file_slug_folds_the_name(name, slug):
    assert file_slug(name) == slug


@pytest.mark.parametrize("query, expected", [
    (MAY, "tong-hop-lao-cai-05-2025.xlsx"),
    ("kind=quarter&year=2025&number=2", "tong-hop-lao-cai-q2-2025.xlsx"),
])
def test_workbook_is_named_after_the_province(lao_cai, as_user, query, expected):
    response = as_user("province_staff_p").get(f"/province/export.xlsx?{query}")
    assert response.status_code == 200 and filename(response) == expected


def test_csv_files_are_named_after_the_province(lao_cai, as_user):
    client = as_user("province_staff_p")
    assert filename(client.get(f"/province/export.csv?{MAY}")) == "tong-hop-lao-cai-05-2025.csv"
    completeness = client.get(f"/province/export.csv?{MAY}&table=completeness")
    assert filename(completeness) == "tong-hop-lao-cai-05-2025-day-du.csv"
    assert filename(client.get(f"/province/export.csv?{MAY}&table=missing")) == "tong-hop-lao-cai-05-2025-con-thieu.csv"


def test_every_sheet_starts_with_a_title_block(lao_cai, as_user):
    response = as_user("province_staff_p").get(f"/province/export.xlsx?{MAY}")
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Theo xã", "Tính đầy đủ", "Báo cáo chưa nộp"]
    headers = {"Theo xã": ["STT", "Mã", "Xã/phường"], "Tính đầy đủ": ["Chỉ tiêu", "Số"],
               "Báo cáo chưa nộp": ["STT", "Xã/phường", "Tháng"]}
    for sheet in book.worksheets:
        block = [sheet.cell(row=r, column=1).value for r in range(1, HEADER_ROW)]
        title, province, period, until, generated, blank = block
        assert title == sheet.title and sheet["A1"].font.bold
        assert province == "Tỉnh Lào Cai"
        assert "05/2025" in period
        assert until.endswith("31/05/2025")  # rollup["current"][1]: the last day of May, the period having ended
        assert re.search(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}$", generated)
        assert blank is None and all(c.value is None for c in sheet[HEADER_ROW - 1])
        for r in range(2, HEADER_ROW):  # one cell per line: nothing else in the block
            assert [c.value for c in sheet[r][1:]] == [None] * (len(sheet[r]) - 1)
        header = [c.value for c in sheet[HEADER_ROW]]
        assert header[:len(headers[sheet.title])] == headers[sheet.title], sheet.title
        assert all(c.font.bold for c in sheet[HEADER_ROW] if c.value)
        assert sheet.freeze_panes == f"A{HEADER_ROW + 1}"  # the header stays in view, the block scrolls away
    communes = book["Theo xã"]
    assert communes.column_dimensions["C"].width == 28  # the commune column, as before the block
    assert [communes.cell(row=r, column=3).value for r in range(HEADER_ROW + 1, communes.max_row + 1)] == [
        "Xã A", "Xã B", "Toàn tỉnh"]


def test_title_block_of_a_running_period_ends_where_its_figures_do(lao_cai, as_user, app):
    """While the period runs, "up to" is the last day the roll-up counts, not the period's end."""
    with app.app_context():
        today = today_local()
        period = Period.whole_year(today.year)
        last_day = province_rollup(db.session.get(Unit, lao_cai.province_p.id), period, today)["current"][1]
    assert last_day < period.end
    query = f"kind=year&year={today.year}"
    book = load_workbook(io.BytesIO(as_user("province_staff_p").get(f"/province/export.xlsx?{query}").data))
    assert book["Theo xã"]["A4"].value.endswith(last_day.strftime("%d/%m/%Y"))


def test_csv_stays_a_plain_table(lao_cai, as_user):
    text = as_user("province_staff_p").get(f"/province/export.csv?{MAY}").get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["STT", "Mã", "Xã/phường"] and "Tỉnh Lào Cai" not in text
