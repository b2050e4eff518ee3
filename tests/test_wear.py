"""Wear (hao mòn) after Thông tư 23/2023/TT-BTC: items below and above the
fixed-asset threshold, received mid-year, fully worn, computed by hand; a
province's own useful lives (its settings page); the remaining value on the
item page and in the register."""
import re
from datetime import date

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.equipment import wear
from app.equipment.models import CATEGORIES, EquipmentItem
from app.equipment.wear import DEFAULTS, THRESHOLD_VND, Rate, WearLife, rate_for_life, wear_of
from app.extensions import db
from tests.conftest import post

PC = DEFAULTS["computer"]  # 5 years, 20 %/year
DESK = DEFAULTS["desk"]  # 8 years, 12.5 %/year


def make_item(app, point_id, **values):
    with app.app_context():
        item = EquipmentItem(point_id=point_id, category=values.pop("category", "computer"),
                             description=values.pop("description", "Máy tính để bàn"), **values)
        db.session.add(item)
        db.session.commit()
        return item.id


# --- The rule, computed by hand ---------------------------------------------------------------------

def test_the_circulars_lines_cover_every_category():
    assert set(DEFAULTS) == set(CATEGORIES)
    assert (PC.life_years, PC.rate_bp) == (5, 2000) and (DESK.life_years, DESK.rate_bp) == (8, 1250)
    assert all(rate.line for rate in DEFAULTS.values())
    assert THRESHOLD_VND == 10_000_000


def test_below_the_threshold_an_item_does_not_wear():
    worn = wear_of(9_999_999, date(2013, 8, 1), date(2026, 12, 2), PC, THRESHOLD_VND, quantity=3)
    assert not worn.subject and not worn.fully_worn
    assert (worn.accumulated, worn.remaining, worn.original) == (0, 29_999_997, 29_999_997)


def test_at_the_threshold_an_item_wears_20_percent_a_year():
    # 10.000.000 ₫ received 15/03/2024: 31/12/2024 and 31/12/2025 have passed on 02/12/2026, 2 × 2.000.000.
    worn = wear_of(10_000_000, date(2024, 3, 15), date(2026, 12, 2), PC, THRESHOLD_VND)
    assert worn.subject and worn.years == 2
    assert (worn.annual, worn.accumulated, worn.remaining) == (2_000_000, 4_000_000, 6_000_000)
    assert worn.worn_out_on == date(2028, 12, 31)


def test_received_mid_year_the_year_of_receipt_counts_whole_on_31_december():
    received = date(2013, 8, 15)  # the district's donated PCs, 12.500.000 ₫ each
    assert wear_of(12_500_000, received, date(2013, 12, 30), PC, THRESHOLD_VND).remaining == 12_500_000
    on_31_december = wear_of(12_500_000, received, date(2013, 12, 31), PC, THRESHOLD_VND)
    assert (on_31_december.years, on_31_december.remaining) == (1, 10_000_000)
    assert wear_of(12_500_000, received, date(2014, 6, 1), PC, THRESHOLD_VND).remaining == 10_000_000
    assert wear_of(12_500_000, received, date(2017, 12, 30), PC, THRESHOLD_VND).remaining == 2_500_000
    # A day before receipt nothing has worn.
    assert wear_of(12_500_000, received, date(2013, 8, 1), PC, THRESHOLD_VND).remaining == 12_500_000


def test_fully_worn_never_below_zero():
    worn = wear_of(12_500_000, date(2013, 8, 15), date(2026, 12, 2), PC, THRESHOLD_VND, quantity=5)
    assert worn.fully_worn and worn.years == 13
    assert (worn.original, worn.accumulated, worn.remaining) == (62_500_000, 62_500_000, 0)
    assert worn.worn_out_on == date(2017, 12, 31)
    assert wear_of(12_500_000, date(2013, 8, 15), date(2017, 12, 31), PC, THRESHOLD_VND).fully_worn


def test_furniture_wears_12_5_percent_a_year_over_8_years():
    # A 16.000.000 ₫ reading desk received 01/06/2020: 2020–2025 counted on 02/12/2026, 6 × 2.000.000.
    worn = wear_of(16_000_000, date(2020, 6, 1), date(2026, 12, 2), DESK, THRESHOLD_VND)
    assert (worn.annual, worn.accumulated, worn.remaining) == (2_000_000, 12_000_000, 4_000_000)
    assert worn.worn_out_on == date(2027, 12, 31)


