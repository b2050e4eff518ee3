"""Liquidation by decision: the librarian proposes, province staff of the province decide, the minutes
liquidate; refusals and bad input change nothing; restoring needs province staff and a reason; every
figure counts an item liquidated once."""
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.audit.models import AuditEvent
from app.equipment import queries
from app.equipment.liquidation import LiquidationLine, LiquidationProposal
from app.equipment.models import EquipmentEvent, EquipmentItem
from app.extensions import db
from tests.conftest import fetch, login, post
from tests.test_access_matrix import fingerprint

TODAY = date.today()
DAY = (TODAY - timedelta(days=1)).strftime("%d/%m/%Y")
DECIDED = (TODAY - timedelta(days=3)).strftime("%d/%m/%Y")


def make_item(app, point_id, **values):
    with app.app_context():
        item = EquipmentItem(point_id=point_id, category=values.pop("category", "computer"),
                             description=values.pop("description", "Máy tính cũ"), **values)
        db.session.add(item)
        db.session.commit()
        return item.id


def client_of(app, world, role):
    client = app.test_client()
    assert login(client, getattr(world, role).name).status_code == 303
    return client


def count(app, model, *where):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def proposal_ids(app):
    with app.app_context():
        return db.session.scalars(select(LiquidationProposal.id).order_by(LiquidationProposal.id)).all()


def propose(client, point_id, quantities, reason="Hỏng bo mạch, sửa không kinh tế", evidence="Biên bản kiểm tra"):
    data = {f"qty-{item}": str(qty) for item, qty in quantities.items()}
    data.update(reason=reason, evidence=evidence)
    return post(client, f"/points/{point_id}/liquidations/new", data)


def version(app, proposal_id):
    return str(fetch(app, LiquidationProposal, proposal_id).version)


def approve(client, app, proposal_id, **overrides):
    data = {"outcome": "approve", "decision_number": "125/QĐ-SVHTTDL", "decision_date": DECIDED,
            "decision_issuer": "Sở Văn hóa, Thể thao và Du lịch", "comment": "", "version": version(app, proposal_id)}
    data.update(overrides)
    return post(client, f"/liquidations/{proposal_id}/decide", data)


def minutes(client, app, proposal_id, **overrides):
    data = {"minutes_date": DAY, "council": "Ông A (chủ tịch), Bà B, Ông C", "proceeds": "1.500.000",
            "version": version(app, proposal_id)}
    data.update(overrides)
    return post(client, f"/liquidations/{proposal_id}/minutes", data)


TABLES = ("equipment_item", "equipment_event", "liquidation_proposal", "liquidation_line")


def business(app):
    """The rows a liquidation step may change, and the audit trail but for logins."""
    rows = fingerprint(app)
    with app.app_context():
        trail = db.session.scalars(select(AuditEvent.id).where(AuditEvent.action.not_like("login%"))).all()
    return {**{table: rows[table] for table in TABLES}, "audit": trail}


def state(app, proposal_id):
    return fetch(app, LiquidationProposal, proposal_id).state


def liquidated_count(app, point_id, start=date(2000, 1, 1), end=TODAY):
    with app.app_context():
        return queries.period_changes([point_id], start, end)["liquidated"]


# --- The whole flow, by role ----------------------------------------------------------------------

