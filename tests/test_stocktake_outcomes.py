"""Stock-take findings: present, not found, another condition, another quantity; each an event of the
stock-take, the stock-take complete when every item has one, the differences listed for the province."""
import pytest
from sqlalchemy import select

from app.equipment.models import EquipmentEvent, EquipmentItem, StockTake
from app.extensions import db
from tests.conftest import login, post
from tests.test_equipment import count, make_item


def finding(client, item_id, outcome, version="1", **fields):
    return post(client, f"/equipment/{item_id}/stocktake/finding",
                {"outcome": outcome, "version": version, **fields})


def events(app):
    with app.app_context():
        return [(e.item_id, e.outcome, e.quantity, e.old_condition, e.new_condition) for e in db.session.scalars(
            select(EquipmentEvent).where(EquipmentEvent.kind == "stocktake").order_by(EquipmentEvent.id))]


def test_each_finding_is_recorded_and_completes_the_stocktake(app, as_user, world):
    here = make_item(app, world.point_a.id, description="Bàn đọc", category="desk", quantity=4)
    lost = make_item(app, world.point_a.id, description="Máy chiếu", category="audio_visual")
    worn = make_item(app, world.point_a.id, description="Máy in", category="printer")
    fewer = make_item(app, world.point_a.id, description="Ghế", category="chair", quantity=20)
    client = as_user("librarian_a")
    page = client.get(f"/points/{world.point_a.id}/stocktake").get_data(as_text=True)
    assert f'href="/equipment/{lost}/stocktake/finding"' in page
    assert client.get(f"/equipment/{lost}/stocktake/finding").status_code == 200
    assert post(client, f"/equipment/{here}/stocktake").status_code == 303
    assert finding(client, lost, "missing", description="Không thấy trong kho").status_code == 303
    assert finding(client, worn, "condition", new_condition="broken").status_code == 303
    page = client.get(f"/points/{world.point_a.id}/stocktake").get_data(as_text=True)
    assert "Không tìm thấy" in page and f'href="/equipment/{fewer}/stocktake/finding"' in page
    assert finding(client, fewer, "quantity", found_quantity="17").status_code == 303
    assert events(app) == [(here, "present", None, None, "in_use"), (lost, "missing", 0, None, "in_use"),
                           (worn, "condition", None, "in_use", "broken"), (fewer, "quantity", 17, None, "in_use")]
    with app.app_context():
        # Another condition changes the item; not found and fewer leave the register to the province's decision.
        assert {i.id: (i.quantity, i.condition) for i in db.session.scalars(select(EquipmentItem))} == {
            here: (4, "in_use"), lost: (1, "in_use"), worn: (1, "broken"), fewer: (20, "in_use")}
        assert db.session.scalar(select(StockTake.completed_at)) is not None
    history = client.get(f"/equipment/{fewer}").get_data(as_text=True)
    assert "17" in history


def test_the_province_lists_the_differences_per_commune(app, as_user, world):
    lost = make_item(app, world.point_a.id, description="Máy chiếu", category="audio_visual")
    fewer = make_item(app, world.point_b.id, description="Ghế nhựa", category="chair", quantity=20)
    fine = make_item(app, world.point_a.id, description="Tủ sách", category="cabinet")
    worn = make_item(app, world.point_a.id, description="Máy in laser", category="printer")
    foreign = make_item(app, world.point_c.id, description="Máy tính tỉnh Q")
    for librarian, item, outcome, fields in (("librarian_a", lost, "missing", {}),
                                              ("librarian_b", fewer, "quantity", {"found_quantity": "18"}),
                                              ("librarian_a", worn, "condition", {"new_condition": "under_repair"}),
                                              ("librarian_c", foreign, "missing", {})):
        client = app.test_client()

        login(client, getattr(world, librarian).name)
        assert finding(client, item, outcome, **fields).status_code == 303
    client = app.test_client()

    login(client, world.librarian_a.name)
    assert post(client, f"/equipment/{fine}/stocktake").status_code == 303
    staff = app.test_client()
    login(staff, world.province_staff_p.name)
    page = staff.get(f"/provinces/{world.province_p.id}/stocktake-differences").get_data(as_text=True)
    assert "Máy chiếu" in page and "Ghế nhựa" in page and "18" in page and "Máy in laser" in page
    assert page.count("<tr>") == 2 + 3  # a header row per commune, a row per difference
    assert "Tủ sách" not in page and "Máy tính tỉnh Q" not in page
    assert world.commune_a.name in page and world.commune_b.name in page
    assert staff.get(f"/provinces/{world.province_q.id}/stocktake-differences").status_code == 403
    assert staff.get(f"/provinces/{world.commune_a.id}/stocktake-differences").status_code in (403, 404)
    home = staff.get("/").get_data(as_text=True)
    assert f"/provinces/{world.province_p.id}/stocktake-differences" in home


