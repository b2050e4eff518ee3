"""Reader visits in a real browser (headless Chromium): the quick tally on a
360 px phone with and without JavaScript (taps, a burst of fast taps, undo,
never below 0) and the summary page with its server-drawn SVG chart at 1280 px.

The UI wording depends on the compiled catalogs (being edited meanwhile), so
only ids, classes, button values, numbers, dates and test data are asserted."""
import re
import threading
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from app.extensions import db
from app.formatting import today_local
from app.visits.models import GROUPS, SERVICES, VisitCount
from tests.browser.conftest import DESKTOP
from tests.browser.test_login import is_path, log_in, path_of

ALL_CELLS = [f"{s}:{g}" for s in SERVICES for g in GROUPS]


def local_today(app) -> date:
    """app.formatting.today_local() as the app computes it (flask_babel's timezone needs a request context)."""
    with app.test_request_context():
        return today_local()


def stored_counts(app, point_id, day) -> dict[str, int]:
    """Every VisitCount row of a point on a day, zeros included: {"service:group": count}."""
    with app.app_context():
        rows = db.session.execute(select(VisitCount.service, VisitCount.reader_group, VisitCount.count)
                                  .where(VisitCount.point_id == point_id, VisitCount.day == day))
        return {f"{service}:{group}": n for service, group, n in rows}


def nonzero(counts: dict[str, int]) -> dict[str, int]:
    return {cell: n for cell, n in counts.items() if n}


def tap_button(page, cell):
    return page.locator(f"form.tally button.tap[name=cell][value='{cell}']")


def cell_count(page, cell):
    service, group = cell.split(":")
    return page.locator(f"form.tally #n-{service}-{group}")


def day_total(page):
    return page.locator("#day-total strong")


def undo_button(page):
    return page.locator("#undo button[name=undo]")


def assert_counts_shown(page, expected: dict[str, int]):
    """Every one of the 20 cells shows its expected count (0 when not named)."""
    for cell in ALL_CELLS:
        expect(cell_count(page, cell)).to_have_text(str(expected.get(cell, 0)))


def open_tally(page, world):
    log_in(page, world.librarian_a.name)
    page.goto(f"/points/{world.point_a.id}/tally")
    page.wait_for_url(is_path(f"/points/{world.point_a.id}/tally"))
    expect(page.locator("form.tally button.tap[name=cell]")).to_have_count(len(ALL_CELLS))
    expect(page.locator("form.tally input[name=day]")).to_have_value(local_today_iso(page))


def local_today_iso(page) -> str:
    # The date input of the day picker carries today's date as its max.
    return page.locator("form.day-pick input#day").get_attribute("max")


class TapGate:
    """A weak connection under the test's control: while the gate is closed,
    each tap reaches the server and waits there, unanswered, until the test
    opens it. The test knows when a tap has arrived, so it can tap again while
    one is in flight without guessing how long a request takes.

    It wraps the app's WSGI callable, so it holds the request before any of
    the app's code runs, whatever the tap route does inside."""

    def __init__(self, app, monkeypatch, point_id, timeout=30):
        self.path = f"/points/{point_id}/tally"
        self.open = threading.Event()
        self.open.set()
        self.changed = threading.Condition()
        self.arrived = 0
        self.timeout = timeout
        wsgi_app = app.wsgi_app

        def gated(environ, start_response):
            if environ["REQUEST_METHOD"] == "POST" and environ["PATH_INFO"] == self.path:
                with self.changed:
                    self.arrived += 1
                    self.changed.notify_all()
                self.open.wait(self.timeout)  # a test that fails before opening it never hangs the server
            return wsgi_app(environ, start_response)

        monkeypatch.setattr(app, "wsgi_app", gated)

    def close(self):
        self.open.clear()

    def release(self):
        self.open.set()

    def wait_for_arrivals(self, n):
        """Until `n` taps in all have reached the server."""
        with self.changed:
            assert self.changed.wait_for(lambda: self.arrived >= n, self.timeout), \
                f"{self.arrived} taps reached the server, expected {n}"


# 1 ---------------------------------------------------------------------------

