"""QR labels (issue 16): a printable A4 sheet of labels for a point's items, and
the phone page a label's QR code opens, /a/<asset code>.

An item without an asset code is labelled /a/id-<id>. Asset codes are unique
within a province, not across provinces: /a/<code> keeps the items with that
code the user may read (app.access, "equipment.view"); none is a 404 (another
commune's item is not revealed), one opens its phone page, several (an
administrator's, or codes doubled before the rule existed) are listed to
choose from."""
from flask import abort, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.access import can, requires
from app.equipment import bp, queries
from app.equipment.label_queries import items_with_code, label_code
from app.equipment.maintenance_queries import next_due
from app.equipment.models import BROKEN, EquipmentItem
from app.formatting import today_local
from app.forms_base import EmptyForm
from app.htmx import render
from app.params import row_id
from app.units.models import LibraryPoint
from app.visits.sheet import qr_svg

SHORT_NAME = 40  # characters of the description a label has room for
PER_SHEET = 24  # 3 × 8 labels of 70 × 37 mm on an A4 page


def label_url(item: EquipmentItem) -> str:
    """The absolute URL a label's QR code holds."""
    return url_for("equipment.lookup", code=label_code(item), _external=True)


def short_name(text: str) -> str:
    return text if len(text) <= SHORT_NAME else text[:SHORT_NAME - 1].rstrip() + "…"


@bp.get("/points/<int:id>/labels")
@requires("equipment.view", load=LibraryPoint)
def labels(point: LibraryPoint):
    """Labels for the point's active items ticked in ?item= (all of them when none is ticked)."""
    items = queries.active_items(point.id)
    wanted = {row_id(value) for value in request.args.getlist("item")} - {None}
    chosen = [item for item in items if item.id in wanted] if wanted else items
    shown = [{"item": item, "code": item.asset_code.strip(), "name": short_name(item.description),
              "url": (url := label_url(item)), "qr": qr_svg(url, url)} for item in chosen]
    sheets = [shown[i:i + PER_SHEET] for i in range(0, len(shown), PER_SHEET)]
    return render("equipment/labels/sheet.html", point=point, items=items,
                  selected={item.id for item in chosen}, sheets=sheets, count=len(shown))


@bp.get("/a/<path:code>")
@requires("equipment.lookup")
def lookup(code: str):
    """What a label's QR code opens, after logging in (the login page returns here)."""
    items = [item for item in items_with_code(code) if can(current_user, "equipment.lookup", item)]
    if not items:
        abort(404)
    picked = row_id(request.args.get("item"))
    if picked is not None and len(items) > 1:
        items = [item for item in items if item.id == picked] or items
    if len(items) > 1:
        return render("equipment/labels/choose.html", code=code, items=items)
    item = items[0]
    current = queries.open_stocktake(item.point_id)
    return render("equipment/labels/phone.html", item=item, today=today_local(), form=EmptyForm(),
                  stocktake=current, confirmed=item.id in queries.confirmed_ids(current),
                  due=next_due(item), here=request.full_path.rstrip("?"), broken=BROKEN,
                  maintenance_note=_("Routine maintenance"))