def test_the_full_flow_by_role(app, world):
    item = make_item(app, world.point_a.id, quantity=1)
    librarian = client_of(app, world, "librarian_a")
    page = librarian.get(f"/points/{world.point_a.id}/liquidations/new?item={item}")
    assert page.status_code == 200 and f'name="qty-{item}" value="1"' in page.get_data(as_text=True)
    assert propose(librarian, world.point_a.id, {item: 1}).status_code == 303
    (proposal,) = proposal_ids(app)
    assert state(app, proposal) == "proposed"
    assert fetch(app, EquipmentItem, item).condition == "in_use"  # a proposal liquidates nothing

    # The librarian cannot decide; province staff of another province neither see nor decide.
    assert approve(librarian, app, proposal).status_code == 403
    other = client_of(app, world, "province_staff_q")
    assert other.get(f"/liquidations/{proposal}").status_code == 403
    assert approve(other, app, proposal).status_code == 403
    assert other.get("/province/liquidations").get_data(as_text=True).count(f"/liquidations/{proposal}\"") == 0
    assert client_of(app, world, "trainer_p").get(f"/liquidations/{proposal}").status_code == 403

    staff = client_of(app, world, "province_staff_p")
    queue = staff.get("/province/liquidations").get_data(as_text=True)
    assert f'href="/liquidations/{proposal}"' in queue
    # Approving needs the decision's number, date and issuing body.
    response = approve(staff, app, proposal, decision_number="", decision_issuer="")
    assert response.status_code == 422 and state(app, proposal) == "proposed"
    assert approve(staff, app, proposal).status_code == 303
    saved = fetch(app, LiquidationProposal, proposal)
    assert (saved.state, saved.decision_number, saved.decision_date) == ("approved", "125/QĐ-SVHTTDL",
                                                                          TODAY - timedelta(days=3))
    assert fetch(app, EquipmentItem, item).condition == "in_use"  # approved, not yet carried out

    # The minutes (here by the librarian) liquidate the item, with an event linked to the proposal.
    assert minutes(librarian, app, proposal, proceeds="").status_code == 422
    assert minutes(librarian, app, proposal).status_code == 303
    assert state(app, proposal) == "liquidated" and fetch(app, EquipmentItem, item).condition == "liquidated"
    with app.app_context():
        line = db.session.scalar(select(LiquidationLine))
        assert (line.event.item_id, line.event.kind, line.is_open) == (item, "liquidation", False)
        assert line.event.occurred_on == TODAY - timedelta(days=1) and "125/QĐ-SVHTTDL" in line.event.description
        assert line.proposal.proceeds == 1_500_000
        actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"propose_liquidation", "approve_liquidation", "record_minutes", "liquidate"} <= actions
    assert f'href="/liquidations/{proposal}"' not in staff.get("/province/liquidations").get_data(as_text=True)
    listing = librarian.get(f"/points/{world.point_a.id}/liquidations").get_data(as_text=True)
    assert f'href="/liquidations/{proposal}"' in listing and "125/QĐ-SVHTTDL" in listing
    assert minutes(staff, app, proposal).status_code == 409  # done once


def test_a_partial_quantity_splits_off_a_liquidated_lot(app, world):
    item = make_item(app, world.point_a.id, category="chair", description="Ghế nhựa", quantity=5, unit_value=90_000,
                     asset_code="GH-01", received_on=date(2015, 3, 1))
    librarian = client_of(app, world, "librarian_a")
    assert propose(librarian, world.point_a.id, {item: 2}).status_code == 303
    (proposal,) = proposal_ids(app)
    staff = client_of(app, world, "province_staff_p")
    assert approve(staff, app, proposal).status_code == 303
    assert minutes(staff, app, proposal).status_code == 303
    with app.app_context():
        rows = db.session.scalars(select(EquipmentItem).order_by(EquipmentItem.id)).all()
        assert [(r.quantity, r.condition) for r in rows] == [(3, "in_use"), (2, "liquidated")]
        kept, lot = rows
        # Split off the lot (app.equipment.lots.split_item): linked to its origin, under the next free code.
        assert (lot.description, lot.unit_value, lot.asset_code, lot.received_on) == (
            "Ghế nhựa", 90_000, "GH-01/2", date(2015, 3, 1))
        assert lot.point_id == kept.point_id and lot.split_from_id == kept.id
        line = db.session.scalar(select(LiquidationLine))
        assert line.item_id == kept.id and line.event.item_id == lot.id and line.quantity == 2
    assert liquidated_count(app, world.point_a.id) == 1


# --- What changes nothing ---------------------------------------------------------------------------

