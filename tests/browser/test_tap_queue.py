"""Taps on a dropping 3G link, in headless Chromium at 360 px: shown before
they are answered (Slow 3G through CDP), kept while offline and across a
closed tab, sent when any page of the app opens, counted once when an answer
is lost, and shown as refused when their month was approved meanwhile."""
from datetime import date

from playwright.sync_api import expect
from sqlalchemy import func, select

from app.extensions import db
from app.visits.models import TapReceipt
from tests.browser.test_login import log_in
from tests.browser.test_visits import TapGate, cell_count, day_total, local_today, stored_counts, tap_button
from tests.test_reports import approve_june

SLOW_3G = {"offline": False, "latency": 2000, "downloadThroughput": 50 * 1024, "uploadThroughput": 50 * 1024}
QUEUE_EMPTY = "() => Object.keys(localStorage).every(k => !k.startsWith('taps:') || localStorage[k] === '[]')"


def open_tally(page, world, day=None):
    log_in(page, world.librarian_a.name)
    page.goto(f"/points/{world.point_a.id}/tally" + (f"?day={day.isoformat()}" if day else ""))
    expect(page.locator("form.tally button.tap[name=cell]")).to_have_count(20)


def receipts(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(TapReceipt))


def test_on_slow_3g_a_tap_is_on_screen_before_its_answer(app, world, make_page, monkeypatch):
    gate = TapGate(app, monkeypatch, world.point_a.id)
    page, problems = make_page()
    open_tally(page, world)
    page.context.new_cdp_session(page).send("Network.emulateNetworkConditions", SLOW_3G)
    gate.close()  # the answer cannot come before the test opens the gate
    tap_button(page, "reading:children").click()
    expect(cell_count(page, "reading:children")).to_have_text("1")
    expect(day_total(page)).to_have_text("1")
    expect(page.locator("#tally-status")).to_contain_text("1")  # one not sent yet
    gate.release()
    expect(page.locator("#tally-status")).to_have_text("", timeout=30_000)
    assert stored_counts(app, world.point_a.id, local_today(app)) == {"reading:children": 1}
    assert problems == [], "\n".join(problems)


def test_offline_taps_survive_a_closed_tab_and_are_sent_by_the_next_page(app, world, make_page):
    page, problems = make_page()
    open_tally(page, world)
    context = page.context
    context.set_offline(True)
    for _ in range(5):
        tap_button(page, "lending:adults").click()
    expect(cell_count(page, "lending:adults")).to_have_text("5")
    expect(page.locator("#tally-status")).to_contain_text("5")
    assert stored_counts(app, world.point_a.id, local_today(app)) == {}
    page.close()  # the tab is closed with five taps unsent
    context.set_offline(False)
    again = context.new_page()
    again.goto("/")  # any page of the app
    again.wait_for_function(QUEUE_EMPTY)
    assert stored_counts(app, world.point_a.id, local_today(app)) == {"lending:adults": 5}
    assert receipts(app) == 5
    assert problems == [], "\n".join(problems)


def test_a_tap_whose_answer_was_lost_is_sent_again_and_counted_once(app, world, make_page):
    page, problems = make_page()
    open_tally(page, world)
    sent = []

    def lose_the_first_answer(route):
        sent.append(route.request.post_data)
        if len(sent) == 1:
            route.fetch()  # the server counts it ...
            route.abort()  # ... and its answer never reaches the phone
        else:
            route.continue_()

    page.route(f"**/points/{world.point_a.id}/tally", lose_the_first_answer)
    tap_button(page, "computer:students").click()
    page.wait_for_function(QUEUE_EMPTY, timeout=30_000)
    assert len(sent) == 2 and sent[0] == sent[1]  # the same tap, with the same id
    assert stored_counts(app, world.point_a.id, local_today(app)) == {"computer:students": 1}
    assert receipts(app) == 1
    expect(cell_count(page, "computer:students")).to_have_text("1")
    # The aborted request is a console error of the page; nothing else is.
    assert all("net::ERR_FAILED" in problem for problem in problems), problems


def test_a_queued_tap_for_a_month_approved_meanwhile_is_shown_refused(app, world, make_page):
    day = date(2025, 6, 12)
    page, _problems = make_page()
    open_tally(page, world, day)
    page.context.set_offline(True)
    tap_button(page, "reading:adults").click()
    expect(cell_count(page, "reading:adults")).to_have_text("1")
    approve_june(app, world)  # the province approves June while the phone is offline
    page.context.set_offline(False)
    page.evaluate("dispatchEvent(new Event('online'))")
    status = page.locator("#tally-status")
    expect(status).to_contain_text("06/2025")  # the server's reason
    expect(cell_count(page, "reading:adults")).to_have_text("0")
    assert stored_counts(app, world.point_a.id, day) == {}
    status.locator("button").click()  # seen: dismissed
    expect(status).to_have_text("")
    page.wait_for_function(QUEUE_EMPTY)


def test_an_htmx_form_that_cannot_reach_the_server_says_so_and_keeps_what_was_typed(app, world, make_page):
    from tests.browser.test_training import create_session, fill_person

    page, _problems = make_page()
    log_in(page, "trainer_p")
    create_session(page, world, "Mất kết nối khi thêm người")
    row = fill_person(page, "Hà Thị Lan", "female", "1990", "Giáo viên")
    page.context.set_offline(True)
    row.locator("button[type=submit]").click()
    note = page.locator("#attendee-new form + .net-error")
    expect(note).to_have_attribute("role", "alert")
    expect(page.locator("#attendee-new [name=full_name]")).to_have_value("Hà Thị Lan")
    page.context.set_offline(False)
    row.locator("button[type=submit]").click()  # sent again once the link is back: saved, the note goes
    expect(page.locator("#attendees tr[id^='attendee-']")).to_have_count(1)
    expect(page.locator(".net-error")).to_have_count(0)
