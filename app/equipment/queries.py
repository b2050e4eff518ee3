"""Register lists, totals and the roll-ups the province dashboard uses.

Every roll-up is one aggregate query with GROUP BY; none loops in Python over rows.
"""
from sqlalchemy import and_, case, extract, func, select

from app.access import visible_units
from app.equipment.models import (
    ACTIVE_CONDITIONS,
    CONDITIONS,
    IN_USE,
    LIQUIDATED,
    EquipmentEvent,
    EquipmentItem,
    StockTake,
)
from app.extensions import db
from app.units.models import LibraryPoint, Unit

PAGE_SIZE = 50


def filtered_items(point_id: int, category=None, condition=None, funding_source=None, year=None):
    """A select over one point's items with the register's filters (by default active items only)."""
    query = select(EquipmentItem).where(EquipmentItem.point_id == point_id)
    if category:
        query = query.where(EquipmentItem.category == category)
    if condition == "all":
        pass
    elif condition:
        query = query.where(EquipmentItem.condition == condition)
    else:
        query = query.where(EquipmentItem.condition.in_(ACTIVE_CONDITIONS))
    if funding_source:
        query = query.where(EquipmentItem.funding_source == funding_source)
    if year:
        query = query.where(extract("year", EquipmentItem.received_on) == year)
    return query


def page_of(query, page: int):
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    pages = max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE)
    page = min(max(1, page), pages)
    items = db.session.scalars(
        query.order_by(EquipmentItem.category, EquipmentItem.description, EquipmentItem.id)
        .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    ).all()
    return items, page, pages, total


def _computer_columns(item):
    is_computer = item.category == "computer"
    return (
        func.coalesce(func.sum(case((and_(is_computer, item.condition != LIQUIDATED), item.quantity), else_=0)), 0),
        func.coalesce(func.sum(case((and_(is_computer, item.condition == IN_USE), item.quantity), else_=0)), 0),
        func.coalesce(func.sum(case((and_(is_computer, item.condition == IN_USE, item.internet_connected),
                                     item.quantity), else_=0)), 0),
    )


def totals(query) -> dict:
    """Quantities by condition, and computers (owned, in use, online), over the filtered items."""
    sub = query.subquery()
    item = sub.c
    row = db.session.execute(
        select(
            *[func.coalesce(func.sum(case((item.condition == c, item.quantity), else_=0)), 0) for c in CONDITIONS],
            *_computer_columns(item),
        )
    ).one()
    n = len(CONDITIONS)
    return {
        "by_condition": dict(zip(CONDITIONS, row[:n], strict=True)),
        "computers": row[n], "computers_in_use": row[n + 1], "computers_online": row[n + 2],
    }


def last_complete_stocktake(point_id: int):
    return db.session.scalar(
        select(StockTake).where(StockTake.point_id == point_id, StockTake.completed_at.is_not(None))
        .order_by(StockTake.completed_at.desc()).limit(1)
    )


# --- Roll-ups for the province dashboard -------------------------------------------

def category_condition_by_commune(user, commune_ids=None):
    """[(commune_id, category, condition, quantity)] over the communes `user` may see."""
    query = (
        select(LibraryPoint.commune_id, EquipmentItem.category, EquipmentItem.condition,
               func.sum(EquipmentItem.quantity))
        .join(LibraryPoint, LibraryPoint.id == EquipmentItem.point_id)
        .where(LibraryPoint.commune_id.in_(visible_units(user)))
        .group_by(LibraryPoint.commune_id, EquipmentItem.category, EquipmentItem.condition)
    )
    if commune_ids is not None:
        query = query.where(LibraryPoint.commune_id.in_(commune_ids))
    return db.session.execute(query).all()


def computers_by_commune(user):
    """Per commune: computers owned (not liquidated), in use, in use and online,
    and the share in use (None when the commune has no computer)."""
    item = EquipmentItem
    owned, in_use, online = _computer_columns(item)
    rows = db.session.execute(
        select(Unit.id, Unit.name, owned, in_use, online)
        .select_from(Unit)
        .join(LibraryPoint, LibraryPoint.commune_id == Unit.id, isouter=True)
        .join(item, item.point_id == LibraryPoint.id, isouter=True)
        .where(Unit.id.in_(visible_units(user)))
        .group_by(Unit.id, Unit.name)
        .order_by(Unit.name)
    ).all()
    return [
        {"commune_id": r[0], "commune": r[1], "computers": r[2], "in_use": r[3], "online": r[4],
         "share_in_use": (r[3] / r[2]) if r[2] else None}
        for r in rows
    ]


