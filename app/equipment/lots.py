"""Lots: one register row holding several identical things (10 computers of one delivery).

A row keeps its quantity until part of it goes another way: "2 of 10 broken" splits
the row, the original keeps 8, a new row holds the 2 (split_item). Rows split from one
another may be merged back once they are identical again (merge_items).

Rules kept here:
- Splitting never changes a total: quantities add up to the original's, the unit value
  is the same, every other field is copied (received date and entry time too, so the
  figures as of an earlier day count the new row as the original counted it).
- Asset codes stay unique in the province: the new row takes the original's code with
  the first free suffix "/2", "/3", … ("MT-01" → "MT-01/2"); a row without a code stays
  without one.
- History is shared: a split row's history is its own events plus those its origin (and
  the origin's origin…) had before the split (history_of).
"""
from sqlalchemy import or_, select, update

from app.equipment import queries
from app.equipment.models import EquipmentEvent, EquipmentItem
from app.extensions import db

# The fields a split copies, and those two rows must share to be merged back.
COPIED = ("point_id", "category", "description", "condition", "internet_connected", "funding_source",
          "received_on", "received_precision", "unit_value", "notes", "created_at")
IDENTICAL = ("point_id", "category", "description", "condition", "internet_connected", "funding_source",
             "received_on", "unit_value")
CODE_LENGTH = 40  # EquipmentItem.asset_code


def split_item(item: EquipmentItem, quantity: int) -> EquipmentItem:
    """Split `quantity` units off `item` into a new row and return it (added to the session, flushed, so it has
    its id; nothing committed). `item` keeps item.quantity - quantity. The new row is a copy of `item` (its
    condition too: the caller then changes what differs, e.g. records the event that makes the new row broken
    or liquidated, on the new row) with split_from = item and the next free asset code "<code>/<n>".

    Raises ValueError unless 1 <= quantity < item.quantity (splitting all of a row is not a split: act on the
    row itself). The caller checks access and period locks (refuse_if_locked) and writes the audit event of
    what it does; the split itself is audited here ("split" on the original)."""
    from app.audit import models as audit

    if not isinstance(quantity, int) or not 1 <= quantity < item.quantity:
        raise ValueError(f"cannot split {quantity!r} off a row of {item.quantity}")
    new = EquipmentItem(**{name: getattr(item, name) for name in COPIED}, quantity=quantity, split_from=item,
                        asset_code=_next_code(item))
    item.quantity -= quantity
    db.session.add(new)
    db.session.flush()
    audit.record("split", item, before={"quantity": item.quantity + quantity},
                 after={"quantity": item.quantity, "split_off": new.id, "split_quantity": quantity,
                        "asset_code": new.asset_code}, unit_id=item.point.commune_id)
    return new


def _next_code(item: EquipmentItem) -> str:
    """The lot's code (its first row's: a split of a split is MT-01/3, not MT-01/2/2) with the first
    suffix "/2", "/3", … no item of the province holds."""
    root, seen = item, {item.id}
    while root.split_from is not None and root.split_from.id not in seen:
        root = root.split_from
        seen.add(root.id)
    code = (root.asset_code or item.asset_code or "").strip()
    if not code:
        return ""
    province_id = item.point.commune.parent_id
    queries.lock_asset_codes(province_id)
    n = 2
    while True:
        suffix = f"/{n}"
        candidate = code[:CODE_LENGTH - len(suffix)] + suffix
        if not queries.asset_code_holders(province_id, [candidate]):
            return candidate
        n += 1


def history_of(item: EquipmentItem) -> list[EquipmentEvent]:
    """The item's history, newest recorded first (as an item's own events are ordered): its own events,
    then those of the row it was split from made before the split (events with a smaller id than the split
    row's first own event), and so on up the chain."""
    events = list(item.events)
    seen = {item.id}
    child, origin = item, item.split_from
    while origin is not None and origin.id not in seen:
        seen.add(origin.id)
        first = db.session.scalar(select(EquipmentEvent.id).where(EquipmentEvent.item_id == child.id)
                                  .order_by(EquipmentEvent.id).limit(1))
        events += [e for e in origin.events if first is None or e.id < first]
        child, origin = origin, origin.split_from
    return sorted(events, key=lambda e: (e.created_at, e.id), reverse=True)


