"""Attendance lists in and out: pasted lines and spreadsheets through the
import pipeline (checked by AttendeeForm, the same rules as one person typed
in), and the export."""
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select

from app.audit import models as audit
from app.extensions import db
from app.formatting import fold, today_local
from app.imports.pipeline import Importer
from app.training.forms import AttendeeForm
from app.training.models import FEMALE, GENDERS, MALE, Attendance
from app.training.queries import commune_names, duplicate_keys
from app.units import reorg
from app.units.models import Unit

# Column key → label; the labels are the spreadsheet's headers (in Vietnamese in the template).
COLUMNS = {
    "full_name": _l("Full name"),
    "gender": _l("Gender"),
    "birth_year": _l("Birth year"),
    "position": _l("Position"),
    "commune": _l("Commune"),
    "phone": _l("Phone"),
}
PASTE_ORDER = ("full_name", "gender", "birth_year", "position")
GENDER_WORDS = {"nam": MALE, "male": MALE, "m": MALE, "trai": MALE,
                "nu": FEMALE, "female": FEMALE, "f": FEMALE, "gai": FEMALE}

HEADER_ALIASES = {"ho ten": "full_name", "ten": "full_name", "gioi": "gender", "nam sinh": "birth_year",
                  "chuc danh": "position", "xa": "commune", "xa/phuong": "commune", "so dien thoai": "phone",
                  "dien thoai": "phone", "sdt": "phone"}


class AttendanceImporter(Importer):
    """People of a training session's list, pasted or from a file, checked by AttendeeForm."""

    kind = "attendance"
    owner_key = "session_id"
    columns = COLUMNS
    required = ("full_name", "gender")
    header_aliases = HEADER_ALIASES
    value_aliases = {"gender": GENDER_WORDS}
    field_of = {"commune": "commune_id"}
    plain = ("birth_year",)
    form = AttendeeForm
    title = _l("Import attendees")
    page_steps = _l("and fill one row per person.")
    template_filename, template_sheet = "mau-danh-sach-hoc-vien.xlsx", "Học viên"
    retry_template = "training/_partials/_paste_form.html"

    def example_rows(self):
        return [
            ["Nguyễn Thị Hoa", "nữ", 1985, "Cán bộ văn hóa xã", "", ""],
            ["Hoàng Văn Long", "nam", 2008, "Học sinh", "", "0912 345 678"],
        ]

    def context(self, session):
        communes = commune_names(session.commune.parent_id)
        # "Xã Tân Cương" may be written "Tân Cương"; a merged or pre-2025 name means today's commune (app.units.reorg).
        return {"session": session, "choices": communes,
                "lookup": reorg.name_lookup(session.commune.parent_id, today_local())}

    def bind(self, form, context):
        form.commune_id.choices = context["choices"]

    def prepare(self, context, data, cells):
        raw = str(cells["commune"])
        found = reorg.resolve(context["lookup"], raw) if raw else {context["session"].commune_id}
        if not found:
            return {"commune": _("“%(value)s” is not a commune of this province.", value=raw)}
        if len(found) > 1:
            names = sorted(context["lookup"].names.get(i, "") for i in found)
            return {"commune": _("“%(value)s” is now part of several communes: %(names)s. Write which one is meant.",
                                 value=raw, names=", ".join(names))}
        data["commune_id"] = str(next(iter(found)))
        return {}

    def check_all(self, session, rows):
        people = [{**row.record, "row": row.number} for row in rows if row.record is not None]
        for number, message in duplicate_warnings(session.id, people):
            next(row for row in rows if row.number == number).warnings.append(message)

    def locked_days(self, session, records):
        return [session.start_date]

    def save(self, session, records, batch):
        rows = [{**record, "session_id": session.id, "present": True, "version": 1} for record in records]
        # All rows in one statement and one transaction: all are saved or none.
        ids = db.session.scalars(
            db.insert(Attendance).returning(Attendance.id, sort_by_parameter_order=True), rows
        ).all() if rows else []
        audit.record("import", session, after={"source": batch.source, "file": batch.filename, "attendees": len(ids),
                                               "attendance_ids": ids}, unit_id=session.commune_id)
        return len(ids)

    def back_url(self, session):
        return url_for("training.session_detail", id=session.id)

    def back_label(self, session):
        return session.title

    def done_url(self, session):
        return url_for("training.session_detail", id=session.id) + "#attendees"

    def saved_message(self, count):
        return _("%(num)d people were added to the list.", num=count)

    def save_label(self, count):
        return ngettext("Save %(num)d person", "Save %(num)d people", count)


def duplicate_warnings(session_id, people) -> list[tuple[int, str]]:
    """Likely duplicates: the same folded name twice in the list, or already on the session's list."""
    existing = duplicate_keys(session_id, {p["name_key"] for p in people})
    seen, warnings = {}, []
    for person in people:
        key = person["name_key"]
        if not key:
            continue
        if key in existing:
            warnings.append((person["row"], _("%(name)s is already on this session's list.", name=person["full_name"])))
        elif key in seen:
            warnings.append((person["row"], _("%(name)s is also on line %(row)d.", name=person["full_name"],
                                              row=seen[key])))
        seen.setdefault(key, person["row"])
    return warnings


def pasted_records(text: str, importer: AttendanceImporter):
    """[(line number, cells)] from pasted lines: tab separated when copied from
    a spreadsheet, else semicolons. A first line of column names is skipped."""
    keys = importer.header_keys()
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split("\t") if "\t" in line else line.split(";")
        parts = [p.strip() for p in parts]
        if not records and keys.get(fold(parts[0])) == "full_name":
            continue
        records.append((number, dict(zip(PASTE_ORDER, parts, strict=False))))
    return records


def export_headers() -> list[str]:
    return [_("No."), *[str(label) for label in COLUMNS.values()], _("Present")]


def export_rows(session):
    rows = db.session.execute(
        select(Attendance, Unit.name).join(Unit, Unit.id == Attendance.commune_id)
        .where(Attendance.session_id == session.id).order_by(Attendance.id)
    ).all()
    yes, no = _("present"), _("absent")
    for n, (person, commune) in enumerate(rows, start=1):
        yield [n, person.full_name, person.gender_label, person.birth_year, person.position, commune, person.phone,
               yes if person.present else no]


def gender_label(key) -> str:
    return str(GENDERS.get(key, key))