def test_only_the_latest_stocktake_of_a_point_is_listed(app, as_user, world):
    lost = make_item(app, world.point_a.id, description="Máy chiếu", category="audio_visual")
    client = as_user("librarian_a")
    finding(client, lost, "missing")
    with app.app_context():
        assert db.session.scalar(select(StockTake.completed_at)) is not None
    # A new stock-take finds it.
    assert post(client, f"/points/{world.point_a.id}/stocktake").status_code == 303
    assert post(client, f"/equipment/{lost}/stocktake").status_code == 303
    staff = app.test_client()

    login(staff, world.province_staff_p.name)
    assert "Máy chiếu" not in staff.get(f"/provinces/{world.province_p.id}/stocktake-differences").get_data(
        as_text=True)


@pytest.mark.parametrize("fields", [
    {"outcome": "condition"},  # no condition chosen
    {"outcome": "condition", "new_condition": "in_use"},  # the registered one
    {"outcome": "quantity"},  # no quantity
    {"outcome": "quantity", "found_quantity": "5"},  # the registered one
    {"outcome": "quantity", "found_quantity": "0"},
    {"outcome": "quantity", "found_quantity": "-1"},
    {"outcome": "quantity", "found_quantity": "ba"},
    {"outcome": "present"},  # the one-tap confirmation has its own button
    {"outcome": "lost"},
])
def test_bad_findings_are_refused_with_nothing_saved(app, as_user, world, fields):
    item = make_item(app, world.point_a.id, quantity=5)
    client = as_user("librarian_a")
    response = post(client, f"/equipment/{item}/stocktake/finding", {"version": "1", **fields})
    assert response.status_code == 422
    assert 'class="error"' in response.get_data(as_text=True)
    assert count(app, EquipmentEvent) == 0 and count(app, StockTake) == 0


def test_a_second_finding_and_a_stale_form_are_refused(app, as_user, world):
    item = make_item(app, world.point_a.id, quantity=5)
    other = make_item(app, world.point_a.id, quantity=1)
    client = as_user("librarian_a")
    assert post(client, f"/equipment/{item}/stocktake").status_code == 303
    assert finding(client, item, "missing").status_code == 409
    assert finding(client, other, "missing", version="7").status_code == 409
    assert events(app) == [(item, "present", None, None, "in_use")]


def test_findings_are_the_communes_librarians(app, as_user, world):
    item = make_item(app, world.point_a.id)
    for user in ("province_staff_p", "trainer_p"):
        client = app.test_client()

        login(client, getattr(world, user).name)
        assert finding(client, item, "missing").status_code == 403
    assert count(app, EquipmentEvent) == 0


def test_the_pages_are_sound_html(app, as_user, world):
    from tests.test_html import problems_of

    lost = make_item(app, world.point_a.id, description="Máy chiếu", category="audio_visual")
    here = make_item(app, world.point_a.id, description="Tủ sách", category="cabinet")
    other = make_item(app, world.point_a.id, description="Ghế", category="chair", quantity=3)
    client = as_user("librarian_a")
    finding(client, lost, "missing")
    post(client, f"/equipment/{here}/stocktake")
    pages = [f"/points/{world.point_a.id}/stocktake", f"/equipment/{other}/stocktake/finding",
             f"/equipment/{lost}/stocktake/finding", f"/equipment/{lost}"]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200 and problems_of(response.get_data(as_text=True)) == [], path
    partial = post(client, f"/equipment/{other}/stocktake", headers={"HX-Request": "true"})
    assert partial.status_code == 200 and problems_of(partial.get_data(as_text=True), True) == []
    staff = app.test_client()
    login(staff, world.province_staff_p.name)
    response = staff.get(f"/provinces/{world.province_p.id}/stocktake-differences")
    assert problems_of(response.get_data(as_text=True)) == []
