"""The province roll-up: every figure of the dashboard, the commune page, the
completeness tables, the exports and the printable report against counts made
by hand on a small fixture (province P: communes A, B and D; province Q: C)."""
import csv
import io
import re
from datetime import date, datetime, timezone
from html.parser import HTMLParser

import pytest
from openpyxl import load_workbook

from app import charts
from app.equipment.models import EquipmentItem
from app.extensions import db
from app.periods import MONTH, QUARTER, YEAR, Period, from_args
from app.reports.models import APPROVED, SUBMITTED, PeriodReport
from app.units.models import Unit
from app.visits.models import VisitCount
from tests.factories import make_commune
from tests.test_training import make_attendee, make_session

MAY = "kind=month&year=2025&number=5"


class Tables(HTMLParser):
    """The text of every cell of every table, as [[row cells]] per table."""

    def __init__(self, html):
        super().__init__()
        self.tables, self._cell = [], None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th") and self.tables:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def at(day):
    return datetime(day.year, day.month, day.day, 2, 0, tzinfo=timezone.utc)  # 09:00 in Hà Nội


@pytest.fixture
def figures(app, world):
    """May 2025 (and 2024) in province P, counted by hand:

    visits   A: 30 + 20 = 50 in May 2025 (40 in May 2024) → +25 %, target met;
                also 7 on 30/04 and 100 in June (outside May, inside Q2)
             B: 9 (10 in May 2024) → −10 %, declining
             D: no library point, no visits → no comparison
             C (province Q): 1,000 — never in P's figures
    register A: 3 online computers and 10 chairs in use, 1 printer broken, 2 desks liquidated
             B: 2 computers in use, not online; 1 cabinet under repair
    training A on 12/05/2025: 2 present from A, 1 absent from A, 1 present from B;
             A on 10/02/2025: 1 present from A; C on 12/05/2025: 1 present (province Q)
    reports  A: submitted 03/06 (due 05/06), approved; B: submitted 09/06, late;
             D: none, and none expected (no library point)
    """
    with app.app_context():
        d_id = make_commune(db.session.get(Unit, world.province_p.id), "Xã D").id
        counts = [
            (world.point_a.id, date(2025, 5, 10), "reading", "children", 30),
            (world.point_a.id, date(2025, 5, 20), "lending", "adults", 20),
            (world.point_a.id, date(2024, 5, 15), "reading", "children", 40),
            (world.point_a.id, date(2025, 4, 30), "reading", "children", 7),
            (world.point_a.id, date(2025, 6, 2), "reading", "elderly", 100),
            (world.point_b.id, date(2025, 5, 3), "computer", "students", 9),
            (world.point_b.id, date(2024, 5, 3), "computer", "students", 10),
            (world.point_c.id, date(2025, 5, 5), "reading", "children", 1000),
        ]
        for point_id, day, service, group, n in counts:
            db.session.add(VisitCount(point_id=point_id, day=day, service=service, reader_group=group, count=n))
        for point, category, quantity, condition, online in (
            (world.point_a, "computer", 3, "in_use", True), (world.point_a, "chair", 10, "in_use", False),
            (world.point_a, "printer", 1, "broken", False), (world.point_a, "desk", 2, "liquidated", False),
            (world.point_b, "computer", 2, "in_use", False), (world.point_b, "cabinet", 1, "under_repair", False),
            (world.point_c, "computer", 5, "in_use", True),
        ):
            db.session.add(EquipmentItem(point_id=point.id, category=category, description=category, quantity=quantity,
                                         condition=condition, internet_connected=online, received_on=date(2025, 1, 10)))
        for commune_id, status, submitted in ((world.commune_a.id, APPROVED, date(2025, 6, 3)),
                                              (world.commune_b.id, SUBMITTED, date(2025, 6, 9)),
                                              (world.commune_c.id, SUBMITTED, date(2025, 6, 1))):
            db.session.add(PeriodReport(commune_id=commune_id, year=2025, month=5, status=status,
                                        submitted_at=at(submitted), first_submitted_at=at(submitted)))
        db.session.commit()
    may = make_session(app, world, start_date=date(2025, 5, 12), end_date=date(2025, 5, 12))
    make_attendee(app, may, "Nguyễn Văn An")
    make_attendee(app, may, "Trần Thị Bình", gender="female")
    make_attendee(app, may, "Lê Văn Cường", present=False)
    make_attendee(app, may, "Phạm Thị Dung", gender="female", commune_id=world.commune_b.id)
    february = make_session(app, world, start_date=date(2025, 2, 10), end_date=date(2025, 2, 10))
    make_attendee(app, february, "Hoàng Văn Em")
    other = make_session(app, world, commune="commune_c", trainer="trainer_q", start_date=date(2025, 5, 12),
                         end_date=date(2025, 5, 12))
    make_attendee(app, other, "Vũ Thị Phương", gender="female")
    return {"d": d_id}