def test_a_rate_that_does_not_divide_evenly_ends_at_zero_in_the_last_year():
    six_years = Rate(6, rate_for_life(6))  # 16,67 %/year
    assert six_years.rate_bp == 1667
    assert wear_of(10_000_000, date(2020, 1, 1), date(2024, 12, 31), six_years, THRESHOLD_VND).remaining == 1_665_000
    last = wear_of(10_000_000, date(2020, 1, 1), date(2025, 12, 31), six_years, THRESHOLD_VND)
    assert last.fully_worn and last.accumulated == 10_000_000 and last.worn_out_on == date(2025, 12, 31)
    seven_years = Rate(7, rate_for_life(7))  # 14,29 %: 7 × 1.429.000 is over the value, the 7th year takes the rest
    assert wear_of(10_000_000, date(2020, 1, 1), date(2026, 12, 31), seven_years, THRESHOLD_VND).remaining == 0


def test_unknown_value_or_date_gives_no_wear():
    assert wear_of(None, date(2013, 8, 15), date(2026, 12, 2), PC, THRESHOLD_VND) is None
    assert wear_of(12_500_000, None, date(2026, 12, 2), PC, THRESHOLD_VND) is None


def test_the_threshold_is_a_setting(app, world):
    item_id = make_item(app, world.point_a.id, unit_value=8_000_000, received_on=date(2013, 8, 15))
    with app.test_request_context():
        item = db.session.get(EquipmentItem, item_id)
        assert not wear.item_wear(item).subject
    app.config["WEAR_THRESHOLD_VND"] = 5_000_000
    with app.test_request_context():
        item = db.session.get(EquipmentItem, item_id)
        assert wear.item_wear(item).fully_worn


def test_a_province_life_replaces_the_circulars(app, world):
    item_id = make_item(app, world.point_a.id, unit_value=12_000_000, received_on=date(2024, 2, 1))
    with app.app_context():
        db.session.add(WearLife(province_id=world.province_p.id, category="computer", life_years=10))
        db.session.commit()
    with app.test_request_context():
        item = db.session.get(EquipmentItem, item_id)
        worn = wear.item_wear(item, as_of=date(2026, 12, 2))
        assert worn.rate.custom and worn.rate.rate_bp == 1000 and worn.remaining == 12_000_000 - 2 * 1_200_000
        assert wear.rates_of(world.province_q.id)["computer"] == PC  # another province keeps the circular's


# --- The province's settings page --------------------------------------------------------------------

def lives(app, province_id):
    with app.app_context():
        return wear.province_lives(province_id)


def test_settings_page_shows_the_circulars_lines(as_user, world):
    page = as_user("province_staff_p").get(f"/provinces/{world.province_p.id}/wear").get_data(as_text=True)
    assert "23/2023/TT-BTC" in page and DEFAULTS["desk"].line in page and 'name="life_computer"' in page


def shown_version(client, province_id) -> str:
    page = client.get(f"/provinces/{province_id}/wear").get_data(as_text=True)
    return re.search(r'name="version"[^>]*value="([^"]*)"', page).group(1)


def save(client, province_id, data):
    return post(client, f"/provinces/{province_id}/wear", {"version": shown_version(client, province_id), **data})


def test_settings_save_a_province_life_and_are_audited(app, as_user, world):
    client = as_user("province_staff_p")
    response = save(client, world.province_p.id, {"life_computer": "6", "life_desk": "8"})
    assert response.status_code == 303
    assert lives(app, world.province_p.id) == {"computer": 6}  # 8 is the circular's own: nothing to keep
    assert lives(app, world.province_q.id) == {}
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "unit",
                                                            AuditEvent.object_id == world.province_p.id)).one()
        assert '"computer": 6' in event.after
    assert 'value="6"' in client.get(f"/provinces/{world.province_p.id}/wear").get_data(as_text=True)
    # Emptied: the circular's life again.
    assert save(client, world.province_p.id, {"life_computer": ""}).status_code == 303
    assert lives(app, world.province_p.id) == {}


@pytest.mark.parametrize("value", ["0", "51", "năm", "-3", "2.5"])
def test_settings_refuse_a_bad_life_and_save_nothing(app, as_user, world, value):
    client = as_user("province_staff_p")
    response = save(client, world.province_p.id, {"life_printer": "7", "life_computer": value})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="life_computer-error"' in page and 'aria-invalid="true"' in page
    assert lives(app, world.province_p.id) == {}


