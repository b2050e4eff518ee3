"""Plausibility of a day's count: the range a cell's own history expects.

DHIS2 checks a value against a min–max range per data element and org unit.
Ours is worked out from the cell's own history, robustly:

- the history of a cell (point × service × reader group) is its count on each
  day of the last 12 months when the point recorded any visit, of the same
  weekday kind (Monday–Friday, or Saturday–Sunday: a library's weekend is
  another kind of day); a day with nothing in that cell counts as 0;
- the middle is the median, the spread the median absolute deviation (scaled
  to a standard deviation, at least a quarter of the median and at least 2),
  so one mistyped 9.999 in the history moves neither;
- the range is median ± 4 spreads, widened up to 1.5 × the busy level (the
  95th percentile, but never more than the third-highest day), so a season
  seen last year (a summer of children's reading) is not unusual this year;
- a point with fewer than MIN_DAYS days of history gets the default range
  0–DEFAULT_HIGH: new points are not judged on nothing.

A value above the range, or above 0 and below it, is unusual. It is not
refused: the librarian confirms it (with a comment if they can), it is saved,
and a PlausibilityFlag lists it for the province's follow-up.
"""
from datetime import date, datetime, timedelta
from math import ceil, floor
from statistics import median

from flask_babel import gettext as _
from sqlalchemy import delete, select, tuple_

from app.extensions import db
from app.formatting import fmt_number
from app.models_base import utcnow
from app.sql import dialect_insert
from app.units.models import LibraryPoint, Unit
from app.visits.models import OPEN, PlausibilityFlag, VisitCount

WINDOW_DAYS = 365  # the history looked at: the last 12 months before the first day checked
MIN_DAYS = 8  # days of history (of the weekday kind) below which a point is judged by the default range
DEFAULT_HIGH = 60  # a new point's highest usual count per cell and day
SPREADS = 4  # how many spreads from the median a usual value may lie
MIN_HIGH = 10  # no range ends below this: a quiet cell may still see a class visit


def weekend(day: date) -> bool:
    return day.weekday() >= 5


def expected_range(history: list[int]) -> tuple[int, int]:
    """(low, high) a count is expected within, from the cell's counts on the
    days of its history (see the module's docstring)."""
    if len(history) < MIN_DAYS:
        return 0, DEFAULT_HIGH
    values = sorted(history)
    middle = median(values)
    mad = median(abs(v - middle) for v in values) * 1.4826
    spread = max(mad, middle / 4, 2)
    busy = min(_quantile(values, 0.95), values[-3])
    quiet = max(_quantile(values, 0.05), values[2])
    high = max(middle + SPREADS * spread, busy * 1.5, MIN_HIGH)
    low = max(0, min(middle - SPREADS * spread, quiet / 1.5))
    return floor(low), ceil(high)


def _quantile(values: list[int], q: float) -> float:
    position = (len(values) - 1) * q
    below = floor(position)
    above = min(below + 1, len(values) - 1)
    return values[below] + (values[above] - values[below]) * (position - below)


def is_unusual(value: int, low: int, high: int) -> bool:
    return value > high or 0 < value < low


def message(low: int, high: int) -> str:
    """What the librarian reads beside an unusual count."""
    return _("Unusual compared with the usual (usually %(low)s–%(high)s)", low=fmt_number(low), high=fmt_number(high))


class Ranges:
    """The expected ranges of one point's cells, read in one query: the last
    WINDOW_DAYS before `first_day` (the earliest day being checked)."""

    def __init__(self, point_id: int, first_day: date):
        start, end = first_day - timedelta(days=WINDOW_DAYS), first_day - timedelta(days=1)
        rows = db.session.execute(
            select(VisitCount.day, VisitCount.service, VisitCount.reader_group, VisitCount.count)
            .where(VisitCount.point_id == point_id, VisitCount.day.between(start, end), VisitCount.count > 0))
        self.cells: dict[tuple[date, str, str], int] = {}
        open_days: dict[bool, set[date]] = {False: set(), True: set()}
        for day, service, group, count in rows:
            self.cells[(day, service, group)] = count
            open_days[weekend(day)].add(day)
        self.open_days = {kind: sorted(days) for kind, days in open_days.items()}
        self._ranges: dict[tuple[bool, str, str], tuple[int, int]] = {}

    def of(self, day: date, service: str, group: str) -> tuple[int, int]:
        key = (weekend(day), service, group)
        if key not in self._ranges:
            history = [self.cells.get((d, service, group), 0) for d in self.open_days[key[0]]]
            self._ranges[key] = expected_range(history)
        return self._ranges[key]


