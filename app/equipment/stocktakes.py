"""Stock-take findings: what a stock-take (kiểm kê) found of each item, and the
differences the province follows up.

Each finding is one "stocktake" event of the item, tied to the stock-take, with its
outcome (models.OUTCOMES):
- present: there, as the register says (the one-tap confirmation);
- missing: not found. The register keeps the item as it was (quantity 0 on the event):
  a shortfall is settled by a decision (liquidation, or the item turns up), not by the
  person counting;
- condition: there, in another condition. The item takes the condition found (the
  event keeps the old and the new condition), as a condition change would;
- quantity: there in another number. The event keeps the number found; the register
  keeps its own, for the same reason as "missing": whoever settles the difference
  splits the row (app.equipment.lots.split_item) or adds the extra items.
An item is recorded once per stock-take; the stock-take is complete when every active
item has a finding, whatever it is.
"""
from sqlalchemy import func, select

from app.audit import models as audit
from app.equipment import queries
from app.equipment.models import (
    MISSING,
    OTHER_CONDITION,
    OTHER_QUANTITY,
    PRESENT,
    EquipmentEvent,
    EquipmentItem,
    StockTake,
)
from app.extensions import db
from app.formatting import today_local
from app.models_base import utcnow
from app.units.models import LibraryPoint, Unit

DIFFERENCES = (MISSING, OTHER_CONDITION, OTHER_QUANTITY)


def current_or_new(point: LibraryPoint, user_id: int) -> StockTake:
    """The point's stock-take in progress, or a new one started today."""
    current = queries.open_stocktake(point.id)
    if current is None:
        current = StockTake(point=point, started_on=today_local(), started_by_id=user_id)
        db.session.add(current)
        db.session.flush()
    return current


def record_finding(item: EquipmentItem, stocktake: StockTake, user_id: int, outcome: str = PRESENT,
                   condition: str | None = None, quantity: int | None = None,
                   description: str = "") -> EquipmentEvent | None:
    """Record what `stocktake` found of `item` (see the module's rules); None when the item already has a
    finding in this stock-take (the first one stands). Nothing committed."""
    if item.id in queries.confirmed_ids(stocktake):
        return None
    event = EquipmentEvent(item=item, kind="stocktake", occurred_on=today_local(), stock_take=stocktake,
                           outcome=outcome, new_condition=item.condition, description=description or "",
                           recorded_by_id=user_id)
    db.session.add(event)  # before any audit row: its INSERT flushes the session
    if outcome == MISSING:
        event.quantity = 0
    elif outcome == OTHER_QUANTITY:
        event.quantity = quantity
    elif outcome == OTHER_CONDITION and condition and condition != item.condition:
        event.old_condition, event.new_condition = item.condition, condition
        audit.record("update", item, before={"condition": item.condition}, after={"condition": condition},
                     unit_id=item.point.commune_id)
        item.condition = condition
    db.session.flush()
    if outcome != PRESENT:
        audit.record("create", event, after={"item_id": item.id, "kind": "stocktake", "outcome": outcome,
                                             "quantity": event.quantity, "new_condition": event.new_condition},
                     unit_id=item.point.commune_id)
    return event


def complete_if_done(stocktake: StockTake, point: LibraryPoint) -> int | None:
    """Completes the stock-take when every item active now has a finding (not merely as many findings);
    returns the number of items then, else None."""
    active_ids = queries.active_item_ids(point.id)
    if not active_ids <= queries.confirmed_ids(stocktake):
        return None
    stocktake.completed_at = utcnow()
    audit.record("stocktake_complete", stocktake, after={"items": len(active_ids)}, unit_id=point.commune_id)
    return len(active_ids)


def findings(stocktake: StockTake | None) -> dict[int, EquipmentEvent]:
    """{item id: its finding} in a stock-take."""
    if stocktake is None:
        return {}
    return {event.item_id: event for event in db.session.scalars(
        select(EquipmentEvent).where(EquipmentEvent.stock_take_id == stocktake.id))}


def differences(province_id: int) -> list[dict]:
    """The differences found by each point's latest stock-take (in progress or complete), over the province:
    [{"commune", "point", "item", "event", "stocktake"}] by commune, point and item. One query."""
    latest = (select(StockTake.point_id, func.max(StockTake.id).label("id"))
              .group_by(StockTake.point_id).subquery())
    rows = db.session.execute(
        select(Unit, LibraryPoint, EquipmentItem, EquipmentEvent, StockTake)
        .join(StockTake, StockTake.id == EquipmentEvent.stock_take_id)
        .join(latest, latest.c.id == StockTake.id)
        .join(EquipmentItem, EquipmentItem.id == EquipmentEvent.item_id)
        .join(LibraryPoint, LibraryPoint.id == StockTake.point_id)
        .join(Unit, Unit.id == LibraryPoint.commune_id)
        .where(Unit.parent_id == province_id, EquipmentEvent.outcome.in_(DIFFERENCES))
        .order_by(Unit.name, LibraryPoint.name, EquipmentItem.category, EquipmentItem.description,
                  EquipmentItem.id)).all()
    return [{"commune": r[0], "point": r[1], "item": r[2], "event": r[3], "stocktake": r[4]} for r in rows]