def test_settings_changed_meanwhile_are_not_overwritten(app, as_user, world):
    client = as_user("province_staff_p")
    stale = shown_version(client, world.province_p.id)
    assert save(client, world.province_p.id, {"life_computer": "6"}).status_code == 303  # someone else, meanwhile
    response = post(client, f"/provinces/{world.province_p.id}/wear", {"version": stale, "life_printer": "7"})
    assert response.status_code == 409
    assert 'value="6"' in response.get_data(as_text=True)  # the form shows the lives as they are now
    assert lives(app, world.province_p.id) == {"computer": 6}


def test_settings_of_another_province_or_a_commune_are_refused(app, as_user, world):
    client = as_user("province_staff_p")
    assert post(client, f"/provinces/{world.province_q.id}/wear", {"life_computer": "6"}).status_code == 403
    assert lives(app, world.province_q.id) == {}
    admin = as_user("admin")
    assert admin.get(f"/provinces/{world.commune_a.id}/wear").status_code == 404


def test_settings_without_csrf_change_nothing(app, as_user, world):
    client = as_user("province_staff_p")
    response = client.post(f"/provinces/{world.province_p.id}/wear", data={"life_computer": "6"})
    assert response.status_code in (400, 422)
    assert lives(app, world.province_p.id) == {}


# --- Where the remaining value shows -----------------------------------------------------------------

def remaining_cell(page: str) -> str:
    return re.search(r'id="remaining-value">(.*?)</dd>', page, re.S).group(1)


def test_item_page_shows_the_remaining_value(app, as_user, world):
    worn_id = make_item(app, world.point_a.id, unit_value=12_500_000, received_on=date(2013, 8, 15))
    client = as_user("librarian_a")
    cell = remaining_cell(client.get(f"/equipment/{worn_id}").get_data(as_text=True))
    assert re.search(r"12\.500\.000 ₫ →\D*\b0 ₫", cell) and "31/12/2017" in cell
    small_id = make_item(app, world.point_a.id, category="chair", unit_value=450_000, received_on=date(2013, 8, 15))
    cell = remaining_cell(client.get(f"/equipment/{small_id}").get_data(as_text=True))
    assert "450.000 ₫" in cell and "10.000.000 ₫" in cell
    unknown_id = make_item(app, world.point_a.id, unit_value=12_500_000)  # no receipt date: nothing to say
    assert 'id="remaining-value"' not in client.get(f"/equipment/{unknown_id}").get_data(as_text=True)


def test_register_row_shows_value_and_what_is_left(app, as_user, world):
    make_item(app, world.point_a.id, unit_value=12_500_000, received_on=date(2013, 8, 15), description="PC 2013")
    make_item(app, world.point_a.id, category="shelf", unit_value=1_500_000, quantity=4,
              received_on=date(2024, 3, 1), description="Giá sách")
    page = as_user("province_staff_p").get(f"/points/{world.point_a.id}/equipment").get_data(as_text=True)
    rows = {m.group(1): m.group(0) for m in re.finditer(r'<tr id="item-\d+".*?>.*?(PC 2013|Giá sách).*?</tr>',
                                                        page, re.S)}
    assert re.search(r"12\.500\.000 ₫ →\D*\b0 ₫", rows["PC 2013"])
    assert "6.000.000 ₫" in rows["Giá sách"] and "→" not in rows["Giá sách"]
    assert 'colspan="9"' in page


def test_the_register_reads_the_rates_once_whatever_its_rows(app, as_user, world):
    """The remaining value of every row comes from one read of the province's lives, not one per row."""
    from sqlalchemy import event as sa_event

    client = as_user("librarian_a")
    with app.app_context():
        engine = db.engine
    sent: list[str] = []

    def record(_conn, _cursor, statement, *args):
        sent.append(statement)

    counts = []
    for added in (1, 9):  # 1 row, then 10
        for n in range(added):
            make_item(app, world.point_a.id, unit_value=12_500_000, received_on=date(2013, 8, 15),
                      description=f"PC {len(counts)}-{n}")
        sent.clear()
        sa_event.listen(engine, "before_cursor_execute", record)
        try:
            assert client.get(f"/points/{world.point_a.id}/equipment").status_code == 200
        finally:
            sa_event.remove(engine, "before_cursor_execute", record)
        counts.append(len(sent))
        # The rates, read once (the register's version also asks whether the lives changed).
        assert sum("wear_life.category" in statement for statement in sent) == 1
    assert counts[0] == counts[1]
