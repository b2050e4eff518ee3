from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import delete, select

from app.access import login_required_for, requires, scope_points
from app.audit import models as audit
from app.equipment import bp
from app.equipment.forms import EventForm, ItemForm, RegisterFilterForm, RestoreForm
from app.equipment.io import EquipmentImporter, export_headers, export_rows
from app.equipment.models import (
    ACTIVE_CONDITIONS, CATEGORIES, CONDITIONS, FUNDING_SOURCES, LIQUIDATED, EquipmentEvent, EquipmentItem, StockTake,
)
from app.equipment.queries import filtered_items, last_complete_stocktake, page_of, totals
from app.extensions import db
from app.formatting import today_local
from app.forms_base import EmptyForm
from app.imports import pipeline as imports
from app.imports.models import ImportBatch
from app.htmx import is_fragment_request, redirect, render, render_form_errors
from app.models_base import utcnow
from app.reports.locks import refuse_if_locked
from app.spreadsheets import csv_response, xlsx_response
from app.units.models import COMMUNE, PROVINCE, LibraryPoint, Unit

login_required_for(bp)


@bp.app_template_filter("condition")
def condition_label(key):
    return str(CONDITIONS.get(key, key))


@bp.app_template_filter("category")
def category_label(key):
    return str(CATEGORIES.get(key, key))


@bp.app_template_filter("funding")
def funding_label(key):
    return str(FUNDING_SOURCES.get(key, key))

ITEM_FIELDS = ("point_id", "category", "description", "asset_code", "quantity", "condition", "internet_connected",
               "funding_source", "received_on", "unit_value", "notes")
CHANGED = "equipment-changed"  # the htmx event that refreshes the register's totals


# --- The register -------------------------------------------------------------

FILTERS = ("category", "condition", "funding_source", "year")


def _filters():
    form = RegisterFilterForm(request.args)
    form.validate()
    return form, {name: form[name].data or None for name in FILTERS}


def _own_ids(form, item=None):
    """Field ids unique on the register page, where the filter form and
    several item rows may be open at once (names, and so posts, stay the same)."""
    for field in form:
        field.id = f"{field.name}-{item.id if item else 'new'}"
    return form


@bp.get("/points/<int:id>/equipment")
@requires("equipment.view", load=LibraryPoint)
def register(obj: LibraryPoint):
    form, filters = _filters()
    query = filtered_items(obj.id, **filters)
    items, page, pages, count = page_of(query, request.args.get("page", 1, type=int))
    args = {k: v for k, v in filters.items() if v}
    return render("equipment/register.html", "equipment/_partials/_register.html",
                  point=obj, items=items, page=page, pages=pages, count=count, filters=form, args=args,
                  totals=totals(query), last_stocktake=last_complete_stocktake(obj.id))


@bp.get("/points/<int:id>/equipment/totals")
@requires("equipment.view", load=LibraryPoint)
def register_totals(obj: LibraryPoint):
    _form, filters = _filters()
    return render("equipment/_partials/_totals.html", point=obj, totals=totals(filtered_items(obj.id, **filters)),
                  args={k: v for k, v in filters.items() if v})


# --- Items ----------------------------------------------------------------------

@bp.route("/points/<int:id>/equipment/new", methods=["GET", "POST"])
@requires("equipment.edit", load=LibraryPoint)
def item_create(obj: LibraryPoint):
    form = ItemForm()
    if is_fragment_request():
        _own_ids(form)
    context = {"point": obj, "item": None, "form": form}
    if request.method == "POST":
        if form.validate_on_submit():
            refuse_if_locked(obj, form.received_on.data or today_local())
            item = EquipmentItem(point=obj)
            form.populate_obj(item)
            db.session.add(item)
            audit.record("create", item, after=audit.snapshot(item, ITEM_FIELDS), unit_id=obj.commune_id)
            db.session.commit()
            if is_fragment_request():
                return render("equipment/_partials/_item_row.html", item=item, trigger=CHANGED, fresh=True)
            flash(_("%(item)s was added to the register.", item=item.description), "success")
            return redirect(url_for("equipment.register", id=obj.id))
        return render_form_errors("equipment/item_form.html", "equipment/_partials/_item_form_row.html", **context)
    return render("equipment/item_form.html", "equipment/_partials/_item_form_row.html", **context)


