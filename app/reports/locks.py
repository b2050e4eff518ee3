"""Locked periods: an approved month makes its commune's records dated in it
read-only until the province reopens it.

Every mutating route asks refuse_if_locked() before writing; pages ask
period_lock() to say why a form is closed. The object is judged by its commune
(app.access.commune_id_of walks up the parents).
"""
from datetime import date, datetime
from typing import NamedTuple

from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.exceptions import HTTPException

from app.access import commune_id_of
from app.extensions import db
from app.formatting import fmt_date
from app.reports.models import APPROVED, PeriodReport
from app.units.models import LibraryPoint, PointMove


class PeriodLock(NamedTuple):
    period: str  # as shown to people, e.g. "06/2026"
    approved_by: str
    approved_at: datetime | None


class PeriodLocked(HTTPException):
    """Refusal to create, change or delete a record dated in an approved period."""

    code = 423
    show_description = True  # app.errors shows this message instead of the generic one

    def __init__(self, lock: PeriodLock):
        super().__init__(_("The period %(period)s was approved by %(who)s on %(date)s and is locked. "
                           "Its records cannot be changed unless the province reopens it.",
                           period=lock.period, who=lock.approved_by, date=fmt_date(lock.approved_at)))
        self.lock = lock


def period_lock(obj, day: date, for_write: bool = False) -> PeriodLock | None:
    """The approval that makes the records of `obj`'s commune dated `day`
    read-only, or None. Every mutating route asks through refuse_if_locked()."""
    commune_id = commune_id_of(obj)
    if commune_id is None or day is None:
        return None
    query = select(PeriodReport).where(
        PeriodReport.commune_id == _commune_then(obj, commune_id, day), PeriodReport.year == day.year,
        PeriodReport.month == day.month)
    if for_write:
        # PostgreSQL: the report row stays share-locked until this transaction
        # ends, so an approval waits for the write in progress (and a write
        # waits for an approval in progress, then sees it).
        query = query.with_for_update(read=True)
    report = db.session.scalar(query)
    if report is None or report.status != APPROVED:
        return None
    who = report.decided_by.full_name if report.decided_by else ""
    return PeriodLock(report.period.label, who, report.decided_at)


def point_id_of(obj) -> int | None:
    """The library point an object is recorded at (a point, or a record with a point), or None."""
    while obj is not None:
        if isinstance(obj, LibraryPoint):
            return obj.id
        if getattr(obj, "point_id", None) is not None:
            return obj.point_id
        obj = getattr(obj, "access_parent", None)
    return None


def _commune_then(obj, commune_id: int, day: date):
    """The commune whose reports govern a point's records dated `day`: the one
    it was moved from by the first merger after that day (app.units.reorg), else
    its commune today. In the same statement as the report it looks up."""
    point_id = point_id_of(obj)
    if point_id is None:
        return commune_id
    moved_from = (select(PointMove.from_unit_id).where(PointMove.point_id == point_id, PointMove.moved_on > day)
                  .order_by(PointMove.moved_on).limit(1).scalar_subquery())
    return func.coalesce(moved_from, commune_id)


def _begin_write() -> None:
    """SQLite: take the write lock now (BEGIN IMMEDIATE), so the lock check
    and the write that follows see the same state and no approval commits in
    between. (Plain reads do not open a transaction with Python's sqlite3.)"""
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        return
    if not connection.connection.driver_connection.in_transaction:
        # Through SQLAlchemy, so a lock held past the busy timeout is its
        # OperationalError (a 503 with Retry-After), not a bare sqlite3 error (a 500).
        connection.exec_driver_sql("BEGIN IMMEDIATE")


begin_write = _begin_write  # for other domains' read-then-write transactions (app.dhis2)


def refuse_if_locked(obj, *days: date) -> None:
    """Raise PeriodLocked when any of `days` lies in a locked period of `obj`'s
    commune. Periods are months: one day of each month is asked about.
    Call it before writing: from here to the commit, no approval can slip in."""
    _begin_write()
    for day in sorted({day.replace(day=1) for day in days}):
        lock = period_lock(obj, day, for_write=True)
        if lock is not None:
            raise PeriodLocked(lock)
