"""Attendance lists in and out: pasted lines and spreadsheets read into
checked rows (the same rules for both), the import template, and the export."""
import re

from flask_babel import force_locale, gettext as _, lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.formatting import fold, today_local
from app.training.forms import PHONE_RE
from app.training.models import FEMALE, GENDERS, MALE, MIN_BIRTH_YEAR, Attendance
from app.training.queries import duplicate_keys
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
FIELDS = ("full_name", "name_key", "gender", "birth_year", "position", "commune_id", "phone")


def _names(key: str, label) -> set[str]:
    names = {fold(key)}
    for lang in ("vi", "en"):
        with force_locale(lang):
            names.add(fold(str(label)))
    return names


def _header_keys() -> dict[str, str]:
    keys = {name: key for key, label in COLUMNS.items() for name in _names(key, label)}
    keys.update({"ho ten": "full_name", "ten": "full_name", "gioi": "gender", "nam sinh": "birth_year",
                 "chuc danh": "position", "xa": "commune", "xa/phuong": "commune", "so dien thoai": "phone",
                 "dien thoai": "phone", "sdt": "phone"})
    return keys


def _commune_lookup(province_id: int) -> dict[str, int]:
    """Folded commune names of the province, with and without their 'xã'/'phường' prefix."""
    lookup = {}
    for unit_id, name in db.session.execute(select(Unit.id, Unit.name).where(Unit.parent_id == province_id)):
        folded = fold(name)
        lookup[folded] = unit_id
        for prefix in ("xa ", "phuong ", "dac khu "):
            if folded.startswith(prefix):
                lookup[folded[len(prefix):]] = unit_id
    return lookup


def _year(value):
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError
        value = int(value)
    if isinstance(value, str):
        if not re.fullmatch(r"\d{4}", value.strip()):
            raise ValueError
        value = int(value)
    if not isinstance(value, int) or not MIN_BIRTH_YEAR <= value <= today_local().year:
        raise ValueError
    return value


def check_people(session, records):
    """Check [(row number, {column key: value})]. Returns (people as dicts,
    errors as (row, column label, message), warnings as (row, message)); the
    caller saves nothing unless errors is empty. Likely duplicates (the same
    folded name twice in the list, or already in the session) are warnings."""
    communes = _commune_lookup(session.commune.parent_id)
    people, errors = [], []
    for number, cells in records:
        def cell(key):
            value = cells.get(key, "")
            return value.strip() if isinstance(value, str) else ("" if value is None else value)

        def error(key, message):
            errors.append((number, str(COLUMNS[key]), message))

        person = {"row": number}
        name = " ".join(str(cell("full_name")).split())
        if not name:
            error("full_name", _("Enter the person's full name."))
        elif len(name) > 120:
            error("full_name", _("At most %(max)d characters.", max=120))
        person["full_name"], person["name_key"] = name, fold(name)[:120]

        raw = cell("gender")
        person["gender"] = GENDER_WORDS.get(fold(raw)) if raw != "" else None
        if person["gender"] is None:
            error("gender", _("Write “nam” or “nữ”.") if raw == "" else
                  _("Unknown gender “%(value)s”: write “nam” or “nữ”.", value=raw))

        raw = cell("birth_year")
        person["birth_year"] = None
        if raw != "":
            try:
                person["birth_year"] = _year(raw)
            except ValueError:
                error("birth_year", _("Enter a birth year from %(min)d to %(max)d.", min=MIN_BIRTH_YEAR,
                                      max=today_local().year))

        position = str(cell("position"))
        if len(position) > 120:
            error("position", _("At most %(max)d characters.", max=120))
        person["position"] = position

        raw = str(cell("commune"))
        person["commune_id"] = communes.get(fold(raw)) if raw else session.commune_id
        if person["commune_id"] is None:
            error("commune", _("“%(value)s” is not a commune of this province.", value=raw))

        phone = str(cell("phone"))
        if phone and not PHONE_RE.match(phone):
            error("phone", _("Enter a phone number of digits only, e.g. 0912 345 678."))
        person["phone"] = phone

        for key in ("full_name", "position", "phone"):
            if any(ord(c) < 32 and c not in "\t\n\r" for c in person[key]):
                error(key, _("This text contains characters that are not allowed."))
        people.append(person)
    return people, errors, duplicate_warnings(session.id, people)


def duplicate_warnings(session_id, people) -> list[tuple[int, str]]:
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


def pasted_records(text: str):
    """[(line number, cells)] from pasted lines: tab separated when copied from
    a spreadsheet, else semicolons. A first line of column names is skipped."""
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split("\t") if "\t" in line else line.split(";")
        parts = [p.strip() for p in parts]
        if not records and fold(parts[0]) in _header_keys() and _header_keys()[fold(parts[0])] == "full_name":
            continue
        records.append((number, dict(zip(PASTE_ORDER, parts))))
    return records


def file_records(headers, rows):
    """[(row number, cells)] from a spreadsheet's rows, or an error message."""
    keys = _header_keys()
    positions = {}
    for i, header in enumerate(headers):
        key = keys.get(fold(header))
        if key and key not in positions:
            positions[key] = i
    missing = [str(COLUMNS[k]) for k in ("full_name", "gender") if k not in positions]
    if missing:
        return None, (1, ", ".join(missing), _("Missing column. The first row must hold the column names of the template."))
    return [(number, {key: values[i] if i < len(values) else "" for key, i in positions.items()})
            for number, values in rows], None


def template_headers() -> list[str]:
    with force_locale("vi"):
        return [str(label) for label in COLUMNS.values()]


def template_example_rows() -> list[list]:
    return [
        ["Nguyễn Thị Hoa", "nữ", 1985, "Cán bộ văn hóa xã", "", ""],
        ["Hoàng Văn Long", "nam", 2008, "Học sinh", "", "0912 345 678"],
    ]


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