def test_tally_with_javascript_counts_every_tap_without_reloading(app, world, make_page, monkeypatch):
    point_id = world.point_a.id
    gate = TapGate(app, monkeypatch, point_id)
    today = local_today(app)
    page, problems = make_page()
    open_tally(page, world)
    assert local_today_iso(page) == today.isoformat()
    assert page.evaluate("typeof htmx") == "object", "htmx did not load on the tally page"
    assert_counts_shown(page, {})
    expect(day_total(page)).to_have_text("0")
    expect(undo_button(page)).to_have_count(0)

    page.evaluate("window.__marker = 'tally'")
    posts = []  # the tap requests app.js sends
    page.on("request", lambda request: posts.append(request) if request.method == "POST" else None)

    for expected in ("1", "2", "3"):
        tap_button(page, "reading:children").click()
        expect(cell_count(page, "reading:children")).to_have_text(expected)
    expect(day_total(page)).to_have_text("3")
    expect(undo_button(page)).to_have_attribute("value", "reading:children")

    tap_button(page, "computer:students").click()
    expect(cell_count(page, "computer:students")).to_have_text("1")
    expect(day_total(page)).to_have_text("4")
    expect(undo_button(page)).to_have_attribute("value", "computer:students")

    # A burst of taps, not waiting for any answer: shown at once, queued by app.js, none lost.
    # The first one is held on the server until all five show on screen.
    burst = tap_button(page, "lending:adults")
    gate.close()
    burst.click(delay=0)
    gate.wait_for_arrivals(3 + 1 + 1)
    for _ in range(4):
        burst.click(delay=0)
    expect(cell_count(page, "lending:adults")).to_have_text("5")  # before any of them is answered
    expect(page.locator("#tally-status")).to_contain_text("5")
    gate.release()
    expect(day_total(page)).to_have_text("9")
    expect(page.locator("#tally-status")).to_have_text("")  # all sent
    assert len(posts) == 3 + 1 + 5, f"app.js sent {len(posts)} tap requests for 9 taps"

    assert_counts_shown(page, {"reading:children": 3, "computer:students": 1, "lending:adults": 5})
    assert page.evaluate("window.__marker") == "tally", "a tap reloaded the page"
    assert path_of(page.url) == f"/points/{point_id}/tally" and not urlsplit(page.url).query

    undo = undo_button(page)
    expect(undo).to_have_attribute("value", "lending:adults")
    undo.click()
    expect(cell_count(page, "lending:adults")).to_have_text("4")
    expect(day_total(page)).to_have_text("8")
    expect(page.locator("#undo button")).to_have_count(0)  # one undo, then it is gone
    assert_counts_shown(page, {"reading:children": 3, "computer:students": 1, "lending:adults": 4})
    assert page.evaluate("window.__marker") == "tally", "undo reloaded the page"

    assert stored_counts(app, point_id, today) == {"reading:children": 3, "computer:students": 1, "lending:adults": 4}
    with app.app_context():
        others = db.session.scalar(select(func.count()).select_from(VisitCount)
                                   .where((VisitCount.point_id != point_id) | (VisitCount.day != today)))
    assert others == 0, "taps were stored for another point or day"

    # A real reload shows the same numbers from the database.
    page.reload()
    assert page.evaluate("window.__marker") is None
    assert_counts_shown(page, {"reading:children": 3, "computer:students": 1, "lending:adults": 4})
    expect(day_total(page)).to_have_text("8")
    assert problems == [], "console errors / CSP violations:\n" + "\n".join(problems)


# 2 ---------------------------------------------------------------------------

def tap_without_js(page, button, point_id, today, last):
    """Submit the tally form with `button`: a POST answered 303 to the tally page."""
    with page.expect_navigation() as navigation:
        button.click()
    response = navigation.value
    page.wait_for_url(is_path(f"/points/{point_id}/tally"))
    assert response is not None and response.status == 200, response and response.status
    post = response.request.redirected_from
    assert post is not None, "the tap was not answered with a redirect"
    assert post.method == "POST" and path_of(post.url) == f"/points/{point_id}/tally"
    assert post.response().status == 303
    query = parse_qs(urlsplit(page.url).query)
    expected = {"day": [today.isoformat()]}
    if last:
        expected["last"] = [last]
    assert query == expected, page.url