def test_a_refused_proposal_changes_nothing(app, world):
    item = make_item(app, world.point_a.id, quantity=3)
    librarian = client_of(app, world, "librarian_a")
    assert propose(librarian, world.point_a.id, {item: 3}).status_code == 303
    (proposal,) = proposal_ids(app)
    before = business(app)
    staff = client_of(app, world, "province_staff_p")
    # Refusing needs a comment.
    assert post(staff, f"/liquidations/{proposal}/decide",
                {"outcome": "refuse", "comment": " ", "version": version(app, proposal)}).status_code == 422
    assert business(app) == before
    assert post(staff, f"/liquidations/{proposal}/decide",
                {"outcome": "refuse", "comment": "Còn sửa được, đề nghị sửa chữa",
                 "version": version(app, proposal)}).status_code == 303
    after = business(app)
    for table in ("equipment_item", "equipment_event"):
        assert after[table] == before[table]
    assert state(app, proposal) == "refused" and fetch(app, EquipmentItem, item).condition == "in_use"
    assert minutes(staff, app, proposal).status_code == 409
    assert fetch(app, EquipmentItem, item).condition == "in_use"
    # The item may be proposed again.
    assert propose(librarian, world.point_a.id, {item: 1}).status_code == 303


def vi(app, message, **values):
    """`message` as a librarian reads it (in Vietnamese), escaped as a page shows it."""
    from flask_babel import force_locale, gettext
    from markupsafe import escape

    with app.test_request_context(), force_locale("vi"):
        return str(escape(gettext(message, **values)))


QUANTITY = "Enter a quantity from 1 to %(max)d for %(item)s."


@pytest.mark.parametrize("quantities, reason, message", [
    ("whole", "", ("Give the reason for the liquidation.", {})),
    (0, "Hỏng", (QUANTITY, {"max": 3, "item": "Máy tính cũ"})),
    (4, "Hỏng", (QUANTITY, {"max": 3, "item": "Máy tính cũ"})),
    ("abc", "Hỏng", None),
    (None, "Hỏng", ("Choose at least one item and its quantity.", {})),
])
def test_bad_input_is_refused_with_nothing_saved(app, world, quantities, reason, message):
    item = make_item(app, world.point_a.id, quantity=3)
    librarian = client_of(app, world, "librarian_a")
    before = business(app)
    qty = {} if quantities is None else {item: 3 if quantities == "whole" else quantities}
    response = propose(librarian, world.point_a.id, qty, reason=reason)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    if message is None:
        assert f'id="qty-{item}-error"' in html
    else:
        assert vi(app, message[0], **message[1]) in html
    assert business(app) == before


def test_an_item_is_in_one_open_proposal_at_most(app, world):
    item = make_item(app, world.point_a.id, quantity=2)
    librarian = client_of(app, world, "librarian_a")
    assert propose(librarian, world.point_a.id, {item: 1}).status_code == 303
    page = librarian.get(f"/points/{world.point_a.id}/liquidations/new").get_data(as_text=True)
    assert f'name="qty-{item}"' not in page
    assert propose(librarian, world.point_a.id, {item: 1}).status_code == 422  # not offered, so nothing chosen
    assert len(proposal_ids(app)) == 1
    detail = librarian.get(f"/equipment/{item}").get_data(as_text=True)
    assert f'href="/liquidations/{proposal_ids(app)[0]}"' in detail
    with app.app_context():  # the database says so too
        proposal = LiquidationProposal(point_id=world.point_a.id, reason="x",
                                       lines=[LiquidationLine(item_id=item, quantity=1)])
        db.session.add(proposal)
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_withdraw_while_proposed_and_stale_posts(app, world):
    item = make_item(app, world.point_a.id)
    librarian = client_of(app, world, "librarian_a")
    assert propose(librarian, world.point_a.id, {item: 1}).status_code == 303
    (proposal,) = proposal_ids(app)
    staff = client_of(app, world, "province_staff_p")
    assert post(staff, f"/liquidations/{proposal}/withdraw", {"version": version(app, proposal)}).status_code == 403
    # A decision posted from a page shown before the proposal changed: 409, nothing saved.
    assert approve(staff, app, proposal, version="0").status_code == 409 and state(app, proposal) == "proposed"
    assert post(librarian, f"/liquidations/{proposal}/withdraw", {"version": version(app, proposal)}).status_code == 303
    assert state(app, proposal) == "withdrawn"
    assert approve(staff, app, proposal).status_code == 409 and state(app, proposal) == "withdrawn"
    assert count(app, LiquidationLine, LiquidationLine.is_open.is_(True)) == 0


