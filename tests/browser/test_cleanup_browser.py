"""Deleting an item entered by mistake on a 360 px phone, with and without
JavaScript: the item page's Delete leads to a confirmation page whose plain
form deletes it; the register no longer lists it, and the audit trail keeps it.

Only data the test enters, ids and paths are asserted (the wording depends on
the compiled catalogs)."""
import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.equipment.models import EquipmentItem
from app.extensions import db
from tests.browser.conftest import PHONE
from tests.browser.test_equipment import seed_items
from tests.browser.test_login import is_path, log_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_delete_an_item_entered_by_mistake(app, world, make_page, javascript):
    keep, mistake = seed_items(app, world.point_a.id,
                               {"category": "desk", "description": "Bàn đọc gỗ 1m2", "quantity": 3},
                               {"category": "computer", "description": "Máy tính nhập nhầm", "asset_code": "NHAM-01"})
    page, problems = make_page(javascript=javascript, viewport=PHONE)
    log_in(page, world.librarian_a.name)
    page.goto(f"/equipment/{mistake}")
    button = page.locator("#delete-item")
    box = button.bounding_box()
    assert box is not None and box["x"] + box["width"] <= PHONE["width"] and box["height"] >= 32
    button.click()
    page.wait_for_url(is_path(f"/equipment/{mistake}/delete"))
    assert "NHAM-01" in page.locator("main").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    confirm = page.locator("#confirm-delete button[type=submit]")
    box = confirm.bounding_box()
    assert box is not None and box["x"] + box["width"] <= PHONE["width"]
    confirm.click()
    page.wait_for_url(is_path(f"/points/{world.point_a.id}/equipment"))
    items = page.locator("#items").inner_text()
    assert "Máy tính nhập nhầm" in page.locator("#flashes").inner_text()
    assert "Bàn đọc gỗ 1m2" in items and "Máy tính nhập nhầm" not in items
    with app.app_context():
        assert db.session.get(EquipmentItem, mistake) is None and db.session.get(EquipmentItem, keep) is not None
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "delete", AuditEvent.object_id == mistake)) == 1
    assert problems == [], "\n".join(problems)


def test_remove_an_attendee_with_htmx_after_its_confirm_dialog(app, world, make_page):
    from tests.test_training import make_attendee, make_session

    session = make_session(app, world)
    person = make_attendee(app, session, full_name="Người nhập nhầm")
    page, problems = make_page()
    log_in(page, world.trainer_p.name)
    page.goto(f"/training/{session}")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(f"#attendee-{person} a.remove").click()
    page.locator(f"#attendee-{person}").wait_for(state="detached")
    assert page.url.endswith(f"/training/{session}")  # the row went, the page stayed
    with app.app_context():
        from app.training.models import Attendance

        assert db.session.get(Attendance, person) is None
    assert problems == [], "\n".join(problems)
