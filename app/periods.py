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

    def range_until(self, today: date) -> tuple[date, date]:
        """(start, end) of the period, cut at `today` while it is still running."""
        return self.start, min(self.end, today)

    def previous_year_range(self, today: date) -> tuple[date, date]:
        """The same period a year earlier — whole (29 February included) once
        this one has ended; while it runs, only as far as today's date a year
        ago, so a part of a period is compared with the same part."""
        last_year = Period(self.kind, self.year - 1, self.number)
        if self.end <= today:
            return last_year.start, last_year.end
        return last_year.start, min(last_year.end, _shift_year(today, -1))


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


def recent_years(today: date, count: int = 5) -> range:
    """The years a period can be chosen from, newest first."""
    return range(today.year, today.year - count, -1)


def _whole(value, default: int) -> int:
    try:
        return int(value) if value not in (None, "") else default
    except (TypeError, ValueError):
        return default


def from_args(args, today: date) -> Period:
    """The period a page is asked for: ?kind=month|quarter|year&year=…&number=…
    (the month or the quarter). By default the last month (quarter, year) that
    has ended; out-of-range values fall back to the nearest sensible one."""
    kind = args.get("kind") if args.get("kind") in (MONTH, QUARTER, YEAR) else MONTH
    last_ended = {
        MONTH: Period.containing(today.replace(day=1) - timedelta(days=1), MONTH),
        QUARTER: Period.containing(Period.containing(today, QUARTER).start - timedelta(days=1), QUARTER),
        YEAR: Period.whole_year(today.year - 1),
    }[kind]
    year = _whole(args.get("year"), last_ended.year)
    if not 2000 <= year <= today.year:
        year = last_ended.year
    limit = {MONTH: 12, QUARTER: 4, YEAR: 1}[kind]
    default = last_ended.number if year == last_ended.year else (limit if year < today.year else 1)
    number = min(max(1, _whole(args.get("number"), default)), limit)
    return Period(kind, year, number)
