"""Lots on a 360 px phone, with and without JavaScript: 2 of a lot of 5 reported broken from the item page
become a row of their own; a stock-take then confirms the remaining row and records the broken one as not
found (the province's list of differences shows it).

Only data the test enters, ids, numbers and paths are asserted (the wording depends on the compiled catalogs)."""
import pytest
from sqlalchemy import select

from app.equipment.models import EquipmentEvent, EquipmentItem
from app.extensions import db
from tests.browser.conftest import PHONE
from tests.browser.test_equipment import seed_items
from tests.browser.test_login import is_path, log_in

pytestmark = pytest.mark.browser


def fits(locator):
    box = locator.bounding_box()
    assert box is not None and box["x"] + box["width"] <= PHONE["width"] and box["height"] >= 32


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_two_of_five_broken_then_a_stocktake(app, world, make_page, javascript):
    (lot,) = seed_items(app, world.point_a.id, {"category": "computer", "description": "Máy tính Dell 2013",
                                                 "quantity": 5, "asset_code": "BMGF-07", "funding_source": "bmgf",
                                                 "unit_value": 14_900_000})
    page, problems = make_page(javascript=javascript, viewport=PHONE)
    log_in(page, world.librarian_a.name)
    page.goto(f"/equipment/{lot}")
    form = page.locator("#record-event form")
    form.locator("[name=kind]").select_option("condition_change")
    form.locator("[name=new_condition]").select_option("broken")
    form.locator("[name=quantity]").fill("2")
    form.locator("[name=description]").fill("Hỏng nguồn hai máy")
    submit = form.locator("button[type=submit]")
    fits(submit)
    submit.click()
    with app.app_context():
        split = db.session.scalar(select(EquipmentItem.id).where(EquipmentItem.split_from_id == lot))
    assert split is not None
    page.wait_for_url(is_path(f"/equipment/{split}"))
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    main = page.locator("main").inner_text()
    assert "BMGF-07/2" in main and "Hỏng nguồn hai máy" in main
    assert page.locator(f"#lot a[href='/equipment/{lot}']").count() == 1
    with app.app_context():
        rows = {i.id: (i.quantity, i.condition) for i in db.session.scalars(select(EquipmentItem))}
    assert rows == {lot: (3, "in_use"), split: (2, "broken")}

    # The stock-take: the remaining row is here as shown; the broken pair is not found.
    page.goto(f"/points/{world.point_a.id}/stocktake")
    here = page.locator(f"#stocktake-{lot} button[type=submit]")
    fits(here)
    here.click()
    if javascript:
        page.locator(f"#stocktake-{lot} .confirmed").wait_for()
    else:
        page.wait_for_url(is_path(f"/points/{world.point_a.id}/stocktake"))
    assert page.locator(f"#stocktake-{lot} .confirmed").count() == 1
    other = page.locator(f"#stocktake-{split} a[href='/equipment/{split}/stocktake/finding']")
    fits(other)
    other.click()
    page.wait_for_url(is_path(f"/equipment/{split}/stocktake/finding"))
    page.locator("main form [name=outcome]").select_option("missing")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(is_path(f"/points/{world.point_a.id}/stocktake"))
    with app.app_context():
        findings = {e.item_id: e.outcome for e in db.session.scalars(
            select(EquipmentEvent).where(EquipmentEvent.kind == "stocktake"))}
    assert findings == {lot: "present", split: "missing"}
    assert problems == [], "\n".join(problems)
