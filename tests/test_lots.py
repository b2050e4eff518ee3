"""Split lots: an event on part of a row splits it, totals and history kept; identical rows of a lot merge back;
the register's tiles count every condition; the central and district budgets; the migration."""
import re

import pytest
from sqlalchemy import func, select, text

from app.audit.models import AuditEvent
from app.equipment import lots, queries
from app.equipment.models import EquipmentEvent, EquipmentItem
from app.extensions import db
from tests.conftest import old_schema_transaction, post
from tests.test_equipment import count, item_data, make_item
from tests.test_migrations import empty_database_url  # noqa: F401, F811 (a fixture)


def rows(app, point_id):
    with app.app_context():
        return [(i.id, i.quantity, i.condition, i.asset_code, i.split_from_id) for i in db.session.scalars(
            select(EquipmentItem).where(EquipmentItem.point_id == point_id).order_by(EquipmentItem.id))]


def totals_of(app, point_id):
    with app.app_context():
        by = queries.totals(queries.filtered_items(point_id, condition="all"))["by_condition"]
        value = db.session.scalar(select(func.sum(EquipmentItem.quantity * EquipmentItem.unit_value))
                                  .where(EquipmentItem.point_id == point_id))
        return {k: v for k, v in by.items() if v}, value


def version(app, item_id):
    with app.app_context():
        return str(db.session.get(EquipmentItem, item_id).version)


def lot_of_ten(app, world, **values):
    return make_item(app, world.point_a.id, quantity=10, asset_code="MT-01", unit_value=15_000_000,
                     funding_source="bmgf", **values)


def broken(client, item_id, quantity, version=1, **extra):
    data = {"kind": "condition_change", "occurred_on": "02/03/2026", "new_condition": "broken",
            "quantity": str(quantity), "version": str(version), **extra}
    return post(client, f"/equipment/{item_id}/events", data)


# --- Splitting -------------------------------------------------------------------------------------

def test_two_of_ten_broken_splits_the_row_and_keeps_the_totals(app, as_user, world):
    item = lot_of_ten(app, world)
    client = as_user("librarian_a")
    before = totals_of(app, world.point_a.id)
    assert post(client, f"/equipment/{item}/events", {"kind": "repair", "occurred_on": "01/02/2026",
                                                      "description": "Vệ sinh", "version": "1"}).status_code == 303
    response = broken(client, item, 2)
    assert response.status_code == 303
    (orig, q1, c1, code1, _), (new, q2, c2, code2, origin) = rows(app, world.point_a.id)
    assert (orig, q1, c1, code1) == (item, 8, "in_use", "MT-01")
    assert (q2, c2, code2, origin) == (2, "broken", "MT-01/2", item)
    assert response.headers["Location"].endswith(f"/equipment/{new}")
    assert totals_of(app, world.point_a.id) == ({"in_use": 8, "broken": 2}, before[1])
    # The event is the new row's; the repair before the split is on both histories.
    with app.app_context():
        event = db.session.scalar(select(EquipmentEvent).where(EquipmentEvent.kind == "condition_change"))
        assert (event.item_id, event.quantity, event.old_condition, event.new_condition) == (new, 2, "in_use",
                                                                                                "broken")
        new_history = [e.kind for e in lots.history_of(db.session.get(EquipmentItem, new))]
        orig_history = [e.kind for e in lots.history_of(db.session.get(EquipmentItem, item))]
    assert new_history == ["condition_change", "repair"] and orig_history == ["repair"]
    page = client.get(f"/equipment/{new}").get_data(as_text=True)
    assert "Vệ sinh" in page and f'href="/equipment/{item}"' in page
    # A later event of the original is not the split row's history.
    post(client, f"/equipment/{item}/events", {"kind": "maintenance", "occurred_on": "03/03/2026",
                                               "description": "Sau khi tách", "version": "2"})
    assert "Sau khi tách" not in client.get(f"/equipment/{new}").get_data(as_text=True)
    assert "Sau khi tách" in client.get(f"/equipment/{item}").get_data(as_text=True)