@bp.get("/equipment/<int:id>")
@requires("equipment.view", load=EquipmentItem)
def item_detail(obj: EquipmentItem):
    event_form = EventForm(formdata=None, occurred_on=today_local())
    restore_form = RestoreForm(formdata=None, occurred_on=today_local())
    return render("equipment/item_detail.html", item=obj, event_form=event_form, restore_form=restore_form,
                  history=audit.history_of(obj))


@bp.get("/equipment/<int:id>/row")
@requires("equipment.view", load=EquipmentItem)
def item_row(obj: EquipmentItem):
    return render("equipment/_partials/_item_row.html", item=obj)


def _liquidated_refusal(item: EquipmentItem):
    flash(_("%(item)s is liquidated. Restore it before changing it.", item=item.description), "error")
    if is_fragment_request():
        return render("equipment/_partials/_item_row.html", item=item, status=409)
    return redirect(url_for("equipment.item_detail", id=item.id))


@bp.route("/equipment/<int:id>/edit", methods=["GET", "POST"])
@requires("equipment.edit", load=EquipmentItem)
def item_edit(obj: EquipmentItem):
    if obj.condition == LIQUIDATED:
        return _liquidated_refusal(obj)
    form = ItemForm(obj=obj)
    if is_fragment_request():
        _own_ids(form, obj)
    if request.method == "GET":
        form.version.data = str(obj.version)
        return render("equipment/item_form.html", "equipment/_partials/_item_form_row.html",
                      point=obj.point, item=obj, form=form)
    if form.is_stale(obj):
        form = ItemForm(formdata=None, obj=obj)
        if is_fragment_request():
            _own_ids(form, obj)
        form.version.data = str(obj.version)
        form.form_errors.append(_("Someone else changed this item while you were editing. The form now shows the "
                                  "current values; make your change again."))
        return render("equipment/item_form.html", "equipment/_partials/_item_form_row.html",
                      point=obj.point, item=obj, form=form, status=409)
    if not form.validate_on_submit():
        return render_form_errors("equipment/item_form.html", "equipment/_partials/_item_form_row.html",
                                  point=obj.point, item=obj, form=form)
    changed_condition = form.condition.data != obj.condition
    refuse_if_locked(obj, obj.received_on or today_local(), form.received_on.data or today_local(),
                     *([today_local()] if changed_condition else []))
    before = audit.snapshot(obj, ITEM_FIELDS)
    old_condition = obj.condition
    form.populate_obj(obj)
    if obj.condition != old_condition:
        # A condition changed through the edit form is history too.
        db.session.add(EquipmentEvent(item=obj, kind="condition_change", occurred_on=today_local(),
                                      old_condition=old_condition, new_condition=obj.condition,
                                      recorded_by_id=current_user.id))
    audit.record("update", obj, before=before, after=audit.snapshot(obj, ITEM_FIELDS), unit_id=obj.point.commune_id)
    db.session.commit()
    if is_fragment_request():
        return render("equipment/_partials/_item_row.html", item=obj, trigger=CHANGED, fresh=True)
    flash(_("%(item)s was saved.", item=obj.description), "success")
    return redirect(url_for("equipment.item_detail", id=obj.id))


# --- History ----------------------------------------------------------------------

