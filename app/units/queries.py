"""Queries over units and library points, always scoped by app.access."""
from datetime import date

from sqlalchemy import case, func, or_, select, union
from sqlalchemy.orm import aliased, contains_eager

from app.access import scope_points, visible_units
from app.audit.models import history_of
from app.equipment import queries as equipment
from app.extensions import db
from app.formatting import fold, today_local, vi_sort_key
from app.units.models import CHECKLIST, LibraryPoint, PointMove, Unit, current_units


def communes_for(user):
    """The current communes `user` may see, by name (a merged commune is left out)."""
    return db.session.scalars(
        select(Unit).where(Unit.id.in_(visible_units(user)), current_units(today_local())).order_by(Unit.name)
    ).all()


def commune_choices(communes, blank=None):
    """The choices of a commune picker: Vietnamese order; one <optgroup> per
    province when the communes span several (a dict for WTForms, `blank` first
    outside any group); a name found twice in the list carries its province
    (or its code, within one province), so homonyms can be told apart."""
    communes = list(communes)
    provinces = {u.id: u for u in db.session.scalars(select(Unit).where(
        Unit.id.in_({c.parent_id for c in communes if c.parent_id})))} if communes else {}
    seen: dict[str, set] = {}
    for c in communes:
        seen.setdefault(c.name, set()).add(c.parent_id)
    counts = {name: sum(1 for c in communes if c.name == name) for name in seen}

    def label(c):
        if counts[c.name] < 2:
            return c.name
        if len(seen[c.name]) > 1 and c.parent_id in provinces:
            return f"{c.name} ({provinces[c.parent_id].name})"
        return f"{c.name} ({c.code})"

    ordered = sorted(communes, key=lambda c: (vi_sort_key(provinces[c.parent_id].name) if c.parent_id in provinces
                                              else ((), (), ""), vi_sort_key(c.name), c.code))
    head = [("", blank)] if blank is not None else []
    if len({c.parent_id for c in communes}) < 2:
        return head + [(c.id, label(c)) for c in ordered]
    groups: dict = {None: head} if head else {}
    for c in ordered:
        groups.setdefault(provinces[c.parent_id].name if c.parent_id in provinces else None, []).append(
            (c.id, label(c)))
    return groups


def points_for(user, commune_id=None, q=None, include_inactive=False, limit=500):
    query = scope_points(select(LibraryPoint).join(LibraryPoint.commune).options(contains_eager(LibraryPoint.commune)),
                         user)
    if commune_id:
        query = query.where(LibraryPoint.commune_id == commune_id)
    if q:
        like = f"%{q.strip().lower()}%"
        query = query.where(func.lower(LibraryPoint.name).like(like) | func.lower(Unit.name).like(like))
    if not include_inactive:
        query = query.where(LibraryPoint.active.is_(True))
    return db.session.scalars(query.order_by(Unit.name, LibraryPoint.name).limit(limit)).all()


def progress_of(user, province_id: int | None = None, on: date | None = None):
    """Digital-library progress over the communes `user` may see: points that
    reached each step, and per commune its active points and how many of them
    reached each step (one GROUP BY). With `on`, as it stood that day: a step
    counts when it is dated on or before it (a period's figures are those of its last day)."""
    steps = [getattr(LibraryPoint, key) for key in CHECKLIST]
    joined = (LibraryPoint.commune_id == Unit.id) & LibraryPoint.active.is_(True)
    if on is not None:
        steps = [case((step <= on, step)) for step in steps]
        joined &= or_(LibraryPoint.opened_on.is_(None), LibraryPoint.opened_on <= on)
    rows = db.session.execute(
        select(Unit.id, Unit.name, func.count(LibraryPoint.id), *[func.count(step) for step in steps])
        .select_from(Unit)
        .join(LibraryPoint, joined, isouter=True)
        .where(Unit.id.in_(visible_units(user)), current_units(today_local()),
               *([Unit.parent_id == province_id] if province_id else []))
        .group_by(Unit.id, Unit.name)
    ).all()
    communes = sorted(({"id": r[0], "name": r[1], "points": r[2], "steps": list(r[3:])} for r in rows),
                      key=lambda c: fold(c["name"]))
    totals = [(str(label), sum(c["steps"][i] for c in communes)) for i, label in enumerate(CHECKLIST.values())]
    return totals, communes


def point_page(point: LibraryPoint) -> dict:
    """What a library point's page shows beside the point itself: its last
    complete stock-take and its latest history."""
    return {"last_stocktake": equipment.last_complete_stocktake(point.id), "history": history_of(point)}


# --- Library points as id selects, for the roll-ups and exports of every domain ---------------

def point_ids(point: LibraryPoint):
    return select(LibraryPoint.id).where(LibraryPoint.id == point.id)


def commune_point_ids(commune: Unit):
    """The points of a commune; of a merged commune, those it had on its last day (app.units.reorg)."""
    if commune.valid_to is not None and commune.valid_to < today_local():
        return commune_point_ids_on(commune, commune.valid_to)
    return select(LibraryPoint.id).where(LibraryPoint.commune_id == commune.id)


def commune_point_ids_on(commune: Unit, day: date):
    """The points that belonged to `commune` on `day`, before any later merger
    moved them: those still in it that no merger after `day` moved, and those
    whose first move after `day` took them out of it (a report is of the
    points its commune had then)."""
    later = aliased(PointMove)
    stayed = select(LibraryPoint.id).where(LibraryPoint.commune_id == commune.id, ~select(PointMove.id).where(
        PointMove.point_id == LibraryPoint.id, PointMove.moved_on > day).exists())
    left = select(PointMove.point_id).where(
        PointMove.from_unit_id == commune.id, PointMove.moved_on > day,
        ~select(later.id).where(later.point_id == PointMove.point_id, later.moved_on > day,
                                later.moved_on < PointMove.moved_on).exists())
    return union(stayed, left)


def province_point_ids(province_id: int, user=None):
    """The points of a province (only those `user` may see, when given)."""
    query = select(LibraryPoint.id).join(Unit, Unit.id == LibraryPoint.commune_id).where(Unit.parent_id == province_id)
    return scope_points(query, user) if user is not None else query


def active_points(user) -> list[LibraryPoint]:
    """The open library points `user` may see, by name."""
    return db.session.scalars(scope_points(select(LibraryPoint), user)
                              .where(LibraryPoint.active.is_(True)).order_by(LibraryPoint.name)).all()


def points_of_commune(commune: Unit) -> list[LibraryPoint]:
    return db.session.scalars(select(LibraryPoint).where(LibraryPoint.commune_id == commune.id)
                              .order_by(LibraryPoint.name)).all()