def test_tally_without_javascript_posts_and_comes_back(app, world, make_page):
    point_id = world.point_a.id
    today = local_today(app)
    page, problems = make_page(javascript=False)
    open_tally(page, world)
    expect(undo_button(page)).to_have_count(0)
    expect(day_total(page)).to_have_text("0")

    for n in (1, 2, 3):
        tap_without_js(page, tap_button(page, "reading:children"), point_id, today, last="reading:children")
        expect(cell_count(page, "reading:children")).to_have_text(str(n))
        expect(day_total(page)).to_have_text(str(n))
        expect(undo_button(page)).to_have_attribute("value", "reading:children")
    tap_without_js(page, tap_button(page, "computer:students"), point_id, today, last="computer:students")
    for _ in range(5):
        tap_without_js(page, tap_button(page, "lending:adults"), point_id, today, last="lending:adults")
    assert_counts_shown(page, {"reading:children": 3, "computer:students": 1, "lending:adults": 5})
    expect(day_total(page)).to_have_text("9")
    expect(undo_button(page)).to_have_attribute("value", "lending:adults")
    assert stored_counts(app, point_id, today) == {"reading:children": 3, "computer:students": 1, "lending:adults": 5}

    tap_without_js(page, undo_button(page), point_id, today, last=None)
    assert_counts_shown(page, {"reading:children": 3, "computer:students": 1, "lending:adults": 4})
    expect(day_total(page)).to_have_text("8")
    expect(page.locator("#undo button")).to_have_count(0)
    assert stored_counts(app, point_id, today) == {"reading:children": 3, "computer:students": 1, "lending:adults": 4}
    assert problems == [], "\n".join(problems)


# 3 ---------------------------------------------------------------------------

def test_undo_never_goes_below_zero(app, world, make_page):
    point_id = world.point_a.id
    today = local_today(app)
    cell = "community:elderly"
    page, problems = make_page()
    open_tally(page, world)
    page.evaluate("window.__marker = 'tally'")

    tap_button(page, cell).click()
    expect(cell_count(page, cell)).to_have_text("1")
    expect(day_total(page)).to_have_text("1")
    undo_button(page).click()
    expect(cell_count(page, cell)).to_have_text("0")
    expect(day_total(page)).to_have_text("0")
    expect(page.locator("#undo button")).to_have_count(0)
    assert page.evaluate("window.__marker") == "tally"
    assert stored_counts(app, point_id, today) == {cell: 0}

    # The undo button is gone; a second undo of the same cell, as a stale page
    # or a double tap would send it, with the page's own CSRF token.
    token = page.locator("meta[name=csrf-token]").get_attribute("content")
    assert token
    form = {"csrf_token": token, "day": today.isoformat(), "undo": cell}
    response = page.request.post(f"/points/{point_id}/tally", form=form, max_redirects=0)
    assert response.status == 303, response.status
    location = urlsplit(response.headers["location"])
    assert location.path == f"/points/{point_id}/tally"
    assert parse_qs(location.query) == {"day": [today.isoformat()]}  # no "last" after an undo
    assert stored_counts(app, point_id, today) == {cell: 0}

    # The same as app.js sends it: the answer is 0, not -1.
    response = page.request.post(f"/points/{point_id}/tally", form=form, headers={"Accept": "application/json"})
    assert response.status == 200, response.status
    assert (response.json()["count"], response.json()["total"]) == (0, 0)
    assert stored_counts(app, point_id, today) == {cell: 0}

    page.reload()
    expect(cell_count(page, cell)).to_have_text("0")
    expect(day_total(page)).to_have_text("0")
    expect(page.locator("#undo button")).to_have_count(0)
    assert problems == [], "\n".join(problems)


# 4 ---------------------------------------------------------------------------

