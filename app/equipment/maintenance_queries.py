"""Maintenance schedules: when each item is next due, and who is behind.

An item's next maintenance is due `months` after its last maintenance event
(kind "maintenance" only: a repair fixes one fault, it is not the periodic
service), or after its receipt date when it has had none (its entry into the
register when that is unknown too). `months` is the item's own interval, else
its province's for its category; an item with neither, or 0 of its own, has no
schedule. Liquidated items are never due.

Every page reads its schedule with one query (schedule_rows): the items, their
interval and their last maintenance (a GROUP BY of the events), joined; the
months are then added in Python, where a month's end is clamped (31/08 + 6
months is 28/02 or 29/02).
"""
import calendar
from collections import Counter
from datetime import date, timedelta

from sqlalchemy import and_, func, select

from app.deleting import local_day
from app.equipment.maintenance_models import MaintenanceInterval
from app.equipment.models import ACTIVE_CONDITIONS, EquipmentEvent, EquipmentItem
from app.extensions import db
from app.formatting import vi_sort_key
from app.units.models import LibraryPoint, Unit

SOON_DAYS = 30  # a librarian's home lists what falls due within this many days, and what is overdue
COUNTED_KINDS = ("maintenance",)


def add_months(day: date, months: int) -> date:
    """`day` plus whole months, the day clamped to the month's length."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def intervals_of(province_id: int) -> dict[str, int]:
    """The province's interval in months per category (categories without one are left out)."""
    return dict(db.session.execute(select(MaintenanceInterval.category, MaintenanceInterval.months)
                                   .where(MaintenanceInterval.province_id == province_id)).all())


def schedule_rows(*where) -> list[dict]:
    """The active, scheduled items matching `where` (conditions on EquipmentItem,
    LibraryPoint or Unit, the commune), each with its interval, its last
    maintenance and its next due date, soonest first. One query."""
    last = (select(EquipmentEvent.item_id, func.max(EquipmentEvent.occurred_on).label("last_on"))
            .where(EquipmentEvent.kind.in_(COUNTED_KINDS)).group_by(EquipmentEvent.item_id).subquery())
    months = func.coalesce(EquipmentItem.maintenance_months, MaintenanceInterval.months)
    query = (
        select(EquipmentItem.id, EquipmentItem.description, EquipmentItem.asset_code, EquipmentItem.category,
               EquipmentItem.received_on, EquipmentItem.created_at, EquipmentItem.point_id,
               LibraryPoint.name.label("point_name"), Unit.id.label("commune_id"), Unit.name.label("commune_name"),
               months.label("months"), last.c.last_on)
        .join(LibraryPoint, LibraryPoint.id == EquipmentItem.point_id)
        .join(Unit, Unit.id == LibraryPoint.commune_id)
        .outerjoin(MaintenanceInterval, and_(MaintenanceInterval.province_id == Unit.parent_id,
                                             MaintenanceInterval.category == EquipmentItem.category))
        .outerjoin(last, last.c.item_id == EquipmentItem.id)
        .where(EquipmentItem.condition.in_(ACTIVE_CONDITIONS), months > 0, *where)
    )
    rows = []
    for row in db.session.execute(query).mappings():
        base = row["last_on"] or row["received_on"] or local_day(row["created_at"])
        rows.append({**row, "base": base, "due": add_months(base, row["months"])})
    rows.sort(key=lambda r: (r["due"], r["description"], r["id"]))
    return rows


def next_due(item: EquipmentItem) -> date | None:
    """The item's next maintenance date, or None when it has no schedule (or is liquidated)."""
    rows = schedule_rows(EquipmentItem.id == item.id)
    return rows[0]["due"] if rows else None


def due_soon(commune_id: int, today: date) -> list[dict]:
    """The commune's items overdue or due within SOON_DAYS days, soonest first."""
    return [row for row in schedule_rows(Unit.id == commune_id) if row["due"] <= today + timedelta(days=SOON_DAYS)]


def overdue_in_commune(commune_id: int, today: date) -> list[dict]:
    """The commune's items whose maintenance date has passed, the longest overdue first."""
    return [row for row in schedule_rows(Unit.id == commune_id) if row["due"] < today]


def overdue_by_commune(province_id: int, today: date) -> list[dict]:
    """Every commune of the province with its scheduled items and how many are
    overdue, by name; communes with none scheduled show zeros."""
    rows = schedule_rows(Unit.parent_id == province_id)
    scheduled = Counter(row["commune_id"] for row in rows)
    overdue = Counter(row["commune_id"] for row in rows if row["due"] < today)
    communes = db.session.execute(select(Unit.id, Unit.name).where(Unit.parent_id == province_id)).all()
    return sorted(({"id": cid, "name": name, "scheduled": scheduled[cid], "overdue": overdue[cid]}
                   for cid, name in communes), key=lambda c: vi_sort_key(c["name"]))
