"""Maintenance schedules: the next due date (hand-computed), the province's
intervals and their validation, an item's own interval, the communes behind,
the librarian's home, and one query for the due dates of a page."""
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import event, select

from app.audit.models import AuditEvent
from app.equipment.maintenance_models import MaintenanceInterval
from app.equipment.maintenance_queries import add_months, schedule_rows
from app.equipment.models import EquipmentEvent, EquipmentItem
from app.extensions import db
from app.formatting import today_local
from tests.conftest import login, old_schema_transaction, post
from tests.test_equipment import count, item_data, make_item
from tests.test_migrations import empty_database_url  # noqa: F401  (a fixture)


def today_of(app):
    with app.test_request_context():
        return today_local()


def set_intervals(app, province_id, **months):
    with app.app_context():
        for category, value in months.items():
            db.session.add(MaintenanceInterval(province_id=province_id, category=category, months=value))
        db.session.commit()


def add_event(app, item_id, kind, day):
    with app.app_context():
        db.session.add(EquipmentEvent(item_id=item_id, kind=kind, occurred_on=day, description="x"))
        db.session.commit()


def due_of(app, item_id):
    with app.app_context():
        rows = schedule_rows(EquipmentItem.id == item_id)
        return rows[0]["due"] if rows else None


def settings_form(client, province_id):
    """What the settings form posts besides the months: the intervals it was shown with."""
    page = client.get(f"/provinces/{province_id}/maintenance/settings").get_data(as_text=True)
    return {"current": re.search(r'name="current" type="hidden" value="([^"]*)"', page).group(1)}


# --- The rule -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("day", "months", "expected"), [
    (date(2026, 1, 15), 6, date(2026, 7, 15)),
    (date(2025, 8, 31), 6, date(2026, 2, 28)),  # the month's end is clamped
    (date(2023, 8, 31), 6, date(2024, 2, 29)),  # a leap year
    (date(2025, 11, 30), 3, date(2026, 2, 28)),
    (date(2025, 12, 1), 1, date(2026, 1, 1)),
    (date(2025, 5, 10), 24, date(2027, 5, 10)),
])
def test_add_months(day, months, expected):
    assert add_months(day, months) == expected


def test_next_due_from_receipt_then_from_the_last_maintenance(app, world):
    set_intervals(app, world.province_p.id, computer=6)
    item = make_item(app, world.point_a.id, received_on=date(2025, 1, 15))
    chair = make_item(app, world.point_a.id, category="chair", description="Ghế")
    assert due_of(app, item) == date(2025, 7, 15)  # received 15/01/2025 + 6 months
    assert due_of(app, chair) is None  # no interval for chairs
    add_event(app, item, "maintenance", date(2025, 8, 31))
    add_event(app, item, "maintenance", date(2025, 3, 1))  # an older one entered later does not count
    assert due_of(app, item) == date(2026, 2, 28)  # 31/08/2025 + 6 months, clamped to February's end
    add_event(app, item, "repair", date(2025, 12, 1))  # a repair is not the periodic service
    assert due_of(app, item) == date(2026, 2, 28)


def test_next_due_without_receipt_date_counts_from_the_entry(app, world):
    set_intervals(app, world.province_p.id, computer=12)
    item = make_item(app, world.point_a.id)
    from app.deleting import local_day

    with app.test_request_context():
        entered = local_day(db.session.get(EquipmentItem, item).created_at)
    assert due_of(app, item) == add_months(entered, 12)


def test_own_interval_overrides_and_zero_or_liquidation_means_never(app, world):
    set_intervals(app, world.province_p.id, computer=6)
    item = make_item(app, world.point_a.id, received_on=date(2025, 1, 15), maintenance_months=3)
    assert due_of(app, item) == date(2025, 4, 15)
    other = make_item(app, world.point_a.id, received_on=date(2025, 1, 15), maintenance_months=0)
    assert due_of(app, other) is None
    gone = make_item(app, world.point_a.id, received_on=date(2025, 1, 15), condition="liquidated")
    assert due_of(app, gone) is None
    # Another province's interval is not this province's.
    foreign = make_item(app, world.point_c.id, received_on=date(2025, 1, 15))
    assert due_of(app, foreign) is None
    chair = make_item(app, world.point_a.id, category="chair", received_on=date(2025, 1, 15), maintenance_months=12)
    assert due_of(app, chair) == date(2026, 1, 15)  # an item's own interval needs no province default


