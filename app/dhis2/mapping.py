"""The mapping file: its columns, the template pre-filled with our codes, and
the check of an upload. Every row is checked and every problem listed with
its row number; the caller saves nothing unless the whole file is good.

One sheet holds both kinds of row: a visit cell (service and reader group →
data element and category option combo) and a commune (commune code → org
unit). A row with its DHIS2 column left empty maps nothing (the template
lists every code, and the province fills in those it has)."""
import re
from dataclasses import dataclass, field

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.dhis2.models import CODE, CODE_LENGTH
from app.formatting import fold
from app.imports.pipeline import names
from app.spreadsheets import SpreadsheetError, read_table
from app.visits.models import GROUPS, SERVICES

UID_RE = re.compile(r"[A-Za-z][A-Za-z0-9]{10}")

COLUMNS = {
    "service": _l("Service"),
    "reader_group": _l("Reader group"),
    "commune_code": _l("Commune code"),
    "point": _l("Library point number"),
    "description": _l("Description"),
    "data_element": _l("DHIS2 data element (UID)"),
    "category_option_combo": _l("DHIS2 category option combo (UID)"),
    "org_unit": _l("DHIS2 org unit (UID or code)"),
}
REQUIRED = ("service", "reader_group", "commune_code", "data_element", "category_option_combo", "org_unit")
# "point" may be left out: a file without it maps communes only.


def is_uid(value: str) -> bool:
    """A DHIS2 UID: 11 characters, a letter first, then letters or digits."""
    return bool(UID_RE.fullmatch(value or ""))


@dataclass
class Checked:
    """What a mapping file (or the page's form) says, and what is wrong with it."""

    cells: dict = field(default_factory=dict)  # (service, group) → (data element, category option combo)
    units: dict = field(default_factory=dict)  # commune id → org unit
    points: dict = field(default_factory=dict)  # library point id → org unit
    errors: list = field(default_factory=list)  # (row, column label, message), as the page lists them
    by_key: list = field(default_factory=list)  # the same, (row, column key, message)

    def add(self, row, key, message):
        self.errors.append((row, str(COLUMNS[key]), message))
        self.by_key.append((row, key, message))


def _lookup(choices: dict) -> dict[str, str]:
    """Folded code or label (Vietnamese or English) → code."""
    found = {}
    for code, label in choices.items():
        found.update(dict.fromkeys(names(code, label), code))
    return found


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def header_positions(headers: list[str]) -> tuple[dict[str, int], list[str]]:
    """Column key → index in the file; the labels of the required columns missing."""
    keys = {name: key for key, label in COLUMNS.items() for name in names(key, label)}
    found = {}
    for i, header in enumerate(headers):
        key = keys.get(fold(str(header)))
        if key and key not in found:
            found[key] = i
    return found, [str(COLUMNS[key]) for key in REQUIRED if key not in found]


def commune_lookup(communes) -> dict[str, int]:
    """Commune code → id; a code Excel stripped of its leading zeros ("4" for "00004") is found too."""
    return {code: unit_id for unit_id, code, _name in communes}


def _commune_id(lookup: dict[str, int], code: str) -> int | None:
    if code in lookup:
        return lookup[code]
    if code.isdigit():
        return lookup.get(code.zfill(5))
    return None


def check_org_unit(value: str, scheme: str) -> str | None:
    """The problem with an org unit for the mapping's scheme, or None."""
    if scheme == CODE:
        if len(value) > CODE_LENGTH:
            return _("A DHIS2 code has at most %(max)d characters.", max=CODE_LENGTH)
        if value.startswith(("=", "+", "-", "@")):
            # It goes into the CSV as it is (DHIS2 matches it exactly), and a spreadsheet would run it.
            return _("A DHIS2 code cannot start with =, +, - or @.")
        return None
    return None if is_uid(value) else uid_problem()


def uid_problem() -> str:
    return _("Not a DHIS2 UID: 11 letters or digits, the first a letter.")


def check_rows(rows: list[tuple[int, dict]], communes, scheme: str, points=()) -> Checked:
    """Check every row ({column key: value}) of a mapping against our codes.
    `communes` are (id, code, name) of the province's communes, `points`
    (id, commune id, name) of its library points."""
    result = Checked()
    services, groups = _lookup(SERVICES), _lookup(GROUPS)
    lookup = commune_lookup(communes)
    point_communes = {point_id: commune_id for point_id, commune_id, _name in points}
    seen_cells, seen_units, seen_points = {}, {}, {}
    for number, raw in rows:
        cells = {key: _text(raw.get(key)) for key in COLUMNS}
        if not any(cells[key] for key in REQUIRED + ("point",)):
            continue
        is_unit = bool(cells["commune_code"] or cells["point"])
        is_cell = bool(cells["service"] or cells["reader_group"])
        if is_unit and is_cell:
            result.add(number, "commune_code",
                       _("A row maps either a visit cell (service and reader group) or a commune, not both."))
            continue
        if cells["point"]:
            _check_point(result, number, cells, lookup, point_communes, seen_points, scheme)
        elif is_unit:
            _check_unit(result, number, cells, lookup, seen_units, scheme)
        elif is_cell:
            _check_cell(result, number, cells, services, groups, seen_cells)
        else:
            result.add(number, "service", _("Name a service and a reader group, or a commune code."))
    return result


