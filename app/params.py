"""The one way to read a number, an id, a page or a date out of a query
string or a posted form.

Every value is text a stranger may have typed: whole numbers are ASCII digits
only (`"²".isdigit()` is true, and `int("１２")` reads full-width digits),
within bounds; ids fit the database's integer key; pages are capped; dates lie
between FIRST_DAY and a few years ahead. A value that is not so is None here:
a filter then ignores it, a route that cannot do without it answers 400, and a
form shows its own error.
"""
import re
from datetime import date
from urllib.parse import urlsplit

from flask import abort, request

from app.periods import FIRST_YEAR

MAX_ID = 2**31 - 1  # an integer primary key; a larger number names no row (and would overflow the driver)
MAX_PAGE = 10_000  # a list of 100 rows a page: a million rows
MAX_INT = 2**63 - 1  # the largest whole number any column holds
FIRST_DAY = date(FIRST_YEAR, 1, 1)
YEARS_AHEAD = 5  # a date this far ahead may be a plan (a deadline, a session); further is a typing slip
_DIGITS = re.compile(r"-?[0-9]{1,19}")  # ASCII only: \d would take any script's digits


def whole(value, low: int = 0, high: int = MAX_INT) -> int | None:
    """`value` as a whole number from `low` to `high`, or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _DIGITS.fullmatch(value.strip()):
        number = int(value.strip())
    else:
        return None
    return number if low <= number <= high else None


def row_id(value) -> int | None:
    """`value` as an id a row may have, or None (a select's coerce, or a query value)."""
    return whole(value, 1, MAX_ID)


def is_row_id(value) -> bool:
    return row_id(value) is not None


def last_day(today: date) -> date:
    return today.replace(year=today.year + YEARS_AHEAD, day=28 if today.month == 2 else today.day)


def day(value, today: date | None = None) -> date | None:
    """`value` (a date, or yyyy-mm-dd or dd/mm/yyyy text) if it lies from
    FIRST_DAY to YEARS_AHEAD years after today; else None."""
    from app.formatting import today_local

    if isinstance(value, str):
        from app.formatting import parse_date

        try:
            value = parse_date(value.strip()[:20])
        except (ValueError, OverflowError):
            value = None
    if not isinstance(value, date):
        return None
    return value if FIRST_DAY <= value <= last_day(today or today_local()) else None


# --- Straight from the request ------------------------------------------------------------

def arg(name: str, low: int = 0, high: int = MAX_INT, default=None):
    """A whole number from the query string; `default` when missing or invalid (a filter ignores it)."""
    number = whole(request.args.get(name), low, high)
    return default if number is None else number


def page(name: str = "page") -> int:
    """The page a list is asked for: 1 unless a whole number, at most MAX_PAGE."""
    number = whole(request.args.get(name), 1)
    return 1 if number is None else min(number, MAX_PAGE)


def posted_ids(name: str, limit: int = 1000) -> list[int]:
    """Ids posted under `name` (checkboxes): 400 if any is not an id."""
    values = request.form.getlist(name)[:limit]
    ids = [row_id(v) for v in values]
    if None in ids:
        abort(400)
    return ids


def register(app):
    """No value of a request may hold a NUL character: no page can send one,
    PostgreSQL refuses it in text (a query or an insert would fail), and a
    value with one is refused whole (400) before any view reads it."""

    @app.before_request
    def _refuse_nul():
        for values in (request.args, request.form):
            if any("\x00" in key or "\x00" in value for key, value in values.items(multi=True)):
                abort(400)
        if any("\x00" in (file.filename or "") for file in request.files.values()):
            abort(400)


CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def safe_next(target: str | None) -> str | None:
    """Only a path on this site (no scheme, no host, no //) is followed after
    login, and none with control characters (a CR/LF would break the Location
    header: a 500 after the session was made)."""
    if (not target or not target.startswith("/") or target.startswith("//") or "\\" in target
            or CONTROL_CHARS.search(target)):
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None
