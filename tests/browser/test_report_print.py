"""The province's printable report of the last complete quarter, printed to
PDF by Chromium as a person would save it: a province of about a hundred
communes (the demo data of Thái Nguyên, one year of visits) with every report
of the quarter missing, so the appendix is as long as it gets. The document
fits on at most four A4 pages, is numbered at the top centre from page 2
(Decree 30/2020/NĐ-CP), and keeps its titles whole. Filled in through the
screen-only GET form, without JavaScript."""
import io
import unicodedata

import pytest
from pypdf import PdfReader
from sqlalchemy import delete, select

from app.demo import load_demo
from app.extensions import db
from app.formatting import today_local
from app.periods import Period
from app.reports.models import PeriodReport, ReportSnapshot
from tests.browser.conftest import DESKTOP
from tests.browser.test_login import log_in

MM = 72 / 25.4  # PDF points in a millimetre
TOP_MARGIN = 20 * MM  # print.css: @page report { margin: 20mm 15mm 20mm 30mm }


def last_complete_quarter(today):
    number = (today.month - 1) // 3  # the quarter before today's
    return Period.quarter(today.year, number) if number else Period.quarter(today.year - 1, 4)


@pytest.fixture
def quarter(app):
    """The demo province, and the last complete quarter with none of its reports sent."""
    with app.app_context():
        communes = load_demo("Thái Nguyên", None, 1)["communes"]
        period = last_complete_quarter(today_local())
        months = [m.number for m in period.months()]
        reports = select(PeriodReport.id).where(PeriodReport.year == period.year, PeriodReport.month.in_(months))
        db.session.execute(delete(ReportSnapshot).where(ReportSnapshot.report_id.in_(reports)))
        db.session.execute(delete(PeriodReport).where(PeriodReport.year == period.year,
                                                      PeriodReport.month.in_(months)))
        db.session.commit()
    return period, communes


def words(text):
    """Text extracted from a PDF, comparable: NFC, without the spaces the
    extraction puts around Vietnamese letters with two marks."""
    return "".join(unicodedata.normalize("NFC", text).split())


def numbers_at_the_top(page):
    """The digits-only texts set in the page's top margin, in the middle third of its width."""
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    found = []

    def visit(text, cm, tm, _font, _size):
        x, y = cm[0] * tm[4] + cm[2] * tm[5] + cm[4], cm[1] * tm[4] + cm[3] * tm[5] + cm[5]
        if text.strip().isdigit() and y > height - TOP_MARGIN and width / 3 < x < 2 * width / 3:
            found.append(text.strip())

    page.extract_text(visitor_text=visit)
    return found


def test_a_quarter_prints_on_four_numbered_pages_at_most(make_page, quarter):
    period, communes = quarter
    page, problems = make_page(javascript=False, viewport=DESKTOP)
    log_in(page, "province")
    page.goto(f"/province/report?kind=quarter&year={period.year}&number={period.number}")
    form = page.locator("form.report-fields")
    form.locator("input[name=number_line]").fill("15/BC-SVHTTDL")
    form.locator("input[name=signer_for]").fill("KT. GIÁM ĐỐC")
    form.locator("input[name=signer_title]").fill("PHÓ GIÁM ĐỐC")
    form.locator("input[name=signer]").fill("Nguyễn Văn Bình")
    form.locator("textarea[name=recipients]").fill("Như trên;\nSở Văn hóa, Thể thao và Du lịch;\nLưu: VT, TV.")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "signer_for=KT.+GI%C3%81M+%C4%90%E1%BB%90C" in page.url  # a plain GET form
    assert "Sở Văn hóa, Thể thao và Du lịch." in page.locator(".notice").inner_text()  # the issuer left out

    pdf = PdfReader(io.BytesIO(page.pdf(format="A4")))
    pages = [words(p.extract_text()) for p in pdf.pages]
    lines = [words(line) for p in pdf.pages for line in p.extract_text().splitlines()]
    assert 2 <= len(pdf.pages) <= 4, f"{len(pdf.pages)} pages"
    assert numbers_at_the_top(pdf.pages[0]) == []  # Decree 30: no number on the first page
    for number, printed in enumerate(pdf.pages[1:], start=2):
        assert numbers_at_the_top(printed) == [str(number)], f"page {number}"

    assert pages[0].startswith("UBNDTỈNHTHÁINGUYÊN")
    assert any(line.endswith("DULỊCH") for line in lines) and not any(line.endswith("DU") for line in lines)
    assert "KT.GIÁMĐỐC" in lines and "PHÓGIÁMĐỐC" in lines  # two lines, neither broken
    assert "-Lưu:VT,TV." in "".join(pages) and "-SởVănhóa,Thểthao" not in "".join(pages)
    after_signature = "".join(pages).split("NguyễnVănBình", 1)[1]  # the appendix, one line a commune
    months = ",".join(f"{m.number:02d}" for m in period.months()) + f"/{period.year}"
    assert after_signature.count(f":{months}") == communes
    assert problems == []