def test_item_page_shows_the_next_maintenance_after_an_event(app, as_user, world):
    set_intervals(app, world.province_p.id, computer=6)
    item = make_item(app, world.point_a.id, received_on=date(2025, 1, 15))
    client = as_user("librarian_a")
    assert "15/07/2025" in client.get(f"/equipment/{item}").get_data(as_text=True)
    response = post(client, f"/equipment/{item}/events", {"kind": "maintenance", "occurred_on": "31/08/2025",
                                                          "description": "Vệ sinh máy", "version": "1"})
    assert response.status_code == 303
    assert "28/02/2026" in client.get(f"/equipment/{item}").get_data(as_text=True)


# --- The item's own interval --------------------------------------------------------------------------

def test_item_form_takes_an_own_interval_and_refuses_a_bad_one(app, as_user, world):
    client = as_user("librarian_a")
    response = post(client, f"/points/{world.point_a.id}/equipment/new", item_data(maintenance_months="121"))
    assert response.status_code == 422 and count(app, EquipmentItem) == 0
    assert 'id="maintenance_months-error"' in response.get_data(as_text=True)
    response = post(client, f"/points/{world.point_a.id}/equipment/new", item_data(maintenance_months="ba"))
    assert response.status_code == 422 and count(app, EquipmentItem) == 0
    assert post(client, f"/points/{world.point_a.id}/equipment/new",
                item_data(maintenance_months="3")).status_code == 303
    with app.app_context():
        item = db.session.scalar(select(EquipmentItem))
        assert item.maintenance_months == 3
        item_id = item.id
    # Saved again with the field emptied: the province's interval again.
    assert post(client, f"/equipment/{item_id}/edit", item_data(maintenance_months="", version="1")).status_code == 303
    with app.app_context():
        assert db.session.get(EquipmentItem, item_id).maintenance_months is None


# --- The province's intervals ------------------------------------------------------------------------

def test_settings_save_validate_and_audit(app, as_user, world):
    client = as_user("province_staff_p")
    url = f"/provinces/{world.province_p.id}/maintenance/settings"
    for bad in ("0", "121", "sáu", "-1"):
        response = post(client, url, {**settings_form(client, world.province_p.id), "months_computer": bad})
        assert response.status_code == 422, bad
        assert 'id="months_computer-error"' in response.get_data(as_text=True)
        assert count(app, MaintenanceInterval) == 0
    # A bad value beside a good one: nothing is saved.
    response = post(client, url, {**settings_form(client, world.province_p.id), "months_computer": "6",
                                  "months_printer": "200"})
    assert response.status_code == 422 and count(app, MaintenanceInterval) == 0
    response = post(client, url, {**settings_form(client, world.province_p.id), "months_computer": "6",
                                  "months_printer": "12"})
    assert response.status_code == 303
    with app.app_context():
        saved = dict(db.session.execute(select(MaintenanceInterval.category, MaintenanceInterval.months)).all())
        assert saved == {"computer": 6, "printer": 12}
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "update_maintenance"))
    # Emptied: no schedule for printers any more; changed: computers every 3 months.
    response = post(client, url, {**settings_form(client, world.province_p.id), "months_computer": "3",
                                  "months_printer": ""})
    assert response.status_code == 303
    with app.app_context():
        saved = dict(db.session.execute(select(MaintenanceInterval.category, MaintenanceInterval.months)).all())
        assert saved == {"computer": 3}


def test_settings_saved_meanwhile_is_a_conflict(app, as_user, world):
    client = as_user("province_staff_p")
    url = f"/provinces/{world.province_p.id}/maintenance/settings"
    shown = settings_form(client, world.province_p.id)
    set_intervals(app, world.province_p.id, computer=6)  # another officer saved first
    response = post(client, url, {**shown, "months_computer": "12"})
    assert response.status_code == 409
    with app.app_context():
        assert db.session.scalar(select(MaintenanceInterval.months)) == 6