def _check_cell(result, number, cells, services, groups, seen):
    service = services.get(fold(cells["service"]))
    group = groups.get(fold(cells["reader_group"]))
    bad = False
    if service is None:
        result.add(number, "service", _("Unknown service “%(value)s”.", value=cells["service"]))
        bad = True
    if group is None:
        result.add(number, "reader_group", _("Unknown reader group “%(value)s”.", value=cells["reader_group"]))
        bad = True
    if cells["org_unit"]:
        result.add(number, "org_unit", _("An org unit belongs on a commune's row."))
        bad = True
    element, combo = cells["data_element"], cells["category_option_combo"]
    if element and not is_uid(element):
        result.add(number, "data_element", uid_problem())
        bad = True
    if combo and not is_uid(combo):
        result.add(number, "category_option_combo", uid_problem())
        bad = True
    if combo and not element:
        result.add(number, "data_element", _("A category option combo needs its data element."))
        bad = True
    if bad:
        return
    if (service, group) in seen:
        result.add(number, "service", _("This cell is already mapped on row %(row)d.", row=seen[(service, group)]))
        return
    seen[(service, group)] = number
    if element:
        result.cells[(service, group)] = (element, combo)


def _place_cells_ok(result, number, cells, scheme) -> bool:
    """A commune's or a point's row names no data element, and a sound org unit (or none)."""
    ok = True
    if cells["data_element"] or cells["category_option_combo"]:
        result.add(number, "data_element", _("A data element belongs on a visit cell's row."))
        ok = False
    problem = check_org_unit(cells["org_unit"], scheme) if cells["org_unit"] else None
    if problem:
        result.add(number, "org_unit", problem)
        ok = False
    return ok


def _check_unit(result, number, cells, lookup, seen, scheme):
    unit_id = _commune_id(lookup, cells["commune_code"])
    bad = False
    if unit_id is None:
        result.add(number, "commune_code",
                   _("Unknown commune code “%(value)s” in this province.", value=cells["commune_code"]))
        bad = True
    if not _place_cells_ok(result, number, cells, scheme) or bad:
        return
    org_unit = cells["org_unit"]
    if unit_id in seen:
        result.add(number, "commune_code", _("This commune is already mapped on row %(row)d.", row=seen[unit_id]))
        return
    seen[unit_id] = number
    if org_unit:
        result.units[unit_id] = org_unit


def _check_point(result, number, cells, lookup, point_communes, seen, scheme):
    text = cells["point"]
    point_id = int(text) if text.isdigit() and len(text) < 10 else None
    bad = False
    if point_id not in point_communes:
        result.add(number, "point", _("Unknown library point number “%(value)s” in this province.", value=text))
        bad = True
    elif cells["commune_code"] and _commune_id(lookup, cells["commune_code"]) != point_communes[point_id]:
        result.add(number, "commune_code", _("This library point is not in the commune “%(value)s”.",
                                             value=cells["commune_code"]))
        bad = True
    if not _place_cells_ok(result, number, cells, scheme) or bad:
        return
    org_unit = cells["org_unit"]
    if point_id in seen:
        result.add(number, "point", _("This library point is already mapped on row %(row)d.", row=seen[point_id]))
        return
    seen[point_id] = number
    if org_unit:
        result.points[point_id] = org_unit


def read_mapping(filename: str, data: bytes, communes, scheme: str, points=()) -> Checked:
    """A mapping file read and checked: every problem in `errors`, by row (rows
    the file's format breaks and missing columns included). SpreadsheetError
    for a file that cannot be read at all, or has no rows."""
    unreadable = []
    headers, rows = read_table(filename, data, unreadable)
    positions, missing = header_positions(headers)
    if missing:
        result = Checked()
        result.errors.append((1, ", ".join(missing),
                              _("Missing column. The first row must hold the column names of the template.")))
    elif not rows and not unreadable:
        raise SpreadsheetError(_("The file has no rows below the column names."))
    else:
        result = check_rows([(number, {key: values[i] if i < len(values) else "" for key, i in positions.items()})
                             for number, values in rows], communes, scheme, points)
    result.errors += [(number, "", message) for number, message in unreadable]
    result.errors.sort(key=lambda error: error[0])
    return result


def template_rows(communes, mapping, points=()) -> list[list]:
    """The template's rows: every visit cell, then every commune followed by its
    library points, with what the mapping holds now (empty where it maps
    nothing: a point left empty is reported with its commune)."""
    cells = {(c.service, c.reader_group): c for c in mapping.cells} if mapping else {}
    units = {u.unit_id: u.org_unit for u in mapping.units} if mapping else {}
    mapped_points = {p.point_id: p.org_unit for p in mapping.points} if mapping else {}
    rows = []
    with force_locale("vi"):
        for service, service_label in SERVICES.items():
            for group, group_label in GROUPS.items():
                cell = cells.get((service, group))
                rows.append([service, group, "", "", f"{service_label} · {group_label}",
                             cell.data_element if cell else "", cell.category_option_combo if cell else "", ""])
    by_commune = {}
    for point_id, commune_id, point_name in points:
        by_commune.setdefault(commune_id, []).append((point_id, point_name))
    for unit_id, code, name in communes:
        rows.append(["", "", code, "", name, "", "", units.get(unit_id, "")])
        for point_id, point_name in by_commune.get(unit_id, ()):
            rows.append(["", "", code, str(point_id), point_name, "", "", mapped_points.get(point_id, "")])
    return rows


def template_headers() -> list[str]:
    with force_locale("vi"):
        return [str(label) for label in COLUMNS.values()]
