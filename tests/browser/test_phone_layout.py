"""The first screen of a 360×740 phone is work (issue 13, part 3), in headless Chromium: the header
and the folded menu take at most 120 px, the menu opens with and without JavaScript, its links are
44 px tap targets, at least 12 of the 20 tally buttons show without scrolling (above the sticky bar),
rows marked `hidden` stay hidden, the count grids keep their row labels while the columns scroll,
and the province's long lists are one line per commune unless ?view=full asks for every figure.
Only ids, classes, hrefs and sizes are asserted: the wording depends on the compiled catalogs."""
import pytest
from playwright.sync_api import expect

from app.equipment.models import EquipmentItem
from app.extensions import db
from tests.browser.conftest import DESKTOP, PHONE, menu_link
from tests.browser.test_login import is_path, log_in

HEADER_MAX_PX = 120


def header_height(page) -> float:
    return page.locator("header.top").bounding_box()["height"]


def page_height(page) -> float:
    return page.evaluate("document.documentElement.scrollHeight")


@pytest.mark.parametrize("user", ["librarian_a", "province_staff_p", "admin"])
def test_header_and_folded_menu_fit_in_120_px(make_page, world, user):
    page, problems = make_page(viewport=PHONE)
    log_in(page, getattr(world, user).name)
    assert header_height(page) <= HEADER_MAX_PX
    expect(page.locator("header details.menu > summary")).to_be_visible()
    expect(page.locator("header nav a").first).to_be_hidden()  # folded
    expect(page.locator("header form.logout button")).to_be_visible()
    assert problems == [], "\n".join(problems)


def test_a_wide_screen_shows_the_menu_open(make_page, world):
    page, problems = make_page(viewport=DESKTOP)
    log_in(page, world.province_staff_p.name)
    expect(page.locator("header details.menu > summary")).to_be_hidden()
    expect(page.locator("header nav a[href='/province']")).to_be_visible()
    menu_link(page, "/province").click()
    page.wait_for_url(is_path("/province"))
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("javascript", [False, True], ids=["nojs", "js"])
def test_the_menu_opens_and_its_links_are_44_px_tap_targets(make_page, world, javascript):
    page, problems = make_page(javascript=javascript, viewport=PHONE)
    log_in(page, world.province_staff_p.name)
    page.locator("header details.menu > summary").click()
    expect(page.locator("header details.menu")).to_have_attribute("open", "")
    links = page.locator("header nav a")
    expect(links.first).to_be_visible()
    for box in (links.nth(i).bounding_box() for i in range(links.count())):
        assert box["height"] >= 44 and box["width"] >= 44, box
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box  # on the screen, not beside it
    summary = page.locator("header details.menu > summary").bounding_box()
    assert summary["height"] >= 44
    page.locator("header nav a[href='/reports']").click()
    page.wait_for_url(is_path("/reports"))
    expect(page.locator("header details.menu")).not_to_have_attribute("open", "")  # a new page, folded again
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("javascript", [False, True], ids=["nojs", "js"])
def test_at_least_12_tally_buttons_show_without_scrolling(make_page, world, javascript):
    page, problems = make_page(javascript=javascript, viewport=PHONE)
    log_in(page, world.librarian_a.name)
    page.goto(f"/points/{world.point_a.id}/tally")
    taps = page.locator("form.tally button.tap")
    expect(taps).to_have_count(20)
    bar = page.locator("#tally-bar").bounding_box()
    assert bar["y"] + bar["height"] <= PHONE["height"] + 0.5  # the bar is stuck to the bottom of the screen
    boxes = [taps.nth(i).bounding_box() for i in range(20)]
    visible = [b for b in boxes if b["y"] >= 0 and b["y"] + b["height"] <= bar["y"]]
    assert len(visible) >= 12, f"{len(visible)} tally buttons above the bar"
    for b in boxes:
        assert b["height"] >= 44 and b["x"] + b["width"] <= PHONE["width"], b
    assert problems == [], "\n".join(problems)


def test_rows_marked_hidden_stay_hidden_on_a_phone(app, make_page, world):
    with app.app_context():
        db.session.add(EquipmentItem(point_id=world.point_a.id, category="desk", description="Bàn đọc gỗ",
                                     quantity=2, condition="in_use", funding_source="commune"))
        db.session.commit()
    page, problems = make_page(viewport=PHONE)
    log_in(page, world.librarian_a.name)
    page.goto(f"/points/{world.point_a.id}/equipment")
    expect(page.locator("#no-items")).to_have_attribute("hidden", "")
    expect(page.locator("#no-items")).to_be_hidden()
    assert page.locator("#no-items").evaluate("e => getComputedStyle(e).display") == "none"
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("path", ["/points/{id}/visits/month?month=2026-01", "/points/{id}/visits/day"])
def test_the_count_grids_keep_their_row_labels_while_the_columns_scroll(make_page, world, path):
    page, problems = make_page(viewport=PHONE)
    log_in(page, world.librarian_a.name)
    page.goto(path.format(id=world.point_a.id))
    scroller = page.locator("form .table-scroll")
    label = page.locator(".grid-table tbody th[scope=row]").first
    left = label.bounding_box()["x"]
    scroller.evaluate("e => { e.scrollLeft = e.scrollWidth; }")
    page.wait_for_function("() => document.querySelector('form .table-scroll').scrollLeft > 0")
    assert abs(label.bounding_box()["x"] - left) < 1  # the row label did not move
    total = page.locator(".grid-table tfoot td").last.bounding_box()
    assert total["x"] + total["width"] <= PHONE["width"] + 1  # the last total is now in view
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("path, rows", [("/province", "#commune-table tbody tr"),
                                        ("/reports?month=2025-06", "#queue tbody tr")])
def test_the_province_lists_are_one_line_per_commune_on_a_phone(make_page, world, path, rows):
    page, problems = make_page(javascript=False, viewport=PHONE)
    log_in(page, world.province_staff_p.name)
    page.goto(path)
    expect(page.locator("table.lines")).to_have_count(1)
    lines = page.locator(rows)
    assert lines.count() >= 2
    heights = [lines.nth(i).bounding_box()["height"] for i in range(lines.count())]
    assert max(heights) <= 60, heights
    short = page_height(page)
    link = page.locator("a.view-switch")
    with page.expect_navigation():
        link.click()
    assert "view=full" in page.url
    expect(page.locator("table.lines")).to_have_count(0)
    full = [lines.nth(i).bounding_box()["height"] for i in range(lines.count())]
    assert page_height(page) > short and min(full) > max(heights)
    # The links of a line are 44 px tap targets.
    page.go_back()
    for i in range(lines.count()):
        assert lines.nth(i).locator("td a").first.bounding_box()["height"] >= 44
    assert problems == [], "\n".join(problems)