def test_settings_of_another_province_are_refused(app, as_user, world):
    client = as_user("province_staff_p")
    response = post(client, f"/provinces/{world.province_q.id}/maintenance/settings", {"months_computer": "6"})
    assert response.status_code == 403 and count(app, MaintenanceInterval) == 0
    assert client.get(f"/provinces/{world.commune_a.id}/maintenance/settings").status_code == 404
    librarian = app.test_client()
    login(librarian, world.librarian_a.name)
    assert post(librarian, f"/provinces/{world.province_p.id}/maintenance/settings",
                {"months_computer": "6"}).status_code == 403


# --- Who is behind -------------------------------------------------------------------------------------

def overdue_world(app, world):
    """Commune A: two computers overdue, one not yet due; commune B: one printer (no interval);
    commune C (province Q): a computer overdue in its own province."""
    today = today_of(app)
    set_intervals(app, world.province_p.id, computer=6)
    set_intervals(app, world.province_q.id, computer=6)
    old = today - timedelta(days=400)
    a1 = make_item(app, world.point_a.id, description="Máy trễ một", received_on=old)
    a2 = make_item(app, world.point_a.id, description="Máy trễ hai", received_on=old, asset_code="MT-02")
    a3 = make_item(app, world.point_a.id, description="Máy mới", received_on=today - timedelta(days=10))
    make_item(app, world.point_b.id, category="printer", description="Máy in", received_on=old)
    make_item(app, world.point_c.id, description="Máy xã C", received_on=old)
    return a1, a2, a3


def test_province_sees_overdue_per_commune_and_drills_in(app, as_user, world):
    a1, a2, a3 = overdue_world(app, world)
    client = as_user("province_staff_p")
    page = client.get("/province/maintenance").get_data(as_text=True)
    table = page[page.index('id="maintenance-communes"'):]
    row_a = table[table.index("Xã A"):table.index("</tr>", table.index("Xã A"))]
    row_b = table[table.index("Xã B"):table.index("</tr>", table.index("Xã B"))]
    assert '<td class="num">2</td>' in row_a and '<td class="num">3</td>' in row_a  # 2 overdue of 3 scheduled
    assert row_b.count('<td class="num">0</td>') == 2
    assert "Xã C" not in page  # another province
    assert f'/communes/{world.commune_a.id}/maintenance' in page
    detail = client.get(f"/communes/{world.commune_a.id}/maintenance").get_data(as_text=True)
    overdue = detail[detail.index('id="overdue"'):detail.index('id="due-soon"')]
    assert "Máy trễ một" in overdue and "Máy trễ hai" in overdue and "Máy mới" not in overdue
    assert f"/equipment/{a1}" in overdue and "MT-02" in overdue
    assert client.get(f"/communes/{world.commune_c.id}/maintenance").status_code == 403
    # The menu and the home page lead there.
    home = client.get("/").get_data(as_text=True)
    assert home.count('href="/province/maintenance"') >= 2


def test_a_maintenance_event_clears_the_overdue(app, as_user, world):
    a1, a2, _a3 = overdue_world(app, world)
    client = as_user("librarian_a")
    today = today_of(app).strftime("%d/%m/%Y")
    assert post(client, f"/equipment/{a1}/events", {"kind": "maintenance", "occurred_on": today,
                                                    "description": "Bảo trì", "version": "1"}).status_code == 303
    detail = client.get(f"/communes/{world.commune_a.id}/maintenance").get_data(as_text=True)
    overdue = detail[detail.index('id="overdue"'):detail.index('id="due-soon"')]
    assert "Máy trễ một" not in overdue and "Máy trễ hai" in overdue
    staff = app.test_client()
    login(staff, world.province_staff_p.name)
    page = staff.get("/province/maintenance").get_data(as_text=True)
    row_a = page[page.index("Xã A"):page.index("</tr>", page.index("Xã A"))]
    assert '<td class="num">1</td>' in row_a


