"""Daily counts as a spreadsheet: one row per day, service and reader group.
The same columns go out (export) and come in (import)."""
from datetime import date, timedelta

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select

from app.audit import models as audit
from app.extensions import db
from app.formatting import fmt_number, today_local
from app.imports.pipeline import Importer
from app.reports import locks
from app.units.models import LibraryPoint, Unit
from app.visits import plausibility
from app.visits.forms import VisitRowForm
from app.visits.models import GROUPS, SERVICES, VisitCount
from app.visits.queries import set_counts

COLUMNS = {
    "day": _l("Date"),
    "service": _l("Service"),
    "reader_group": _l("Reader group"),
    "count": _l("Visits"),
}


class VisitsImporter(Importer):
    """Daily counts of a library point; each replaces the stored count of its day, service and group."""

    kind = "visits"
    columns = COLUMNS
    required = tuple(COLUMNS)
    form = VisitRowForm
    title = _l("Import visits")
    page_steps = _l("and fill one row per day, service and reader group.")
    save_note = _l("Check the preview. Nothing is saved until you confirm; then every count in the file replaces the "
                   "stored one for its day, service and group.")
    template_filename, template_sheet = "mau-nhap-luot-doc.xlsx", "Lượt bạn đọc"

    def example_rows(self):
        day = today_local() - timedelta(days=1)
        return [[day, str(SERVICES["reading"]), str(GROUPS["children"]), 12],
                [day, str(SERVICES["lending"]), str(GROUPS["adults"]), 5]]

    def check_all(self, point, rows):
        seen, locked = {}, {}
        for row in rows:
            record = row.record
            if record is None:
                continue
            day = date.fromisoformat(record["day"])
            month = (day.year, day.month)
            if month not in locked:
                locked[month] = locks.period_lock(point, day)
            if locked[month] is not None:
                row.errors.setdefault("day", _("The period %(period)s is approved and locked.",
                                               period=locked[month].period))
            key = (record["day"], record["service"], record["reader_group"])
            if key in seen:
                row.errors.setdefault("count", _("The same date, service and group are already on row %(row)d.",
                                                 row=seen[key]))
            seen.setdefault(key, row.number)
        # Unusual counts are not refused: the preview says so, and saving them lists them for the province.
        checked = {(date.fromisoformat(r.record["day"]), r.record["service"], r.record["reader_group"]): r
                   for r in rows if r.record is not None and not r.errors}
        found = plausibility.unusual(point.id, {cell: row.record["count"] for cell, row in checked.items()})
        for cell, (low, high) in found.items():
            checked[cell].warnings.append(plausibility.message(low, high))

    def locked_days(self, point, records):
        return [r["day"] for r in records]

    def save(self, point, records, batch):
        values = {(r["day"], r["service"], r["reader_group"]): r["count"] for r in records}
        found = plausibility.unusual(point.id, values)
        set_counts(point.id, values)
        plausibility.record(point.id, values, found, source="import", user_id=batch.user_id)
        days = sorted({r["day"] for r in records})
        audit.record("import", point, unit_id=point.commune_id,
                     after={"file": batch.filename, "kind": "visits", "rows": len(records),
                            "from": days[0] if days else None, "to": days[-1] if days else None})
        return len(records)

    def back_url(self, point):
        return url_for("visits.point_summary", id=point.id)

    def back_label(self, point):
        return f"{_('Reader visits')} · {point.name}"

    def saved_message(self, count):
        return _("%(num)d counts were imported.", num=count)

    def save_label(self, count):
        return ngettext("Save %(num)d count", "Save %(num)d counts", count)

    def summary(self, records):
        return _("Visits in the file: %(num)s.", num=fmt_number(sum(r["count"] for r in records)))


def export_headers() -> list[str]:
    return [_("Commune"), _("Library point")] + [str(label) for label in COLUMNS.values()]


def export_rows(point_ids, start: date, end: date):
    query = (
        select(Unit.name, LibraryPoint.name, VisitCount.day, VisitCount.service, VisitCount.reader_group,
               VisitCount.count)
        .join(LibraryPoint, LibraryPoint.id == VisitCount.point_id)
        .join(Unit, Unit.id == LibraryPoint.commune_id)
        .where(VisitCount.point_id.in_(point_ids), VisitCount.day.between(start, end), VisitCount.count > 0)
        .order_by(LibraryPoint.name, LibraryPoint.id, VisitCount.day, VisitCount.service, VisitCount.reader_group)
    )
    for commune, point, day, service, group, count in db.session.execute(query):
        yield [commune, point, day, str(SERVICES[service]), str(GROUPS[group]), count]
