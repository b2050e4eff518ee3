"""Counting, reading and rolling up reader visits. All SQL of the module lives here.

Every roll-up is one aggregate query with GROUP BY over a day range, served by
ix_visit_count_point_day; nothing loops in Python over communes or days.
"""
from datetime import date, datetime
from functools import cache

from sqlalchemy import bindparam, case, delete, func, literal, select, union_all, update

from app import periods
from app.charts import TREND_YEARS
from app.extensions import db
from app.formatting import fold, today_local
from app.periods import growth_percent, target_status
from app.sql import dialect_insert
from app.units.models import COMMUNE, LibraryPoint, Unit, current_units
from app.units.queries import province_point_ids
from app.visits.models import MAX_COUNT, TapReceipt, VisitCount

CELL = ("point_id", "day", "service", "reader_group")


# --- Writing ---------------------------------------------------------------------

def tally(point_id: int, day: date, service: str, group: str, step: int) -> tuple[int, int]:
    """Add `step` (+1, or -1 to undo) to a cell in one statement, so taps from
    several phones at once are never lost; never below 0 nor above MAX_COUNT
    (CellFull, nothing changed). Returns the cell's new count and the point's
    total for the day.

    The total rides on the same statement (RETURNING the new count plus the sum
    of the day's other cells), so a tap costs one statement, not two. The other
    cells are summed, not the whole day: SQLite's subquery sees the row just
    written and PostgreSQL's does not, and the other cells read the same in both."""
    add, undo = _tally_statements(db.session.get_bind().dialect.name)
    cell = {"cell_point": point_id, "cell_day": day, "cell_service": service, "cell_group": group}
    row = db.session.execute(add if step > 0 else undo, {**cell, "step": step}).first()
    if row is None and step > 0:  # the cell already holds MAX_COUNT: the statement changed nothing
        raise CellFull
    if row is None:  # undo on an empty cell: nothing to take away
        return cell_count(point_id, day, service, group), day_total(point_id, day)
    return row[0], row[1]


class CellFull(Exception):
    """A tap on a cell that already holds MAX_COUNT, the most a cell may hold."""


@cache
def _tally_statements(dialect: str):
    """The tap's two statements (add, undo) for a database dialect, built once
    per process: building them for every tap cost more than running them."""
    table = VisitCount.__table__
    point, day, service, group, step = (bindparam(name) for name in (
        "cell_point", "cell_day", "cell_service", "cell_group", "step"))
    other = table.alias("other_cell")
    others = (select(func.coalesce(func.sum(other.c.count), 0))
              .where(other.c.point_id == point, other.c.day == day,
                     (other.c.service != service) | (other.c.reader_group != group))
              .scalar_subquery())
    returning = (table.c.count, table.c.count + others)
    insert = dialect_insert(VisitCount).values(
        point_id=point, day=day, service=service, reader_group=group, count=step)
    add = insert.on_conflict_do_update(index_elements=CELL, set_={"count": table.c.count + step},
                                       where=table.c.count < MAX_COUNT)  # the grid's and the import's bound too
    undo = (update(table)
            .where(table.c.point_id == point, table.c.day == day, table.c.service == service,
                   table.c.reader_group == group, table.c.count > 0)
            .values(count=table.c.count + step))
    return add.returning(*returning), undo.returning(*returning)


def receipt(tap_id: str) -> TapReceipt | None:
    """The receipt of a tap already counted, or None."""
    return db.session.get(TapReceipt, tap_id)


def keep_receipt(tap_id: str, **answer) -> bool:
    """Record that the tap `tap_id` was counted, with the answer it got, in the
    transaction of its count. False when a copy of the same tap got there
    first (the caller rolls back its count and answers with that receipt):
    the primary key decides, also between two servers, where the second
    insert waits for the first transaction and then finds its row."""
    statement = (dialect_insert(TapReceipt).values(id=tap_id, **answer).on_conflict_do_nothing()
                 .returning(TapReceipt.id))
    return db.session.execute(statement).first() is not None


def prune_receipts(before: datetime) -> int:
    """Forget the receipts of taps received before `before`; how many went."""
    return db.session.execute(delete(TapReceipt).where(TapReceipt.received_at < before)).rowcount


