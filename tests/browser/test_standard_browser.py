"""The librarian's home on a 360 px phone shows the point's gaps against the
equipment standard, with and without JavaScript, and its link opens the
point's table against the standard.

The UI wording depends on the compiled catalogs, so only ids, classes,
numbers and links are asserted."""
from datetime import date

import pytest
from playwright.sync_api import expect

from app.equipment.models import BROKEN, LIQUIDATED, EquipmentItem
from app.extensions import db
from app.standards.models import StandardLine
from tests.browser.conftest import PHONE
from tests.browser.test_login import is_path, log_in


def seed(app, world):
    """Standard: 10 chairs, 1 printer. Point A: 6 chairs in use, 2 broken, 5 liquidated, no printer."""
    with app.app_context():
        for category, quantity in (("chair", 10), ("printer", 1)):
            db.session.add(StandardLine(province_id=world.province_p.id, point_model="library_cultural_centre",
                                        valid_from=date(2026, 1, 1), category=category, min_quantity=quantity))
        for quantity, condition in ((6, "in_use"), (2, BROKEN), (5, LIQUIDATED)):
            db.session.add(EquipmentItem(point_id=world.point_a.id, category="chair", description="Ghế gỗ",
                                         quantity=quantity, condition=condition, received_on=date(2025, 1, 1)))
        db.session.commit()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_the_librarians_home_shows_the_gaps_on_a_phone(app, world, make_page, javascript):
    seed(app, world)
    page, problems = make_page(javascript=javascript, viewport=PHONE)
    log_in(page, "librarian_a")
    gaps = page.locator(f"#gaps-{world.point_a.id}")
    expect(gaps).to_be_visible()
    expect(gaps).to_have_class("flash flash-warning gaps")
    text = gaps.inner_text()
    assert "4" in text and "1" in text  # 4 chairs and 1 printer missing; repairs would close 2 chairs
    assert "2" in text
    box = gaps.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]  # no sideways scrolling
    link = gaps.locator(f"a[href='/points/{world.point_a.id}/gaps']")
    expect(link).to_be_visible()
    link.click()
    page.wait_for_url(is_path(f"/points/{world.point_a.id}/gaps"))
    cells = page.locator("main table tbody tr").first.locator("td")
    # chair: required 10, working 6, broken 2, missing 4, by connecting 0, by repairs 2, to buy 2
    assert [c.strip() for c in cells.all_inner_texts()] == ["10", "6", "2", "4", "0", "2", "2"]
    assert not problems, problems
