"""A month's report in real browsers: the librarian (360 px) submits June, the
province (1280 px) returns it from the queue with a comment, the librarian
sees the comment, corrects a count and resubmits, the province approves from
the queue, and the librarian's tally for a June date is then refused."""
import re
from datetime import date

from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.reports.models import PeriodReport
from app.visits.models import VisitCount
from tests.browser.conftest import DESKTOP
from tests.browser.test_login import log_in


def report_state(app, commune_id):
    with app.app_context():
        return db.session.scalar(select(PeriodReport.status).where(
            PeriodReport.commune_id == commune_id, PeriodReport.year == 2025, PeriodReport.month == 6))


def test_submit_return_correct_resubmit_approve_then_locked(make_page, app, world):
    with app.app_context():
        db.session.add(VisitCount(point_id=world.point_a.id, day=date(2025, 6, 10), service="reading",
                                  reader_group="children", count=7))
        db.session.commit()
    report_url = f"/communes/{world.commune_a.id}/reports/2025/6"
    queue_url = "/reports?month=2025-06"
    row = f"#queue-{world.commune_a.id}"

    librarian, librarian_problems = make_page()
    log_in(librarian, world.librarian_a.name)
    librarian.goto(report_url)
    librarian.locator("textarea[name=note]").fill("Số liệu đã đối chiếu với sổ giấy")
    librarian.locator("form[action$='/submit'] button[type=submit]").click()
    expect(librarian.locator(".state-submitted")).to_be_visible()
    assert report_state(app, world.commune_a.id) == "submitted"

    province, province_problems = make_page(viewport=DESKTOP)
    log_in(province, world.province_staff_p.name)
    province.goto(queue_url)
    province.evaluate("window.noReload = true")
    province.locator(f"{row} details.inline-return summary").click()
    province.locator(f"{row} textarea[name=comment]").fill("Thiếu lượt đọc của người cao tuổi")
    province.locator(f"{row} details.inline-return button").click()
    expect(province.locator(f"{row} .state-returned")).to_be_visible()
    assert province.evaluate("window.noReload") is True
    assert report_state(app, world.commune_a.id) == "returned"

    librarian.goto(report_url)
    expect(librarian.locator("main")).to_contain_text("Thiếu lượt đọc của người cao tuổi")
    librarian.locator("a[href*='/visits/month']").first.click()
    librarian.locator("select[name=group]").select_option("elderly")
    librarian.locator("form.filters button[type=submit]").click()
    librarian.locator("input[name='2025-06-10:reading']").fill("4")
    librarian.locator("main form[method=post] button.button").click()
    expect(librarian.locator(".flash-success")).to_be_visible()
    with app.app_context():
        assert db.session.scalar(select(VisitCount.count).where(
            VisitCount.point_id == world.point_a.id, VisitCount.reader_group == "elderly")) == 4
    librarian.goto(report_url)
    librarian.locator("form[action$='/submit'] button[type=submit]").click()
    expect(librarian.locator(".state-submitted")).to_be_visible()

    province.goto(queue_url)
    province.evaluate("window.noReload = true")
    province.locator(f"{row} form[action$='/approve'] button").click()
    expect(province.locator(f"{row} .state-approved")).to_be_visible()
    assert province.evaluate("window.noReload") is True
    assert report_state(app, world.commune_a.id) == "approved"

    librarian.goto(f"/points/{world.point_a.id}/tally?day=2025-06-10")
    expect(librarian.locator("main .flash-info")).to_contain_text("06/2025")
    expect(librarian.locator("button.tap").first).to_be_disabled()
    token = librarian.locator("meta[name=csrf-token]").get_attribute("content")
    response = librarian.request.post(f"/points/{world.point_a.id}/tally", form={
        "csrf_token": token, "day": "2025-06-10", "cell": "reading:children"}, headers={"HX-Request": "true"})
    assert response.status == 423
    assert re.search(r"06/2025.*(khóa|locked)", response.text(), re.S)
    with app.app_context():
        assert db.session.scalar(select(VisitCount.count).where(
            VisitCount.point_id == world.point_a.id, VisitCount.reader_group == "children")) == 7
    assert not librarian_problems, librarian_problems
    assert not province_problems, province_problems
