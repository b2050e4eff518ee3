"""The register as a spreadsheet: the template, reading an upload into checked
rows, and the rows of an export."""
from datetime import date, datetime

from flask_babel import force_locale, gettext as _, lazy_gettext as _l
from sqlalchemy import select

from app.equipment.models import CATEGORIES, CONDITIONS, FUNDING_SOURCES, IN_USE, EquipmentItem
from app.extensions import db
from app.formatting import fold, parse_date
from app.spreadsheets import whole_number
from app.units.models import LibraryPoint, Unit

# Column key → label; the labels are the spreadsheet's headers (in Vietnamese in the template).
COLUMNS = {
    "category": _l("Category"),
    "description": _l("Description"),
    "asset_code": _l("Asset code"),
    "quantity": _l("Quantity"),
    "condition": _l("Condition"),
    "internet_connected": _l("Connected to the internet"),
    "funding_source": _l("Funding source"),
    "received_on": _l("Received on"),
    "unit_value": _l("Unit value (VND)"),
    "notes": _l("Notes"),
}
REQUIRED = ("category", "description", "quantity")
YES = {"co", "x", "yes", "y", "1", "true", "co ket noi"}
NO = {"", "khong", "no", "n", "0", "false"}
MAX_VALUE = 10_000_000_000


def _names(key: str, label) -> set[str]:
    """Ways a header or a value may be written: the key, and the label in both languages."""
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


def template_example_rows() -> list[list]:
    with force_locale("vi"):
        return [
            [str(CATEGORIES["computer"]), "Máy tính để bàn Dell (dự án BMGF)", "BMGF-2013-01", 5, str(CONDITIONS[IN_USE]),
             "có", str(FUNDING_SOURCES["bmgf"]), date(2013, 8, 15), 12_000_000, ""],
            [str(CATEGORIES["shelf"]), "Giá sách gỗ 5 tầng", "", 4, str(CONDITIONS[IN_USE]),
             "không", str(FUNDING_SOURCES["commune"]), date(2024, 3, 1), 1_500_000, ""],
        ]


def parse_rows(headers: list[str], rows: list[tuple[int, list]]):
    """Check every row. Returns (items as dicts, errors as (row, column label,
    message)); the caller saves nothing unless errors is empty."""
    header_keys = _lookup(COLUMNS)
    positions = {}
    for i, header in enumerate(headers):
        key = header_keys.get(fold(header))
        if key and key not in positions:
            positions[key] = i
    missing = [str(COLUMNS[k]) for k in REQUIRED if k not in positions]
    if missing:
        return [], [(1, ", ".join(missing), _("Missing column. The first row must hold the column names of the template."))]

    categories, conditions, sources = _lookup(CATEGORIES), _lookup(CONDITIONS), _lookup(FUNDING_SOURCES)
    items, errors = [], []
    for number, values in rows:
        def cell(key):
            i = positions.get(key)
            value = values[i] if i is not None and i < len(values) else ""
            return value.strip() if isinstance(value, str) else value

        item, row_errors = {}, []

        def error(key, message):
            row_errors.append((number, str(COLUMNS[key]), message))

        category = categories.get(fold(cell("category")))
        if category is None:
            error("category", _("Unknown category “%(value)s”.", value=cell("category")))
        item["category"] = category

        description = str(cell("description") or "")
        if not description:
            error("description", _("A description is required."))
        elif len(description) > 200:
            error("description", _("At most %(max)d characters.", max=200))
        item["description"] = description

        asset_code = str(cell("asset_code") or "")
        if len(asset_code) > 40:
            error("asset_code", _("At most %(max)d characters.", max=40))
        item["asset_code"] = asset_code

        try:
            item["quantity"] = whole_number(cell("quantity"), 1, 10000)
        except ValueError:
            error("quantity", _("The quantity must be a whole number from 1 to 10,000."))

        raw = cell("condition")
        item["condition"] = conditions.get(fold(raw)) if raw not in ("", None) else IN_USE
        if item["condition"] is None:
            error("condition", _("Unknown condition “%(value)s”.", value=raw))

        raw = fold(cell("internet_connected") or "")
        if raw in YES:
            item["internet_connected"] = True
        elif raw in NO:
            item["internet_connected"] = False
        else:
            error("internet_connected", _("Write “có” or “không”."))
        if item.get("internet_connected") and category not in (None, "computer", "network"):
            error("internet_connected", _("Only computers and network devices are connected to the internet."))

        raw = cell("funding_source")
        item["funding_source"] = sources.get(fold(raw)) if raw not in ("", None) else "other"
        if item["funding_source"] is None:
            error("funding_source", _("Unknown funding source “%(value)s”.", value=raw))

        raw = cell("received_on")
        if isinstance(raw, datetime):
            item["received_on"] = raw.date()
        elif isinstance(raw, date):
            item["received_on"] = raw
        elif raw in ("", None):
            item["received_on"] = None
        else:
            item["received_on"] = parse_date(str(raw))
            if item["received_on"] is None:
                error("received_on", _("Enter a date as dd/mm/yyyy."))

        raw = cell("unit_value")
        if raw in ("", None):
            item["unit_value"] = None
        else:
            try:
                item["unit_value"] = whole_number(raw, 0, MAX_VALUE)
            except ValueError:
                error("unit_value", _("The value must be a whole number of đồng, 0 or more."))

        notes = str(cell("notes") or "")
        if len(notes) > 2000:
            error("notes", _("At most %(max)d characters.", max=2000))
        item["notes"] = notes

        for key in ("description", "asset_code", "notes"):
            if any(ord(c) < 32 and c not in "\t\n\r" for c in item[key]):
                error(key, _("This text contains characters that are not allowed."))
        item["row"] = number
        items.append(item)
        errors.extend(row_errors)
    return items, errors


def to_json(items: list[dict]) -> list[dict]:
    return [{**i, "received_on": i["received_on"].isoformat() if i.get("received_on") else None} for i in items]


def from_json(items: list[dict]) -> list[dict]:
    return [{**i, "received_on": date.fromisoformat(i["received_on"]) if i.get("received_on") else None} for i in items]


# --- Export --------------------------------------------------------------------

def export_headers() -> list[str]:
    return [_("Commune"), _("Library point")] + [str(label) for label in COLUMNS.values()] + [_("Total value (VND)")]


def export_rows(point_ids_query):
    """Rows of the register for the points selected by `point_ids_query`, all conditions."""
    query = (
        select(EquipmentItem, LibraryPoint.name, Unit.name)
        .join(LibraryPoint, LibraryPoint.id == EquipmentItem.point_id)
        .join(Unit, Unit.id == LibraryPoint.commune_id)
        .where(EquipmentItem.point_id.in_(point_ids_query))
        .order_by(Unit.name, LibraryPoint.name, EquipmentItem.category, EquipmentItem.description)
    )
    yes, no = _("yes"), _("no")
    for item, point_name, commune_name in db.session.execute(query):
        yield [
            commune_name, point_name, item.category_label, item.description, item.asset_code, item.quantity,
            item.condition_label, yes if item.internet_connected else no, item.funding_label, item.received_on,
            item.unit_value, item.notes, item.total_value,
        ]
