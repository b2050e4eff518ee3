"""The visits tally in a real browser (headless Chromium, 360 px phone): taps
change the counts and the day's total without a page reload, fast taps are
all counted, undo takes one away; and the same flow with JavaScript off.
The summary page draws its SVG chart.

Only ids, values, numbers and data are asserted, not UI wording."""
import time
from datetime import date, datetime
from zoneinfo import ZoneInfo

from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.visits.models import VisitCount
from tests.browser.conftest import DESKTOP
from tests.browser.test_login import is_path, log_in


def today_hcm() -> date:
    return datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()


def stored(app, point_id) -> dict:
    with app.app_context():
        rows = db.session.execute(select(VisitCount.service, VisitCount.reader_group, VisitCount.count)
                                  .where(VisitCount.point_id == point_id, VisitCount.day == today_hcm()))
        return {f"{s}:{g}": n for s, g, n in rows if n}


def count(page, cell):
    return page.locator(f"#n-{cell.replace(':', '-')}")


def open_tally(page, world):
    log_in(page, world.librarian_a.name)
    page.locator("a.button.big").click()  # the home page's first button
    page.wait_for_url(is_path(f"/points/{world.point_a.id}/tally"))


def test_tally_with_javascript_updates_in_place(make_page, app, world, monkeypatch):
    from app.visits import queries

    slow_tally = queries.tally

    def tally(*args):  # a weak connection: each tap is still in flight when the next comes
        time.sleep(0.15)
        return slow_tally(*args)

    monkeypatch.setattr(queries, "tally", tally)
    page, problems = make_page()
    open_tally(page, world)
    page.evaluate("window.noReload = true")
    tap = lambda cell: page.locator(f"button.tap[value='{cell}']")  # noqa: E731
    for expected in ("1", "2", "3"):
        tap("reading:children").click()
        expect(count(page, "reading:children")).to_have_text(expected)
    tap("computer:students").click()
    expect(count(page, "computer:students")).to_have_text("1")
    # A burst of taps without waiting: queued, none dropped.
    for _ in range(5):
        tap("lending:adults").click(delay=0)
    expect(count(page, "lending:adults")).to_have_text("5")
    expect(page.locator("#day-total strong")).to_have_text("9")
    undo = page.locator("#undo button[name=undo]")
    expect(undo).to_have_attribute("value", "lending:adults")
    undo.click()
    expect(count(page, "lending:adults")).to_have_text("4")
    expect(page.locator("#day-total strong")).to_have_text("8")
    expect(page.locator("#undo button")).to_have_count(0)
    assert page.evaluate("window.noReload") is True
    assert stored(app, world.point_a.id) == {"reading:children": 3, "computer:students": 1, "lending:adults": 4}
    assert not problems, problems


def test_tally_without_javascript_posts_and_comes_back(make_page, app, world):
    page, problems = make_page(javascript=False)
    open_tally(page, world)
    for _ in range(2):
        with page.expect_navigation():
            page.locator("button.tap[value='digital:elderly']").click()
        assert "last=digital" in page.url
    expect(count(page, "digital:elderly")).to_have_text("2")
    expect(page.locator("#day-total strong")).to_have_text("2")
    with page.expect_navigation():
        page.locator("#undo button[name=undo]").click()
    expect(count(page, "digital:elderly")).to_have_text("1")
    expect(page.locator("#undo button")).to_have_count(0)
    assert stored(app, world.point_a.id) == {"digital:elderly": 1}
    assert not problems, problems


def test_summary_draws_the_trend(make_page, app, world):
    with app.app_context():
        for day, n in ((date(2025, 3, 5), 40), (date(2025, 4, 5), 55), (date(2026, 3, 5), 48), (date(2026, 4, 5), 60)):
            db.session.add(VisitCount(point_id=world.point_a.id, day=day, service="reading", reader_group="adults",
                                      count=n))
        db.session.commit()
    page, problems = make_page(viewport=DESKTOP)
    log_in(page, world.province_staff_p.name)
    page.goto(f"/points/{world.point_a.id}/visits?year=2026")
    expect(page.locator("figure.chart svg polyline")).to_have_count(2)
    expect(page.locator(".stat .value").first).to_have_text("108")
    assert page.locator("figure.chart svg").bounding_box()["width"] > 600
    assert not problems, problems
