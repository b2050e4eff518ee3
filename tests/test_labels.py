"""QR labels and the phone page a label opens: the sheet holds one QR per
chosen item, encoding /a/<asset code>; /a/<code> resolves among the items the
user may read (another commune's is a 404); the one-tap actions come back."""
import re
from datetime import date
from urllib.parse import quote

from sqlalchemy import select

from app.equipment.models import EquipmentEvent, EquipmentItem, StockTake
from app.extensions import db
from app.formatting import today_local
from app.visits.sheet import qr_svg
from tests.conftest import PASSWORD, csrf_token, login, post
from tests.test_equipment import count, make_item

BASE = "http://localhost"  # the test client's host: the QR holds absolute URLs


def today_of(app):
    with app.test_request_context():
        return today_local()


def labels_of(page: str) -> dict[str, str]:
    """item id → the label's HTML."""
    return dict(re.findall(r'<div class="label" data-item="(\d+)">(.*?)</div>\s*</div>', page, re.S))


# --- The sheet --------------------------------------------------------------------------------------

def test_sheet_labels_every_active_item_by_default(app, as_user, world):
    dell = make_item(app, world.point_a.id, description="Máy tính Dell Vostro 3020 (phòng đọc thiếu nhi, tầng 2)",
                     asset_code="MT-01")
    chair = make_item(app, world.point_a.id, category="chair", description="Ghế gỗ")
    make_item(app, world.point_a.id, description="Đã thanh lý", asset_code="TL-1", condition="liquidated")
    make_item(app, world.point_b.id, description="Máy xã B", asset_code="MT-B")
    client = as_user("librarian_a")
    page = client.get(f"/points/{world.point_a.id}/labels").get_data(as_text=True)
    labels = labels_of(page)
    assert set(labels) == {str(dell), str(chair)}
    assert "MT-01" in labels[str(dell)] and world.point_a.name in labels[str(dell)]
    assert "Máy tính Dell Vostro 3020 (phòng đọc th…<" in labels[str(dell)]  # the short name: 40 characters
    # Each QR is the same code segno makes for the item's absolute URL; its title names the URL.
    for item_id, code in ((dell, "MT-01"), (chair, f"id-{chair}")):
        url = f"{BASE}/a/{code}"
        assert f"<title>{url}</title>" in labels[str(item_id)]
        assert str(qr_svg(url, url)) in labels[str(item_id)]
    code_line = re.search(r'<p class="label-code">([^<]*)</p>', labels[str(chair)]).group(1)
    assert code_line.strip() and "id-" not in code_line  # words saying it has none, not its id
    assert 'class="label-page"' in page and "/css/labels." in page


def test_sheet_holds_only_the_ticked_items_of_the_point(app, as_user, world):
    first = make_item(app, world.point_a.id, asset_code="A-1")
    second = make_item(app, world.point_a.id, asset_code="A-2")
    foreign = make_item(app, world.point_c.id, asset_code="C-1")
    client = as_user("librarian_a")
    page = client.get(f"/points/{world.point_a.id}/labels?item={second}&item={foreign}&item=x").get_data(as_text=True)
    assert set(labels_of(page)) == {str(second)}
    assert f'value="{first}">' in page and f'value="{second}" checked>' in page  # the choice, kept
    assert "C-1" not in page
    assert client.get(f"/points/{world.point_c.id}/labels").status_code == 403


def test_sheet_fits_many_items_on_pages_of_24(app, as_user, world):
    with app.app_context():
        db.session.add_all([EquipmentItem(point_id=world.point_a.id, category="chair", description=f"Ghế {i}",
                                          asset_code=f"G-{i:02d}") for i in range(30)])
        db.session.commit()
    page = as_user("librarian_a").get(f"/points/{world.point_a.id}/labels").get_data(as_text=True)
    assert page.count('class="label-page"') == 2 and page.count('<svg') == 30


# --- /a/<code> --------------------------------------------------------------------------------------

