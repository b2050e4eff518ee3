"""Each role's main action, at 360 px and 1280 px, with and without
JavaScript: the librarian taps a visit, the trainer adds a person to a
session, province staff approve a submitted report from the queue, the
administrator creates a user. (The longer flows of each module have their own
browser tests.)"""
import re
from datetime import date, datetime, timezone

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from app.extensions import db
from app.reports.models import PeriodReport
from app.training.models import Attendance
from app.users.models import User
from tests.browser.conftest import DESKTOP, PHONE, menu_link
from tests.browser.test_login import log_in
from tests.test_training import make_session

MODES = [(PHONE, True), (PHONE, False), (DESKTOP, True), (DESKTOP, False)]
IDS = ["360-js", "360-nojs", "1280-js", "1280-nojs"]


def scalar(app, query):
    with app.app_context():
        return db.session.scalar(query)


@pytest.mark.parametrize("viewport, javascript", MODES, ids=IDS)
def test_librarian_taps_a_visit(make_page, world, viewport, javascript):
    page, problems = make_page(javascript=javascript, viewport=viewport)
    log_in(page, world.librarian_a.name)
    page.locator("main a.button.big").first.click()  # "Đếm lượt bạn đọc" on the home page
    button = page.locator("button.tap[value='lending:adults']")
    button.click()
    expect(button.locator(".tap-count")).to_have_text("1")
    button.click()
    expect(button.locator(".tap-count")).to_have_text("2")
    assert problems == []


@pytest.mark.parametrize("viewport, javascript", MODES, ids=IDS)
def test_trainer_adds_a_person(make_page, app, world, viewport, javascript):
    session_id = make_session(app, world, start_date=date(2026, 5, 4), end_date=date(2026, 5, 4))
    page, problems = make_page(javascript=javascript, viewport=viewport)
    log_in(page, world.trainer_p.name)
    menu_link(page, "/training").click()
    page.locator(f"a[href='/training/{session_id}']").first.click()
    form = page.locator("#attendee-new form")
    form.locator("input[name=full_name]").fill("Đinh Thị Hoa")
    form.locator("select[name=gender]").select_option("female")
    form.locator("input[name=birth_year]").fill("1990")
    form.locator("button[type=submit]").click()
    expect(page.locator("#attendees")).to_contain_text("Đinh Thị Hoa")
    assert scalar(app, select(func.count()).select_from(Attendance).where(Attendance.session_id == session_id)) == 1
    assert problems == []


@pytest.mark.parametrize("viewport, javascript", MODES, ids=IDS)
def test_province_approves_a_report(make_page, app, world, viewport, javascript):
    with app.app_context():
        db.session.add(PeriodReport(commune_id=world.commune_a.id, year=2025, month=6, status="submitted",
                                    submitted_at=datetime(2025, 7, 2, 2, 0, tzinfo=timezone.utc),
                                    first_submitted_at=datetime(2025, 7, 2, 2, 0, tzinfo=timezone.utc)))
        db.session.commit()
    page, problems = make_page(javascript=javascript, viewport=viewport)
    log_in(page, world.province_staff_p.name)
    menu_link(page, "/reports").click()
    page.goto("/reports?month=2025-06")
    row = page.locator(f"#queue-{world.commune_a.id}")
    row.locator("form[action$='/approve'] button").click()
    expect(page.locator(f"#queue-{world.commune_a.id} .state-approved")).to_be_visible()
    assert scalar(app, select(PeriodReport.status).where(PeriodReport.commune_id == world.commune_a.id)) == "approved"
    assert problems == []


@pytest.mark.parametrize("viewport, javascript", MODES, ids=IDS)
def test_admin_creates_a_user(make_page, app, world, viewport, javascript):
    page, problems = make_page(javascript=javascript, viewport=viewport)
    log_in(page, world.admin.name)
    menu_link(page, "/admin/users").click()
    page.locator("a[href='/admin/users/new']").first.click()
    username = f"thuthu_{viewport['width']}_{int(javascript)}"
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=full_name]").fill("Lò Thị Mai")
    page.locator("select[name=role]").select_option("librarian")
    page.locator("select[name=unit_id]").select_option(str(world.commune_a.id))
    page.locator("input[name=password]").fill("Thuvien-2026-moi")
    page.locator("main form button[type=submit]").last.click()
    expect(page).to_have_url(re.compile(r"/admin/users$"))
    expect(page.locator(".flash-success")).to_contain_text(username)
    assert scalar(app, select(User.role).where(User.username == username)) == "librarian"
    assert problems == []