def test_a_second_split_takes_the_next_free_code_and_a_code_held_elsewhere_is_skipped(app, as_user, world):
    item = lot_of_ten(app, world)
    make_item(app, world.point_b.id, asset_code="mt-01/2")  # same province, another commune
    client = as_user("librarian_a")
    assert broken(client, item, 2).status_code == 303
    assert broken(client, item, 1, version=2, new_condition="under_repair").status_code == 303
    assert [r[3] for r in rows(app, world.point_a.id)] == ["MT-01", "MT-01/3", "MT-01/4"]
    assert [r[1] for r in rows(app, world.point_a.id)] == [7, 2, 1]
    # A split of a split row takes the lot's next code, not "MT-01/3/2".
    split_row = rows(app, world.point_a.id)[1][0]
    assert broken(client, split_row, 1, version=2, new_condition="under_repair").status_code == 303
    assert [r[3] for r in rows(app, world.point_a.id)] == ["MT-01", "MT-01/3", "MT-01/4", "MT-01/5"]


def test_an_event_on_part_of_a_row_without_a_new_condition_does_not_split(app, as_user, world):
    item = lot_of_ten(app, world)
    client = as_user("librarian_a")
    assert post(client, f"/equipment/{item}/events", {"kind": "maintenance", "occurred_on": "01/02/2026",
                                                      "quantity": "3", "description": "Lau chùi",
                                                      "version": "1"}).status_code == 303
    assert rows(app, world.point_a.id) == [(item, 10, "in_use", "MT-01", None)]
    with app.app_context():
        assert db.session.scalar(select(EquipmentEvent.quantity)) == 3


def test_the_whole_row_or_an_empty_quantity_changes_the_row_itself(app, as_user, world):
    item = lot_of_ten(app, world)
    client = as_user("librarian_a")
    assert broken(client, item, 10).status_code == 303
    assert rows(app, world.point_a.id) == [(item, 10, "broken", "MT-01", None)]


@pytest.mark.parametrize("quantity", ["11", "0", "-2", "abc", "2,5"])
def test_bad_quantities_are_refused_with_nothing_saved(app, as_user, world, quantity):
    item = lot_of_ten(app, world)
    client = as_user("librarian_a")
    response = broken(client, item, quantity)
    assert response.status_code == 422
    assert 'id="quantity-error"' in response.get_data(as_text=True)
    assert rows(app, world.point_a.id) == [(item, 10, "in_use", "MT-01", None)]
    assert count(app, EquipmentEvent) == 0
    assert count(app, AuditEvent, AuditEvent.object_type.in_(("equipment_item", "equipment_event"))) == 0


def test_split_item_rule(app, world):
    item_id = lot_of_ten(app, world, received_on=__import__("datetime").date(2013, 8, 15))
    with app.app_context():
        item = db.session.get(EquipmentItem, item_id)
        for wrong in (0, 10, 11, -1, "2"):
            with pytest.raises(ValueError):
                lots.split_item(item, wrong)
        new = lots.split_item(item, 3)
        assert (item.quantity, new.quantity, new.split_from_id, new.received_on, new.created_at,
                new.funding_source, new.unit_value) == (7, 3, item.id, item.received_on, item.created_at, "bmgf",
                                                        15_000_000)
        db.session.commit()


def test_deleting_an_origin_keeps_its_split_rows(app, as_user, world):
    item = lot_of_ten(app, world)
    client = as_user("librarian_a")
    broken(client, item, 2)
    new = rows(app, world.point_a.id)[1][0]
    assert post(client, f"/equipment/{item}/delete").status_code == 303
    assert rows(app, world.point_a.id) == [(new, 2, "broken", "MT-01/2", None)]


