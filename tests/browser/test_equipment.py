"""The equipment register in a real browser (headless Chromium, 360 px phone):
adding an item with and without JavaScript, recording a condition change on
the item page, and a stock-take confirmed row by row.

The UI wording depends on the compiled catalogs, so only data the tests enter,
ids, classes, numbers and dates are asserted."""
import gzip
import re
import time
from datetime import date, datetime
from zoneinfo import ZoneInfo

from playwright.sync_api import expect
from sqlalchemy import select

from app.equipment.models import EquipmentEvent, EquipmentItem, StockTake
from app.extensions import db
from tests.browser.test_login import is_path, log_in, path_of

DATE_RE = re.compile(r"\b\d{2}/\d{2}/\d{4}\b")


def today_hcm() -> date:
    return datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()


def seed_items(app, point_id, *specs) -> list[int]:
    """Items added straight into the test's database; returns their ids."""
    with app.app_context():
        items = [EquipmentItem(point_id=point_id, **spec) for spec in specs]
        db.session.add_all(items)
        db.session.commit()
        return [item.id for item in items]


EXISTING = (
    {"category": "desk", "description": "Bàn đọc gỗ 1m2", "quantity": 3, "condition": "in_use",
     "funding_source": "commune"},
    {"category": "chair", "description": "Ghế nhựa xanh", "quantity": 4, "condition": "broken",
     "funding_source": "donation"},
)


def stat_values(page) -> list[str]:
    """The numbers of the #totals section, in order: in use, broken, under repair,
    liquidated, computers in use/owned, computers online."""
    return [v.strip() for v in page.locator("#totals .stat .value").all_inner_texts()]


def number(text: str) -> int:
    return int(text.replace(".", "").replace(",", "").strip())


def fill_item(scope, description, quantity="2", category="computer"):
    # By name: the inline row's field ids carry the item's id (unique on the page).
    scope.locator("[name=category]").select_option(category)
    scope.locator("[name=description]").fill(description)
    scope.locator("[name=quantity]").fill(quantity)


def assert_item_in_db(app, item_id, point_id, description, quantity=2, category="computer", condition="in_use"):
    with app.app_context():
        item = db.session.get(EquipmentItem, item_id)
        assert item is not None, f"item {item_id} is not in the database"
        assert (item.point_id, item.description, item.quantity, item.category, item.condition) == (
            point_id, description, quantity, category, condition)


def record_condition_change(page, app, item_id, description):
    """On /equipment/<id>: condition_change to broken; asserts the history and the condition."""
    assert path_of(page.url) == f"/equipment/{item_id}"
    condition = page.locator("main .facts .cond")
    expect(condition).to_have_class(re.compile(r"\bcond-in_use\b"))
    label_before = condition.inner_text().strip()
    expect(page.locator("#history li")).to_have_count(0)

    form = page.locator("#record-event form")
    form.locator("select#kind").select_option("condition_change")
    form.locator("#occurred_on").fill(today_hcm().isoformat())
    form.locator("select#new_condition").select_option("broken")
    form.locator("#cost").fill("150000")
    form.locator("#description").fill(description)
    with page.expect_navigation() as navigation:
        form.locator("button[type=submit]").click()
    page.wait_for_url(is_path(f"/equipment/{item_id}"))
    assert navigation.value is not None and navigation.value.ok, "the event was not saved (or the redirect failed)"

    events = page.locator("#history li")
    expect(events).to_have_count(1)
    expect(events.first).to_contain_text(description)
    expect(events.first).to_contain_text(today_hcm().strftime("%d/%m/%Y"))
    expect(events.first).to_contain_text("150.000")  # the cost, formatted as VND
    expect(condition).to_have_class(re.compile(r"\bcond-broken\b"))
    assert condition.inner_text().strip() != label_before, "the condition label did not change"
    # A liquidated/broken item keeps the event form (broken is still active).
    expect(page.locator("#record-event form")).to_have_count(1)

    with app.app_context():
        item = db.session.get(EquipmentItem, item_id)
        assert item.condition == "broken"
        event = db.session.scalars(select(EquipmentEvent).where(EquipmentEvent.item_id == item_id)).one()
        assert (event.kind, event.old_condition, event.new_condition, event.cost, event.description,
                event.occurred_on) == ("condition_change", "in_use", "broken", 150000, description, today_hcm())


# 1 ---------------------------------------------------------------------------