def test_login_returns_to_the_label_url(app, client, world):
    item = make_item(app, world.point_a.id, asset_code="MT-01")
    response = client.get("/a/MT-01")
    assert response.status_code in (302, 303)
    location = response.headers["Location"]
    assert location.startswith("/login?next=") and location.endswith(("/a/MT-01", quote("/a/MT-01", safe="")))
    token = csrf_token(client, location)
    response = client.post(location, data={"username": world.librarian_a.name, "password": PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"].endswith("/a/MT-01")
    page = client.get("/a/MT-01").get_data(as_text=True)
    assert "Máy tính thử" in page and f"/equipment/{item}/events" in page


def test_another_communes_item_is_not_found(app, as_user, world):
    make_item(app, world.point_b.id, asset_code="MT-B")
    make_item(app, world.point_c.id, asset_code="MT-C")
    client = as_user("librarian_a")
    assert client.get("/a/MT-B").status_code == 404  # same province, another commune
    assert client.get("/a/MT-C").status_code == 404
    assert client.get("/a/NO-SUCH-CODE").status_code == 404
    assert client.get("/a/id-999999").status_code == 404
    staff = app.test_client()
    login(staff, world.province_staff_p.name)
    assert staff.get("/a/MT-B").status_code == 200  # province staff read their province
    assert staff.get("/a/MT-C").status_code == 404
    trainer = app.test_client()
    login(trainer, world.trainer_p.name)
    assert trainer.get("/a/MT-B").status_code == 403


def test_codes_resolve_trimmed_case_insensitively_and_by_id(app, as_user, world):
    coded = make_item(app, world.point_a.id, description="Máy có mã", asset_code=" bmgf-07 ")
    uncoded = make_item(app, world.point_a.id, description="Máy không mã")
    viet = make_item(app, world.point_a.id, description="Tủ", category="cabinet", asset_code="TỦ-1")
    client = as_user("librarian_a")
    assert "Máy có mã" in client.get("/a/BMGF-07").get_data(as_text=True)
    assert "Máy không mã" in client.get(f"/a/id-{uncoded}").get_data(as_text=True)
    assert client.get(f"/a/id-{coded}").status_code == 404  # a coded item is labelled by its code
    assert f"/equipment/{viet}/events" in client.get("/a/tỦ-1").get_data(as_text=True)


def test_same_code_in_two_provinces(app, as_user, world):
    """Codes are unique within a province: each librarian gets their own item;
    an administrator, who sees both, chooses."""
    own = make_item(app, world.point_a.id, description="Máy tỉnh P", asset_code="MT-01")
    other = make_item(app, world.point_c.id, description="Máy tỉnh Q", asset_code="MT-01")
    client = as_user("librarian_a")
    page = client.get("/a/MT-01").get_data(as_text=True)
    assert "Máy tỉnh P" in page and "Máy tỉnh Q" not in page
    admin = app.test_client()
    login(admin, world.admin.name)
    choice = admin.get("/a/MT-01").get_data(as_text=True)
    assert "Máy tỉnh P" in choice and "Máy tỉnh Q" in choice
    assert f"item={own}" in choice and f"item={other}" in choice
    picked = admin.get(f"/a/MT-01?item={other}").get_data(as_text=True)
    assert f"/equipment/{other}/events" in picked and f"/equipment/{own}/events" not in picked


# --- The one-tap actions ------------------------------------------------------------------------------

def test_stocktake_confirm_is_offered_only_while_one_is_open(app, as_user, world):
    item = make_item(app, world.point_a.id, asset_code="MT-01")
    make_item(app, world.point_a.id, asset_code="MT-02")
    client = as_user("librarian_a")
    assert f"/equipment/{item}/stocktake" not in client.get("/a/MT-01").get_data(as_text=True)
    post(client, f"/points/{world.point_a.id}/stocktake")
    page = client.get("/a/MT-01").get_data(as_text=True)
    assert f"/equipment/{item}/stocktake" in page
    response = post(client, f"/equipment/{item}/stocktake", {"next": "/a/MT-01"})
    assert response.status_code == 303 and response.headers["Location"] == "/a/MT-01"
    page = client.get("/a/MT-01").get_data(as_text=True)
    assert 'id="stocktake-confirmed"' in page and f"/equipment/{item}/stocktake" not in page
    with app.app_context():
        assert db.session.scalar(select(EquipmentEvent.kind).where(EquipmentEvent.item_id == item)) == "stocktake"
        assert db.session.scalar(select(StockTake)).completed_at is None  # MT-02 is not confirmed yet


def phone_form(page: str, button_id: str) -> dict:
    """The fields of the phone page's form that holds `button_id`."""
    form = re.search(r'<form method="post" action="([^"]+)">((?:(?!</form>).)*id="%s"(?:(?!</form>).)*)</form>'
                     % button_id, page, re.S)
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form.group(2)))
    fields.pop("csrf_token", None)
    return {"action": form.group(1), **fields}


def test_report_broken_and_log_maintenance_from_the_phone(app, as_user, world):
    item = make_item(app, world.point_a.id, asset_code="MT-01", received_on=date(2025, 1, 15))
    client = as_user("librarian_a")
    form = phone_form(client.get("/a/MT-01").get_data(as_text=True), "report-broken")
    action = form.pop("action")
    response = post(client, action, {**form, "description": "Không lên nguồn"})
    assert response.status_code == 303 and response.headers["Location"] == "/a/MT-01"
    page = client.get("/a/MT-01").get_data(as_text=True)
    assert "cond-broken" in page and 'id="report-broken"' not in page
    form = phone_form(page, "log-maintenance")
    action = form.pop("action")
    response = post(client, action, form)
    assert response.status_code == 303 and response.headers["Location"] == "/a/MT-01"
    with app.app_context():
        events = db.session.execute(
            select(EquipmentEvent.kind, EquipmentEvent.occurred_on, EquipmentEvent.new_condition)
            .where(EquipmentEvent.item_id == item).order_by(EquipmentEvent.id)).all()
        assert db.session.get(EquipmentItem, item).condition == "broken"
    today = today_of(app)
    assert [(k, d, c) for k, d, c in events] == [("condition_change", today, "broken"), ("maintenance", today, None)]


