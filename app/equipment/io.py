"""The register as a spreadsheet: its import (checked by ItemForm) and the rows of an export."""
from datetime import date

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import extract, func, select
from werkzeug.exceptions import Conflict

from app.audit import models as audit
from app.equipment import queries, wear
from app.equipment.forms import ItemForm
from app.equipment.models import (
    CATEGORIES,
    CONDITIONS,
    EVENT_KINDS,
    FUNDING_SOURCES,
    IN_USE,
    EquipmentEvent,
    EquipmentItem,
)
from app.equipment.queries import COST_KINDS
from app.extensions import db
from app.formatting import today_local
from app.imports.pipeline import Importer
from app.units.models import LibraryPoint, Unit
from app.users.models import User

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


def asset_code_taken(code: str, holder: EquipmentItem) -> str:
    """The message for an asset code another item of the province holds, naming that item and where it is."""
    return _("Asset code %(code)s is already used for %(item)s at %(place)s.", code=code.strip(),
             item=holder.description, place=f"{holder.point.name}, {holder.point.commune.name}")


class AssetCodeTaken(Conflict):
    """A previewed file's asset code taken meanwhile (checked again under the write lock): nothing is saved."""

    show_description = True  # app.errors shows this message instead of the generic one


class EquipmentImporter(Importer):
    """Items of a library point's register, one row per item or lot, checked by ItemForm."""

    kind = "equipment"
    columns = COLUMNS
    required = ("category", "description", "quantity")
    defaults = {"condition": IN_USE, "funding_source": "other"}
    form = ItemForm
    title = _l("Import equipment")
    page_steps = _l("and fill one row per item (or per group of identical items).")
    template_filename, template_sheet = "mau-nhap-thiet-bi.xlsx", "Thiết bị"

    def example_rows(self):
        return [
            [str(CATEGORIES["computer"]), "Máy tính để bàn Dell (dự án BMGF)", "BMGF-2013-01", 5,
             str(CONDITIONS[IN_USE]), "có", str(FUNDING_SOURCES["bmgf"]), date(2013, 8, 15), 12_000_000, ""],
            [str(CATEGORIES["shelf"]), "Giá sách gỗ 5 tầng", "", 4, str(CONDITIONS[IN_USE]),
             "không", str(FUNDING_SOURCES["commune"]), date(2024, 3, 1), 1_500_000, ""],
        ]

    def check_all(self, point, rows):
        """Asset codes are unique within the province: not held by an item already, nor twice in the file."""
        coded = [row for row in rows if row.record and queries.asset_code_key(row.record.get("asset_code"))]
        holders = queries.asset_code_holders(point.commune.parent_id, [row.record["asset_code"] for row in coded])
        first_row = {}
        for row in coded:
            code = row.record["asset_code"].strip()
            key = queries.asset_code_key(code)
            if key in holders:
                row.errors["asset_code"] = asset_code_taken(code, holders[key])
            elif key in first_row:
                row.errors["asset_code"] = _("Asset code %(code)s is already used in row %(row)d of this file.",
                                             code=code, row=first_row[key])
            else:
                first_row[key] = row.number

    def locked_days(self, point, records):
        return [today_local(), *(r["received_on"] for r in records if r.get("received_on"))]

    def save(self, point, records, batch):
        rows = [{**record, "asset_code": (record.get("asset_code") or "").strip(), "point_id": point.id, "version": 1}
                for record in records]
        # Checked again here, in the write transaction the confirmation began: a code may have been taken since
        # the preview. One taken code refuses the whole file.
        queries.lock_asset_codes(point.commune.parent_id)
        holders = queries.asset_code_holders(point.commune.parent_id, [row["asset_code"] for row in rows])
        if holders:
            key, holder = next(iter(holders.items()))
            code = next(row["asset_code"] for row in rows if queries.asset_code_key(row["asset_code"]) == key)
            message = asset_code_taken(code, holder)
            db.session.rollback()
            raise AssetCodeTaken(_("%(problem)s Nothing was saved: correct the file and import it again.",
                                   problem=message))
        # All rows in one statement and one transaction: all are saved or none.
        ids = db.session.scalars(
            db.insert(EquipmentItem).returning(EquipmentItem.id, sort_by_parameter_order=True), rows
        ).all() if rows else []
        audit.record("import", point, after={"file": batch.filename, "items": len(ids), "item_ids": ids},
                     unit_id=point.commune_id)
        return len(ids)

    def back_url(self, point):
        return url_for("equipment.register", id=point.id)

    def back_label(self, point):
        return f"{_('Equipment register')} · {point.name}"

    def saved_message(self, count):
        return _("%(num)d items were imported into the register.", num=count)

    def save_label(self, count):
        return ngettext("Save %(num)d item", "Save %(num)d items", count)


# --- Export --------------------------------------------------------------------

def export_headers() -> list[str]:
    return [_("Commune"), _("Library point")] + [str(label) for label in COLUMNS.values()] + [
        _("Total value (VND)"), _("Annual wear rate (%)"), _("Accumulated wear (VND)"), _("Remaining value (VND)")]