def register_by_point(province_id: int, commune_id: int | None = None) -> dict[int, dict]:
    """Per library point of the province (or of one commune), the register as it
    stands: quantities by condition and computers in use and online. One GROUP BY."""
    item = EquipmentItem
    _owned, _in_use, online = _computer_columns(item)
    query = (
        select(LibraryPoint.id, LibraryPoint.commune_id, LibraryPoint.active,
               *[func.coalesce(func.sum(case((item.condition == c, item.quantity), else_=0)), 0) for c in CONDITIONS],
               online)
        .join(item, item.point_id == LibraryPoint.id)
        .join(Unit, Unit.id == LibraryPoint.commune_id)
        .where(Unit.parent_id == province_id)
        .group_by(LibraryPoint.id, LibraryPoint.commune_id, LibraryPoint.active)
    )
    if commune_id is not None:
        query = query.where(LibraryPoint.commune_id == commune_id)
    n = len(CONDITIONS)
    return {r[0]: {"commune_id": r[1], "active": bool(r[2]), **{c: int(r[3 + i]) for i, c in enumerate(CONDITIONS)},
                   "online": int(r[3 + n])} for r in db.session.execute(query)}


def register_by_commune(province_id: int) -> dict[int, dict]:
    """register_by_point() summed per commune, with the number of active points
    that have at least one online computer in use."""
    out = {}
    for point in register_by_point(province_id).values():
        commune = out.setdefault(point["commune_id"], {**dict.fromkeys(CONDITIONS, 0), "online": 0, "points_online": 0})
        for key in (*CONDITIONS, "online"):
            commune[key] += point[key]
        commune["points_online"] += point["active"] and point["online"] > 0
    return out


# --- What a period report shows ------------------------------------------------------

def added_by_category(point_ids, start, end) -> dict[str, int]:
    """{category: quantity} of the items the points received in [start, end]."""
    return dict(db.session.execute(
        select(EquipmentItem.category, func.sum(EquipmentItem.quantity))
        .where(EquipmentItem.point_id.in_(point_ids), EquipmentItem.received_on.between(start, end))
        .group_by(EquipmentItem.category)
    ).all())


def events_by_kind(point_ids, start, end) -> dict[str, int]:
    """{event kind: events} in the history of the points' items in [start, end]."""
    return dict(db.session.execute(
        select(EquipmentEvent.kind, func.count(EquipmentEvent.id))
        .join(EquipmentItem, EquipmentItem.id == EquipmentEvent.item_id)
        .where(EquipmentItem.point_id.in_(point_ids), EquipmentEvent.occurred_on.between(start, end))
        .group_by(EquipmentEvent.kind)
    ).all())


def open_stocktake(point_id: int):
    """The point's stock-take in progress, if any."""
    return db.session.scalar(select(StockTake).where(StockTake.point_id == point_id, StockTake.completed_at.is_(None))
                             .order_by(StockTake.id.desc()).limit(1))


def confirmed_ids(stocktake) -> set[int]:
    """The items a stock-take has confirmed so far."""
    if stocktake is None:
        return set()
    return set(db.session.scalars(select(EquipmentEvent.item_id).where(EquipmentEvent.stock_take_id == stocktake.id)))


def active_items(point_id: int) -> list[EquipmentItem]:
    """The point's items not liquidated, by category and description (the stock-take list)."""
    return db.session.scalars(
        select(EquipmentItem).where(EquipmentItem.point_id == point_id, EquipmentItem.condition.in_(ACTIVE_CONDITIONS))
        .order_by(EquipmentItem.category, EquipmentItem.description)).all()


def active_item_ids(point_id: int) -> set[int]:
    return set(db.session.scalars(select(EquipmentItem.id).where(
        EquipmentItem.point_id == point_id, EquipmentItem.condition.in_(ACTIVE_CONDITIONS))))