def stats(html):
    """The tiles' big numbers, in order."""
    return [part.split("<")[0] for part in html.split('<span class="value">')[1:]]


def commune_rows(html):
    table = next(t for t in Tables(html).tables if t and t[0] and t[0][0].startswith("Xã/phường"))
    return {row[0]: row[1:] for row in table[1:]}


def test_dashboard_figures_equal_the_hand_counts(figures, as_user):
    html = as_user("province_staff_p").get(f"/province?{MAY}").get_data(as_text=True)
    # visits, on time/expected, points operating effectively, points online/active, trained 2025
    assert stats(html) == ["59", "1/2", "50 %", "1/2", "4"]
    assert "điểm hoạt động hiệu quả: 1 trên 2 (chỉ tiêu 60–70 %)" in html and "dưới chỉ tiêu" in html
    assert "cùng kỳ năm trước: 50" in html and "+18,0 %" in html  # (59 − 50) / 50, like for like
    assert "trong kỳ: 3 · 1 buổi tập huấn" in html  # people trained and sessions in May
    rows = commune_rows(html)
    assert set(rows) == {"Xã A", "Xã B", "Xã D"}  # never commune C of province Q
    # Computers only (never chairs added to computers), on 31/05/2025; A's point is effective (an online
    # computer, visits in May, its report submitted), B's has no online computer.
    #                   visits change     PCs in use, broken, online, effective sessions trained report
    assert rows["Xã A"] == ["50", "+25,0 %", "3", "0", "3", "1/1", "1", "2", "Đã duyệt đúng hạn"]
    assert rows["Xã B"][:5] == ["9", "-10,0 %", "2", "0", "0"]
    assert rows["Xã B"][5] == "0/1 không có máy tính trực tuyến"  # the criterion it fails
    assert rows["Xã B"][6:] == ["0", "1", "Đã gửi muộn"]
    assert rows["Xã D"] == ["0", "chưa có số liệu so sánh", "0", "0", "0", "–", "0", "0", "chưa có điểm thư viện"]


def test_quarter_and_year_add_up_the_months(figures, as_user):
    client = as_user("province_staff_p")
    rows = commune_rows(client.get("/province?kind=quarter&year=2025&number=2").get_data(as_text=True))
    assert rows["Xã A"][:2] == ["157", "+292,5 %"]  # 7 + 50 + 100 against 40
    assert rows["Xã A"][-1] == "đã duyệt 1/3 · 2 báo cáo muộn"  # April and June missing, overdue
    assert rows["Xã B"][-1] == "đã duyệt 0/3 · 3 báo cáo muộn"
    html = client.get("/province?kind=year&year=2025").get_data(as_text=True)
    assert stats(html)[:2] == ["166", "1/24"]  # 2 communes with a library point × 12 months expected


def test_sort_filter_and_search_keep_their_state_in_the_url(figures, as_user):
    client = as_user("province_staff_p")
    by_growth = client.get(f"/province?{MAY}&sort=growth&dir=desc").get_data(as_text=True)
    assert list(commune_rows(by_growth)) == ["Xã A", "Xã B", "Xã D"]  # no comparison sorts last
    by_growth_up = client.get(f"/province?{MAY}&sort=growth&dir=asc").get_data(as_text=True)
    assert list(commune_rows(by_growth_up)) == ["Xã B", "Xã A", "Xã D"]
    assert 'aria-sort="ascending"' in by_growth_up
    # The sort link of the active column flips the direction and keeps the period and the filters.
    assert 'href="/province?kind=month&amp;year=2025&amp;number=5&amp;sort=growth&amp;dir=desc"' in by_growth_up
    late = client.get(f"/province?{MAY}&show=late&sort=visits&dir=desc").get_data(as_text=True)
    assert 'href="/province?kind=month&amp;year=2025&amp;number=5&amp;show=late&amp;sort=visits"' in late
    assert list(commune_rows(client.get(f"/province?{MAY}&show=late").get_data(as_text=True))) == ["Xã B"]
    # D has no library point: its report is not expected, so not missing either.
    assert "Xã D" not in commune_rows(client.get(f"/province?{MAY}&show=missing").get_data(as_text=True))
    assert list(commune_rows(client.get(f"/province?{MAY}&show=declining").get_data(as_text=True))) == ["Xã B"]
    assert list(commune_rows(client.get(f"/province?{MAY}&show=offline").get_data(as_text=True))) == ["Xã B", "Xã D"]
    assert list(commune_rows(client.get(f"/province?{MAY}&q=xa+a").get_data(as_text=True))) == ["Xã A"]
    nothing = client.get(f"/province?{MAY}&q=zzz").get_data(as_text=True)
    assert "Không có xã/phường nào khớp bộ lọc này." in nothing
    # Unknown values fall back instead of failing.
    assert client.get(f"/province?{MAY}&sort=drop&dir=x&show=bogus&kind=week&year=abc").status_code == 200


