"""Reporting periods: a month, a quarter or a year, and the same period a year earlier."""
import calendar
from dataclasses import dataclass
from datetime import date, timedelta

MONTH, QUARTER, YEAR = "month", "quarter", "year"


def _shift_year(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February → 28 February
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class Period:
    kind: str
    year: int
    number: int = 1  # the month or the quarter; 1 for a year

    @classmethod
    def month(cls, year: int, month: int) -> "Period":
        return cls(MONTH, year, month)

    @classmethod
    def quarter(cls, year: int, quarter: int) -> "Period":
        return cls(QUARTER, year, quarter)

    @classmethod
    def whole_year(cls, year: int) -> "Period":
        return cls(YEAR, year, 1)

    @classmethod
    def containing(cls, day: date, kind: str = MONTH) -> "Period":
        if kind == YEAR:
            return cls.whole_year(day.year)
        if kind == QUARTER:
            return cls.quarter(day.year, (day.month - 1) // 3 + 1)
        return cls.month(day.year, day.month)

    @property
    def start(self) -> date:
        if self.kind == MONTH:
            return date(self.year, self.number, 1)
        if self.kind == QUARTER:
            return date(self.year, 3 * self.number - 2, 1)
        return date(self.year, 1, 1)

    @property
    def end(self) -> date:
        if self.kind == MONTH:
            return date(self.year, self.number, calendar.monthrange(self.year, self.number)[1])
        if self.kind == QUARTER:
            last = 3 * self.number
            return date(self.year, last, calendar.monthrange(self.year, last)[1])
        return date(self.year, 12, 31)

    @property
    def label(self) -> str:
        if self.kind == MONTH:
            return f"{self.number:02d}/{self.year}"
        if self.kind == QUARTER:
            return f"Q{self.number}/{self.year}"
        return str(self.year)

    def months(self) -> list["Period"]:
        """The months the period is made of."""
        first = {MONTH: self.number, QUARTER: 3 * self.number - 2, YEAR: 1}[self.kind]
        last = {MONTH: self.number, QUARTER: 3 * self.number, YEAR: 12}[self.kind]
        return [Period.month(self.year, m) for m in range(first, last + 1)]

    def window(self, today: date) -> tuple[date, date]:
        """The days the period's figures cover: the whole period once it has
        ended; while it runs, up to the last complete day (yesterday), since a
        day still being counted would be compared with a whole day last year.
        The one rule for every tile, table, chart, export and printout; empty
        (end before start) on the period's first day."""
        return self.start, min(self.end, today - timedelta(days=1))

    def running(self, today: date) -> bool:
        return self.end >= today

    def previous_window(self, today: date) -> tuple[date, date]:
        """The same days a year earlier: the whole period (29 February
        included) once this one has ended; while it runs, the same elapsed
        days, through the last complete day's date a year ago."""
        last_year = Period(self.kind, self.year - 1, self.number)
        if not self.running(today):
            return last_year.start, last_year.end
        return last_year.start, min(last_year.end, _shift_year(today - timedelta(days=1), -1))


def growth_percent(current: int, previous: int) -> float | None:
    """Change against last year in percent; None when last year had nothing to compare with."""
    if not previous:
        return None
    return (current - previous) * 100.0 / previous


MET, CLOSE, MISSED = "met", "close", "missed"


def target_status(growth: float | None, target_min: float) -> str | None:
    """met: grew by at least the target; close: grew, but less; missed: fell."""
    if growth is None:
        return None
    if growth >= target_min:
        return MET
    if growth >= 0:
        return CLOSE
    return MISSED


# --- Which period a page shows --------------------------------------------------------
#
# One vocabulary for every page, form and link: ?kind=month|quarter|year&year=…&number=…
# (the month or the quarter). Two older spellings are still understood, so
# bookmarks keep working: ?month=YYYY-MM (a month) and ?year=…[&month=…] (a
# year, or one of its months). A bad value is never an error: with ?kind=, a
# year out of range becomes the last ended period's year and the number is
# brought into range; otherwise a period that cannot be shown — before
# FIRST_YEAR, after this year, or not of a kind the page shows — gives way to
# the page's default period.

FIRST_YEAR = 2000  # records and reports start here
SELECTABLE_YEARS = 6  # how many years back a period is offered in a form


def selectable_years(today: date, chosen: int | None = None) -> list[int]:
    """The years a period can be chosen from, newest first: this year and the
    ones before it, plus `chosen` when a link asked for an older year."""
    years = list(range(today.year, max(FIRST_YEAR, today.year - SELECTABLE_YEARS + 1) - 1, -1))
    if chosen is not None and FIRST_YEAR <= chosen < years[-1]:
        years.append(chosen)
    return years


def last_ended(kind: str, today: date) -> Period:
    """The last month (quarter, year) that has ended by `today`."""
    if kind == YEAR:
        return Period.whole_year(today.year - 1)
    return Period.containing(Period.containing(today, kind).start - timedelta(days=1), kind)


def last_complete_month(today: date) -> Period:
    return last_ended(MONTH, today)


def ended_months(today: date) -> list[Period]:
    """The months of the selectable years that have ended, newest first."""
    first = Period.month(selectable_years(today)[-1], 1)
    months, month = [], last_complete_month(today)
    while month.start >= first.start:
        months.append(month)
        month = last_complete_month(month.start)
    return months


def _whole(value) -> int | None:
    from app.params import whole  # app.params reads FIRST_YEAR from here

    return whole(value, -(10**6), 10**6)  # ASCII digits only; any period's number or year is far inside


_LIMIT = {MONTH: 12, QUARTER: 4, YEAR: 1}


def _asked(args, today: date) -> Period | None:
    """The period the query arguments name, in any spelling; None when they name none."""
    kind = args.get("kind")
    if kind in (MONTH, QUARTER, YEAR):
        last = last_ended(kind, today)
        year = _whole(args.get("year"))
        if year is None or not FIRST_YEAR <= year <= today.year:
            year = last.year
        limit = _LIMIT[kind]
        number = _whole(args.get("number"))
        if number is None:  # the last ended one of that year, or its last (a past year) or first (this year)
            number = last.number if year == last.year else (limit if year < today.year else 1)
        return Period(kind, year, min(max(1, number), limit))
    month = args.get("month") or ""
    if "-" in month:  # ?month=2026-06
        year, _dash, number = month.partition("-")
        year, number = _whole(year), _whole(number)
        return Period.month(year, number) if year is not None and number is not None else None
    year = _whole(args.get("year"))
    if year is None:
        return None
    if month == "":  # ?year=2026: the whole year
        return Period.whole_year(year)
    number = _whole(month)  # ?year=2026&month=6
    return Period.month(year, number) if number is not None else None


def checked(period: Period | None, today: date, kinds=(MONTH, QUARTER, YEAR)) -> Period | None:
    """`period` if it can be shown: of one of `kinds`, a real month or
    quarter, from FIRST_YEAR to this year; else None."""
    if period is None or period.kind not in kinds or not FIRST_YEAR <= period.year <= today.year:
        return None
    return period if 1 <= period.number <= _LIMIT[period.kind] else None


def from_args(args, today: date, kinds=(MONTH, QUARTER, YEAR), default: Period | None = None,
              optional: bool = False) -> Period | None:
    """The period a page is asked for in its query arguments (see above).
    When they name none, or one the page cannot show: `default`, or else the
    last period of the asked kind that has ended — or None when the period is
    `optional` (e.g. "all years")."""
    period = checked(_asked(args, today), today, kinds)
    if period is not None:
        return period
    if optional:
        return None
    if default is not None:
        return default
    kind = args.get("kind") if args.get("kind") in kinds else kinds[0]
    return last_ended(kind, today)


def month_of_path(year: int, month: int, today: date) -> Period | None:
    """The month named by a URL path (/…/2026/6): any month from FIRST_YEAR to
    this year's December (a deadline may be set ahead); else None (the route
    answers 404)."""
    return checked(Period(MONTH, year, month), today, (MONTH,))


def as_args(period: Period) -> dict:
    """The query arguments that name `period`: the inverse of from_args()."""
    return {"kind": period.kind, "year": period.year, "number": period.number if period.kind != YEAR else None}