# --- No direct liquidation; restoring; counting ---------------------------------------------------

@pytest.mark.parametrize("role", ["librarian_a", "admin"])
def test_nobody_liquidates_directly_from_the_item_page(app, world, role):
    item = make_item(app, world.point_a.id)
    client = client_of(app, world, role)
    assert 'value="liquidation"' not in client.get(f"/equipment/{item}").get_data(as_text=True)
    response = post(client, f"/equipment/{item}/events", {"kind": "liquidation", "occurred_on": DAY,
                                                           "description": "Hỏng", "version": "1"})
    assert response.status_code == 422 and fetch(app, EquipmentItem, item).condition == "in_use"


def liquidate_by_decision(app, world, item):
    librarian = client_of(app, world, "librarian_a")
    staff = client_of(app, world, "province_staff_p")
    assert propose(librarian, world.point_a.id, {item: 1}).status_code == 303
    proposal = proposal_ids(app)[-1]
    assert approve(staff, app, proposal).status_code == 303
    assert minutes(staff, app, proposal).status_code == 303
    assert fetch(app, EquipmentItem, item).condition == "liquidated"


def restore_data(app, item, **overrides):
    data = {"condition": "in_use", "occurred_on": DAY, "description": "Quyết định thanh lý bị hủy",
            "version": str(fetch(app, EquipmentItem, item).version)}
    data.update(overrides)
    return data


def test_restoring_needs_province_staff_and_a_reason_and_counts_stay_one(app, world):
    item = make_item(app, world.point_a.id)
    liquidate_by_decision(app, world, item)
    assert liquidated_count(app, world.point_a.id) == 1
    librarian = client_of(app, world, "librarian_a")
    assert "Khôi phục" not in librarian.get(f"/equipment/{item}").get_data(as_text=True).split("History")[0]
    assert post(librarian, f"/equipment/{item}/restore", restore_data(app, item)).status_code == 403
    assert post(client_of(app, world, "province_staff_q"), f"/equipment/{item}/restore",
                restore_data(app, item)).status_code == 403
    staff = client_of(app, world, "province_staff_p")
    assert post(staff, f"/equipment/{item}/restore", restore_data(app, item, description="")).status_code == 422
    assert fetch(app, EquipmentItem, item).condition == "liquidated"
    assert post(staff, f"/equipment/{item}/restore", restore_data(app, item)).status_code == 303
    assert fetch(app, EquipmentItem, item).condition == "in_use"
    assert liquidated_count(app, world.point_a.id) == 0
    # Liquidated again: one item liquidated, whatever its history.
    liquidate_by_decision(app, world, item)
    assert liquidated_count(app, world.point_a.id) == 1
    assert count(app, EquipmentEvent, EquipmentEvent.kind == "liquidation") == 2
    # A liquidation is not deleted from the history (a restore undoes it).
    with app.app_context():
        event = db.session.scalars(select(EquipmentEvent.id).where(EquipmentEvent.kind == "liquidation")).first()
    assert post(staff, f"/equipment/events/{event}/delete").status_code == 409


def test_history_is_ordered_as_recorded(app, world):
    item = make_item(app, world.point_a.id)
    librarian = client_of(app, world, "librarian_a")
    for day, text in ((DAY, "Bảo dưỡng mới"), ("01/03/2025", "Sửa chữa ghi muộn")):
        assert post(librarian, f"/equipment/{item}/events",
                    {"kind": "repair", "occurred_on": day, "description": text, "version": "1"}).status_code == 303
    page = librarian.get(f"/equipment/{item}").get_data(as_text=True)
    assert page.index("Sửa chữa ghi muộn") < page.index("Bảo dưỡng mới")  # recorded last, shown first
    assert "01/03/2025" in page