def test_htmx_gets_only_the_table(figures, as_user):
    client = as_user("province_staff_p")
    response = client.get(f"/province?{MAY}&sort=visits&dir=desc", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body and '<div id="commune-table">' in body
    # The filter form stays on the page; its sort fields follow the table out of band.
    assert ('<span id="filter-order" class="keep" hx-swap-oob="true">'
            '<input type="hidden" name="sort" value="visits">') in body
    assert '<span id="period-keep" class="keep" hx-swap-oob="true">' in body
    assert "<form" not in body
    assert "HX-Request" in response.headers["Vary"]
    assert list(commune_rows(body)) == ["Xã A", "Xã B", "Xã D"]
    boosted = client.get(f"/province?{MAY}", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<html" in boosted.get_data(as_text=True)
    restore = client.get(f"/province?{MAY}", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in restore.get_data(as_text=True)


def test_commune_page_per_point_and_month(figures, as_user, world):
    html = as_user("province_staff_p").get(f"/province/communes/{world.commune_a.id}?kind=quarter&year=2025&number=2") \
        .get_data(as_text=True)
    tables = Tables(html).tables
    points, months = tables[0], tables[1]
    assert points[1][1:] == ["157", "40", "+292,5 %", "3", "0", "3"]  # computers in use, broken, online on 30/06
    assert [row[:4] for row in months[1:]] == [
        ["04/2025", "7", "0", "chưa có số liệu so sánh"], ["05/2025", "50", "40", "+25,0 %"],
        ["06/2025", "100", "0", "chưa có số liệu so sánh"]]
    assert [row[4:6] for row in months[1:]] == [["0", "0"], ["1", "2"], ["0", "0"]]  # sessions, trained
    assert months[2][6].startswith("Đã duyệt đúng hạn") and months[1][6].startswith("Chưa gửi muộn")
    assert "hạn 05/05/2025" in months[1][6]


def test_commune_page_access(figures, app, world):
    from tests.conftest import login

    url = f"/province/communes/{world.commune_a.id}?{MAY}"
    for user, status in (("librarian_a", 200), ("librarian_b", 403), ("trainer_p", 403), ("province_staff_q", 403),
                         ("province_staff_p", 200), ("admin", 200)):
        client = app.test_client()
        login(client, user if user == "admin" else getattr(world, user).name)
        assert client.get(url).status_code == status, user
    client = app.test_client()
    login(client, world.province_staff_p.name)
    assert client.get(f"/province/communes/{world.province_p.id}").status_code == 404  # a province is not a commune


def test_admin_chooses_the_province(figures, as_user, world):
    html = as_user("admin").get(f"/province?{MAY}&province={world.province_q.id}").get_data(as_text=True)
    assert set(commune_rows(html)) == {"Xã C"}
    assert stats(html)[0] == "1.000"


def test_completeness_page_matches_the_dashboard(figures, as_user):
    html = as_user("province_staff_p").get(f"/reports/completeness?{MAY}").get_data(as_text=True)
    assert stats(html) == ["2", "2", "1", "1", "0", "0"]  # expected, submitted, on time, approved, returned, missing
    # D, without a library point, is listed apart and not as a missing report.
    missing, no_point = html.split('id="missing"')[1].split('id="no-point"')
    assert "Xã D" not in missing and "Xã D" in no_point


def test_xlsx_workbook_has_a_sheet_per_table(figures, as_user):
    response = as_user("province_staff_p").get(f"/province/export.xlsx?{MAY}&sort=visits&dir=desc")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Theo xã", "Tính đầy đủ", "Báo cáo chưa nộp"]
    communes = book["Theo xã"]
    assert communes.freeze_panes == "A8" and communes["A7"].font.bold  # under the title block (tests/test_exports.py)
    header = [c.value for c in communes[7]]
    assert header[:7] == ["STT", "Mã", "Xã/phường", "Số lượt", "Cùng kỳ năm trước", "Tăng/giảm (%)", "Chỉ tiêu"]
    rows = [[c.value for c in row] for row in communes.iter_rows(min_row=8)]
    a, b, d, total = rows
    assert a[2:7] == ["Xã A", 50, 40, 25.0, "đạt chỉ tiêu"] and b[2:6] == ["Xã B", 9, 10, -10.0]
    assert d[2] == "Xã D" and d[5] is None
    named = dict(zip(header, a, strict=True))
    # Computers only, never chairs added to them; A's one active point operates effectively.
    assert (named["Máy tính đang dùng"], named["Máy tính hỏng hoặc đang sửa"]) == (3, 0)
    assert (named["Điểm thư viện đang hoạt động"], named["Điểm hoạt động hiệu quả"]) == (1, 1)
    assert (named["Máy tính đang dùng có Internet"], named["Buổi tập huấn"], named["Người được tập huấn"]) == (3, 1, 2)
    assert (named["Báo cáo phải nộp"], named["Báo cáo đúng hạn"], named["Trạng thái báo cáo"]) == (1, 1, "Đã duyệt")
    assert total[2:6] == ["Toàn tỉnh", 59, 50, 18.0]
    assert communes["D8"].number_format == "#,##0" and communes["F8"].number_format == "#,##0.0"
    summary = [[c.value for c in row] for row in book["Tính đầy đủ"].iter_rows(min_row=8)]
    assert [v for _label, v in summary] == [2, 2, 1, 1, 0, 0]  # D has no library point: not expected
    assert [[c.value for c in row] for row in book["Báo cáo chưa nộp"].iter_rows(min_row=8)] == []
    quarter = load_workbook(io.BytesIO(as_user("province_staff_p").get(
        "/province/export.xlsx?kind=quarter&year=2025&number=2").data))["Báo cáo chưa nộp"]
    assert [c.value for c in quarter[8]] == [1, "Xã A", "04/2025", datetime(2025, 5, 5), "Chưa gửi"]
    assert quarter["D8"].number_format == "DD/MM/YYYY"


def test_csv_exports_each_table(figures, as_user):
    client = as_user("province_staff_p")
    response = client.get(f"/province/export.csv?{MAY}&show=late")
    assert response.mimetype == "text/csv" and response.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [r[2] for r in rows[1:]] == ["Xã B", "Toàn tỉnh"]  # the filter applies to the export
    summary = list(csv.reader(io.StringIO(client.get(f"/province/export.csv?{MAY}&table=completeness")
                                          .get_data(as_text=True).lstrip("\ufeff"))))
    assert summary[1] == ["Báo cáo phải nộp", "2"]
    quarter = "kind=quarter&year=2025&number=2"
    missing = list(csv.reader(io.StringIO(client.get(f"/province/export.csv?{quarter}&table=missing")
                                          .get_data(as_text=True).lstrip("\ufeff"))))
    assert missing[1] == ["1", "Xã A", "04/2025", "05/05/2025", "Chưa gửi"]
    assert client.get("/province/export.pdf").status_code == 404


def test_exports_neutralise_formulas(figures, app, as_user, world):
    with app.app_context():
        db.session.get(Unit, world.commune_a.id).name = "=HYPERLINK(\"http://x\",\"y\")"
        db.session.commit()
    client = as_user("province_staff_p")
    book = load_workbook(io.BytesIO(client.get("/province/export.xlsx?kind=quarter&year=2025&number=2").data))
    names = [row[2].value for row in book["Theo xã"].iter_rows(min_row=8)]
    assert "'=HYPERLINK(\"http://x\",\"y\")" in names and not any(str(n).startswith("=") for n in names)
    assert [c.value for c in book["Báo cáo chưa nộp"][8]][1].startswith("'=")
    text = client.get(f"/province/export.csv?{MAY}").get_data(as_text=True)
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text


def test_printable_report_has_the_administrative_layout(figures, as_user):
    client = as_user("province_staff_p")
    html = client.get(f"/province/report?{MAY}&signer=<b>Lê</b>&number_line=12/BC-SVHTTDL").get_data(as_text=True)
    text = page_text(html)  # titles are cut into phrases kept whole (tests/test_report_print.py)
    for words in ("UBND TỈNH TỈNH P", "SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                  "Độc lập - Tự do - Hạnh phúc", "Số: 12/BC-SVHTTDL", "BÁO CÁO", "Bảng 3.", "Nơi nhận:", "GIÁM ĐỐC",
                  "(Ký, đóng dấu, ghi rõ họ tên)"):
        assert words in text, words
    assert re.search(r"/static/css/print\.[0-9a-f]{10}\.css", html)  # its hashed name (app/assets.py)
    assert "&lt;b&gt;Lê&lt;/b&gt;" in html and "<b>Lê</b>" not in html  # typed fields are escaped
    assert "đã phục vụ 59 lượt bạn đọc; cùng kỳ năm trước: 50 lượt, tăng/giảm +18,0 %" in html
    tables = Tables(html).tables
    assert tables[0][1] == ["1", "Đọc tại chỗ", "30"] and tables[0][3] == ["3", "Máy tính & Internet", "9"]
    assert tables[2][-1][1:4] == ["Toàn tỉnh", "59", "50"]
    # Equipment by category on 31/05/2025, like with like: computers, printers, furniture.
    assert tables[3][1:] == [["Máy tính", "5", "0", "0", "0"], ["Máy in", "0", "1", "0", "0"],
                             ["Bàn ghế, tủ, giá kệ", "10", "0", "1", "2"]]
    assert len(tables) == 4  # the missing reports are listed in an appendix (tests/test_report_print.py)


def page_text(html):
    """The page's text: tags dropped, no-break spaces and runs of spaces made single spaces."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).replace("\u00a0", " ").split())


def test_trends_draw_growth_and_the_monthly_lines(figures, as_user):
    html = as_user("province_staff_p").get(f"/province/trends?{MAY}").get_data(as_text=True)
    assert html.count("<svg") == 2
    bars = html.split('class="chart bars"')[1]
    assert bars.index("Xã A") < bars.index("Xã B") and "Xã D</text>" not in bars
    assert "+25,0" in bars and "-10,0" in bars
    assert "1 xã/phường không có lượt bạn đọc năm trước không được vẽ." in html


# --- Rules ------------------------------------------------------------------------------

@pytest.mark.parametrize("today, args, expected", [
    (date(2026, 1, 15), {}, Period(MONTH, 2025, 12)),  # January: last December
    (date(2026, 2, 1), {"kind": "quarter"}, Period(QUARTER, 2025, 4)),
    (date(2026, 7, 1), {"kind": "quarter"}, Period(QUARTER, 2026, 2)),
    (date(2026, 7, 1), {"kind": "year"}, Period(YEAR, 2025, 1)),
    (date(2026, 7, 1), {"kind": "month", "year": "2024"}, Period(MONTH, 2024, 12)),
    (date(2026, 7, 1), {"kind": "month", "year": "2026", "number": "13"}, Period(MONTH, 2026, 12)),
    (date(2026, 7, 1), {"year": "1999", "number": "x"}, Period(MONTH, 2026, 6)),
    (date(2026, 7, 1), {"year": "2030"}, Period(MONTH, 2026, 6)),
])
def test_period_from_args(today, args, expected):
    assert from_args(args, today) == expected


def test_growth_bars_geometry():
    chart = charts.growth_bars([("A", 10.0, "met"), ("B", -80.0, "missed"), ("C", None, None), ("D", 2.0, "close")],
                               (5.0, 7.0))
    assert [b["name"] for b in chart["bars"]] == ["A", "D", "B"]  # highest first, no comparison left out
    a, d, b = chart["bars"]
    assert b["clipped"] and not a["clipped"]
    assert b["x"] == chart["left"]  # −80 % is drawn to the edge
    assert a["x"] == d["x"] == chart["zero"] and a["width"] > d["width"]
    band_x, band_w = chart["band"]
    assert chart["zero"] < band_x and band_w > 0
    assert charts.growth_bars([("A", None, None)], (5.0, 7.0)) is None


def test_ids_too_large_for_a_row_are_not_found(figures, as_user):
    client = as_user("admin")
    assert client.get("/province/communes/99999999999999999999999").status_code == 404
    assert client.get("/province?province=99999999999999999999999").status_code == 200  # falls back to a province
