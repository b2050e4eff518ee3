"""Register lists, totals and the roll-ups the province dashboard uses.

Every roll-up is one aggregate query with GROUP BY; none loops in Python over rows.
"""
from collections import defaultdict
from datetime import date, datetime, time, timedelta, timezone
from typing import NamedTuple

from sqlalchemy import and_, bindparam, case, extract, func, or_, select, true

from app.access import visible_units
from app.equipment.models import (
    ACTIVE_CONDITIONS,
    BROKEN,
    CONDITIONS,
    GROUP_OF,
    IN_USE,
    LIQUIDATED,
    UNDER_REPAIR,
    EquipmentEvent,
    EquipmentItem,
    StockTake,
)
from app.equipment.wear import WearLife
from app.extensions import db
from app.models_base import UTCDateTime
from app.sql import driver_row
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


def page_of(query, page: int, total: int | None = None):
    """(items, page, pages, total) of one page of `query`; `total` when the caller has counted already."""
    if total is None:
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


# The register's tiles, as columns over the item table: built once, not per request.
_TILE_COLUMNS = (
    *[func.coalesce(func.sum(case((EquipmentItem.condition == c, EquipmentItem.quantity), else_=0)), 0)
      for c in CONDITIONS],
    *_computer_columns(EquipmentItem),
)


def totals(query, listed=None) -> dict:
    """Over the items `query` (a filtered_items() select) selects: quantities by
    condition and computers (owned, in use, online); and as "rows", how many of
    them also meet `listed` (a where clause; all of them when None)."""
    count = func.count() if listed is None else func.coalesce(func.sum(case((listed, 1), else_=0)), 0)
    row = db.session.execute(select(count, *_TILE_COLUMNS).where(query.whereclause)).one()
    n = len(CONDITIONS)
    return {
        "rows": row[0],
        "by_condition": dict(zip(CONDITIONS, row[1:n + 1], strict=True)),
        "computers": row[n + 1], "computers_in_use": row[n + 2], "computers_online": row[n + 3],
    }


def tile_totals(point_id: int, filters: dict) -> dict:
    """The register's tiles and its pager's count, in one statement. The tiles count every condition,
    liquidated too, whatever the condition filter (the list may hide liquidated items; the tile
    "0 liquidated" must not lie about them); "rows" is how many items the list shows."""
    return totals(filtered_items(point_id, **{**filters, "condition": "all"}),
                  listed=filtered_items(point_id, **filters).whereclause)


_POINT = bindparam("point_id")
_commune = select(LibraryPoint.commune_id).where(LibraryPoint.id == _POINT).scalar_subquery()
_province = select(Unit.parent_id).where(Unit.id == _commune).scalar_subquery()
# What a point's register shows changes only with this: its items (how many, the sum of their
# versions — every ORM update adds one —, the newest id, the newest change), its last complete
# stock-take, its commune's name, and its province's useful lives (the value column's wear). One
# statement over indexed keys, built once per process.
_items = select(func.count(), func.coalesce(func.sum(EquipmentItem.version), 0), func.max(EquipmentItem.id),
                func.max(EquipmentItem.updated_at)).where(EquipmentItem.point_id == _POINT).subquery()
_lives = select(func.count(), func.coalesce(func.sum(WearLife.life_years), 0), func.max(WearLife.id),
                func.max(WearLife.updated_at)).where(WearLife.province_id == _province).subquery()
_REGISTER_VERSION = select(
    _items,
    select(func.max(StockTake.completed_at)).where(StockTake.point_id == _POINT).scalar_subquery(),
    select(Unit.name).where(Unit.id == _commune).scalar_subquery(),
    _province,
    _lives,
).select_from(_items.join(_lives, true()))  # one row each: their product is one row


class RegisterVersion(NamedTuple):
    key: tuple  # names every state of what the register lists (app.fragments keys its HTML by it)
    last_stocktake_at: datetime | None
    commune_name: str


def register_version(point_id: int) -> RegisterVersion:
    """The version of a point's register: any change to its items (added, edited, deleted) or to
    its province's useful lives changes `key`."""
    # Straight to the driver (app.sql.driver_row): with the body kept, it is the page's own statement.
    row = driver_row(_REGISTER_VERSION, {"point_id": point_id}, {4: UTCDateTime()})
    items, lives = row[0:4], row[7:11]
    return RegisterVersion((*items, *lives), row[4], row[5])  # row[6]: the province, which the lives are of


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