@bp.post("/equipment/<int:id>/events")
@requires("equipment.edit", load=EquipmentItem)
def event_create(obj: EquipmentItem):
    if obj.condition == LIQUIDATED:
        return _liquidated_refusal(obj)
    form = EventForm()
    valid = form.validate_on_submit()
    if valid and str(obj.version) != (form.version.data or ""):
        form.form_errors.append(_("Someone else changed this item meanwhile. Check its current condition and "
                                  "record the event again."))
        return render("equipment/item_detail.html", item=obj, event_form=form,
                      restore_form=RestoreForm(formdata=None, occurred_on=today_local()), status=409)
    if not valid:
        return render_form_errors("equipment/item_detail.html", item=obj, event_form=form,
                                  restore_form=RestoreForm(formdata=None, occurred_on=today_local()))
    refuse_if_locked(obj, form.occurred_on.data)
    old = obj.condition
    new = LIQUIDATED if form.kind.data == "liquidation" else (form.new_condition.data or None)
    event = EquipmentEvent(item=obj, kind=form.kind.data, occurred_on=form.occurred_on.data, cost=form.cost.data,
                           description=form.description.data or "", recorded_by_id=current_user.id)
    if new and new != old:
        # The item and its event change in one transaction.
        event.old_condition, event.new_condition = old, new
        obj.condition = new
        audit.record("update", obj, before={"condition": old}, after={"condition": new}, unit_id=obj.point.commune_id)
    db.session.add(event)
    audit.record("create", event, after={"item_id": obj.id, "kind": event.kind, "occurred_on": event.occurred_on,
                                         "cost": event.cost, "new_condition": event.new_condition},
                 unit_id=obj.point.commune_id)
    db.session.commit()
    flash(_("Recorded: %(kind)s.", kind=event.kind_label), "success")
    return redirect(url_for("equipment.item_detail", id=obj.id))


@bp.post("/equipment/<int:id>/restore")
@requires("equipment.edit", load=EquipmentItem)
def item_restore(obj: EquipmentItem):
    if obj.condition != LIQUIDATED:
        abort(409)
    form = RestoreForm()
    if not form.validate_on_submit():
        return render_form_errors("equipment/item_detail.html", item=obj, restore_form=form,
                                  event_form=EventForm(formdata=None, occurred_on=today_local()))
    if str(obj.version) != (form.version.data or ""):
        abort(409)
    refuse_if_locked(obj, form.occurred_on.data)
    event = EquipmentEvent(item=obj, kind="restore", occurred_on=form.occurred_on.data, description=form.description.data,
                           old_condition=LIQUIDATED, new_condition=form.condition.data, recorded_by_id=current_user.id)
    obj.condition = form.condition.data
    db.session.add(event)
    audit.record("restore", obj, before={"condition": LIQUIDATED}, after={"condition": obj.condition},
                 unit_id=obj.point.commune_id)
    db.session.commit()
    flash(_("%(item)s was restored to the register.", item=obj.description), "success")
    return redirect(url_for("equipment.item_detail", id=obj.id))


# --- Stock-take -------------------------------------------------------------------------

def _open_stocktake(point_id: int):
    return db.session.scalar(select(StockTake).where(StockTake.point_id == point_id, StockTake.completed_at.is_(None))
                             .order_by(StockTake.id.desc()).limit(1))


def _confirmed_ids(stocktake) -> set[int]:
    if stocktake is None:
        return set()
    return set(db.session.scalars(select(EquipmentEvent.item_id).where(EquipmentEvent.stock_take_id == stocktake.id)))


@bp.get("/points/<int:id>/stocktake")
@requires("equipment.view", load=LibraryPoint)
def stocktake(obj: LibraryPoint):
    current = _open_stocktake(obj.id)
    items = db.session.scalars(
        select(EquipmentItem).where(EquipmentItem.point_id == obj.id, EquipmentItem.condition.in_(ACTIVE_CONDITIONS))
        .order_by(EquipmentItem.category, EquipmentItem.description)
    ).all()
    return render("equipment/stocktake.html", point=obj, items=items, current=current,
                  confirmed=_confirmed_ids(current), last=last_complete_stocktake(obj.id), form=EmptyForm())


@bp.post("/points/<int:id>/stocktake")
@requires("equipment.edit", load=LibraryPoint)
def stocktake_start(obj: LibraryPoint):
    if not EmptyForm().validate_on_submit():
        abort(400)
    refuse_if_locked(obj, today_local())
    if _open_stocktake(obj.id) is None:
        st = StockTake(point=obj, started_on=today_local(), started_by_id=current_user.id)
        db.session.add(st)
        audit.record("stocktake_start", st, unit_id=obj.commune_id)
        db.session.commit()
    return redirect(url_for("equipment.stocktake", id=obj.id))