def test_add_an_item_and_record_a_breakdown_with_javascript(app, world, make_page):
    point_id = world.point_a.id
    existing_ids = seed_items(app, point_id, *EXISTING)
    page, problems = make_page()
    log_in(page, "librarian_a")

    page.goto(f"/points/{point_id}/equipment")
    assert page.evaluate("typeof htmx") == "object", "htmx did not load on the register"
    for item_id in existing_ids:
        expect(page.locator(f"#items tr#item-{item_id}")).to_be_visible()
    before = stat_values(page)
    assert number(before[0]) == 3 and number(before[1]) == 4, f"totals before: {before}"
    assert before[4] == "0/0", f"computers before: {before}"

    page.evaluate("window.__marker = 1")
    page.locator("main .actions a[href$='/equipment/new']").click()
    form_row = page.locator("tbody#new-items tr#item-new")
    expect(form_row).to_be_visible()
    assert path_of(page.url) == f"/points/{point_id}/equipment", "the add link navigated instead of using htmx"

    description = "Máy tính Dell OptiPlex (thử nghiệm)"
    fill_item(form_row, description)
    page.evaluate("""() => {
        window.__t = {};
        const button = document.querySelector('#item-new button[type=submit]');
        button.addEventListener('click', () => { window.__t.click = performance.now(); }, {capture: true});
        const seen = () => document.querySelector('#new-items tr[id^="item-"]:not(#item-new)');
        new MutationObserver(() => {
            if (!window.__t.row && seen()) window.__t.row = performance.now();
        }).observe(document.querySelector('#new-items'), {childList: true, subtree: true});
    }""")
    started = time.perf_counter()
    form_row.locator("button[type=submit]").click()
    new_row = page.locator("tbody#new-items tr[id^='item-']:not(#item-new)")
    expect(new_row).to_be_visible()
    wall_ms = (time.perf_counter() - started) * 1000
    timings = page.evaluate("window.__t")
    in_page_ms = timings["row"] - timings["click"]
    print(f"\nMEASURE: save -> new row visible: {in_page_ms:.0f} ms in page (performance.now), "
          f"{wall_ms:.0f} ms from Python")

    assert page.evaluate("window.__marker") == 1, "saving reloaded the page"
    expect(page.locator("#item-new")).to_have_count(0)
    expect(new_row).to_have_count(1)
    expect(new_row).to_contain_text(description)
    expect(new_row.locator("td.num")).to_have_text("2")
    expect(new_row.locator(".cond")).to_have_class(re.compile(r"\bcond-in_use\b"))
    new_id = int(new_row.get_attribute("id").removeprefix("item-"))
    assert new_id not in existing_ids
    assert_item_in_db(app, new_id, point_id, description)

    # #totals refreshed through the equipment-changed event.
    in_use = page.locator("#totals .stat .value").first
    expect(in_use).to_have_text(str(number(before[0]) + 2))
    expect(page.locator("#totals .stat .value").nth(4)).to_have_text("2/2")
    after = stat_values(page)
    assert number(after[1]) == number(before[1]), f"broken count changed: {before} -> {after}"
    assert page.evaluate("window.__marker") == 1, "the totals refresh reloaded the page"

    # Sizes over the wire (gzip, as a reverse proxy would serve them).
    register = page.request.get(f"/points/{point_id}/equipment")
    assert register.ok and "<html" in register.text()
    row = page.request.get(f"/equipment/{new_id}/row", headers={"HX-Request": "true"})
    assert row.ok
    row_html = row.text()
    assert row_html.lstrip().startswith(f'<tr id="item-{new_id}"') and "<html" not in row_html, row_html[:200]
    print(f"MEASURE: register page: {len(register.body())} B raw, {len(gzip.compress(register.body()))} B gzipped")
    print(f"MEASURE: htmx row partial: {len(row.body())} B raw, {len(gzip.compress(row.body()))} B gzipped")

    # The item page, through the row's link.
    with page.expect_navigation():
        new_row.locator(f"a[href='/equipment/{new_id}']").click()
    page.wait_for_url(is_path(f"/equipment/{new_id}"))
    expect(page.locator("main h1")).to_have_text(description)
    record_condition_change(page, app, new_id, "Không khởi động được, nguồn bị cháy")

    assert problems == [], "console errors / CSP violations:\n" + "\n".join(problems)


# 2 ---------------------------------------------------------------------------

