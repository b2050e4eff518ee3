"""The register as a spreadsheet: its import (checked by ItemForm) and the rows of an export."""
from datetime import date

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select

from app.audit import models as audit
from app.equipment.forms import ItemForm
from app.equipment.models import CATEGORIES, CONDITIONS, FUNDING_SOURCES, IN_USE, EquipmentItem
from app.extensions import db
from app.formatting import today_local
from app.imports.pipeline import Importer
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

    def locked_days(self, point, records):
        return [today_local(), *(r["received_on"] for r in records if r.get("received_on"))]

    def save(self, point, records, batch):
        rows = [{**record, "point_id": point.id, "version": 1} for record in records]
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
            item.condition_label, yes if item.internet_connected else no, item.funding_label,
            item.received_label if item.received_precision == "month" else item.received_on,  # "08/2013" as given
            item.unit_value, item.notes, item.total_value,
        ]
