"""Items at the end of their life, for replacement planning: fully worn (see
app.equipment.wear), or broken for more than N months since the event that
made them broken. Liquidated items are not listed (they have left the register).
"""
import calendar
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, func, or_, select

from app.deleting import local_day
from app.equipment import wear
from app.equipment.models import ACTIVE_CONDITIONS, BROKEN, EquipmentEvent, EquipmentItem
from app.extensions import db
from app.units.models import LibraryPoint, Unit

DEFAULT_MONTHS = 6
MAX_MONTHS = 120


def months_before(day: date, months: int) -> date:
    """The same day `months` months earlier (the month's last day when it has fewer days)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


@dataclass
class EndOfLife:
    item: EquipmentItem
    point_name: str
    commune_name: str
    wear: wear.Wear | None
    broken_since: date | None  # when broken for more than the months asked

    @property
    def fully_worn(self) -> bool:
        return self.wear is not None and self.wear.fully_worn


def _broken_since():
    """Per item, the day of the latest event that made it broken (a change from
    another condition; a stock-take confirms, it does not change)."""
    event = EquipmentEvent
    return (select(event.item_id, func.max(event.occurred_on).label("since"))
            .where(event.new_condition == BROKEN, event.kind != "stocktake",
                   or_(event.old_condition.is_(None), event.old_condition != BROKEN))
            .group_by(event.item_id).subquery())


def end_of_life(province_id: int, as_of: date, months: int, point_ids=None) -> list[EndOfLife]:
    """The items of the province (or of `point_ids`, a select of point ids) fully
    worn on `as_of` or broken for more than `months` months by then, by commune,
    point, category and description. One query (the items with the day each
    became broken) and the province's rates (one more, read once a request)."""
    limit = wear.threshold()
    since = _broken_since()
    item = EquipmentItem
    query = (
        select(item, LibraryPoint.name, Unit.name, since.c.since)
        .join(LibraryPoint, LibraryPoint.id == item.point_id)
        .join(Unit, Unit.id == LibraryPoint.commune_id)
        .outerjoin(since, since.c.item_id == item.id)
        .where(Unit.parent_id == province_id, item.condition.in_(ACTIVE_CONDITIONS),
               or_(item.condition == BROKEN,
                   and_(item.unit_value >= limit, item.received_on.is_not(None))))
        .order_by(Unit.name, LibraryPoint.name, item.category, item.description, item.id)
    )
    if point_ids is not None:
        query = query.where(item.point_id.in_(point_ids))
    rates = wear.rates_of(province_id)
    cutoff = months_before(as_of, months)
    out = []
    for obj, point_name, commune_name, broken_on in db.session.execute(query):
        worn = wear.wear_of(obj.unit_value, obj.received_on, as_of, rates.get(obj.category, wear.DEFAULTS["other"]),
                            limit, obj.quantity)
        broken = None
        if obj.condition == BROKEN:
            # Broken with no event saying since when: since it was received, or else entered.
            broken = broken_on or obj.received_on or local_day(obj.created_at)
            if broken >= cutoff:
                broken = None
        if broken is not None or (worn is not None and worn.fully_worn):
            out.append(EndOfLife(obj, point_name, commune_name, worn, broken))
    return out

