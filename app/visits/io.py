"""Daily counts as a spreadsheet: one row per day, service and reader group.
The same columns go out (export) and come in (import)."""
from datetime import date, datetime, timedelta

from flask_babel import force_locale, gettext as _, lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.formatting import fold, parse_date
from app.spreadsheets import whole_number
from app.units.models import LibraryPoint, Unit
from app.visits.models import GROUPS, MAX_COUNT, SERVICES, VisitCount

COLUMNS = {
    "day": _l("Date"),
    "service": _l("Service"),
    "reader_group": _l("Reader group"),
    "count": _l("Visits"),
}


def _names(key: str, label) -> set[str]:
    names = {fold(key)}
    for lang in ("vi", "en"):
        with force_locale(lang):
            names.add(fold(str(label)))
    return names


def _lookup(choices: dict) -> dict[str, str]:
    return {name: key for key, label in choices.items() for name in _names(key, label)}


def template_headers() -> list[str]:
    with force_locale("vi"):
        return [str(label) for label in COLUMNS.values()]


def template_rows(today: date) -> list[list]:
    day = today - timedelta(days=1)
    with force_locale("vi"):
        return [[day, str(SERVICES["reading"]), str(GROUPS["children"]), 12],
                [day, str(SERVICES["lending"]), str(GROUPS["adults"]), 5]]


def parse_rows(headers: list[str], rows: list[tuple[int, list]], today: date, lock_of):
    """Check every row. Returns (counts as dicts, errors as (row, column, message));
    nothing may be saved unless errors is empty. `lock_of(day)` tells a locked period."""
    header_keys = _lookup(COLUMNS)
    positions = {}
    for i, header in enumerate(headers):
        key = header_keys.get(fold(header))
        if key and key not in positions:
            positions[key] = i
    missing = [str(COLUMNS[k]) for k in COLUMNS if k not in positions]
    if missing:
        return [], [(1, ", ".join(missing), _("Missing column. The first row must hold the column names of the template."))]

    services, groups = _lookup(SERVICES), _lookup(GROUPS)
    counts, errors, seen, locks = [], [], {}, {}
    for number, values in rows:
        def cell(key):
            i = positions[key]
            value = values[i] if i < len(values) else ""
            return value.strip() if isinstance(value, str) else value

        def error(key, message):
            errors.append((number, str(COLUMNS[key]), message))

        raw = cell("day")
        day = raw.date() if isinstance(raw, datetime) else raw if isinstance(raw, date) else parse_date(str(raw or ""))
        if day is None:
            error("day", _("Enter a date as dd/mm/yyyy."))
        elif day > today:
            error("day", _("The date cannot be in the future."))
        elif day.year < 2000:
            error("day", _("The date is too far in the past."))
        else:
            month = (day.year, day.month)
            if month not in locks:
                locks[month] = lock_of(day)
            if locks[month] is not None:
                error("day", _("The period %(period)s is approved and locked.", period=locks[month].period))
        service = services.get(fold(cell("service") or ""))
        if service is None:
            error("service", _("Unknown service “%(value)s”.", value=cell("service")))
        group = groups.get(fold(cell("reader_group") or ""))
        if group is None:
            error("reader_group", _("Unknown reader group “%(value)s”.", value=cell("reader_group")))
        try:
            count = whole_number(cell("count"), 0, MAX_COUNT)
        except ValueError:
            count = None
            error("count", _("Enter a whole number from 0 to 10,000."))
        if day and service and group:
            key = (day, service, group)
            if key in seen:
                error("count", _("The same date, service and group are already on row %(row)d.", row=seen[key]))
            seen.setdefault(key, number)
        counts.append({"row": number, "day": day, "service": service, "reader_group": group, "count": count or 0})
    return counts, errors


def to_json(counts: list[dict]) -> list[dict]:
    return [{**c, "day": c["day"].isoformat()} for c in counts]


def from_json(counts: list[dict]) -> list[dict]:
    return [{**c, "day": date.fromisoformat(c["day"])} for c in counts]


def export_headers() -> list[str]:
    return [_("Commune"), _("Library point")] + [str(label) for label in COLUMNS.values()]


def export_rows(point_ids, start: date, end: date):
    query = (
        select(Unit.name, LibraryPoint.name, VisitCount.day, VisitCount.service, VisitCount.reader_group, VisitCount.count)
        .join(LibraryPoint, LibraryPoint.id == VisitCount.point_id)
        .join(Unit, Unit.id == LibraryPoint.commune_id)
        .where(VisitCount.point_id.in_(point_ids), VisitCount.day.between(start, end), VisitCount.count > 0)
        .order_by(LibraryPoint.name, LibraryPoint.id, VisitCount.day, VisitCount.service, VisitCount.reader_group)
    )
    for commune, point, day, service, group, count in db.session.execute(query):
        yield [commune, point, day, str(SERVICES[service]), str(GROUPS[group]), count]
