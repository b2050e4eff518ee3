"""A label's QR URL on a 360 px phone, with and without JavaScript: logging in
returns to it, then the item is confirmed in the open stock-take, reported
broken and its maintenance logged, each with one tap that comes back to the
page. Only data, ids, classes and dates are asserted (the wording depends on
the compiled catalogs)."""
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.equipment.maintenance_models import MaintenanceInterval
from app.equipment.maintenance_queries import add_months
from app.equipment.models import EquipmentEvent, EquipmentItem, StockTake
from app.extensions import db
from tests.browser.test_equipment import seed_items, today_hcm
from tests.browser.test_login import is_path, path_of, submit_login


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_open_an_item_from_its_label_and_act_on_it(app, world, make_page, javascript):
    today = today_hcm()
    item, _other = seed_items(
        app, world.point_a.id,
        {"category": "computer", "description": "Máy tính Dell phòng đọc", "asset_code": "MT-01",
         "received_on": today - timedelta(days=400)},
        {"category": "chair", "description": "Ghế nhựa", "asset_code": "GH-01"})
    with app.app_context():
        db.session.add(MaintenanceInterval(province_id=world.province_p.id, category="computer", months=6))
        db.session.add(StockTake(point_id=world.point_a.id, started_on=today))
        db.session.commit()
    page, problems = make_page(javascript=javascript)

    page.goto("/a/MT-01")
    page.wait_for_url(is_path("/login"))
    submit_login(page, world.librarian_a.name)
    page.wait_for_url(is_path("/a/MT-01"))
    expect(page.locator("main h1")).to_have_text("Máy tính Dell phòng đọc")
    assert page.locator("main .error").count() == 1  # overdue: received 400 days ago, every 6 months

    with page.expect_navigation():
        page.locator("#confirm-stocktake").click()
    assert path_of(page.url) == "/a/MT-01"
    expect(page.locator("#stocktake-confirmed")).to_be_visible()
    expect(page.locator("#confirm-stocktake")).to_have_count(0)

    page.locator("#broken-description").fill("Không lên nguồn")
    with page.expect_navigation():
        page.locator("#report-broken").click()
    assert path_of(page.url) == "/a/MT-01"
    expect(page.locator("main .cond-broken")).to_be_visible()
    expect(page.locator("#report-broken")).to_have_count(0)

    with page.expect_navigation():
        page.locator("#log-maintenance").click()
    assert path_of(page.url) == "/a/MT-01"
    expect(page.locator("main .facts")).to_contain_text(add_months(today, 6).strftime("%d/%m/%Y"))
    assert page.locator("main .facts .error").count() == 0  # no longer overdue

    # Thumb-sized, and nothing wider than the phone.
    box = page.locator("#log-maintenance").bounding_box()
    assert box["height"] >= 44 and box["width"] >= 300
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    with app.app_context():
        events = db.session.execute(select(EquipmentEvent.kind, EquipmentEvent.occurred_on, EquipmentEvent.description)
                                    .where(EquipmentEvent.item_id == item).order_by(EquipmentEvent.id)).all()
        assert [(kind, day) for kind, day, _ in events] == [
            ("stocktake", today), ("condition_change", today), ("maintenance", today)]
        assert events[1][2] == "Không lên nguồn"
        assert db.session.get(EquipmentItem, item).condition == "broken"
    assert not problems, problems



@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_two_of_a_lot_of_five_broken_from_its_label(app, world, make_page, javascript):
    """A lot of 5 opened from its label, confirmed in the stock-take, then 2 of them reported broken: the pair
    becomes a row of its own ("MT-05/2"), whose phone page comes next."""
    today = today_hcm()
    lot, chair = seed_items(app, world.point_a.id,  # the chair keeps the stock-take open
                            {"category": "computer", "description": "Máy tính để bàn 2013", "asset_code": "MT-05",
                             "quantity": 5, "unit_value": 12_500_000},
                            {"category": "chair", "description": "Ghế nhựa", "asset_code": "GH-01"})
    with app.app_context():
        db.session.add(StockTake(point_id=world.point_a.id, started_on=today))
        db.session.commit()
    page, problems = make_page(javascript=javascript)

    page.goto("/a/MT-05")
    page.wait_for_url(is_path("/login"))
    submit_login(page, world.librarian_a.name)
    page.wait_for_url(is_path("/a/MT-05"))
    with page.expect_navigation():
        page.locator("#confirm-stocktake").click()
    assert path_of(page.url) == "/a/MT-05"
    expect(page.locator("#stocktake-confirmed")).to_be_visible()

    quantity = page.locator("#broken-quantity")
    expect(quantity).to_have_value("5")
    box = quantity.bounding_box()
    assert box["x"] + box["width"] <= 360 and box["height"] >= 32
    quantity.fill("2")
    page.locator("#broken-description").fill("Hỏng nguồn hai máy")
    with page.expect_navigation():
        page.locator("#report-broken").click()
    assert path_of(page.url) == "/a/MT-05/2"
    expect(page.locator("main h1")).to_have_text("Máy tính để bàn 2013")
    expect(page.locator("main .facts")).to_contain_text("MT-05/2")
    expect(page.locator("main .cond-broken")).to_be_visible()
    expect(page.locator("#report-broken")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    with app.app_context():
        rows = {i.asset_code: (i.quantity, i.condition) for i in db.session.scalars(
            select(EquipmentItem).where(EquipmentItem.id != chair))}
        events = db.session.execute(select(EquipmentEvent.item_id, EquipmentEvent.kind, EquipmentEvent.quantity)
                                    .order_by(EquipmentEvent.id)).all()
        split = db.session.scalar(select(EquipmentItem.id).where(EquipmentItem.split_from_id == lot))
    assert rows == {"MT-05": (3, "in_use"), "MT-05/2": (2, "broken")}
    assert [(i, k, q) for i, k, q in events] == [(lot, "stocktake", None), (split, "condition_change", 2)]
    assert not problems, problems


def test_label_sheet_prints_without_the_choice(app, world, make_page):
    """The label sheet on screen shows the choice of items; printed, only the labels, three per row."""
    seed_items(app, world.point_a.id, *({"category": "chair", "description": f"Ghế {i}", "asset_code": f"G-{i}"}
                                        for i in range(5)))
    page, problems = make_page(javascript=True, viewport={"width": 1280, "height": 800})
    page.goto("/login")
    submit_login(page, world.librarian_a.name)
    page.goto(f"/points/{world.point_a.id}/labels")
    expect(page.locator(".label")).to_have_count(5)
    page.emulate_media(media="print")
    expect(page.locator(".screen-only")).to_be_hidden()
    tops = [page.locator(".label").nth(i).bounding_box()["y"] for i in range(4)]
    assert tops[0] == tops[1] == tops[2] < tops[3]  # a grid of three columns
    assert not problems, problems


def test_label_sheet_on_a_phone_screen_keeps_to_its_width(app, world, make_page):
    """On a 360 px screen the labels wrap one under another instead of widening the page."""
    seed_items(app, world.point_a.id, *({"category": "chair", "description": f"Ghế {i}", "asset_code": f"G-{i}"}
                                        for i in range(3)))
    page, problems = make_page(javascript=True)
    page.goto("/login")
    submit_login(page, world.librarian_a.name)
    page.goto(f"/points/{world.point_a.id}/labels")
    expect(page.locator(".label")).to_have_count(3)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    lefts = [page.locator(".label").nth(i).bounding_box()["x"] for i in range(3)]
    assert lefts[0] == lefts[1] == lefts[2]  # one column
    assert not problems, problems