def test_the_pages_are_sound_html_in_every_state(app, world):
    from tests.test_html import problems_of

    whole, part = make_item(app, world.point_a.id), make_item(app, world.point_a.id, quantity=4)
    librarian, staff = client_of(app, world, "librarian_a"), client_of(app, world, "province_staff_p")
    assert propose(librarian, world.point_a.id, {whole: 1, part: 2}).status_code == 303
    (proposal,) = proposal_ids(app)
    pages = [f"/points/{world.point_a.id}/liquidations", f"/points/{world.point_a.id}/liquidations/new",
             f"/liquidations/{proposal}", f"/equipment/{whole}"]
    for step in (None, approve, minutes):
        if step:
            assert step(staff, app, proposal).status_code == 303
        for client in (librarian, staff):
            for url in pages + (["/province/liquidations"] if client is staff else []):
                response = client.get(url)
                assert response.status_code == (403 if url.endswith("/new") and client is staff else 200), url
                assert problems_of(response.get_data(as_text=True)) == [], url
    # A liquidated item offers province staff the restore form, not the librarian.
    assert 'action="/equipment/%d/restore"' % whole in staff.get(f"/equipment/{whole}").get_data(as_text=True)
    assert "/restore" not in librarian.get(f"/equipment/{whole}").get_data(as_text=True)


# --- The rules, directly ---------------------------------------------------------------------------

def test_liquidate_quantity_whole_or_part(app, world):
    from app.equipment.liquidation import Refusal, liquidate_quantity
    from app.users.models import User

    whole, part = make_item(app, world.point_a.id, quantity=2), make_item(app, world.point_a.id, quantity=5)
    with app.test_request_context():
        user = db.session.get(User, world.librarian_a.id)
        item = db.session.get(EquipmentItem, whole)
        for bad in (0, 3):
            with pytest.raises(Refusal):
                liquidate_quantity(item, bad, occurred_on=TODAY, description="", user=user)
        target, event = liquidate_quantity(item, 2, occurred_on=TODAY, description="", user=user)
        assert target is item and item.condition == "liquidated" and event.old_condition == "in_use"
        item = db.session.get(EquipmentItem, part)
        target, event = liquidate_quantity(item, 1, occurred_on=TODAY, description="", user=user)
        assert (item.quantity, item.condition, target.quantity, target.condition) == (4, "in_use", 1, "liquidated")
        assert event.item is target and target.created_at == item.created_at
        db.session.commit()
    assert count(app, EquipmentItem) == 3


def test_minutes_refused_when_dated_before_the_decision_or_the_item_changed(app, world):
    item = make_item(app, world.point_a.id, quantity=3)
    librarian, staff = client_of(app, world, "librarian_a"), client_of(app, world, "province_staff_p")
    assert propose(librarian, world.point_a.id, {item: 3}).status_code == 303
    (proposal,) = proposal_ids(app)
    assert approve(staff, app, proposal).status_code == 303
    before = business(app)
    early = (TODAY - timedelta(days=10)).strftime("%d/%m/%Y")
    response = minutes(staff, app, proposal, minutes_date=early)
    assert response.status_code == 409 and vi(app, "The minutes cannot be dated before the decision (%(date)s).",
                                              date=DECIDED) in response.get_data(as_text=True)
    assert business(app) == before
    # The item was corrected meanwhile to fewer than proposed: the decision cannot be carried out as it is.
    with app.app_context():
        db.session.get(EquipmentItem, item).quantity = 2
        db.session.commit()
    before = business(app)
    assert minutes(staff, app, proposal).status_code == 409
    assert business(app) == before and state(app, proposal) == "approved"