# --- Merging back ------------------------------------------------------------------------------------

def test_merge_back_restores_one_row_with_every_event(app, as_user, world):
    item = lot_of_ten(app, world)
    client = as_user("librarian_a")
    before = totals_of(app, world.point_a.id)
    broken(client, item, 2)
    new = rows(app, world.point_a.id)[1][0]
    page = client.get(f"/equipment/{item}").get_data(as_text=True)
    assert "/merge" not in page  # broken and in use: not identical
    # Repaired: in use again, the two rows are identical.
    assert post(client, f"/equipment/{new}/events", {"kind": "repair", "occurred_on": "05/03/2026",
                                                     "new_condition": "in_use", "cost": "500000",
                                                     "version": version(app, new)}).status_code == 303
    page = client.get(f"/equipment/{item}").get_data(as_text=True)
    assert f'action="/equipment/{item}/merge"' in page and f'name="other" value="{new}"' in page
    assert post(client, f"/equipment/{item}/merge", {"other": str(new)}).status_code == 303
    assert rows(app, world.point_a.id) == [(item, 10, "in_use", "MT-01", None)]
    assert totals_of(app, world.point_a.id) == before
    with app.app_context():
        kinds = [e.kind for e in db.session.get(EquipmentItem, item).events]
        assert kinds == ["repair", "condition_change"]
        actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "equipment_item")
                                     .order_by(AuditEvent.id)).all()
        assert actions[-2:] == ["merge_rows", "delete"] and "split" in actions


def test_merging_the_origin_into_its_split_row(app, as_user, world):
    item = lot_of_ten(app, world)
    client = as_user("librarian_a")
    broken(client, item, 2)
    new = rows(app, world.point_a.id)[1][0]
    post(client, f"/equipment/{new}/events", {"kind": "repair", "occurred_on": "05/03/2026",
                                              "new_condition": "in_use", "version": version(app, new)})
    assert post(client, f"/equipment/{new}/merge", {"other": str(item)}).status_code == 303
    assert rows(app, world.point_a.id) == [(new, 10, "in_use", "MT-01/2", None)]


@pytest.mark.parametrize("case", ["different", "unrelated", "self", "missing", "garbage", "foreign"])
def test_merging_rows_that_differ_or_are_not_of_one_lot_is_refused(app, as_user, world, case):
    item = lot_of_ten(app, world)
    client = as_user("librarian_a")
    broken(client, item, 2)
    new = rows(app, world.point_a.id)[1][0]
    other = {"different": new, "self": item, "missing": 999999, "garbage": "x'; --",
             "unrelated": make_item(app, world.point_a.id, quantity=3, unit_value=15_000_000, funding_source="bmgf"),
             "foreign": make_item(app, world.point_c.id)}[case]
    before = rows(app, world.point_a.id)
    response = post(client, f"/equipment/{item}/merge", {"other": str(other)})
    assert response.status_code == 303
    assert rows(app, world.point_a.id) == before
    assert count(app, AuditEvent, AuditEvent.action == "merge_rows") == 0


def test_merge_is_for_the_communes_librarian(app, as_user, world):
    item = lot_of_ten(app, world)
    client = as_user("province_staff_p")
    assert post(client, f"/equipment/{item}/merge", {"other": "1"}).status_code == 403


# --- Register tiles, funding sources ----------------------------------------------------------------

def test_tiles_count_liquidated_items_whatever_the_filter(app, as_user, world):
    make_item(app, world.point_a.id, quantity=4)
    make_item(app, world.point_a.id, quantity=1, condition="liquidated")
    client = as_user("librarian_a")

    def tile(html, label):
        match = re.search(r'<span class="value">([^<]+)</span><span class="label">' + label, html)
        return match.group(1)

    for path in ("", "?condition=in_use", "?condition=broken", "?category=computer", "/totals"):
        html = client.get(f"/points/{world.point_a.id}/equipment{path}").get_data(as_text=True)
        assert tile(html, "đã thanh lý") == "1", path
        assert tile(html, "đang sử dụng") == "4", path