# --- The register as it stood on a day ------------------------------------------------
#
# A period's figures are those of its last day, so a report printed months
# later says the same: an item counts once received (received_on, or when it
# was entered), in the condition its history gives for that day.

COST_KINDS = ("maintenance", "repair", "replacement", "upgrade")


def condition_on(events: list[tuple[date, str | None, str | None]], day: date, current: str) -> str:
    """An item's condition on `day` from its condition events [(occurred_on,
    old, new)] in order: the last change by then, else what the first later
    change started from, else the condition it has now."""
    before = [new for occurred_on, _old, new in events if occurred_on <= day]
    if before:
        return before[-1]
    return events[0][1] or current if events else current


def standing_on(province_id: int, day: date, commune_id: int | None = None) -> dict[int, dict]:
    """Per library point of the province (or of one commune) on `day`:
    {"commune_id", "active", "by_group": {group: {condition: quantity}},
    "by_category": {category: {condition: quantity}}, "computers": computers
    in use, "computers_down": broken or under repair, "online": computers in
    use and online}. Two queries: the items, and their condition changes."""
    return standing_on_days(province_id, [day], commune_id)[day]


def _entered_by(day: date) -> datetime:
    """The end of `day` in Asia/Ho_Chi_Minh: an item without a received date counts once entered by then."""
    return datetime.combine(day + timedelta(days=1), time(), timezone(timedelta(hours=7)))


def standing_on_days(province_id: int, days, commune_id: int | None = None) -> dict[date, dict[int, dict]]:
    """standing_on() for several days at once (a trend by month): the same two
    queries, over the items held by the last of the days; each day then takes
    the items it held, in the condition their history gives for it."""
    days = sorted(set(days))
    item = EquipmentItem
    last = days[-1]
    where = [Unit.parent_id == province_id,
             or_(item.received_on <= last, and_(item.received_on.is_(None), item.created_at < _entered_by(last)))]
    if commune_id is not None:
        where.append(LibraryPoint.commune_id == commune_id)
    items = db.session.execute(
        select(item.id, item.point_id, LibraryPoint.commune_id, LibraryPoint.active, item.category, item.quantity,
               item.condition, item.internet_connected, item.received_on, item.created_at)
        .join(LibraryPoint, LibraryPoint.id == item.point_id).join(Unit, Unit.id == LibraryPoint.commune_id)
        .where(*where)).all()
    changes = defaultdict(list)
    for item_id, occurred_on, old, new in db.session.execute(
            select(EquipmentEvent.item_id, EquipmentEvent.occurred_on, EquipmentEvent.old_condition,
                   EquipmentEvent.new_condition)
            .join(item, item.id == EquipmentEvent.item_id).join(LibraryPoint, LibraryPoint.id == item.point_id)
            .join(Unit, Unit.id == LibraryPoint.commune_id)
            .where(*where, EquipmentEvent.new_condition.is_not(None))
            .order_by(EquipmentEvent.occurred_on, EquipmentEvent.id)):
        changes[item_id].append((occurred_on, old, new))
    out = {}
    for day in days:
        entered_by = _entered_by(day)
        points = out[day] = {}
        for item_id, point_id, commune, active, category, quantity, current, online, received, created in items:
            if (received is not None and received > day) or (received is None and created >= entered_by):
                continue
            point = points.setdefault(point_id, {"commune_id": commune, "active": bool(active), "by_group": {},
                                                 "by_category": {}, "computers": 0, "computers_down": 0,
                                                 "online": 0})
            condition = condition_on(changes.get(item_id, []), day, current)
            group = point["by_group"].setdefault(GROUP_OF.get(category, "other"), dict.fromkeys(CONDITIONS, 0))
            group[condition] = group.get(condition, 0) + quantity
            by_category = point["by_category"].setdefault(category, dict.fromkeys(CONDITIONS, 0))
            by_category[condition] = by_category.get(condition, 0) + quantity
            if category == "computer":
                point["computers"] += quantity if condition == IN_USE else 0
                point["computers_down"] += quantity if condition in (BROKEN, UNDER_REPAIR) else 0
                point["online"] += quantity if condition == IN_USE and online else 0
    return out


def by_commune(standing: dict[int, dict]) -> dict[int, dict]:
    """standing_on() summed per commune, with its active points that had an online computer in use."""
    out = {}
    for point in standing.values():
        commune = out.setdefault(point["commune_id"], {"by_group": {}, "computers": 0, "computers_down": 0,
                                                      "online": 0, "points_online": 0})
        add_groups(commune["by_group"], point["by_group"])
        for key in ("computers", "computers_down", "online"):
            commune[key] += point[key]
        commune["points_online"] += point["active"] and point["online"] > 0
    return out