def test_librarian_home_lists_items_due(app, as_user, world):
    a1, a2, a3 = overdue_world(app, world)
    soon = make_item(app, world.point_a.id, description="Máy sắp đến hạn",
                     received_on=add_months(today_of(app), -6) + timedelta(days=20))  # due in 20 days
    client = as_user("librarian_a")
    home = client.get("/").get_data(as_text=True)
    box = home[home.index('id="maintenance-due"'):]
    box = box[:box.index("</section>")]
    assert f"/equipment/{a1}" in box and f"/equipment/{a2}" in box and f"/equipment/{soon}" in box
    assert f"/equipment/{a3}" not in box  # due in about six months
    assert "Máy xã C" not in box
    assert f"/communes/{world.commune_a.id}/maintenance" in box
    # Commune B's librarian has nothing due: no box.
    other = app.test_client()
    login(other, world.librarian_b.name)
    assert 'id="maintenance-due"' not in other.get("/").get_data(as_text=True)
    assert other.get(f"/communes/{world.commune_a.id}/maintenance").status_code == 403


def test_due_dates_are_one_query_whatever_the_number_of_items(app, as_user, world):
    """The overview's query count does not grow with the items (no query per item)."""
    set_intervals(app, world.province_p.id, computer=6)
    client = as_user("province_staff_p")

    def statements():
        seen = []
        with app.app_context():
            engine = db.engine

        def count_it(conn, cursor, statement, *args):
            seen.append(statement)

        event.listen(engine, "before_cursor_execute", count_it)
        try:
            assert client.get("/province/maintenance").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count_it)
        return [s for s in seen if "equipment" in s]

    make_item(app, world.point_a.id, received_on=date(2025, 1, 1))
    few = statements()
    for n in range(12):
        item = make_item(app, world.point_a.id if n % 2 else world.point_b.id, received_on=date(2025, 1, 1))
        add_event(app, item, "maintenance", date(2025, 6, 1))
    many = statements()
    assert len(few) == len(many) == 1


# --- The migration -----------------------------------------------------------------------------------

def test_migration_upgrades_and_downgrades_with_data(empty_database_url):  # noqa: F811
    """The schedules' migration on a database holding an item and its event: up, down (the item and
    its event stay), and up again."""
    from sqlalchemy import text

    from app import create_app
    from config import TestConfig

    class Fresh(TestConfig):
        SQLALCHEMY_DATABASE_URI = empty_database_url

    app = create_app(Fresh)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "f7be2197030f"]).exit_code == 0
    with app.app_context():
        with old_schema_transaction(db.engine) as conn:
            conn.execute(text("INSERT INTO unit (id, code, name, kind, division_type) "
                              "VALUES (1, '01', 'Tỉnh P', 'province', 'Tỉnh')"))
            conn.execute(text("INSERT INTO unit (id, code, name, kind, division_type, parent_id) "
                              "VALUES (2, '00001', 'Xã A', 'commune', 'Xã', 1)"))
            conn.execute(text("INSERT INTO library_point (id, commune_id, name, address, model, notes, active, "
                              "created_at, updated_at, version) VALUES (1, 2, 'Điểm A', '', 'library', '', true, "
                              "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)"))
            conn.execute(text("INSERT INTO equipment_item (id, point_id, category, description, asset_code, quantity, "
                              "condition, internet_connected, funding_source, received_on, notes, created_at, "
                              "updated_at, version) VALUES (1, 1, 'computer', 'Máy tính', '', 5, 'in_use', true, "
                              "'bmgf', '2013-08-01', '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)"))
            conn.execute(text("INSERT INTO equipment_event (id, item_id, occurred_on, kind, description, created_at) "
                              "VALUES (1, 1, '2024-01-02', 'maintenance', 'Vệ sinh', CURRENT_TIMESTAMP)"))
        db.engine.dispose()
    for step in (["db", "upgrade", "a3c5e7d9b1f2"], ["db", "downgrade", "4135a021546d"],
                 ["db", "upgrade", "a3c5e7d9b1f2"]):
        result = runner.invoke(args=step)
        assert result.exit_code == 0, (step, result.output)
    with app.app_context():
        with old_schema_transaction(db.engine) as conn:
            assert conn.execute(text("SELECT maintenance_months FROM equipment_item")).scalar() is None
            assert conn.execute(text("SELECT count(*) FROM equipment_event")).scalar() == 1
            conn.execute(text("INSERT INTO maintenance_interval (province_id, category, months) "
                              "VALUES (1, 'computer', 6)"))
        db.engine.dispose()