def related_rows(item: EquipmentItem) -> list[EquipmentItem]:
    """The rows of the same lot as `item`: its origin, the rows split off it, and those split off its origin."""
    where = [EquipmentItem.split_from_id == item.id]
    if item.split_from_id is not None:
        where += [EquipmentItem.id == item.split_from_id, EquipmentItem.split_from_id == item.split_from_id]
    return db.session.scalars(select(EquipmentItem).where(or_(*where), EquipmentItem.id != item.id)
                              .order_by(EquipmentItem.id)).all()


def mergeable(item: EquipmentItem, other: EquipmentItem) -> bool:
    """Whether `other` may be merged into `item`: a different row of the same lot (one the origin of the other,
    or both split off the same row) with the same point, category, description, condition, internet connection,
    funding source, received date and unit value."""
    if other.id == item.id:
        return False
    related = (other.split_from_id == item.id or item.split_from_id == other.id
               or (item.split_from_id is not None and item.split_from_id == other.split_from_id))
    return related and all(getattr(item, name) == getattr(other, name) for name in IDENTICAL)


def merge_candidates(item: EquipmentItem) -> list[EquipmentItem]:
    return [other for other in related_rows(item) if mergeable(item, other)]


def locked_rows(*ids: int) -> dict[int, EquipmentItem]:
    """The rows `ids` as they are now, locked until the transaction ends (PostgreSQL: FOR UPDATE, in id order so
    two merges of the same pair cannot deadlock; SQLite holds its one write lock from refuse_if_locked() on)."""
    return {row.id: row for row in db.session.scalars(
        select(EquipmentItem).where(EquipmentItem.id.in_(ids)).order_by(EquipmentItem.id)
        .with_for_update().execution_options(populate_existing=True))}


def merge_items(item: EquipmentItem, other: EquipmentItem) -> None:
    """Merge `other` into `item`: the quantities add, `other`'s events move to `item`, rows split off `other`
    now name `item` as their origin, and `other` is removed. Audited as "merge" on `item` (with `other`'s values)
    and "delete" of `other`. Raises ValueError unless mergeable(item, other). Nothing committed."""
    from app.audit import models as audit

    if not mergeable(item, other):
        raise ValueError("rows differ or are not of one lot")
    before = audit.snapshot(item, ("quantity", "split_from_id"))
    merged = audit.snapshot(other, (*IDENTICAL, "id", "asset_code", "quantity", "notes", "split_from_id"))
    item.quantity += other.quantity
    if item.split_from_id == other.id:
        item.split_from_id = other.split_from_id  # the origin goes: its origin becomes this row's
    db.session.flush()
    db.session.execute(update(EquipmentEvent).where(EquipmentEvent.item_id == other.id)
                       .values(item_id=item.id).execution_options(synchronize_session=False))
    db.session.execute(update(EquipmentItem).where(EquipmentItem.split_from_id == other.id)
                       .values(split_from_id=item.id).execution_options(synchronize_session=False))
    db.session.expire(other, ["events"])
    db.session.expire(item, ["events"])
    audit.record("merge_rows", item, before=before,
                 after={"quantity": item.quantity, "split_from_id": item.split_from_id, "merged_row": [merged]},
                 unit_id=item.point.commune_id)
    audit.record("delete", other, before=merged, unit_id=item.point.commune_id)
    db.session.delete(other)
    db.session.flush()


def detach(item: EquipmentItem) -> None:
    """Before `item` is deleted: the rows split off it name its own origin instead (or none)."""
    db.session.execute(update(EquipmentItem).where(EquipmentItem.split_from_id == item.id)
                       .values(split_from_id=item.split_from_id).execution_options(synchronize_session=False))