@bp.post("/equipment/<int:id>/stocktake")
@requires("equipment.edit", load=EquipmentItem)
def stocktake_confirm(obj: EquipmentItem):
    """One tap: this item is here, in the condition the register says."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    if obj.condition == LIQUIDATED:
        return _liquidated_refusal(obj)
    refuse_if_locked(obj, today_local())
    point = obj.point
    current = _open_stocktake(point.id)
    if current is None:
        current = StockTake(point=point, started_on=today_local(), started_by_id=current_user.id)
        db.session.add(current)
        db.session.flush()
    if obj.id not in _confirmed_ids(current):
        db.session.add(EquipmentEvent(item=obj, kind="stocktake", occurred_on=today_local(), stock_take=current,
                                      new_condition=obj.condition, recorded_by_id=current_user.id))
        db.session.flush()
    active_ids = set(db.session.scalars(select(EquipmentItem.id).where(
        EquipmentItem.point_id == point.id, EquipmentItem.condition.in_(ACTIVE_CONDITIONS))))
    active = len(active_ids)
    # Complete when every item active now is confirmed (not merely as many confirmations).
    completed = active_ids <= _confirmed_ids(current)
    if completed:
        current.completed_at = utcnow()
        audit.record("stocktake_complete", current, after={"items": active}, unit_id=point.commune_id)
    db.session.commit()
    if is_fragment_request():
        return render("equipment/_partials/_stocktake_row.html", item=obj, is_confirmed=True,
                      trigger="stocktake-changed", form=EmptyForm())
    if completed:
        flash(_("Stock-take complete: all %(num)d items confirmed.", num=active), "success")
    return redirect(url_for("equipment.stocktake", id=point.id))


# --- Import ----------------------------------------------------------------------------

IMPORTER = EquipmentImporter()


@bp.get("/equipment/import-template.xlsx")
@requires("equipment.template")
def import_template():
    return imports.template_response(IMPORTER)


@bp.route("/points/<int:id>/equipment/import", methods=["GET", "POST"])
@requires("equipment.edit", load=LibraryPoint)
def import_upload(obj: LibraryPoint):
    return imports.upload(IMPORTER, obj)


@bp.post("/equipment/imports/<int:id>")
@requires("equipment.import", load=ImportBatch)
def import_confirm(obj: ImportBatch):
    return imports.confirm(IMPORTER, obj)


# --- Export -------------------------------------------------------------------------------

def _export(fmt: str, filename: str, point_ids):
    if fmt == "xlsx":
        return xlsx_response(f"{filename}.xlsx", _("Equipment"), export_headers(), export_rows(point_ids))
    if fmt == "csv":
        return csv_response(f"{filename}.csv", export_headers(), export_rows(point_ids))
    abort(404)


@bp.get("/points/<int:id>/equipment/export.<fmt>")
@requires("equipment.view", load=LibraryPoint)
def export_point(obj: LibraryPoint, fmt: str):
    return _export(fmt, f"thiet-bi-diem-{obj.id}-{today_local():%Y%m%d}", select(LibraryPoint.id).where(LibraryPoint.id == obj.id))


@bp.get("/communes/<int:id>/equipment/export.<fmt>")
@requires("equipment.view", load=Unit)
def export_commune(obj: Unit, fmt: str):
    if obj.kind != COMMUNE:
        abort(404)
    return _export(fmt, f"thiet-bi-xa-{obj.code}-{today_local():%Y%m%d}",
                   select(LibraryPoint.id).where(LibraryPoint.commune_id == obj.id))


@bp.get("/provinces/<int:id>/equipment/export.<fmt>")
@requires("equipment.export_province", load=Unit)
def export_province(obj: Unit, fmt: str):
    if obj.kind != PROVINCE:
        abort(404)
    points = scope_points(select(LibraryPoint.id), current_user).where(
        LibraryPoint.commune_id.in_(select(Unit.id).where(Unit.parent_id == obj.id)))
    return _export(fmt, f"thiet-bi-tinh-{obj.code}-{today_local():%Y%m%d}", points)