def export_rows(point_ids_query, as_of: date | None = None):
    """Rows of the register for the points selected by `point_ids_query`, all
    conditions, with each item's wear as of `as_of` (today by default): the rate
    and the wear only for a fixed asset (app.equipment.wear), the remaining value
    for any item whose value and receipt date are known."""
    query = (
        select(EquipmentItem, LibraryPoint.name, Unit.name, Unit.parent_id)
        .join(LibraryPoint, LibraryPoint.id == EquipmentItem.point_id)
        .join(Unit, Unit.id == LibraryPoint.commune_id)
        .where(EquipmentItem.point_id.in_(point_ids_query))
        .order_by(Unit.name, LibraryPoint.name, EquipmentItem.category, EquipmentItem.description)
    )
    yes, no = _("yes"), _("no")
    as_of, limit = as_of or today_local(), wear.threshold()
    for item, point_name, commune_name, province_id in db.session.execute(query):
        worn = wear.wear_of(item.unit_value, item.received_on, as_of,
                            wear.rates_of(province_id).get(item.category, wear.DEFAULTS["other"]), limit, item.quantity)
        yield [
            commune_name, point_name, item.category_label, item.description, item.asset_code, item.quantity,
            item.condition_label, yes if item.internet_connected else no, item.funding_label,
            item.received_label if item.received_precision == "month" else item.received_on,  # "08/2013" as given
            item.unit_value, item.notes, item.total_value,
            worn.rate.rate_percent if worn and worn.subject else None,
            worn.accumulated if worn and worn.subject else None,
            worn.remaining if worn else None,
        ]


# --- Export with history: the events, and the costs per point and year --------------------------

def event_headers() -> list[str]:
    return [_("Date"), _("Commune"), _("Library point"), _("Item"), _("Asset code"), _("Event"), _("Quantity"),
            _("Cost (VND)"), _("Description"), _("Recorded by")]


def event_rows(point_ids_query):
    """Every event in the history of the points' items, oldest first. One query."""
    query = (
        select(EquipmentEvent, EquipmentItem.description, EquipmentItem.asset_code, LibraryPoint.name, Unit.name,
               User.full_name)
        .join(EquipmentItem, EquipmentItem.id == EquipmentEvent.item_id)
        .join(LibraryPoint, LibraryPoint.id == EquipmentItem.point_id)
        .join(Unit, Unit.id == LibraryPoint.commune_id)
        .outerjoin(User, User.id == EquipmentEvent.recorded_by_id)
        .where(EquipmentItem.point_id.in_(point_ids_query))
        .order_by(EquipmentEvent.occurred_on, Unit.name, LibraryPoint.name, EquipmentEvent.id)
    )
    for event, item, code, point_name, commune_name, recorded_by in db.session.execute(query):
        yield [event.occurred_on, commune_name, point_name, item, code, event.kind_label,
               getattr(event, "quantity", None),  # the quantity an event concerns, where the event carries one
               event.cost, event.description, recorded_by or ""]


def cost_headers() -> list[str]:
    return [_("Commune"), _("Library point"), _("Year")] + [str(EVENT_KINDS[k]) for k in COST_KINDS] + [_("Total")]


def cost_rows(point_ids_query):
    """Per point and year, the cost of its items' maintenance, repairs,
    replacements and upgrades by kind and in total; a point's years without any
    cost are left out. One GROUP BY."""
    year = extract("year", EquipmentEvent.occurred_on)
    query = (
        select(Unit.name, LibraryPoint.name, LibraryPoint.id, year, EquipmentEvent.kind, func.sum(EquipmentEvent.cost))
        .join(EquipmentItem, EquipmentItem.id == EquipmentEvent.item_id)
        .join(LibraryPoint, LibraryPoint.id == EquipmentItem.point_id)
        .join(Unit, Unit.id == LibraryPoint.commune_id)
        .where(EquipmentItem.point_id.in_(point_ids_query), EquipmentEvent.cost.is_not(None),
               EquipmentEvent.kind.in_(COST_KINDS))
        .group_by(Unit.name, LibraryPoint.name, LibraryPoint.id, year, EquipmentEvent.kind)
        .order_by(Unit.name, LibraryPoint.name, LibraryPoint.id, year)
    )
    rows: dict = {}
    for commune_name, point_name, point_id, event_year, kind, cost in db.session.execute(query):
        row = rows.setdefault((point_id, int(event_year)), [commune_name, point_name, int(event_year),
                                                            *([0] * len(COST_KINDS))])
        row[3 + COST_KINDS.index(kind)] += int(cost)
    return [[*row, sum(row[3:])] for row in rows.values()]


def workbook_sheets(point_ids_query) -> list:
    """The equipment workbook: the register with its wear, the events, the costs per point and year."""
    return [
        (_("Equipment"), export_headers(), export_rows(point_ids_query), None),
        (_("Events"), event_headers(), event_rows(point_ids_query), {4: 32, 9: 40, 10: 24}),
        (_("Costs by year"), cost_headers(), cost_rows(point_ids_query), {2: 28}),
    ]