def add_groups(into: dict, more: dict) -> dict:
    """Adds {group: {condition: quantity}} `more` into `into`."""
    for group, by_condition in more.items():
        target = into.setdefault(group, dict.fromkeys(CONDITIONS, 0))
        for condition, quantity in by_condition.items():
            target[condition] += quantity
    return into


def period_changes(point_ids, start: date, end: date) -> dict:
    """The register's changes in [start, end]: {"liquidated": items liquidated
    in the period and still liquidated at its end (each once, however often
    it was liquidated and restored), "costs": {event kind: cost}}. Two queries."""
    in_period = (select(EquipmentEvent.item_id).join(EquipmentItem, EquipmentItem.id == EquipmentEvent.item_id)
                 .where(EquipmentItem.point_id.in_(point_ids), EquipmentEvent.kind == "liquidation",
                        EquipmentEvent.occurred_on.between(start, end)))
    changes, current = defaultdict(list), {}
    for item_id, condition, occurred_on, old, new in db.session.execute(
            select(EquipmentItem.id, EquipmentItem.condition, EquipmentEvent.occurred_on,
                   EquipmentEvent.old_condition, EquipmentEvent.new_condition)
            .join(EquipmentEvent, EquipmentEvent.item_id == EquipmentItem.id)
            .where(EquipmentItem.id.in_(in_period), EquipmentEvent.new_condition.is_not(None))
            .order_by(EquipmentEvent.occurred_on, EquipmentEvent.id)):
        changes[item_id].append((occurred_on, old, new))
        current[item_id] = condition
    liquidated = [i for i in changes if condition_on(changes[i], end, current[i]) == LIQUIDATED]
    costs = dict(db.session.execute(
        select(EquipmentEvent.kind, func.sum(EquipmentEvent.cost))
        .join(EquipmentItem, EquipmentItem.id == EquipmentEvent.item_id)
        .where(EquipmentItem.point_id.in_(point_ids), EquipmentEvent.kind.in_(COST_KINDS),
               EquipmentEvent.occurred_on.between(start, end), EquipmentEvent.cost.is_not(None))
        .group_by(EquipmentEvent.kind)).all())
    return {"liquidated": len(liquidated), "costs": {k: int(v) for k, v in costs.items() if v}}


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


# --- Asset codes: unique within a province ------------------------------------------------

def asset_code_key(code) -> str:
    """An asset code as compared: trimmed, case-insensitive ("bmgf-01 " is "BMGF-01")."""
    return (code or "").strip().lower()


def lock_asset_codes(province_id: int) -> None:
    """PostgreSQL: lock the province's row until the transaction ends, so two
    people saving the same code at once cannot both find it free. (SQLite holds
    its one write lock from refuse_if_locked()'s BEGIN IMMEDIATE on.) No unique
    index: a code is unique per province, trimmed and case-insensitive, which the
    item's own columns cannot say without a migration."""
    db.session.execute(select(Unit.id).where(Unit.id == province_id).with_for_update())


def asset_code_holders(province_id: int, codes, exclude_id: int | None = None) -> dict[str, EquipmentItem]:
    """The items of the province that already hold any of `codes`, by
    asset_code_key(), the oldest holder of each. SQLite's lower() folds ASCII
    only, so the SQL narrows (ASCII codes by their lower case, others by their
    length) and Python compares."""
    keys = {asset_code_key(code) for code in codes} - {""}
    if not keys:
        return {}
    ascii_keys = {key for key in keys if key.isascii()}
    other_lengths = {len(key) for key in keys - ascii_keys}
    code = func.trim(EquipmentItem.asset_code)
    narrow = [func.lower(code).in_(ascii_keys)] if ascii_keys else []
    if other_lengths:
        narrow.append(func.length(code).in_(other_lengths))
    query = (
        select(EquipmentItem)
        .join(LibraryPoint, LibraryPoint.id == EquipmentItem.point_id)
        .join(Unit, Unit.id == LibraryPoint.commune_id)
        .where(Unit.parent_id == province_id, EquipmentItem.asset_code != "", or_(*narrow))
        .order_by(EquipmentItem.id)
    )
    if exclude_id is not None:
        query = query.where(EquipmentItem.id != exclude_id)
    holders = {}
    for item in db.session.scalars(query):
        key = asset_code_key(item.asset_code)
        if key in keys:
            holders.setdefault(key, item)
    return holders