@pytest.mark.parametrize("source", ["central", "district"])
def test_central_and_district_budgets(app, as_user, world, source):
    client = as_user("librarian_a")
    assert client.get(f"/points/{world.point_a.id}/equipment/new").get_data(as_text=True).count(
        f'value="{source}"') == 1
    assert post(client, f"/points/{world.point_a.id}/equipment/new",
                item_data(funding_source=source)).status_code == 303
    with app.app_context():
        assert db.session.scalar(select(EquipmentItem.funding_source)) == source


# --- Migration ---------------------------------------------------------------------------------------

def test_migration_on_a_database_holding_data(empty_database_url):  # noqa: F811
    """Upgraded with an item and its events in place: stock-take confirmations become "present", the new
    budgets are accepted; downgraded on the way back on an empty register."""
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
            conn.execute(text("INSERT INTO equipment_item (id, point_id, category, description, asset_code, "
                              "quantity, condition, internet_connected, funding_source, notes, created_at, "
                              "updated_at, version) VALUES (1, 1, 'computer', 'Máy tính', '', 5, 'in_use', true, "
                              "'bmgf', '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)"))
            conn.execute(text("INSERT INTO stock_take (id, point_id, started_on) VALUES (1, 1, '2026-01-02')"))
            conn.execute(text("INSERT INTO equipment_event (id, item_id, occurred_on, kind, description, "
                              "stock_take_id, created_at) VALUES (1, 1, '2026-01-02', 'stocktake', '', 1, "
                              "CURRENT_TIMESTAMP)"))
        db.engine.dispose()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["db", "check"]).exit_code == 0
    with app.app_context():
        with old_schema_transaction(db.engine) as conn:
            assert conn.execute(text("SELECT outcome FROM equipment_event")).scalar() == "present"
            conn.execute(text("UPDATE equipment_item SET funding_source = 'district', split_from_id = NULL"))
            with pytest.raises(Exception, match="(?i)check"):
                with conn.begin_nested():
                    conn.execute(text("UPDATE equipment_item SET funding_source = 'nowhere'"))
            conn.execute(text("DELETE FROM equipment_event"))
            conn.execute(text("DELETE FROM stock_take"))
        db.engine.dispose()
    result = runner.invoke(args=["db", "downgrade", "f7be2197030f"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT funding_source FROM equipment_item")).scalar() == "other"
        db.engine.dispose()


def test_the_item_pages_of_a_lot_are_sound_html(app, as_user, world):
    from tests.test_html import problems_of

    item = lot_of_ten(app, world)
    client = as_user("librarian_a")
    broken(client, item, 2)
    broken(client, item, 3, version=version(app, item))
    new = rows(app, world.point_a.id)[1][0]
    post(client, f"/equipment/{new}/events", {"kind": "repair", "occurred_on": "05/03/2026",
                                              "new_condition": "in_use", "version": version(app, new)})
    for item_id in (r[0] for r in rows(app, world.point_a.id)):
        response = client.get(f"/equipment/{item_id}")
        assert problems_of(response.get_data(as_text=True)) == [], item_id


def test_part_of_a_lot_is_liquidated_only_by_decision(app, as_user, world):
    """A liquidation is recorded by the minutes of a decided proposal (tests/test_liquidation.py splits a
    lot that way); the item page's event form no longer takes one, whole or part."""
    item = lot_of_ten(app, world)
    client = as_user("librarian_a")
    assert post(client, f"/equipment/{item}/events", {"kind": "liquidation", "occurred_on": "02/03/2026",
                                                      "quantity": "1", "description": "Hỏng không sửa được",
                                                      "version": "1"}).status_code == 422
    assert [r[1:3] for r in rows(app, world.point_a.id)] == [(10, "in_use")]