def test_phone_page_of_a_liquidated_item_offers_nothing(app, as_user, world):
    item = make_item(app, world.point_a.id, asset_code="MT-01", condition="liquidated")
    client = as_user("librarian_a")
    page = client.get("/a/MT-01").get_data(as_text=True)
    assert f"/equipment/{item}/events" not in page and f"/equipment/{item}" in page
    staff = app.test_client()
    login(staff, world.province_staff_p.name)
    make_item(app, world.point_a.id, asset_code="MT-02")
    assert "/events" not in staff.get("/a/MT-02").get_data(as_text=True)  # province staff read only
    assert count(app, EquipmentEvent) == 0


def test_next_is_only_a_path_on_this_site(app, as_user, world):
    item = make_item(app, world.point_a.id, asset_code="MT-01")
    client = as_user("librarian_a")
    response = post(client, f"/equipment/{item}/events", {"kind": "maintenance", "occurred_on": "01/06/2026",
                                                          "description": "Bảo trì", "version": "1",
                                                          "next": "https://evil.example/a"})
    assert response.status_code == 303 and response.headers["Location"] == f"/equipment/{item}"


def test_a_chosen_item_comes_back_to_its_choice(app, as_user, world):
    """On the page of one of several items with the code, an action returns to that item's page."""
    make_item(app, world.point_a.id, description="Máy tỉnh P", asset_code="MT-01")
    other = make_item(app, world.point_c.id, description="Máy tỉnh Q", asset_code="MT-01")
    admin = app.test_client()
    login(admin, world.admin.name)
    page = admin.get(f"/a/MT-01?item={other}").get_data(as_text=True)
    assert f'name="next" value="/a/MT-01?item={other}"' in page


def test_report_part_of_a_lot_broken_from_the_phone(app, as_user, world):
    """2 of 5 broken: the broken pair becomes a row of its own ("MT-05/2"), whose phone page comes next; the
    field is offered only on a row of more than one, and a quantity of 0 or more than the row holds is refused."""
    single = make_item(app, world.point_a.id, asset_code="MT-01")
    lot = make_item(app, world.point_a.id, asset_code="MT-05", quantity=5, unit_value=12_500_000,
                    received_on=date(2013, 8, 1))
    client = as_user("librarian_a")
    assert 'name="quantity"' not in client.get("/a/MT-01").get_data(as_text=True)
    page = client.get("/a/MT-05").get_data(as_text=True)
    field = re.search(r'<input type="number" id="broken-quantity"[^>]*>', page).group(0)
    assert all(attr in field for attr in ('name="quantity"', 'value="5"', 'min="1"', 'max="5"',
                                          'inputmode="numeric"'))
    form = phone_form(page, "report-broken")
    action = form.pop("action")
    for wrong in ("0", "6"):
        response = post(client, action, {**form, "quantity": wrong})
        assert response.status_code == 422
        with app.app_context():
            assert db.session.get(EquipmentItem, lot).condition == "in_use"
        assert count(app, EquipmentItem) == 2 and count(app, EquipmentEvent) == 0

    response = post(client, action, {**form, "quantity": "2", "description": "Hỏng nguồn"})
    assert response.status_code == 303 and response.headers["Location"] == "/a/MT-05/2"
    page = client.get("/a/MT-05/2").get_data(as_text=True)
    assert "cond-broken" in page and 'id="report-broken"' not in page
    with app.app_context():
        rows = {i.asset_code: (i.quantity, i.condition) for i in db.session.scalars(
            select(EquipmentItem).where(EquipmentItem.id != single))}
        event = db.session.scalar(select(EquipmentEvent))
        assert (event.item.asset_code, event.quantity, event.new_condition) == ("MT-05/2", 2, "broken")
    assert rows == {"MT-05": (3, "in_use"), "MT-05/2": (2, "broken")}


def test_report_a_whole_lot_broken_from_the_phone(app, as_user, world):
    """The default, all of them: the row itself turns broken and the phone page of the same row comes back."""
    lot = make_item(app, world.point_a.id, asset_code="MT-05", quantity=5)
    client = as_user("librarian_a")
    form = phone_form(client.get("/a/MT-05").get_data(as_text=True), "report-broken")
    action = form.pop("action")
    response = post(client, action, {**form, "quantity": "5"})
    assert response.status_code == 303 and response.headers["Location"] == "/a/MT-05"
    with app.app_context():
        item = db.session.get(EquipmentItem, lot)
        assert (item.quantity, item.condition) == (5, "broken")
    assert count(app, EquipmentItem) == 1