def test_summary_draws_the_monthly_chart_and_the_stats(app, world, make_page):
    point_id = world.point_a.id
    today = local_today(app)
    last_complete = today.replace(day=1) - timedelta(days=1)  # a day of the last complete month
    year, month = last_complete.year, last_complete.month
    this_year = [(5, "reading", "adults", 30), (12, "lending", "children", 15), (20, "computer", "students", 5)]
    last_year = [(5, "reading", "adults", 32), (21, "digital", "elderly", 8)]
    with app.app_context():
        rows = [VisitCount(point_id=point_id, day=date(year, month, d), service=s, reader_group=g, count=n)
                for d, s, g, n in this_year]
        rows += [VisitCount(point_id=point_id, day=date(year - 1, month, d), service=s, reader_group=g, count=n)
                 for d, s, g, n in last_year]
        # Another point's visits are not this point's.
        rows.append(VisitCount(point_id=world.point_b.id, day=date(year, month, 5), service="reading",
                               reader_group="adults", count=999))
        db.session.add_all(rows)
        db.session.commit()

    page, problems = make_page(viewport=DESKTOP)
    log_in(page, world.province_staff_p.name)
    page.goto(f"/points/{point_id}/visits?year={year}&month={month}")
    page.wait_for_url(is_path(f"/points/{point_id}/visits"))

    # The stats: 50 this month, 40 in the same month last year, +25 % (target 5–7 %: met).
    values = page.locator("section.stats .stat .value")
    expect(values).to_have_count(3)
    expect(values.nth(0)).to_have_text("50")
    expect(values.nth(1)).to_have_text("40")
    expect(values.nth(2).locator(".growth")).to_have_text("+25,0 %")
    expect(values.nth(2).locator(".growth")).to_have_class(re.compile(r"\bgrowth-met\b"))
    expect(page.locator("section.stats .badge-met")).to_have_count(1)
    # The breakdown table's grand total.
    expect(page.locator("table.list tfoot td.num").last).to_have_text("50")

    chart = page.locator("figure.chart")
    expect(chart).to_have_count(1)
    svg = chart.locator("svg")
    expect(svg).to_be_visible()
    polylines = svg.locator("polyline.series")
    expect(polylines).to_have_count(2)  # one line per year
    expect(svg.locator("polyline.series.latest")).to_have_count(1)
    for line in polylines.all():
        points = line.get_attribute("points")
        assert re.fullmatch(r"[\d.]+,[\d.]+( [\d.]+,[\d.]+)*", points), points
    # Last year: from its first month with counts to December; this year: January to the last complete month.
    assert len(polylines.nth(0).get_attribute("points").split()) == 12 - month + 1
    assert len(polylines.nth(1).get_attribute("points").split()) == month
    expect(chart.locator("figcaption .key")).to_have_text([str(year - 1), str(year)])
    # The numbers behind the chart (a table in the <details> after it): the month of each year.
    rows = page.locator("figure.chart + details table tbody tr")
    expect(rows).to_have_count(2)
    assert rows.nth(0).locator("td").nth(month - 1).text_content().strip() == "40"
    assert rows.nth(1).locator("td").nth(month - 1).text_content().strip() == "50"
    box = svg.bounding_box()
    assert box and box["width"] > 500, box
    assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]
    assert problems == [], "console errors / CSP violations:\n" + "\n".join(problems)


# 5 ---------------------------------------------------------------------------

@pytest.mark.parametrize("then", ["tap_another_cell", "tap_outside_the_buttons"])
def test_taps_queued_behind_a_slow_one_count_in_their_own_cell(app, world, make_page, monkeypatch, then):
    """Readers arriving together: the librarian taps two cells while the first
    tap is still being answered (a slow connection), or taps a cell twice and
    then touches the page outside the buttons. Every tap must count where it was made."""
    point_id = world.point_a.id
    gate = TapGate(app, monkeypatch, point_id)
    today = local_today(app)
    page, _problems = make_page()
    open_tally(page, world)
    gate.close()  # the first tap is held on the server while the others are made
    if then == "tap_another_cell":
        cells = ("reading:children", "computer:students", "lending:adults")
        expected = {"reading:children": 1, "computer:students": 1, "lending:adults": 1}
    else:
        cells = ("reading:children", "reading:children")
        expected = {"reading:children": 2}
    tap_button(page, cells[0]).click(delay=0)
    gate.wait_for_arrivals(1)
    for cell in cells[1:]:
        tap_button(page, cell).click(delay=0)
    if then == "tap_outside_the_buttons":
        page.locator("main h1").click()  # focus leaves the tap buttons
    gate.release()
    # Every tap has been sent and answered (the queued ones after the first): none left queued.
    expect(page.locator("#tally-status")).to_have_text("")
    assert nonzero(stored_counts(app, point_id, today)) == expected
    assert_counts_shown(page, expected)
    expect(day_total(page)).to_have_text(str(sum(expected.values())))