def set_counts(point_id: int, values: dict[tuple[date, str, str], int]) -> None:
    """Set many cells at once (a grid or an import): one statement, one transaction."""
    if not values:
        return
    insert = dialect_insert(VisitCount)
    statement = insert.on_conflict_do_update(index_elements=CELL, set_={"count": insert.excluded.count})
    db.session.execute(statement, [
        {"point_id": point_id, "day": day, "service": service, "reader_group": group, "count": count}
        for (day, service, group), count in values.items()
    ])


def set_counts_if_unchanged(point_id: int, changes: dict[tuple[date, str, str], tuple[int | None, int]]) -> bool:
    """Set each cell to its new count only if it still holds the count the grid
    was checked against (None: no row yet). False when any cell moved
    meanwhile; the caller then rolls back, so nothing of the grid is saved."""
    table = VisitCount.__table__
    for (day, service, group), (shown, new) in changes.items():
        keys = (table.c.point_id == point_id, table.c.day == day, table.c.service == service,
                table.c.reader_group == group)
        if shown is None:
            statement = dialect_insert(VisitCount).values(point_id=point_id, day=day, service=service,
                                                          reader_group=group, count=new).on_conflict_do_nothing()
        else:
            statement = update(table).where(*keys, table.c.count == shown).values(count=new)
        # RETURNING tells whether the row was written (rowcount is -1 for an insert on psycopg).
        if db.session.execute(statement.returning(table.c.id)).first() is None:
            return False
    return True


# --- Reading one point ---------------------------------------------------------------

def cell_count(point_id: int, day: date, service: str, group: str) -> int:
    return db.session.scalar(select(VisitCount.count).where(
        VisitCount.point_id == point_id, VisitCount.day == day, VisitCount.service == service,
        VisitCount.reader_group == group)) or 0


def cells(point_id: int, start: date, end: date) -> dict[tuple[date, str, str], int]:
    """Every stored cell of a point between two days."""
    rows = db.session.execute(
        select(VisitCount.day, VisitCount.service, VisitCount.reader_group, VisitCount.count)
        .where(VisitCount.point_id == point_id, VisitCount.day.between(start, end))
    )
    return {(day, service, group): count for day, service, group, count in rows}


def day_total(point_id: int, day: date) -> int:
    return db.session.scalar(select(func.coalesce(func.sum(VisitCount.count), 0)).where(
        VisitCount.point_id == point_id, VisitCount.day == day))


# --- Summaries ------------------------------------------------------------------------

def breakdown(point_ids, start: date, end: date) -> dict[tuple[str, str], int]:
    """Visits by (service, group) for the points selected by `point_ids` between two days."""
    rows = db.session.execute(
        select(VisitCount.service, VisitCount.reader_group, func.sum(VisitCount.count))
        .where(VisitCount.point_id.in_(point_ids), VisitCount.day.between(start, end))
        .group_by(VisitCount.service, VisitCount.reader_group)
    )
    return {(service, group): int(total) for service, group, total in rows}


def total(point_ids, start: date, end: date) -> int:
    return int(db.session.scalar(select(func.coalesce(func.sum(VisitCount.count), 0)).where(
        VisitCount.point_id.in_(point_ids), VisitCount.day.between(start, end))))


def totals_by_point(point_ids, start: date, end: date) -> dict[int, int]:
    """{point id: visits between two days} — one GROUP BY."""
    rows = db.session.execute(
        select(VisitCount.point_id, func.sum(VisitCount.count))
        .where(VisitCount.point_id.in_(point_ids), VisitCount.day.between(start, end))
        .group_by(VisitCount.point_id)
    )
    return {point_id: int(n) for point_id, n in rows}


def like_for_like(now: dict, before: dict) -> tuple[int, int, int]:
    """(visits now, visits before, how many were left out) over the keys that
    had visits before: a point or commune new this year has nothing to be
    compared with, so it does not inflate the growth."""
    kept = [key for key, n in before.items() if n > 0]
    left_out = sum(1 for key, n in now.items() if n > 0 and before.get(key, 0) == 0)
    return sum(now.get(key, 0) for key in kept), sum(before[key] for key in kept), left_out