def test_add_an_item_and_record_a_breakdown_without_javascript(app, world, make_page):
    point_id = world.point_a.id
    existing_ids = seed_items(app, point_id, *EXISTING)
    page, problems = make_page(javascript=False)
    log_in(page, "librarian_a")

    page.goto(f"/points/{point_id}/equipment")
    before = stat_values(page)
    assert number(before[0]) == 3, f"totals before: {before}"

    with page.expect_navigation():
        page.locator("main .actions a[href$='/equipment/new']").click()
    page.wait_for_url(is_path(f"/points/{point_id}/equipment/new"))
    expect(page.locator("#item-new")).to_have_count(0)  # the full page form, not the htmx row
    form = page.locator(f"main form[action='/points/{point_id}/equipment/new']")
    expect(form).to_be_visible()

    description = "Máy tính HP ProDesk (không JS)"
    fill_item(form, description)
    with page.expect_navigation() as navigation:
        form.locator("button[type=submit]").click()
    page.wait_for_url(is_path(f"/points/{point_id}/equipment"))
    assert navigation.value.ok

    row = page.locator("#items tr[id^='item-']", has_text=description)
    expect(row).to_have_count(1)
    expect(row).to_be_visible()
    expect(row.locator("td.num")).to_have_text("2")
    new_id = int(row.get_attribute("id").removeprefix("item-"))
    assert new_id not in existing_ids
    for item_id in existing_ids:
        expect(page.locator(f"#items tr#item-{item_id}")).to_be_visible()
    assert_item_in_db(app, new_id, point_id, description)
    expect(page.locator("#totals .stat .value").first).to_have_text(str(number(before[0]) + 2))
    expect(page.locator("#totals .stat .value").nth(4)).to_have_text("2/2")
    expect(page.locator("#flashes")).to_contain_text(description)

    with page.expect_navigation():
        row.locator(f"a[href='/equipment/{new_id}']").click()
    page.wait_for_url(is_path(f"/equipment/{new_id}"))
    record_condition_change(page, app, new_id, "Màn hình bị vỡ")

    # Back on the register the item is counted as broken now.
    page.goto(f"/points/{point_id}/equipment")
    values = stat_values(page)
    assert (number(values[0]), number(values[1])) == (3, 4 + 2), values
    assert values[4] == "0/2", values
    assert problems == [], "\n".join(problems)


# 3 ---------------------------------------------------------------------------

def test_stocktake_confirmed_row_by_row_with_javascript(app, world, make_page):
    point_id = world.point_a.id
    ids = seed_items(app, point_id, *EXISTING)
    seed_items(app, world.point_b.id, {"category": "shelf", "description": "Giá sách xã B", "quantity": 1})
    page, problems = make_page()
    log_in(page, "librarian_a")

    page.goto(f"/points/{point_id}/stocktake")
    rows = page.locator("tbody tr[id^='stocktake-']")
    expect(rows).to_have_count(2)
    progress_note = page.locator("#progress p.muted")
    assert not DATE_RE.search(progress_note.inner_text()), "a complete stock-take is shown before any"
    page.evaluate("window.__marker = 1")

    for n, item_id in enumerate(ids, start=1):
        row = page.locator(f"tr#stocktake-{item_id}")
        expect(row.locator(".confirmed")).to_have_count(0)
        row.locator("form button[type=submit]").click()
        expect(row.locator(".confirmed")).to_be_visible()
        expect(row.locator("form")).to_have_count(0)
        if n < len(ids):
            # An open stock-take: the #progress refresh shows it (started today), none complete yet.
            expect(page.locator("#progress strong")).to_have_count(1)
            counts = re.findall(r"\d+", DATE_RE.sub("", page.locator("#progress strong").inner_text()))
            assert counts == [str(n), str(len(ids))], counts
            assert not DATE_RE.search(progress_note.inner_text())
    assert page.evaluate("window.__marker") == 1, "confirming reloaded the page"

    today = today_hcm().strftime("%d/%m/%Y")
    # After the last one, #progress (refreshed through stocktake-changed) shows the completion.
    expect(progress_note).to_contain_text(today)
    expect(page.locator("#progress strong")).to_have_count(0)
    expect(page.locator("tr[id^='stocktake-'] .confirmed")).to_have_count(2)

    with app.app_context():
        takes = db.session.scalars(select(StockTake).where(StockTake.point_id == point_id)).all()
        assert len(takes) == 1 and takes[0].completed_at is not None
        confirmed = db.session.scalars(select(EquipmentEvent.item_id).where(
            EquipmentEvent.stock_take_id == takes[0].id, EquipmentEvent.kind == "stocktake")).all()
        assert sorted(confirmed) == sorted(ids)

    page.reload()
    assert page.evaluate("window.__marker") is None  # a real reload this time
    note = page.locator("#progress p.muted").inner_text()
    assert DATE_RE.findall(note) == [today], note
    # The register shows it too.
    page.goto(f"/points/{point_id}/equipment")
    expect(page.locator("main p.muted").first).to_contain_text(today)
    assert problems == [], "\n".join(problems)