def unusual(point_id: int, values: dict[tuple[date, str, str], int]) -> dict[tuple[date, str, str], tuple[int, int]]:
    """Of the (day, service, group) → count about to be saved, those outside
    their expected range, each with its (low, high)."""
    if not values:
        return {}
    ranges = Ranges(point_id, min(day for day, _s, _g in values))
    found = {}
    for cell, value in values.items():
        low, high = ranges.of(*cell)
        if is_unusual(value, low, high):
            found[cell] = (low, high)
    return found


def record(point_id: int, saved: dict[tuple[date, str, str], int],
           found: dict[tuple[date, str, str], tuple[int, int]], *, source: str, comment: str = "",
           user_id: int | None = None) -> None:
    """Keep the flags of the saved cells, in the save's transaction: an unusual
    value (re)opens its cell's flag, with the librarian's comment; a cell saved
    back within its range loses its flag."""
    now = utcnow()
    rows = [{"point_id": point_id, "day": day, "service": service, "reader_group": group, "value": saved[cell],
             "expected_low": low, "expected_high": high, "source": source, "comment": (comment or "")[:2000],
             "flagged_by_id": user_id, "flagged_at": now, "state": OPEN, "province_comment": "",
             "reviewed_by_id": None, "reviewed_at": None}
            for cell, (low, high) in found.items() for day, service, group in [cell]]
    if rows:
        insert = dialect_insert(PlausibilityFlag)
        keep = ("value", "expected_low", "expected_high", "source", "comment", "flagged_by_id", "flagged_at", "state",
                "province_comment", "reviewed_by_id", "reviewed_at")
        db.session.execute(insert.on_conflict_do_update(
            index_elements=("point_id", "day", "service", "reader_group"),
            set_={name: insert.excluded[name] for name in keep}), rows)
    fine = [cell for cell in saved if cell not in found]
    if fine:
        db.session.execute(delete(PlausibilityFlag).where(
            PlausibilityFlag.point_id == point_id,
            tuple_(PlausibilityFlag.day, PlausibilityFlag.service, PlausibilityFlag.reader_group).in_(fine)))


def province_flags(province_id: int, start: date, end: date) -> list[PlausibilityFlag]:
    """The flags of a province's points between two days, by commune, point and day."""
    return db.session.scalars(
        select(PlausibilityFlag).join(LibraryPoint, LibraryPoint.id == PlausibilityFlag.point_id)
        .join(Unit, Unit.id == LibraryPoint.commune_id)
        .where(Unit.parent_id == province_id, PlausibilityFlag.day.between(start, end))
        .order_by(Unit.name, LibraryPoint.name, PlausibilityFlag.day, PlausibilityFlag.service,
                  PlausibilityFlag.reader_group)).all()


def commune_flags(commune_id: int, start: date, end: date, state: str | None = None) -> list[PlausibilityFlag]:
    """The flags of a commune's points between two days (of one state when given)."""
    query = (select(PlausibilityFlag).join(LibraryPoint, LibraryPoint.id == PlausibilityFlag.point_id)
             .where(LibraryPoint.commune_id == commune_id, PlausibilityFlag.day.between(start, end))
             .order_by(PlausibilityFlag.day.desc(), PlausibilityFlag.service, PlausibilityFlag.reader_group))
    if state:
        query = query.where(PlausibilityFlag.state == state)
    return db.session.scalars(query).all()


def review(flag: PlausibilityFlag, state: str, comment: str, user_id: int, when: datetime | None = None) -> None:
    flag.state, flag.province_comment = state, comment
    flag.reviewed_by_id, flag.reviewed_at = user_id, when or utcnow()