def months_between(first: tuple[int, int], last: tuple[int, int]) -> list[tuple[int, int]]:
    """[(year, month)] from `first` to `last`, both included."""
    out, (year, month) = [], first
    while (year, month) <= last:
        out.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def monthly_totals(point_ids, first: tuple[int, int], last: tuple[int, int]) -> dict[tuple[int, int], int]:
    """{(year, month): visits} for the selected points, for the months from
    `first` to `last` that have any count. One statement: a range sum per month
    over ix_visit_count_point_day, glued with UNION ALL (measured ten times
    faster on SQLite than a GROUP BY over the year and month of each row,
    which sorts every row), and it reads only the months asked for."""
    months = months_between(first, last)
    if not months:
        return {}
    parts = []
    for year, month in months:
        start = date(year, month, 1)
        end = date(year + (month == 12), month % 12 + 1, 1)
        visits = (select(func.sum(VisitCount.count))
                  .where(VisitCount.point_id.in_(point_ids), VisitCount.day >= start, VisitCount.day < end)
                  .scalar_subquery())
        parts.append(select(literal(year).label("y"), literal(month).label("m"), visits.label("n")))
    rows = db.session.execute(union_all(*parts)).all()
    return {(int(y), int(m)): int(n) for y, m, n in rows if n is not None}



# --- Roll-ups for the province ----------------------------------------------------------

def visits_by_commune(province_id: int, start: date, end: date) -> dict[int, int]:
    """{commune id: visits between two days} for the communes of a province.
    Summed per point first, in the order of ix_visit_count_point_day (a range
    read per point, no sort of the rows), then per commune."""
    per_point = (
        select(VisitCount.point_id.label("point_id"), func.sum(VisitCount.count).label("visits"))
        .where(VisitCount.point_id.in_(province_point_ids(province_id)), VisitCount.day.between(start, end))
        .group_by(VisitCount.point_id)
        .subquery()
    )
    rows = db.session.execute(
        select(LibraryPoint.commune_id, func.sum(per_point.c.visits))
        .join(per_point, per_point.c.point_id == LibraryPoint.id)
        .group_by(LibraryPoint.commune_id)
    )
    return {commune_id: int(n) for commune_id, n in rows}


def months_with_visits(province_id: int, months: list[tuple[date, date]]) -> dict[int, int]:
    """{point id: how many of `months` (each a (first, last) day range) have
    recorded visits} for the points of a province. One statement of an EXISTS
    per point and month: each an index seek on ix_visit_count_point_day, never
    a read of the months' rows (a year of a province is ~350,000 of them)."""
    if not months:
        return {}
    point = LibraryPoint.__table__.alias("p")
    had = [select(VisitCount.id).where(VisitCount.point_id == point.c.id, VisitCount.day.between(first, last),
                                       VisitCount.count > 0).exists() for first, last in months]
    rows = db.session.execute(
        select(point.c.id, *[case((e, 1), else_=0) for e in had])
        .join(Unit, Unit.id == point.c.commune_id).where(Unit.parent_id == province_id))
    return {point_id: sum(flags) for point_id, *flags in rows}


def growth_by_commune(province: Unit, current: tuple[date, date], previous: tuple[date, date]) -> list[dict]:
    """Every commune of the province with its visits in `current`, in `previous`
    (the same dates a year earlier), the growth in % and the target status."""
    now = visits_by_commune(province.id, *current)
    before = visits_by_commune(province.id, *previous)
    communes = db.session.execute(
        select(Unit.id, Unit.name).where(Unit.parent_id == province.id, Unit.kind == COMMUNE,
                                         current_units(today_local()))  # a merged commune's points moved
    ).all()
    rows = []
    for commune_id, name in communes:
        visits, last_year = now.get(commune_id, 0), before.get(commune_id, 0)
        growth = growth_percent(visits, last_year)
        rows.append({"id": commune_id, "name": name, "visits": visits, "last_year": last_year, "growth": growth,
                     "status": target_status(growth, province.growth_target_min)})
    return sorted(rows, key=lambda row: fold(row["name"]))  # Vietnamese order: Đ with D, not after Z


def trend_totals(point_ids, today: date,
                 years: int = TREND_YEARS) -> tuple[dict[tuple[int, int], int], tuple[int, int]]:
    """The monthly totals a trend chart draws (charts.monthly_trend): the last
    `years` years up to the last complete month, which is returned with them
    (a running month would look like a fall)."""
    until = periods.last_complete_month(today)
    last = (until.year, until.number)
    return monthly_totals(point_ids, (last[0] - years + 1, 1), last), last
